use serde_json::{Value, json};

use super::published::PublishedSpec;
use super::*;
use crate::errata::Errata;
use crate::exchange::RecordedResponse;

/// A published document shaped like Medusa's: a text/plain 401, nothing nullable, no `required` on the request.
const PUBLISHED: &str = r#"
openapi: 3.0.0
info: { title: t, version: "1" }
paths:
  /store/customers:
    post:
      parameters:
        - { name: fields, in: query, schema: { type: string } }
      requestBody:
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Create' }
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Response' }
        '400': { $ref: '#/components/responses/error' }
        '401':
          description: Unauthorized
          content:
            text/plain:
              schema: { type: string }
  /auth/customer/{auth_provider}/register:
    post:
      responses:
        '200': { description: OK }
        '400': { $ref: '#/components/responses/error' }
        '401':
          description: Unauthorized
          content:
            text/plain:
              schema: { type: string }
components:
  responses:
    error:
      description: Error
      content:
        application/json:
          schema: { type: object, properties: { message: { type: string }, type: { type: string } } }
  schemas:
    Create:
      type: object
      properties: { email: { type: string }, first_name: { type: string } }
    Response:
      type: object
      required: [customer]
      properties:
        customer:
          type: object
          required: [id, email, default_billing_address_id]
          properties:
            id: { type: string }
            email: { type: string }
            phone: { type: string }
            default_billing_address_id: { type: string }
"#;

const VARIANT: &str =
    "post:\n  parameters:\n    - { name: limit, in: query, schema: { type: number } }\n";

fn spec() -> PublishedSpec {
    let mut spec = PublishedSpec::parse(PUBLISHED).expect("parses");
    spec.add_variant("/store/customers", VARIANT)
        .expect("parses");
    spec
}

fn request(query: &[&str], body: Option<Value>, expects_refusal: bool) -> ProbeRequest {
    let spec = spec();
    ProbeRequest {
        probe: "probe".into(),
        query: query.iter().map(|q| (*q).to_owned()).collect(),
        undocumented_body_keys: body
            .as_ref()
            .map(|b| spec.undocumented_body_keys("post", "/store/customers", b))
            .unwrap_or_default(),
        body,
        expects_refusal,
    }
}

fn json_response(status: u16, body: Value) -> RecordedResponse {
    RecordedResponse {
        status,
        headers: vec![(
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        )],
        body: body.to_string(),
    }
}

fn explained(
    path: &str,
    request: &ProbeRequest,
    response: &RecordedResponse,
) -> Vec<Option<&'static str>> {
    spec()
        .departures("post", path, request, response)
        .iter()
        .map(detectors::explain)
        .collect()
}

const CREATE: &str = "/store/customers";

#[test]
fn a_json_401_where_text_is_documented_is_e1() {
    let response = json_response(401, json!({ "message": "Unauthorized" }));
    let request = request(&[], Some(json!({ "email": "a@x" })), true);
    assert_eq!(explained(CREATE, &request, &response), [Some("E1")]);
}

#[test]
fn a_medusa_customer_shows_e2_e3_and_e4() {
    let response = json_response(
        200,
        json!({ "customer": { "id": "cus_1", "email": "a@x", "phone": null, "has_account": true } }),
    );
    let request = request(&[], Some(json!({ "email": "a@x" })), false);
    assert_eq!(
        explained(CREATE, &request, &response),
        [Some("E2"), Some("E3"), Some("E4")]
    );
}

#[test]
fn required_keys_dropped_by_fields_are_e5_and_the_never_returned_ones_stay_e2() {
    let response = json_response(
        200,
        json!({ "customer": { "email": "a@x", "id": "cus_1" } }),
    );
    let request = request(&["fields"], Some(json!({ "email": "a@x" })), false);
    assert_eq!(explained(CREATE, &request, &response), [Some("E2")]);
    let response = json_response(200, json!({ "customer": { "id": "cus_1" } }));
    assert_eq!(
        explained(CREATE, &request, &response),
        [Some("E5"), Some("E2")]
    );
}

#[test]
fn refusals_of_documented_requests_are_e6_e7_and_e8() {
    let refused = json_response(400, json!({ "type": "invalid_data", "message": "no" }));
    let without_email = request(&[], Some(json!({ "first_name": "Ada" })), false);
    assert_eq!(explained(CREATE, &without_email, &refused), [Some("E6")]);
    let unknown_key = request(&[], Some(json!({ "email": "a@x", "x": 1 })), false);
    assert_eq!(explained(CREATE, &unknown_key, &refused), [Some("E7")]);
    let variant_query = request(&["limit"], Some(json!({ "email": "a@x" })), false);
    assert_eq!(explained(CREATE, &variant_query, &refused), [Some("E8")]);
}

#[test]
fn refusing_a_request_the_documentation_does_not_allow_is_no_departure() {
    let refused = json_response(400, json!({ "type": "invalid_data", "message": "no" }));
    let undocumented_query = request(&["conformance"], Some(json!({ "email": "a@x" })), false);
    assert!(explained(CREATE, &undocumented_query, &refused).is_empty());
    let wrong_type = request(&[], Some(json!({ "email": 5 })), false);
    assert!(explained(CREATE, &wrong_type, &refused).is_empty());
}

#[test]
fn a_register_validation_failure_as_401_is_e9_and_a_413_is_e10() {
    let response = json_response(
        401,
        json!({ "type": "unauthorized", "message": "Password should be a string" }),
    );
    let request_body = request(&[], Some(json!({})), false);
    assert_eq!(
        explained(
            "/auth/customer/{auth_provider}/register",
            &request_body,
            &response
        ),
        [Some("E9"), Some("E9")]
    );
    let too_large = json_response(
        413,
        json!({ "message": "request entity too large", "type": "unknown_error" }),
    );
    let big = request(&[], Some(json!({ "email": "a@x" })), false);
    assert_eq!(
        explained(CREATE, &big, &too_large),
        [Some("E10"), Some("E10")]
    );
}

#[test]
fn an_unknown_departure_and_an_unobserved_erratum_both_fail_the_run() {
    let response = json_response(
        200,
        json!({ "customer": { "id": 5, "email": "a@x", "default_billing_address_id": "x" } }),
    );
    let request = request(&[], Some(json!({ "email": "a@x" })), false);
    let departures = spec().departures("post", CREATE, &request, &response);
    let report = account("http://x", Vec::new(), departures, &Errata::bundled());
    assert_eq!(
        report.unexplained().len(),
        1,
        "{}",
        report.text(&Errata::bundled())
    );
    assert_eq!(report.not_observed.len(), 10);
    assert!(!report.passed());
    assert!(
        report
            .text(&Errata::bundled())
            .contains("UNEXPLAINED (no erratum)")
    );
}

#[test]
fn the_detectors_are_exactly_the_documentation_errata() {
    let errata = Errata::bundled();
    let documented: Vec<&str> = errata
        .of_kind(crate::errata::Kind::Documentation)
        .map(|e| e.id.as_str())
        .collect();
    let detected: Vec<&str> = detectors::DETECTORS.iter().map(|(id, _)| *id).collect();
    assert_eq!(detected, documented);
}

#[test]
fn query_parameters_of_variants_count_as_documented() {
    let names: Vec<String> = spec()
        .query_parameters("post", CREATE)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["fields", "limit"]);
}
