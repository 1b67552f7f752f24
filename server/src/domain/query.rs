//! Validation of the query string of the customer routes: Medusa's strict `{ fields?: string }`, with the
//! same messages as its body validation.

use super::Error;

/// Returns the `fields` parameter, refusing unknown parameters and a repeated or bracketed `fields`. A non-empty
/// `locale` is taken away first, as Medusa's locale middleware does (customers have nothing to translate).
pub fn select_fields(pairs: &[(String, String)]) -> Result<Option<String>, Error> {
    let locale_given = pairs
        .iter()
        .find(|(k, _)| k == "locale")
        .is_some_and(|(_, v)| !v.is_empty());
    let pairs: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !(locale_given && k == "locale"))
        .collect();
    let mut issues = Vec::new();
    let values: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "fields" || k == "fields[]")
        .map(|(_, v)| v.as_str())
        .collect();
    let is_array = values.len() > 1 || pairs.iter().any(|(k, _)| k == "fields[]");
    let is_object = pairs
        .iter()
        .any(|(k, _)| k.starts_with("fields[") && k != "fields[]");
    let fields = if is_object {
        issues
            .push("Expected type: 'string' for field 'fields', got: '[object Object]'".to_owned());
        None
    } else if is_array {
        issues.push(format!(
            "Expected type: 'string' for field 'fields', got: '{}'",
            values.join(",")
        ));
        None
    } else {
        values.first().map(|v| (*v).to_owned())
    };
    let mut unknown: Vec<&str> = Vec::new();
    for (key, _) in &pairs {
        let name = key.split('[').next().unwrap_or(key);
        if name != "fields" && !unknown.contains(&name) {
            unknown.push(name);
        }
    }
    if !unknown.is_empty() {
        issues.push(format!("Unrecognized fields: '{}'", unknown.join(", ")));
    }
    if issues.is_empty() {
        Ok(fields)
    } else {
        Err(Error::invalid_data(format!(
            "Invalid request: {}",
            issues.join("; ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::select_fields;

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_non_empty_locale_is_taken_away_and_an_empty_one_refused() {
        assert_eq!(
            select_fields(&pairs(&[("locale", "en-US"), ("fields", "id")]))
                .unwrap()
                .as_deref(),
            Some("id")
        );
        assert_eq!(
            select_fields(&pairs(&[("locale", "")]))
                .unwrap_err()
                .to_string(),
            "Invalid request: Unrecognized fields: 'locale'"
        );
    }

    #[test]
    fn returns_fields_and_refuses_others() {
        assert_eq!(
            select_fields(&pairs(&[("fields", "email")]))
                .unwrap()
                .as_deref(),
            Some("email")
        );
        assert_eq!(select_fields(&[]).unwrap(), None);
        assert_eq!(
            select_fields(&pairs(&[("foo", "1")]))
                .unwrap_err()
                .to_string(),
            "Invalid request: Unrecognized fields: 'foo'"
        );
        assert_eq!(
            select_fields(&pairs(&[("fields", "email"), ("fields", "id")]))
                .unwrap_err()
                .to_string(),
            "Invalid request: Expected type: 'string' for field 'fields', got: 'email,id'"
        );
    }
}
