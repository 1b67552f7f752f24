//! The `fields` query parameter of the customer routes, with Medusa's semantics: a plain list replaces the
//! defaults, `+f` (or a `+` decoded to a space) adds, `-f` removes, `*relation` / `relation.*` select a relation;
//! fields that are not allowed are dropped silently; `id` is always returned. Keys come out in the order Medusa
//! gives them: the selected attributes in selection order, then the relations.

use serde_json::{Map, Value};

use super::Customer;

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

const ADDRESS_FIELDS: [&str; 18] = [
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

/// The relations a customer can be selected with. Customers made through this API have neither addresses nor
/// orders, so a selected relation is always an empty list.
const RELATIONS: [&str; 2] = ["addresses", "orders"];

/// A selection of customer fields, in Medusa's order.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSelection {
    fields: Vec<String>,
    star_relations: Vec<String>,
}

impl FieldSelection {
    /// Parses the `fields` parameter (already URL-decoded), `None` meaning the defaults.
    pub fn parse(fields: Option<&str>) -> Self {
        let mut all: Vec<String> = DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect();
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

    /// Renders the customer with the selected fields, keys in Medusa's order.
    pub fn render(&self, customer: &Customer) -> Value {
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
                out.insert(relation.to_owned(), Value::Array(Vec::new()));
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
        match FieldSelection::parse(fields).render(&customer) {
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
