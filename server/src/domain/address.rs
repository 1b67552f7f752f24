//! The customer's addresses: the bodies of the address routes, validated with Medusa's messages, the address as
//! stored, and the query of `GET /store/customers/me/addresses`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::Error;
use super::body::{self, Kind, Schema};
use super::fields::ADDRESS_FIELDS;
use super::query::QueryParameters;

/// `StoreCreateCustomerAddress` / `StoreUpdateCustomerAddress`, in Medusa's order.
const ADDRESS: &Schema = &[
    ("address_name", Kind::Text),
    ("is_default_shipping", Kind::Boolean),
    ("is_default_billing", Kind::Boolean),
    ("company", Kind::Text),
    ("first_name", Kind::Text),
    ("last_name", Kind::Text),
    ("address_1", Kind::Text),
    ("address_2", Kind::Text),
    ("city", Kind::Text),
    ("country_code", Kind::Text),
    ("province", Kind::Text),
    ("postal_code", Kind::Text),
    ("phone", Kind::Text),
    ("metadata", Kind::Record),
];

/// An address as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub id: String,
    pub customer_id: String,
    pub address_name: Option<String>,
    pub is_default_shipping: bool,
    pub is_default_billing: bool,
    pub company: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A validated address body: the fields to set, as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressUpdate(Map<String, Value>);

impl AddressUpdate {
    pub fn from_body(body: &Value) -> Result<Self, Error> {
        body::validate(body, ADDRESS).map(Self)
    }
}

impl Address {
    /// A new address of the customer: every field unset, neither default, then the body applied.
    pub fn new(id: String, customer_id: String, body: &AddressUpdate, now: DateTime<Utc>) -> Self {
        let mut address = Address {
            id,
            customer_id,
            address_name: None,
            is_default_shipping: false,
            is_default_billing: false,
            company: None,
            first_name: None,
            last_name: None,
            address_1: None,
            address_2: None,
            city: None,
            country_code: None,
            province: None,
            postal_code: None,
            phone: None,
            metadata: None,
            created_at: now,
            updated_at: now,
        };
        address.apply(body, now);
        address
    }

    /// Applies an update (metadata merged as Medusa merges it); `true` if anything changed, and then `updated_at`
    /// is `now`.
    pub fn apply(&mut self, update: &AddressUpdate, now: DateTime<Utc>) -> bool {
        let before = self.clone();
        for (name, value) in &update.0 {
            let text = value.as_str().map(str::to_owned);
            match name.as_str() {
                "is_default_shipping" => self.is_default_shipping = value.as_bool() == Some(true),
                "is_default_billing" => self.is_default_billing = value.as_bool() == Some(true),
                "metadata" => self.metadata = body::merge_metadata(self.metadata.as_ref(), value),
                _ => *self.text_mut(name) = text,
            }
        }
        let changed = *self != before;
        if changed {
            self.updated_at = now;
        }
        changed
    }

    fn text_mut(&mut self, name: &str) -> &mut Option<String> {
        match name {
            "address_name" => &mut self.address_name,
            "company" => &mut self.company,
            "first_name" => &mut self.first_name,
            "last_name" => &mut self.last_name,
            "address_1" => &mut self.address_1,
            "address_2" => &mut self.address_2,
            "city" => &mut self.city,
            "country_code" => &mut self.country_code,
            "province" => &mut self.province,
            "postal_code" => &mut self.postal_code,
            "phone" => &mut self.phone,
            _ => unreachable!("the schema lists only these"),
        }
    }

    /// The value of a text field by its column name (for `q` and the filters).
    pub fn text(&self, name: &str) -> Option<&str> {
        match name {
            "address_name" => self.address_name.as_deref(),
            "company" => self.company.as_deref(),
            "first_name" => self.first_name.as_deref(),
            "last_name" => self.last_name.as_deref(),
            "address_1" => self.address_1.as_deref(),
            "address_2" => self.address_2.as_deref(),
            "city" => self.city.as_deref(),
            "country_code" => self.country_code.as_deref(),
            "province" => self.province.as_deref(),
            "postal_code" => self.postal_code.as_deref(),
            "phone" => self.phone.as_deref(),
            _ => None,
        }
    }
}

/// The text fields `q` searches, as Medusa's address search does.
pub const SEARCHED_FIELDS: [&str; 9] = [
    "address_name",
    "company",
    "first_name",
    "last_name",
    "address_1",
    "address_2",
    "city",
    "province",
    "postal_code",
];

