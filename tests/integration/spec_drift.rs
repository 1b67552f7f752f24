//! The served OpenAPI document must say what `openapi/store.openapi.yaml` says, operation by operation.

use medusa_conformance::contract::diff::{Change, diff};
use serde_json::Value;

const CONTRACT: &str = include_str!("../../openapi/store.openapi.yaml");

fn contract() -> Value {
    serde_yaml::from_str(CONTRACT).expect("the contract is YAML")
}

fn served() -> Value {
    serde_json::from_str(&medusa_store_server::openapi_spec()).expect("the served spec is JSON")
}

fn readable(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("  {:?} {}: {}", c.impact, c.location, c.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn both_documents_are_valid_openapi_3_0() {
    for (name, document) in [("contract", contract()), ("served", served())] {
        let parsed: openapiv3::OpenAPI =
            serde_json::from_value(document).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            parsed.openapi.starts_with("3.0."),
            "{name}: {}",
            parsed.openapi
        );
    }
}

#[test]
fn the_served_spec_matches_the_contract_operation_by_operation() {
    let changes = diff(&contract(), &served());
    assert!(
        changes.is_empty(),
        "the server's declared API departs from openapi/store.openapi.yaml (contract → served):\n{}\n\
         Fix the server's schemas in server/src/http/ or, if the contract is what should change, edit the contract first.",
        readable(&changes)
    );
}

#[test]
fn the_contract_states_the_email_rule_the_server_enforces() {
    let contract = contract();
    let pattern =
        &contract["components"]["schemas"]["StoreCreateCustomer"]["properties"]["email"]["pattern"];
    assert_eq!(
        pattern.as_str(),
        Some(medusa_store_server::domain::email::PATTERN),
        "StoreCreateCustomer.email's pattern in openapi/store.openapi.yaml must be server/src/domain/email.rs's PATTERN"
    );
}

#[test]
fn the_contract_states_the_order_rule_the_server_enforces() {
    let contract = contract();
    let pattern = &contract["components"]["parameters"]["Order"]["schema"]["pattern"];
    assert_eq!(
        pattern.as_str(),
        Some(medusa_store_server::domain::order_pattern().as_str()),
        "the Order parameter's pattern in openapi/store.openapi.yaml must be the fields domain/address.rs orders by"
    );
}

#[test]
fn the_comparison_notices_a_changed_response() {
    let mut tampered = served();
    tampered["paths"]["/store/customers"]["post"]["responses"]
        .as_object_mut()
        .unwrap()
        .remove("422");
    tampered["components"]["schemas"]["StoreCustomer"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("has_account");
    tampered["components"]["schemas"]["StoreCustomer"]["properties"]["first_name"]["nullable"] =
        false.into();
    let operation = &mut tampered["paths"]["/store/customers"]["post"];
    operation["parameters"][0]["required"] = false.into();
    operation["security"] = serde_json::json!([{"jwt_token": []}]);
    let changes = diff(&contract(), &tampered);
    let text = readable(&changes);
    for expected in [
        "422",
        "has_account",
        "first_name",
        "x-publishable-api-key",
        "security",
    ] {
        assert!(text.contains(expected), "{expected} not noticed:\n{text}");
    }
}
