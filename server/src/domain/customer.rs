//! Customers: the bodies of `POST /store/customers` and `POST /store/customers/me`, validated with Medusa's exact
//! messages, and the customer as stored.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::Error;
use super::body::{self, Kind, Schema};

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

/// `StoreCreateCustomer`, in Medusa's order.
const CREATE: &Schema = &[
    ("email", Kind::Email),
    ("company_name", Kind::Text),
    ("first_name", Kind::Text),
    ("last_name", Kind::Text),
    ("phone", Kind::Text),
    ("metadata", Kind::Record),
];

/// `StoreUpdateCustomer`: the profile, without the email.
const UPDATE: &Schema = &[
    ("company_name", Kind::Text),
    ("first_name", Kind::Text),
    ("last_name", Kind::Text),
    ("phone", Kind::Text),
    ("metadata", Kind::Record),
];

impl NewCustomer {
    /// Validates a body as Medusa's strict `StoreCreateCustomer` schema does, with its messages.
    pub fn from_body(body: &Value) -> Result<Self, Error> {
        let fields = body::validate(body, CREATE)?;
        Ok(NewCustomer {
            email: body::text_of(&fields, "email"),
            company_name: body::text_of(&fields, "company_name"),
            first_name: body::text_of(&fields, "first_name"),
            last_name: body::text_of(&fields, "last_name"),
            phone: body::text_of(&fields, "phone"),
            metadata: fields.get("metadata").and_then(Value::as_object).cloned(),
        })
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

/// A validated body of `POST /store/customers/me`: the fields to set, as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileUpdate(Map<String, Value>);

impl ProfileUpdate {
    pub fn from_body(body: &Value) -> Result<Self, Error> {
        body::validate(body, UPDATE).map(Self)
    }
}

impl Customer {
    /// Applies a profile update (metadata merged as Medusa merges it); `true` if anything changed, and then
    /// `updated_at` is `now`.
    pub fn apply(&mut self, update: &ProfileUpdate, now: DateTime<Utc>) -> bool {
        let before = self.clone();
        for (name, value) in &update.0 {
            let text = value.as_str().map(str::to_owned);
            match name.as_str() {
                "company_name" => self.company_name = text,
                "first_name" => self.first_name = text,
                "last_name" => self.last_name = text,
                "phone" => self.phone = text,
                "metadata" => self.metadata = body::merge_metadata(self.metadata.as_ref(), value),
                _ => unreachable!("the schema lists only these"),
            }
        }
        let changed = *self != before;
        if changed {
            self.updated_at = now;
        }
        changed
    }
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
    fn a_profile_update_refuses_the_email_and_changes_only_what_it_sends() {
        assert_eq!(
            ProfileUpdate::from_body(&json!({"email": "a@b.co"}))
                .unwrap_err()
                .to_string(),
            "Invalid request: Unrecognized fields: 'email'"
        );
        let created = Utc::now() - chrono::Duration::hours(1);
        let mut customer = Customer {
            id: "cus_1".into(),
            email: Some("a@b.co".into()),
            company_name: None,
            first_name: Some("Al".into()),
            last_name: None,
            phone: None,
            metadata: json!({"a": 1}).as_object().cloned(),
            has_account: true,
            created_at: created,
            updated_at: created,
            deleted_at: None,
        };
        let now = Utc::now();
        let nothing =
            ProfileUpdate::from_body(&json!({"first_name": "Al", "metadata": {}})).unwrap();
        assert!(!customer.apply(&nothing, now));
        assert_eq!(customer.updated_at, created);
        let update =
            ProfileUpdate::from_body(&json!({"phone": "", "metadata": {"a": "", "b": 2}})).unwrap();
        assert!(customer.apply(&update, now));
        assert_eq!(customer.phone.as_deref(), Some(""));
        assert_eq!(customer.metadata, json!({"b": 2}).as_object().cloned());
        assert_eq!(customer.updated_at, now);
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
