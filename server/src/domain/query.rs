//! Validation of the query strings of the customer and address routes: Medusa's strict zod schemas, with the same
//! messages as its body validation. One engine, [`QueryParameters`], for every route.

use super::Error;

/// A query string being validated: each parameter is taken by name with its type; [`finish`](Self::finish) then
/// refuses the parameters nobody took and reports every issue at once, as Medusa does. A non-empty `locale` is
/// taken away first, as Medusa's locale middleware does (nothing here is translated).
pub struct QueryParameters<'a> {
    pairs: Vec<&'a (String, String)>,
    known: Vec<&'static str>,
    issues: Vec<String>,
}

impl<'a> QueryParameters<'a> {
    pub fn new(pairs: &'a [(String, String)]) -> Self {
        let locale_given = pairs
            .iter()
            .find(|(k, _)| k == "locale")
            .is_some_and(|(_, v)| !v.is_empty());
        Self {
            pairs: pairs
                .iter()
                .filter(|(k, _)| !(locale_given && k == "locale"))
                .collect(),
            known: Vec::new(),
            issues: Vec::new(),
        }
    }

    /// The values of `name` (or `name[]`), and whether it was sent as an object (`name[key]=…`).
    fn values(&mut self, name: &'static str) -> (Vec<&'a str>, bool, bool) {
        self.known.push(name);
        let bracketed = format!("{name}[]");
        let values: Vec<&str> = self
            .pairs
            .iter()
            .filter(|(k, _)| k == name || *k == bracketed)
            .map(|(_, v)| v.as_str())
            .collect();
        let is_array = values.len() > 1 || self.pairs.iter().any(|(k, _)| *k == bracketed);
        let is_object = self
            .pairs
            .iter()
            .any(|(k, _)| k.starts_with(&format!("{name}[")) && *k != bracketed);
        (values, is_array, is_object)
    }

    /// One value, or an issue if `name` was repeated or sent as an object.
    fn single(&mut self, name: &'static str, expected: &str) -> Option<&'a str> {
        let (values, is_array, is_object) = self.values(name);
        if is_object {
            self.wrong_type(expected, name, "[object Object]");
            None
        } else if is_array {
            self.wrong_type(expected, name, &values.join(","));
            None
        } else {
            values.first().copied()
        }
    }

    fn wrong_type(&mut self, expected: &str, name: &str, got: &str) {
        self.issues.push(format!(
            "Expected type: '{expected}' for field '{name}', got: '{got}'"
        ));
    }

    pub fn single_text(&mut self, name: &'static str) -> Option<String> {
        self.single(name, "string").map(str::to_owned)
    }

    /// Every value of `name`, repeated or not; `None` if it was not sent.
    pub fn texts(&mut self, name: &'static str) -> Option<Vec<String>> {
        let (values, _, _) = self.values(name);
        (!values.is_empty()).then(|| values.iter().map(|v| (*v).to_owned()).collect())
    }

    /// A number as JavaScript's `parseInt` reads it (`1.7` and `1e2` are 1), or an issue.
    pub fn integer(&mut self, name: &'static str) -> Option<i64> {
        let value = self.single(name, "number")?;
        let parsed = parse_int(value);
        if parsed.is_none() {
            self.wrong_type("number", name, value);
        }
        parsed
    }

    /// `true` or `false`, or an issue.
    pub fn boolean(&mut self, name: &'static str) -> Option<bool> {
        let value = self.single(name, "boolean")?;
        match value {
            "true" => Some(true),
            "false" => Some(false),
            other => {
                self.wrong_type("boolean", name, other);
                None
            }
        }
    }

    /// Refuses the parameters nobody took, with every issue found.
    pub fn finish(mut self) -> Result<(), Error> {
        let mut unknown: Vec<&str> = Vec::new();
        for (key, _) in &self.pairs {
            let name = key.split('[').next().unwrap_or(key);
            if !self.known.contains(&name) && !unknown.contains(&name) {
                unknown.push(name);
            }
        }
        if !unknown.is_empty() {
            self.issues
                .push(format!("Unrecognized fields: '{}'", unknown.join(", ")));
        }
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid_data(format!(
                "Invalid request: {}",
                self.issues.join("; ")
            )))
        }
    }
}

/// JavaScript's `parseInt(text, 10)`: leading white space, a sign, then as many digits as there are.
fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim_start();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().ok().map(|n| sign * n)
}

/// The query of the routes that take only `fields` (and `locale`): returns `fields`.
pub fn select_fields(pairs: &[(String, String)]) -> Result<Option<String>, Error> {
    let mut parameters = QueryParameters::new(pairs);
    let fields = parameters.single_text("fields");
    parameters.finish()?;
    Ok(fields)
}

/// A query string's pairs, for tests.
#[cfg(test)]
pub(crate) fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
    query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{pairs, select_fields};

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
