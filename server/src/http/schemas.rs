//! The request and response schemas of the contract, as poem-openapi types. They declare the served spec;
//! bodies are validated and rendered by `domain` (Medusa's messages, key order and `fields` do not fit a
//! derived (de)serializer), so each field type here is a schema-only wrapper around a JSON value.

use std::borrow::Cow;

use poem_openapi::{
    Object,
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde_json::Value;

macro_rules! schema_value {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        pub struct $name(pub Value);

        impl Type for $name {
            const IS_REQUIRED: bool = true;
            type RawValueType = Value;
            type RawElementValueType = Value;

            fn name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_ref() -> MetaSchemaRef {
                MetaSchemaRef::Inline(Box::new($schema))
            }

            fn as_raw_value(&self) -> Option<&Value> {
                Some(&self.0)
            }

            fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Value> + 'a> {
                Box::new(std::iter::once(&self.0))
            }
        }

        impl ParseFromJSON for $name {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                Ok(Self(value.unwrap_or_default()))
            }
        }

        impl ToJSON for $name {
            fn to_json(&self) -> Option<Value> {
                Some(self.0.clone())
            }
        }
    };
}

fn string(format: Option<&'static str>, nullable: bool) -> MetaSchema {
    MetaSchema {
        format,
        nullable,
        ..MetaSchema::new("string")
    }
}

fn object(nullable: bool) -> MetaSchema {
    let any = Box::new(MetaSchemaRef::Inline(Box::new(MetaSchema::ANY)));
    MetaSchema {
        nullable,
        additional_properties: Some(any),
        ..MetaSchema::new("object")
    }
}

schema_value!(
    /// A string that may be null.
    NullableString, string(None, true)
);
/// Text PostgreSQL can store: anything but the NUL character.
pub const NO_NUL_PATTERN: &str = r"^[^\u0000]*$";

schema_value!(
    /// An email address, as Medusa accepts it.
    NewEmailString, MetaSchema { pattern: Some(crate::domain::email::PATTERN.into()), ..string(None, false) }
);
schema_value!(
    /// Text without the NUL character, or null.
    NewNullableString, MetaSchema { pattern: Some(NO_NUL_PATTERN.into()), ..string(None, true) }
);
schema_value!(
    /// A password.
    PasswordString, string(Some("password"), false)
);
schema_value!(
    /// A date and time, e.g. `2026-01-31T12:00:00.000Z`.
    DateTimeString, string(Some("date-time"), false)
);
schema_value!(
    /// A date and time that may be null.
    NullableDateTime, string(Some("date-time"), true)
);
schema_value!(
    /// Custom key-value pairs, or null.
    NullableMetadata, object(true)
);
schema_value!(
    /// Any key-value pairs.
    AnyObject, object(false)
);

/// An error. `code` and `type` are absent from some errors, such as `{"message": "Unauthorized"}`.
#[derive(Object)]
#[oai(rename = "Error")]
pub struct ErrorBody {
    /// A slug for the class of error, e.g. `invalid_request_error` or `unknown_error`.
    pub code: Option<String>,
    /// A slug for the kind of error, e.g. `invalid_data`, `not_allowed`, `unauthorized`, `duplicate_error`.
    #[oai(rename = "type")]
    pub kind: Option<String>,
    /// What went wrong, for people.
    pub message: String,
}

/// Unknown keys are refused.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The email of the identity, exactly as registered.
    pub identifier: String,
    /// Passed on in the event's `metadata`.
    pub metadata: Option<AnyObject>,
}

/// The new password; other keys (such as `email`) are ignored.
#[derive(Object)]
pub struct UpdatePasswordRequest {
    pub password: PasswordString,
}

/// An email and a password.
#[derive(Object)]
pub struct EmailPassCredentials {
    /// The email, used exactly as sent to identify the identity.
    pub email: String,
    /// The password.
    pub password: PasswordString,
}

#[derive(Object)]
pub struct AuthResponse {
    /// A JWT (HS256) valid for one day.
    pub token: String,
}

#[derive(Object)]
pub struct SessionResponse {
    pub user: AuthContext,
}

/// The authentication held by the session, as decoded from the token.
#[derive(Object)]
pub struct AuthContext {
    /// The customer's id, or empty before the customer exists.
    pub actor_id: String,
    /// Always `customer` on these routes.
    pub actor_type: String,
    pub auth_identity_id: String,
    /// Always `emailpass` on these routes.
    pub auth_provider: Option<String>,
    pub mfa_enabled: Option<bool>,
    pub mfa_challenge_completed_at: Option<NullableString>,
    pub app_metadata: AnyObject,
    pub user_metadata: Option<AnyObject>,
    pub iat: Option<i64>,
    pub exp: Option<i64>,
}

#[derive(Object)]
pub struct SuccessResponse {
    pub success: bool,
}

