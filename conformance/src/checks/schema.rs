//! The body validates against the contract's schema for the operation and status.

use super::{Check, CheckInput, Failure};
use crate::spec::Documented;

pub fn response_schema(input: &CheckInput) -> Vec<Failure> {
    if input.expect.no_body {
        return Vec::new();
    }
    let exchange = input.exchange;
    let status = exchange.response.status;
    let operation = exchange.operation_id;
    let validator = match input.spec.documented(operation, status) {
        Documented::Schema(validator) => validator,
        Documented::WithoutBody => return Vec::new(),
        Documented::Undocumented => {
            return vec![Failure::error(
                Check::ResponseSchema,
                format!("status {status} is not documented for {operation}"),
                format!("one of {}", input.spec.statuses(operation).join(", ")),
                status.to_string(),
            )];
        }
    };
    let Some(body) = exchange.response.json() else {
        return vec![Failure::error(
            Check::ResponseSchema,
            "the body is not JSON",
            "a JSON body",
            exchange.response.body.clone(),
        )];
    };
    validator
        .iter_errors(&body)
        .map(|error| {
            let pointer = error.instance_path().as_str().to_owned();
            let at = if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer
            };
            Failure::error(
                Check::ResponseSchema,
                format!("{at} does not match the schema of {operation} {status}"),
                format!("at {at}: {}", error.schema_path().as_str()),
                format!("at {at}: {error}"),
            )
        })
        .collect()
}
