//! Customers: the validation of `POST /store/customers` bodies with Medusa's exact messages, and the
//! customer as stored.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{Error, email, js::to_js_string, text};

/// The validated body of `POST /store/customers`; `email` may still be absent (Medusa checks that later).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewCustomer {
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Map<String, Value>>,
}

/// A customer as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: String,
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub has_account: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

const STRING_FIELDS: [&str; 4] = ["company_name", "first_name", "last_name", "phone"];
const KNOWN_FIELDS: [&str; 6] = [
    "email",
    "company_name",
    "first_name",
    "last_name",
    "phone",
    "metadata",
];
/// Medusa reports at most this many problems in one message.
const MAX_ISSUES: usize = 3;

impl NewCustomer {
    /// Validates a body as Medusa's strict `StoreCreateCustomer` schema does, with its messages:
    /// `Invalid request: <up to three issues joined by "; ">`.
    pub fn from_body(body: &Value) -> Result<Self, Error> {
        let Value::Object(fields) = body else {
            return Err(invalid(vec!["Field '' is required".into()]));
        };
        let mut issues = Vec::new();
        let mut customer = NewCustomer::default();
        match fields.get("email") {
            None | Some(Value::Null) => {}
            Some(Value::String(value)) if email::is_valid(value) => {
                customer.email = Some(value.clone())
            }
            Some(Value::String(_)) => issues.push("Invalid email address".into()),
            Some(other) => issues.push(wrong_type("string", "email", other)),
        }
        for name in STRING_FIELDS {
            match fields.get(name) {
                None | Some(Value::Null) => {}
                Some(Value::String(value)) => *customer.string_field(name) = Some(value.clone()),
                Some(other) => issues.push(wrong_type("string", name, other)),
            }
        }
        match fields.get("metadata") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => customer.metadata = Some(map.clone()),
            Some(other) => issues.push(wrong_type("record", "metadata", other)),
        }
        let unknown: Vec<&str> = fields
            .keys()
            .map(String::as_str)
            .filter(|key| !KNOWN_FIELDS.contains(key))
            .collect();
        if !unknown.is_empty() {
            issues.push(format!("Unrecognized fields: '{}'", unknown.join(", ")));
        }
        if !issues.is_empty() {
            return Err(invalid(issues));
        }
        if customer.has_nul() {
            return Err(invalid(vec![
                "Text fields and metadata cannot contain the NUL character (\\u0000)".into(),
            ]));
        }
        Ok(customer)
    }

    /// PostgreSQL cannot store a NUL (Medusa answers 500); see `text`.
    fn has_nul(&self) -> bool {
        [
            &self.company_name,
            &self.first_name,
            &self.last_name,
            &self.phone,
        ]
        .into_iter()
        .flatten()
        .any(|value| text::has_nul(value))
            || self.metadata.iter().any(|map| {
                map.iter()
                    .any(|(k, v)| text::has_nul(k) || text::value_has_nul(v))
            })
    }

    fn string_field(&mut self, name: &str) -> &mut Option<String> {
        match name {
            "company_name" => &mut self.company_name,
            "first_name" => &mut self.first_name,
            "last_name" => &mut self.last_name,
            "phone" => &mut self.phone,
            _ => unreachable!("only the string fields are listed"),
        }
    }

    /// The email Medusa requires once validation passed (an absent or null email is refused only now).
    pub fn required_email(&self) -> Result<&str, Error> {
        match self.email.as_deref() {
            Some(email) if !email.is_empty() => Ok(email),
            _ => Err(Error::invalid_data(
                "Email is required to create a customer",
            )),
        }
    }
}

fn wrong_type(expected: &str, field: &str, got: &Value) -> String {
    format!(
        "Expected type: '{expected}' for field '{field}', got: '{}'",
        to_js_string(got)
    )
}

fn invalid(issues: Vec<String>) -> Error {
    let shown: Vec<String> = issues.into_iter().take(MAX_ISSUES).collect();
    Error::invalid_data(format!("Invalid request: {}", shown.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(body: Value) -> String {
        NewCustomer::from_body(&body).unwrap_err().to_string()
    }

    #[test]
    fn accepts_nulls_and_valid_values() {
        let customer = NewCustomer::from_body(&json!({
            "email": "a@b.co", "first_name": null, "phone": "1", "metadata": {"k": [1]}
        }))
        .unwrap();
        assert_eq!(customer.email.as_deref(), Some("a@b.co"));
        assert_eq!(customer.first_name, None);
        assert_eq!(customer.phone.as_deref(), Some("1"));
    }

    #[test]
    fn reports_wrong_types_with_the_javascript_value() {
        assert_eq!(
            message(json!({"phone": 5})),
            "Invalid request: Expected type: 'string' for field 'phone', got: '5'"
        );
        assert_eq!(
            message(json!({"metadata": "x"})),
            "Invalid request: Expected type: 'record' for field 'metadata', got: 'x'"
        );
    }

    #[test]
    fn lists_field_issues_before_unknown_keys_and_at_most_three() {
        assert_eq!(
            message(
                json!({"x": 1, "email": "nope", "first_name": 1, "last_name": true, "phone": 2})
            ),
            "Invalid request: Invalid email address; Expected type: 'string' for field 'first_name', got: '1'; \
             Expected type: 'string' for field 'last_name', got: 'true'"
        );
        assert_eq!(
            message(json!({"b": 1, "a": 2})),
            "Invalid request: Unrecognized fields: 'b, a'"
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        assert_eq!(message(json!([])), "Invalid request: Field '' is required");
    }

    #[test]
    fn an_absent_or_null_email_passes_validation_but_is_required_later() {
        let customer = NewCustomer::from_body(&json!({"email": null})).unwrap();
        assert_eq!(
            customer.required_email().unwrap_err().to_string(),
            "Email is required to create a customer"
        );
    }
}
