//! The `fields` query parameter of the customer routes, with Medusa's semantics: a plain list replaces the
//! defaults, `+f` (or a `+` decoded to a space) adds, `-f` removes, `*relation` / `relation.*` select a relation;
//! fields that are not allowed are dropped silently; `id` is always returned. Keys come out in the order Medusa
//! gives them: the selected attributes in selection order, then the relations.

use serde_json::{Map, Value};

use super::{Address, Customer};

const DEFAULT_FIELDS: [&str; 12] = [
    "id",
    "email",
    "company_name",
    "first_name",
    "last_name",
    "phone",
    "metadata",
    "has_account",
    "deleted_at",
    "created_at",
    "updated_at",
    "*addresses",
];

/// An address's fields, in the order of the address routes' answers.
pub const ADDRESS_FIELDS: [&str; 18] = [
    "id",
    "address_name",
    "company",
    "customer_id",
    "first_name",
    "last_name",
    "address_1",
    "address_2",
    "city",
    "province",
    "postal_code",
    "country_code",
    "phone",
    "metadata",
    "is_default_shipping",
    "is_default_billing",
    "created_at",
    "updated_at",
];

/// An address inside a customer (`*addresses`): Medusa's order there differs from the address routes', and adds
/// `deleted_at`.
const NESTED_ADDRESS_FIELDS: [&str; 19] = [
    "id",
    "address_name",
    "is_default_shipping",
    "is_default_billing",
    "company",
    "first_name",
    "last_name",
    "address_1",
    "address_2",
    "city",
    "country_code",
    "province",
    "postal_code",
    "phone",
    "metadata",
    "customer_id",
    "created_at",
    "updated_at",
    "deleted_at",
];

/// The relations a customer can be selected with. Customers have no orders here, so `orders` is always an empty
/// list.
const RELATIONS: [&str; 2] = ["addresses", "orders"];

/// What a selection is made of: the default fields and which fields may be selected.
struct Catalog {
    defaults: &'static [&'static str],
    allowed: fn(&str) -> bool,
}

const CUSTOMER: Catalog = Catalog {
    defaults: &DEFAULT_FIELDS,
    allowed: is_allowed,
};

/// The address routes' own `fields`: an address's fields, no relation.
const ADDRESS: Catalog = Catalog {
    defaults: &ADDRESS_FIELDS,
    allowed: |field| ADDRESS_FIELDS.contains(&field),
};

/// A selection of customer fields, in Medusa's order.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSelection {
    fields: Vec<String>,
    star_relations: Vec<String>,
}

impl FieldSelection {
    /// Parses the `fields` parameter of a customer (already URL-decoded), `None` meaning the defaults.
    pub fn parse(fields: Option<&str>) -> Self {
        Self::parse_in(fields, &CUSTOMER)
    }

    /// Parses the `fields` parameter of the address routes that answer with addresses.
    pub fn parse_address(fields: Option<&str>) -> Self {
        Self::parse_in(fields, &ADDRESS)
    }

    fn parse_in(fields: Option<&str>, catalog: &Catalog) -> Self {
        let is_allowed = catalog.allowed;
        let mut all: Vec<String> = catalog.defaults.iter().map(|f| f.to_string()).collect();
        if let Some(fields) = fields {
            let custom: Vec<&str> = fields.split(',').filter(|f| !f.is_empty()).collect();
            if replaces_defaults(&custom) {
                all.clear();
                for field in &custom {
                    insert(&mut all, strip_modifier(field));
                }
            } else {
                apply_modifiers(&custom, &mut all);
            }
            insert(&mut all, "id".into());
        }
        let (star, plain): (Vec<String>, Vec<String>) = all
            .into_iter()
            .partition(|f| f.starts_with('*') || f.ends_with(".*"));
        let star_relations = star.iter().map(|f| strip_star(f)).collect::<Vec<_>>();
        let mut selection = Self {
            fields: plain,
            star_relations: Vec::new(),
        };
        selection.fields.retain(|f| is_allowed(f));
        for relation in star_relations {
            if is_allowed(&relation) && !selection.star_relations.contains(&relation) {
                selection.star_relations.push(relation);
            }
        }
        selection
    }

    /// Whether rendering needs the customer's addresses.
    pub fn needs_addresses(&self) -> bool {
        self.star_relations.iter().any(|r| r == "addresses")
            || self.fields.iter().any(|f| f.starts_with("addresses."))
    }

    /// Renders the customer and its addresses with the selected fields, keys in Medusa's order.
    pub fn render(&self, customer: &Customer, addresses: &[Address]) -> Value {
        let mut out = Map::new();
        for field in self.fields.iter().filter(|f| !f.contains('.')) {
            if let Some(value) = attribute(customer, field) {
                out.insert(field.clone(), value);
            }
        }
        let dotted = self
            .fields
            .iter()
            .filter_map(|f| f.split_once('.').map(|(relation, _)| relation));
        for relation in dotted.chain(self.star_relations.iter().map(String::as_str)) {
            if RELATIONS.contains(&relation) && !out.contains_key(relation) {
                let rendered = match relation {
                    "addresses" => addresses.iter().map(|a| self.nested_address(a)).collect(),
                    _ => Vec::new(),
                };
                out.insert(relation.to_owned(), Value::Array(rendered));
            }
        }
        Value::Object(out)
    }

    /// An address inside a customer: every field with `*addresses`, else the `addresses.field`s selected.
    fn nested_address(&self, address: &Address) -> Value {
        let selected: Vec<&str> = if self.star_relations.iter().any(|r| r == "addresses") {
            NESTED_ADDRESS_FIELDS.to_vec()
        } else {
            self.fields
                .iter()
                .filter_map(|f| f.strip_prefix("addresses."))
                .collect()
        };
        let mut out = Map::new();
        for field in selected {
            if let Some(value) = address_attribute(address, field) {
                out.insert(field.to_owned(), value);
            }
        }
        Value::Object(out)
    }