/// The customer to create. Unknown keys are refused, and so is the NUL character in any text or in
/// `metadata` (PostgreSQL cannot store it).
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct StoreCreateCustomer {
    /// The customer's email; required. Medusa's rule (zod's email pattern): no leading, trailing or doubled dot
    /// before the `@`, a domain of labels and a top-level domain of two letters or more.
    pub email: NewEmailString,
    pub company_name: Option<NewNullableString>,
    pub first_name: Option<NewNullableString>,
    pub last_name: Option<NewNullableString>,
    pub phone: Option<NewNullableString>,
    /// Custom key-value pairs.
    pub metadata: Option<NullableMetadata>,
}

#[derive(Object)]
pub struct StoreCustomerResponse {
    pub customer: StoreCustomer,
}

/// A customer. Which keys appear depends on `fields`: by default `id`, `email`, `company_name`, `first_name`,
/// `last_name`, `phone`, `metadata`, `has_account`, `deleted_at`, `created_at`, `updated_at` and `addresses`.
#[derive(Object)]
pub struct StoreCustomer {
    /// The customer's id (`cus_…`).
    pub id: String,
    /// The email as sent at sign-up. Medusa's rule (see `StoreCreateCustomer`) admits addresses that stricter
    /// `email` format checks refuse, such as local parts over 64 characters.
    pub email: Option<String>,
    pub company_name: Option<NullableString>,
    pub first_name: Option<NullableString>,
    pub last_name: Option<NullableString>,
    pub phone: Option<NullableString>,
    pub metadata: Option<NullableMetadata>,
    /// Whether the customer has a registered identity.
    pub has_account: Option<bool>,
    pub deleted_at: Option<NullableDateTime>,
    pub created_at: Option<DateTimeString>,
    pub updated_at: Option<DateTimeString>,
    pub addresses: Option<Vec<StoreCustomerAddress>>,
}

#[derive(Object)]
pub struct StoreCustomerAddress {
    pub id: String,
    pub address_name: Option<NullableString>,
    pub is_default_shipping: Option<bool>,
    pub is_default_billing: Option<bool>,
    pub customer_id: Option<String>,
    pub company: Option<NullableString>,
    pub first_name: Option<NullableString>,
    pub last_name: Option<NullableString>,
    pub address_1: Option<NullableString>,
    pub address_2: Option<NullableString>,
    pub city: Option<NullableString>,
    pub country_code: Option<NullableString>,
    pub province: Option<NullableString>,
    pub postal_code: Option<NullableString>,
    pub phone: Option<NullableString>,
    pub metadata: Option<NullableMetadata>,
    pub created_at: Option<DateTimeString>,
    pub updated_at: Option<DateTimeString>,
    /// Present in the addresses listed inside a customer.
    pub deleted_at: Option<NullableDateTime>,
}

/// The profile fields to set. Unknown keys (`email` among them) are refused, and so is the NUL character in any
/// text or in `metadata`.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct StoreUpdateCustomer {
    pub company_name: Option<NewNullableString>,
    pub first_name: Option<NewNullableString>,
    pub last_name: Option<NewNullableString>,
    pub phone: Option<NewNullableString>,
    /// Merged into the stored metadata: a key set to `""` is removed.
    pub metadata: Option<NullableMetadata>,
}

/// An address's fields, to create one or to update one (only the fields sent change). Unknown keys are refused,
/// and so is the NUL character in any text or in `metadata`. Text is stored as sent: `country_code` keeps its
/// letter case.
#[derive(Object)]
#[oai(deny_unknown_fields)]
pub struct StoreCreateCustomerAddress {
    pub address_name: Option<NewNullableString>,
    /// Make this the customer's default shipping address (the others lose the flag).
    pub is_default_shipping: Option<bool>,
    /// Make this the customer's default billing address (the others lose the flag).
    pub is_default_billing: Option<bool>,
    pub company: Option<NewNullableString>,
    pub first_name: Option<NewNullableString>,
    pub last_name: Option<NewNullableString>,
    pub address_1: Option<NewNullableString>,
    pub address_2: Option<NewNullableString>,
    pub city: Option<NewNullableString>,
    pub country_code: Option<NewNullableString>,
    pub province: Option<NewNullableString>,
    pub postal_code: Option<NewNullableString>,
    pub phone: Option<NewNullableString>,
    /// Merged into the stored metadata: a key set to `""` is removed.
    pub metadata: Option<NullableMetadata>,
}

#[derive(Object)]
pub struct StoreCustomerAddressResponse {
    pub address: StoreCustomerAddress,
}

#[derive(Object)]
pub struct StoreCustomerAddressListResponse {
    pub addresses: Vec<StoreCustomerAddress>,
    /// How many addresses match, on every page.
    pub count: i64,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Object)]
pub struct StoreCustomerAddressDeleteResponse {
    /// The customer's id, not the address's (Medusa's docs say the address's).
    pub id: String,
    pub object: String,
    pub deleted: bool,
    pub parent: StoreCustomer,
}
