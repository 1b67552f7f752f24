//! Classification of contract changes.

use super::*;
use serde_json::json;

fn bundled() -> Value {
    serde_yaml::from_str(crate::spec::BUNDLED_SPEC).expect("the bundled contract parses")
}

fn breaking(changes: &[Change]) -> Vec<&str> {
    changes
        .iter()
        .filter(|c| c.impact == Impact::Breaking)
        .map(|c| c.message.as_str())
        .collect()
}

#[test]
fn a_contract_does_not_differ_from_itself() {
    assert_eq!(diff(&bundled(), &bundled()), Vec::new());
}

#[test]
fn removing_a_response_property_breaks_and_adding_one_does_not() {
    let old = bundled();
    let mut new = old.clone();
    let properties = new["components"]["schemas"]["StoreCustomer"]["properties"]
        .as_object_mut()
        .expect("props");
    properties.shift_remove("phone");
    properties.insert("nickname".into(), json!({ "type": "string" }));
    let changes = diff(&old, &new);
    assert!(
        breaking(&changes).contains(&"property removed"),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c.impact == Impact::NonBreaking && c.message == "property added"),
        "{changes:?}"
    );
}

#[test]
fn a_new_required_request_property_and_a_removed_operation_break() {
    let old = bundled();
    let mut new = old.clone();
    new["components"]["schemas"]["StoreCreateCustomer"]["required"] =
        json!(["email", "first_name"]);
    new["paths"]
        .as_object_mut()
        .expect("paths")
        .shift_remove("/auth/token/refresh");
    let changes = diff(&old, &new);
    let breaking = breaking(&changes);
    assert!(
        breaking.contains(&"became required") && breaking.contains(&"operation removed"),
        "{changes:?}"
    );
}