/// The rule for `order` as a regular expression (for the contract): a field [`order_field`] takes, with an optional
/// leading `-`.
pub fn order_pattern() -> String {
    let fields: Vec<&str> = ADDRESS_FIELDS
        .iter()
        .copied()
        .filter(|f| order_field(f).is_some())
        .collect();
    format!("^-?({})$", fields.join("|"))
}

/// Whether an address list may be ordered by this field: any field of an address but its metadata.
fn order_field(name: &str) -> Option<&'static str> {
    ADDRESS_FIELDS
        .iter()
        .copied()
        .find(|field| *field == name && *field != "metadata")
}

/// The query of `GET /store/customers/me/addresses`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressQuery {
    pub fields: Option<String>,
    pub limit: u64,
    pub offset: u64,
    /// The field to order by, and whether descending.
    pub order: (&'static str, bool),
    pub q: Option<String>,
    /// Exact filters: a field and the values it may have (any of them).
    pub filters: Vec<(&'static str, Vec<String>)>,
}

/// Medusa's default page.
const DEFAULT_LIMIT: u64 = 50;

impl AddressQuery {
    /// Validates the query string as Medusa does, with its messages. A negative `limit` or `offset` is refused
    /// (Medusa answers 500: ERRATA D11).
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Error> {
        let mut parameters = QueryParameters::new(pairs);
        let fields = parameters.single_text("fields");
        let limit = parameters.integer("limit");
        let offset = parameters.integer("offset");
        let order = parameters.single_text("order");
        let q = parameters.single_text("q");
        let city = parameters.texts("city");
        let country_code = parameters.texts("country_code");
        let postal_code = parameters.texts("postal_code");
        parameters.boolean("with_deleted");
        parameters.finish()?;
        let order = match order {
            None => ("id", false),
            Some(order) => {
                let (name, descending) = match order.strip_prefix('-') {
                    Some(name) => (name, true),
                    None => (order.as_str(), false),
                };
                let field = order_field(name).ok_or_else(|| {
                    Error::invalid_data(format!("Order field {name} is not valid"))
                })?;
                (field, descending)
            }
        };
        let count = |value: Option<i64>, default: u64, name: &str| match value {
            None => Ok(default),
            Some(value) => u64::try_from(value).map_err(|_| {
                Error::invalid_data(format!("Invalid request: '{name}' must not be negative"))
            }),
        };
        let filters = [
            ("city", city),
            ("country_code", country_code),
            ("postal_code", postal_code),
        ]
        .into_iter()
        .filter_map(|(name, values)| values.map(|values| (name, values)))
        .collect();
        Ok(AddressQuery {
            fields,
            limit: count(limit, DEFAULT_LIMIT, "limit")?,
            offset: count(offset, 0, "offset")?,
            order,
            q,
            filters,
        })
    }

    /// The page of the customer's addresses this query asks for, and how many match in all. Sorted as PostgreSQL
    /// sorts Medusa's: text by its bytes, `null` last going up and first going down, then by id.
    pub fn page(&self, addresses: Vec<Address>) -> (Vec<Address>, u64) {
        let mut matching: Vec<Address> =
            addresses.into_iter().filter(|a| self.matches(a)).collect();
        let (field, descending) = self.order;
        matching.sort_by(|a, b| {
            let order = sort_key(a, field).cmp(&sort_key(b, field));
            let order = if descending { order.reverse() } else { order };
            order.then_with(|| a.id.cmp(&b.id))
        });
        let count = matching.len() as u64;
        let page = matching
            .into_iter()
            .skip(usize::try_from(self.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(self.limit).unwrap_or(usize::MAX))
            .collect();
        (page, count)
    }

    /// Whether the address passes `q` and the filters.
    pub fn matches(&self, address: &Address) -> bool {
        let q = self.q.as_deref().map(str::to_lowercase);
        let searched = q.as_deref().is_none_or(|q| {
            SEARCHED_FIELDS.iter().any(|f| {
                address
                    .text(f)
                    .is_some_and(|v| v.to_lowercase().contains(q))
            })
        });
        searched
            && self.filters.iter().all(|(name, values)| {
                address
                    .text(name)
                    .is_some_and(|value| values.iter().any(|v| v == value))
            })
    }
}

/// What an address sorts by on `field`: `None` (null) sorts after every value, as in PostgreSQL.
fn sort_key(address: &Address, field: &str) -> (bool, String) {
    let value = match field {
        "id" => Some(address.id.clone()),
        "customer_id" => Some(address.customer_id.clone()),
        "is_default_shipping" => Some(address.is_default_shipping.to_string()),
        "is_default_billing" => Some(address.is_default_billing.to_string()),
        "created_at" => Some(super::format_timestamp(address.created_at)),
        "updated_at" => Some(super::format_timestamp(address.updated_at)),
        text => address.text(text).map(str::to_owned),
    };
    (value.is_none(), value.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::query::pairs;
    use serde_json::json;

    fn refused(query: &[(&str, &str)]) -> String {
        AddressQuery::parse(&pairs(query)).unwrap_err().to_string()
    }

    #[test]
    fn the_list_query_has_medusas_defaults_and_messages() {
        let query = AddressQuery::parse(&[]).unwrap();
        assert_eq!(
            (query.limit, query.offset, query.order),
            (50, 0, ("id", false))
        );
        let query = AddressQuery::parse(&pairs(&[
            ("limit", "1e2"),
            ("offset", "1.7"),
            ("order", "-city"),
        ]))
        .unwrap();
        assert_eq!(
            (query.limit, query.offset, query.order),
            (1, 1, ("city", true))
        );
        assert_eq!(
            refused(&[("limit", "abc"), ("foo", "1"), ("order", "nope")]),
            "Invalid request: Expected type: 'number' for field 'limit', got: 'abc'; Unrecognized fields: 'foo'"
        );
        assert_eq!(
            refused(&[("order", "nope")]),
            "Order field nope is not valid"
        );
        assert_eq!(
            refused(&[("q", "a"), ("q", "b")]),
            "Invalid request: Expected type: 'string' for field 'q', got: 'a,b'"
        );
        assert_eq!(
            refused(&[("with_deleted", "1")]),
            "Invalid request: Expected type: 'boolean' for field 'with_deleted', got: '1'"
        );
        assert!(refused(&[("limit", "-1")]).contains("negative"));
    }

    #[test]
    fn setting_a_default_flag_and_merging_metadata() {
        let now = Utc::now();
        let body = AddressUpdate::from_body(
            &json!({"city": "Paris", "is_default_billing": true, "metadata": {"a": 1}}),
        )
        .unwrap();
        let mut address = Address::new("cuaddr_1".into(), "cus_1".into(), &body, now);
        assert!(address.is_default_billing && !address.is_default_shipping);
        let update =
            AddressUpdate::from_body(&json!({"metadata": {"a": ""}, "country_code": "Gb"}))
                .unwrap();
        assert!(address.apply(&update, now));
        assert_eq!(address.metadata, Some(Map::new()));
        assert_eq!(address.country_code.as_deref(), Some("Gb"));
        assert_eq!(
            AddressUpdate::from_body(&json!({"is_default_shipping": null}))
                .unwrap_err()
                .to_string(),
            "Invalid request: Expected type: 'boolean' for field 'is_default_shipping', got: 'null'"
        );
    }

    #[test]
    fn q_ignores_letter_case_and_filters_are_exact() {
        let now = Utc::now();
        let body =
            AddressUpdate::from_body(&json!({"city": "Paris", "country_code": "FR"})).unwrap();
        let address = Address::new("cuaddr_1".into(), "cus_1".into(), &body, now);
        let matches = |query: &[(&str, &str)]| {
            AddressQuery::parse(&pairs(query))
                .unwrap()
                .matches(&address)
        };
        assert!(matches(&[("q", "pAR")]));
        assert!(matches(&[("city", "Lyon"), ("city", "Paris")]));
        assert!(!matches(&[("country_code", "fr")]));
        assert!(!matches(&[("q", "lyon")]));
    }

    #[test]
    fn a_page_is_sorted_with_nulls_last_going_up_and_counts_every_match() {
        let now = Utc::now();
        let cities = [Some("paris"), None, Some("Paris"), Some("Berlin")];
        let addresses: Vec<Address> = cities
            .iter()
            .enumerate()
            .map(|(i, city)| {
                let body = AddressUpdate::from_body(&json!({ "city": city })).unwrap();
                Address::new(format!("cuaddr_{i}"), "cus_1".into(), &body, now)
            })
            .collect();
        let page = |query: &[(&str, &str)]| {
            let (page, count) = AddressQuery::parse(&pairs(query))
                .unwrap()
                .page(addresses.clone());
            (page.iter().map(|a| a.id.clone()).collect::<Vec<_>>(), count)
        };
        assert_eq!(
            page(&[("order", "city")]),
            (
                vec![
                    "cuaddr_3".into(),
                    "cuaddr_2".into(),
                    "cuaddr_0".into(),
                    "cuaddr_1".into()
                ],
                4
            )
        );
        assert_eq!(
            page(&[("order", "-city"), ("limit", "1")]),
            (vec!["cuaddr_1".into()], 4)
        );
        assert_eq!(
            page(&[("q", "PARIS"), ("offset", "1")]),
            (vec!["cuaddr_2".into()], 2)
        );
    }
}
