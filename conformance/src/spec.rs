//! The contract's response schemas as JSON Schema validators.
//!
//! OpenAPI 3.0 schemas are not JSON Schema: `nullable` has no meaning there, `$ref` siblings are ignored, and
//! references point at `#/components/schemas`. Each schema is translated (see [`translate`]) before it is compiled.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// The contract compiled into this crate (the file `build.rs` generated the client from).
pub const BUNDLED_SPEC: &str = include_str!(concat!(env!("OUT_DIR"), "/store.openapi.yaml"));

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("the contract is neither YAML nor JSON: {0}")]
    Parse(String),
    #[error("the contract is not an OpenAPI 3.0 document: {0}")]
    NotOpenApi30(String),
    #[error("the schema of {operation} {status} cannot be compiled: {message}")]
    Schema {
        operation: String,
        status: String,
        message: String,
    },
}

/// The documented responses of every operation, keyed by snake_case operation id (as the generated client names
/// them) and status (`"200"`, `"4XX"`, `"default"`).
pub struct Spec {
    responses: BTreeMap<String, BTreeMap<String, Option<jsonschema::Validator>>>,
}

/// What the contract says about one response.
pub enum Documented<'a> {
    /// The status is not documented for the operation.
    Undocumented,
    /// Documented without a JSON body.
    WithoutBody,
    Schema(&'a jsonschema::Validator),
}

impl Spec {
    pub fn parse(text: &str) -> Result<Spec, SpecError> {
        let document: Value =
            serde_yaml::from_str(text).map_err(|e| SpecError::Parse(e.to_string()))?;
        serde_json::from_value::<openapiv3::OpenAPI>(document.clone())
            .map_err(|e| SpecError::NotOpenApi30(e.to_string()))?;
        let version = document["openapi"].as_str().unwrap_or_default();
        if !version.starts_with("3.0.") {
            return Err(SpecError::NotOpenApi30(format!("version {version:?}")));
        }
        let defs = translated_components(&document);
        let mut responses = BTreeMap::new();
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let Some(operation_id) = operation["operationId"].as_str() else {
                    continue;
                };
                let mut by_status = BTreeMap::new();
                for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                    let response = resolve(&document, response);
                    let schema = &response["content"]["application/json"]["schema"];
                    let validator = if schema.is_null() {
                        None
                    } else {
                        let mut root = translate(schema);
                        if let Value::Object(map) = &mut root {
                            map.insert("$defs".into(), defs.clone());
                        }
                        let compiled = jsonschema::options()
                            .with_draft(jsonschema::Draft::Draft202012)
                            .should_validate_formats(true)
                            .build(&root)
                            .map_err(|e| SpecError::Schema {
                                operation: format!("{} {path}", method.to_uppercase()),
                                status: status.clone(),
                                message: e.to_string(),
                            })?;
                        Some(compiled)
                    };
                    by_status.insert(status.clone(), validator);
                }
                responses.insert(snake_case(operation_id), by_status);
            }
        }
        Ok(Spec { responses })
    }

    pub fn documented(&self, operation_id: &str, status: u16) -> Documented<'_> {
        let Some(by_status) = self.responses.get(operation_id) else {
            return Documented::Undocumented;
        };
        let range = format!("{}XX", status / 100);
        let entry = by_status
            .get(&status.to_string())
            .or_else(|| by_status.get(&range))
            .or_else(|| by_status.get("default"));
        match entry {
            None => Documented::Undocumented,
            Some(None) => Documented::WithoutBody,
            Some(Some(validator)) => Documented::Schema(validator),
        }
    }

    /// The documented statuses of an operation, for messages.
    pub fn statuses(&self, operation_id: &str) -> Vec<&str> {
        self.responses
            .get(operation_id)
            .map(|s| s.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

/// Follows a `$ref` to `#/components/…` (responses may be references).
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => document
            .pointer(pointer)
            .map_or(value, |target| resolve(document, target)),
        None => value,
    }
}

fn translated_components(document: &Value) -> Value {
    let schemas = document["components"]["schemas"].as_object();
    Value::Object(
        schemas
            .into_iter()
            .flatten()
            .map(|(name, schema)| (name.clone(), translate(schema)))
            .collect(),
    )
}

/// Translates one OpenAPI 3.0 schema into JSON Schema 2020-12.
pub fn translate(schema: &Value) -> Value {
    let Value::Object(object) = schema else {
        return schema.clone();
    };
    let nullable = object.get("nullable") == Some(&Value::Bool(true));
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        let target = json!({ "$ref": reference.replace("#/components/schemas/", "#/$defs/") });
        return if nullable {
            json!({ "anyOf": [target, { "type": "null" }] })
        } else {
            target
        };
    }
    let mut out = Map::new();
    for (key, value) in object {
        let translated = match key.as_str() {
            "nullable" | "example" | "discriminator" | "xml" | "externalDocs" | "deprecated" => {
                continue;
            }
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), translate(v)))
                    .collect(),
            ),
            "items" | "not" => translate(value),
            "additionalProperties" if value.is_object() => translate(value),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(translate)
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), translated);
    }
    if nullable {
        match out.get("type").cloned() {
            Some(Value::String(kind)) => {
                out.insert("type".into(), json!([kind, "null"]));
            }
            _ => return json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
        }
        if let Some(Value::Array(values)) = out.get_mut("enum") {
            values.push(Value::Null);
        }
    }
    Value::Object(out)
}

/// `registerCustomerIdentity` → `register_customer_identity`, the name progenitor gives the operation.
pub fn snake_case(operation_id: &str) -> String {
    let mut out = String::new();
    for (i, c) in operation_id.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_becomes_a_null_type_and_refs_point_at_defs() {
        let schema = json!({
            "type": "object",
            "properties": {
                "phone": { "type": "string", "nullable": true, "example": "x" },
                "customer": { "$ref": "#/components/schemas/StoreCustomer", "description": "dropped" },
                "address": { "$ref": "#/components/schemas/Address", "nullable": true }
            }
        });
        assert_eq!(
            translate(&schema),
            json!({
                "type": "object",
                "properties": {
                    "phone": { "type": ["string", "null"] },
                    "customer": { "$ref": "#/$defs/StoreCustomer" },
                    "address": { "anyOf": [{ "$ref": "#/$defs/Address" }, { "type": "null" }] }
                }
            })
        );
    }

    #[test]
    fn the_bundled_contract_compiles_and_documents_the_create_customer_responses() {
        let spec = Spec::parse(BUNDLED_SPEC).expect("the bundled contract is valid");
        assert!(matches!(
            spec.documented("create_customer", 200),
            Documented::Schema(_)
        ));
        assert!(matches!(
            spec.documented("create_customer", 418),
            Documented::Undocumented
        ));
    }

    #[test]
    fn formats_are_checked() {
        let spec = Spec::parse(BUNDLED_SPEC).expect("the bundled contract is valid");
        let Documented::Schema(validator) = spec.documented("get_customer", 200) else {
            panic!("documented")
        };
        assert!(
            validator.is_valid(&json!({ "customer": { "id": "cus_1", "email": "a@example.com" } }))
        );
        assert!(
            !validator
                .is_valid(&json!({ "customer": { "id": "cus_1", "created_at": "yesterday" } }))
        );
        assert!(!validator.is_valid(&json!({ "customer": { "id": "cus_1", "phone": 5 } })));
        assert!(validator.is_valid(&json!({ "customer": { "id": "cus_1", "phone": null } })));
    }

    #[test]
    fn operation_ids_become_snake_case() {
        assert_eq!(
            snake_case("registerCustomerIdentity"),
            "register_customer_identity"
        );
    }
}