    /// Renders an address with the selected fields (a selection from [`parse_address`](Self::parse_address)).
    pub fn render_address(&self, address: &Address) -> Value {
        let mut out = Map::new();
        for field in &self.fields {
            if let Some(value) = address_attribute(address, field) {
                out.insert(field.clone(), value);
            }
        }
        Value::Object(out)
    }
}

fn insert(fields: &mut Vec<String>, field: String) {
    if !fields.contains(&field) {
        fields.push(field);
    }
}

fn strip_modifier(field: &str) -> String {
    field
        .trim_start_matches(['+', ' ', '\t', '-'])
        .trim()
        .to_owned()
}

fn strip_star(field: &str) -> String {
    field
        .strip_prefix('*')
        .or_else(|| field.strip_suffix(".*"))
        .unwrap_or(field)
        .to_owned()
}

fn replaces_defaults(custom: &[&str]) -> bool {
    custom.is_empty()
        || custom.iter().any(|f| {
            !(f.starts_with('-')
                || f.starts_with('+')
                || f.starts_with(' ')
                || f.starts_with('*')
                || f.ends_with(".*"))
        })
}

fn apply_modifiers(custom: &[&str], all: &mut Vec<String>) {
    for field in custom {
        if field.starts_with('+') || field.starts_with(' ') {
            insert(all, strip_modifier(field));
        } else if field.starts_with('-') {
            let name = strip_modifier(field);
            all.retain(|existing| {
                let existing = existing.strip_prefix('*').unwrap_or(existing);
                existing != name && !existing.starts_with(&format!("{name}."))
            });
        } else {
            insert(all, (*field).to_owned());
        }
    }
}

fn is_allowed(field: &str) -> bool {
    if DEFAULT_FIELDS.iter().any(|f| strip_star(f) == field) || field == "orders" {
        return true;
    }
    field
        .strip_prefix("addresses.")
        .is_some_and(|nested| ADDRESS_FIELDS.contains(&nested))
}

fn attribute(customer: &Customer, field: &str) -> Option<Value> {
    let text = |value: &Option<String>| value.clone().map_or(Value::Null, Value::String);
    let time = |at: &chrono::DateTime<chrono::Utc>| Value::String(super::format_timestamp(*at));
    Some(match field {
        "id" => Value::String(customer.id.clone()),
        "email" => text(&customer.email),
        "company_name" => text(&customer.company_name),
        "first_name" => text(&customer.first_name),
        "last_name" => text(&customer.last_name),
        "phone" => text(&customer.phone),
        "metadata" => customer.metadata.clone().map_or(Value::Null, Value::Object),
        "has_account" => Value::Bool(customer.has_account),
        "deleted_at" => customer.deleted_at.as_ref().map_or(Value::Null, time),
        "created_at" => time(&customer.created_at),
        "updated_at" => time(&customer.updated_at),
        _ => return None,
    })
}

fn address_attribute(address: &Address, field: &str) -> Option<Value> {
    let time = |at: &chrono::DateTime<chrono::Utc>| Value::String(super::format_timestamp(*at));
    Some(match field {
        "id" => Value::String(address.id.clone()),
        "customer_id" => Value::String(address.customer_id.clone()),
        "is_default_shipping" => Value::Bool(address.is_default_shipping),
        "is_default_billing" => Value::Bool(address.is_default_billing),
        "metadata" => address.metadata.clone().map_or(Value::Null, Value::Object),
        "created_at" => time(&address.created_at),
        "updated_at" => time(&address.updated_at),
        // Addresses are deleted for good, so a listed one never is.
        "deleted_at" => Value::Null,
        text if ADDRESS_FIELDS.contains(&text) => address
            .text(text)
            .map_or(Value::Null, |v| Value::String(v.to_owned())),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(fields: Option<&str>) -> Vec<String> {
        let customer = Customer {
            id: "cus_1".into(),
            email: Some("a@b.co".into()),
            company_name: None,
            first_name: None,
            last_name: None,
            phone: None,
            metadata: None,
            has_account: true,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            deleted_at: None,
        };
        match FieldSelection::parse(fields).render(&customer, &[]) {
            Value::Object(map) => map.keys().cloned().collect(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn defaults_come_in_medusas_order() {
        assert_eq!(
            keys(None),
            [
                "id",
                "email",
                "company_name",
                "first_name",
                "last_name",
                "phone",
                "metadata",
                "has_account",
                "deleted_at",
                "created_at",
                "updated_at",
                "addresses"
            ]
        );
    }

    #[test]
    fn a_plain_list_replaces_the_defaults_and_id_is_appended() {
        assert_eq!(
            keys(Some("updated_at,email,nope")),
            ["updated_at", "email", "id"]
        );
        assert_eq!(keys(Some("")), ["id"]);
        assert_eq!(keys(Some("addresses")), ["id"]);
    }

    #[test]
    fn modifiers_add_and_remove_and_id_comes_back_last() {
        assert_eq!(
            keys(Some("-email,-id,-addresses"))[..2],
            ["company_name", "first_name"]
        );
        assert_eq!(
            keys(Some("-id")).last().map(String::as_str),
            Some("addresses")
        );
        assert_eq!(keys(Some("-id"))[10], "id");
        assert_eq!(
            keys(Some("+*orders")).last().map(String::as_str),
            Some("orders")
        );
    }

    #[test]
    fn dotted_relations_come_before_star_relations() {
        assert_eq!(
            keys(Some("*orders,addresses.city,email")),
            ["email", "id", "addresses", "orders"]
        );
        assert_eq!(keys(Some("orders.id")), ["id"]);
    }
}
