use serde_json::{Value, json};

use super::published::PublishedSpec;
use super::*;
use crate::errata::Errata;
use crate::exchange::{Exchange, RecordedResponse, Via};
use crate::report::{CaseReport, Outcome, StepReport};

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

const CREATE: &str = "/store/customers";
const REGISTER: &str = "/auth/customer/{auth_provider}/register";

fn spec() -> PublishedSpec {
    let mut spec = PublishedSpec::parse(PUBLISHED).expect("parses");
    spec.add_variant(CREATE, VARIANT).expect("parses");
    spec
}

fn recorded(url: &str, body: Option<Value>) -> RecordedRequest {
    RecordedRequest {
        method: "POST".into(),
        url: format!("http://x{url}"),
        headers: Vec::new(),
        body: body.map(|b| b.to_string()),
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

/// The errata that explain each departure of one step of a case, as `judge` finds them; without those it leaves
/// out as refusals the case expects.
fn explained(
    (case, step): (&str, &str),
    url: &str,
    body: Option<Value>,
    expects_refusal: bool,
    response: &RecordedResponse,
) -> Vec<Option<String>> {
    let spec = spec();
    let request = recorded(url, body);
    let path = spec
        .documented_path("POST", &request.url, "")
        .expect("a documented route");
    let sent = StepRequest::of(&spec, "post", &path, &request);
    let errata = Errata::bundled();
    spec.departures("post", &path, &sent, response)
        .iter()
        .filter_map(|d| {
            let explained = detectors::explain(d, &errata, case, step).map(|e| e.id.clone());
            let expected = d.kind == DepartureKind::Refused && expects_refusal;
            (explained.is_some() || !expected).then_some(explained)
        })
        .collect()
}

fn ids(list: &[&str]) -> Vec<Option<String>> {
    list.iter().map(|id| Some((*id).to_owned())).collect()
}

#[test]
fn a_json_401_where_text_is_documented_is_e1_on_the_steps_it_names() {
    let response = json_response(401, json!({ "message": "Unauthorized" }));
    let body = Some(json!({ "email": "a@x" }));
    let step = ("auth.no_token_on_create", "create");
    assert_eq!(
        explained(step, CREATE, body.clone(), true, &response),
        ids(&["E1"])
    );
    let other = ("signup.bearer", "create");
    assert_eq!(
        explained(other, CREATE, body, false, &response),
        [None, None]
    );
}

#[test]
fn a_medusa_customer_shows_e2_e3_and_e4() {
    let response = json_response(
        200,
        json!({ "customer": { "id": "cus_1", "email": "a@x", "phone": null, "has_account": true } }),
    );
    let body = Some(json!({ "email": "a@x" }));
    assert_eq!(
        explained(("signup.bearer", "create"), CREATE, body, false, &response),
        ids(&["E2", "E3", "E4"])
    );
}

#[test]
fn required_keys_dropped_by_fields_are_e5_and_the_never_returned_ones_stay_e2() {
    let step = ("fields.create_plain_list", "create");
    let url = "/store/customers?fields=email";
    let body = Some(json!({ "email": "a@x" }));
    let response = json_response(
        200,
        json!({ "customer": { "email": "a@x", "id": "cus_1" } }),
    );
    assert_eq!(
        explained(step, url, body.clone(), false, &response),
        ids(&["E2"])
    );
    let response = json_response(200, json!({ "customer": { "id": "cus_1" } }));
    assert_eq!(
        explained(step, url, body, false, &response),
        ids(&["E5", "E2"])
    );
}

#[test]
fn refusals_of_documented_requests_are_e6_e7_and_e8_even_when_the_case_expects_them() {
    let refused = json_response(400, json!({ "type": "invalid_data", "message": "no" }));
    let without_email = Some(json!({ "first_name": "Ada" }));
    let step = ("bodies.create_missing_email", "create");
    assert_eq!(
        explained(step, CREATE, without_email, true, &refused),
        ids(&["E6"])
    );
    let unknown_key = Some(json!({ "email": "a@x", "x": 1 }));
    let step = ("bodies.create_unknown_key", "create");
    assert_eq!(
        explained(step, CREATE, unknown_key, true, &refused),
        ids(&["E7"])
    );
    let step = ("bodies.create_list_query_parameters", "create_limit");
    let url = "/store/customers?limit=1";
    let body = Some(json!({ "email": "a@x" }));
    assert_eq!(explained(step, url, body, true, &refused), ids(&["E8"]));
}

#[test]
fn refusing_a_request_the_documentation_does_not_allow_is_no_departure() {
    let refused = json_response(400, json!({ "type": "invalid_data", "message": "no" }));
    let step = ("bodies.create_unknown_query_parameter", "create");
    let body = Some(json!({ "email": "a@x" }));
    assert!(
        explained(
            step,
            "/store/customers?conformance=1",
            body,
            false,
            &refused
        )
        .is_empty()
    );
    let step = ("bodies.create_wrong_type", "create");
    assert!(explained(step, CREATE, Some(json!({ "email": 5 })), false, &refused).is_empty());
}

#[test]
fn a_register_validation_failure_as_401_is_e9_and_a_413_is_e10() {
    let response = json_response(
        401,
        json!({ "type": "unauthorized", "message": "Password should be a string" }),
    );
    let step = ("bodies.register_missing_password", "register");
    let url = "/auth/customer/emailpass/register";
    assert_eq!(
        explained(step, url, Some(json!({})), true, &response),
        ids(&["E9", "E9"])
    );
    let too_large = json_response(
        413,
        json!({ "message": "request entity too large", "type": "unknown_error" }),
    );
    let step = ("bodies.payload_too_large", "create");
    let big = Some(json!({ "email": "a@x" }));
    assert_eq!(
        explained(step, CREATE, big, true, &too_large),
        ids(&["E10", "E10"])
    );
}

#[test]
fn documented_paths_are_found_under_the_base_path_and_only_for_documented_methods() {
    let spec = spec();
    let register = "http://x/api/auth/customer/emailpass/register?y=1";
    assert_eq!(
        spec.documented_path("POST", register, "/api").as_deref(),
        Some(REGISTER)
    );
    assert_eq!(spec.documented_path("POST", register, ""), None);
    assert_eq!(
        spec.documented_path("GET", "http://x/store/customers", ""),
        None
    );
    assert_eq!(
        spec.documented_path("POST", "http://x/store/customers/me", ""),
        None
    );
}

#[test]
fn a_literal_documented_path_wins_over_a_template() {
    let spec = PublishedSpec::parse(
        "paths:\n  /store/customers/{id}: { post: {} }\n  /store/customers/me: { post: {} }\n",
    )
    .expect("parses");
    let url = "http://x/store/customers/me";
    assert_eq!(
        spec.documented_path("POST", url, "").as_deref(),
        Some("/store/customers/me")
    );
    assert_eq!(
        spec.documented_path("POST", "http://x/store/customers/cus_1", "")
            .as_deref(),
        Some("/store/customers/{id}")
    );
}

fn step(name: &'static str, url: &str, body: Value, response: RecordedResponse) -> StepReport {
    let exchange = Exchange {
        operation_id: "create_customer",
        via: Via::Raw,
        request: recorded(url, Some(body)),
        response,
        retries: Vec::new(),
    };
    StepReport::new(name, exchange, Vec::new())
}

fn report(cases: Vec<(&'static str, Vec<StepReport>)>) -> Report {
    let cases = cases
        .into_iter()
        .map(|(name, steps)| CaseReport::ran(name, steps))
        .collect();
    Report::of("http://x", cases)
}

fn documented() -> Documented {
    Documented {
        spec: spec(),
        errata: Errata::bundled(),
    }
}

fn refs(list: &[ErratumRef]) -> Vec<&str> {
    list.iter().map(|e| e.id.as_str()).collect()
}

#[test]
fn an_explained_departure_is_a_warning_and_the_errata_of_steps_that_did_not_run_are_not_checked() {
    let refused = json_response(
        400,
        json!({ "type": "invalid_data", "message": "Email is required to create a customer" }),
    );
    let create = step("create", CREATE, json!({ "first_name": "Ada" }), refused);
    let mut run = report(vec![("bodies.create_missing_email", vec![create])]);
    judge(&mut run, &documented());
    let failures: Vec<_> = run.cases[0].all_failures().collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].failure.check, Check::PublishedReference);
    assert_eq!(failures[0].failure.kind, Kind::DocumentationErratum);
    assert!(failures[0].failure.title.contains("E6"));
    let errata = run.documentation_errata.as_ref().expect("a verdict");
    assert_eq!(refs(&errata.errata_observed), ["E6"]);
    assert!(errata.errata_not_observed.is_empty());
    assert_eq!(errata.errata_not_checked.len(), 14);
    assert_eq!(refs(&errata.errata_unobservable), ["E16", "E17"]);
    let text = crate::report::summary(&run);
    assert!(
        text.contains("not observable by the suite (see ERRATA.md): E16, E17"),
        "{text}"
    );
    assert!(run.passed(), "{text}");
}

#[test]
fn an_unexplained_departure_and_an_unobserved_erratum_both_fail_the_run() {
    let customer =
        json!({ "customer": { "id": 5, "email": "a@x", "default_billing_address_id": "x" } });
    let create = step(
        "create",
        CREATE,
        json!({ "email": "a@x" }),
        json_response(200, customer),
    );
    let mut run = report(vec![("signup.bearer", vec![create])]);
    judge(&mut run, &documented());
    assert!(matches!(run.cases[0].outcome, Outcome::Failed));
    let departures = run.of_kind(Kind::Departure);
    assert_eq!(departures.len(), 1, "{departures:?}");
    let errata = run.documentation_errata.as_ref().expect("a verdict");
    assert_eq!(refs(&errata.errata_not_observed), ["E2", "E3", "E4"]);
    assert!(!run.passed());
    let text = crate::report::summary(&run);
    assert!(text.contains("NOT OBSERVED: E3"), "{text}");
    let junit = crate::report::junit_xml(&run);
    assert!(
        junit.contains("name=\"E4 — `has_account` is returned but not documented\""),
        "{junit}"
    );
    assert!(run.to_json().contains("\"errata_not_observed\""));
}

#[test]
fn a_refusal_the_case_expects_is_no_departure_unless_an_erratum_names_it() {
    let refused = json_response(
        400,
        json!({ "type": "invalid_data", "message": "Request already authenticated as a customer." }),
    );
    let expected =
        step("create", CREATE, json!({ "email": "a@x" }), refused.clone()).expecting_refusal(true);
    let unexpected = step("create", CREATE, json!({ "email": "a@x" }), refused);
    let mut run = report(vec![
        ("signup.create_with_customer_token", vec![expected]),
        ("signup.bearer", vec![unexpected]),
    ]);
    judge(&mut run, &documented());
    assert_eq!(run.cases[0].all_failures().count(), 0);
    let failures: Vec<_> = run.cases[1].all_failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].failure.kind, Kind::Departure);
}

#[test]
fn the_detectors_are_exactly_the_documentation_errata() {
    let errata = Errata::bundled();
    let documented: Vec<&str> = errata
        .observable_documentation()
        .map(|e| e.id.as_str())
        .collect();
    let detected: Vec<&str> = detectors::DETECTORS.iter().map(|(id, _)| *id).collect();
    assert_eq!(detected, documented);
}

#[test]
fn every_documentation_erratum_names_steps_of_cases_that_exist() {
    let names: Vec<&str> = crate::cases::all().iter().map(|c| c.name).collect();
    for erratum in Errata::bundled().observable_documentation() {
        assert!(
            !erratum.applies_to.is_empty(),
            "{} names no step",
            erratum.id
        );
        for (pattern, _) in &erratum.applies_to {
            assert!(
                names
                    .iter()
                    .any(|name| crate::config::name_matches(pattern, name)),
                "{}: no case matches {pattern:?}",
                erratum.id
            );
        }
    }
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

/// Medusa's published address routes, cut down: a deletion whose `id` is "the address's ID", a list documenting
/// `expand` and field filters, and a customer whose addresses list no `deleted_at`.
const ADDRESS_ROUTES: &str = r#"
openapi: 3.0.0
info: { title: t, version: "1" }
paths:
  /store/customers/me/addresses:
    get:
      parameters:
        - { name: expand, in: query, schema: { type: string } }
        - { name: address_name, in: query, required: true, schema: { type: string } }
      responses:
        '200': { description: OK }
        '400': { description: Error }
    post:
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema:
                type: object
                properties:
                  customer:
                    type: object
                    properties:
                      id: { type: string }
                      addresses:
                        type: array
                        items: { type: object, properties: { id: { type: string } } }
  /store/customers/me/addresses/{address_id}:
    delete:
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema:
                type: object
                properties: { id: { type: string }, object: { type: string }, deleted: { type: boolean } }
"#;

fn address_departures(
    (case, step): (&str, &str),
    method: &str,
    url: &str,
    response: &RecordedResponse,
) -> Vec<Option<String>> {
    let spec = PublishedSpec::parse(ADDRESS_ROUTES).expect("parses");
    let request = RecordedRequest {
        method: method.to_uppercase(),
        ..recorded(url, None)
    };
    let path = spec
        .documented_path(method, &request.url, "")
        .expect("a documented route");
    let sent = StepRequest::of(&spec, method, &path, &request);
    let errata = Errata::bundled();
    spec.departures(method, &path, &sent, response)
        .iter()
        .map(|d| detectors::explain(d, &errata, case, step).map(|e| e.id.clone()))
        .collect()
}

#[test]
fn a_deletion_that_answers_with_the_customers_id_is_e11() {
    let response = json_response(
        200,
        json!({ "id": "cus_01", "object": "address", "deleted": true }),
    );
    let url = "/store/customers/me/addresses/cuaddr_01";
    let step = ("account.addresses_crud", "delete");
    assert_eq!(
        address_departures(step, "delete", url, &response),
        ids(&["E11"])
    );
    let answered_with_the_address = json_response(
        200,
        json!({ "id": "cuaddr_01", "object": "address", "deleted": true }),
    );
    assert!(address_departures(step, "delete", url, &answered_with_the_address).is_empty());
}

#[test]
fn deleted_at_in_a_customers_addresses_is_e12_and_refused_list_parameters_are_e13() {
    let response = json_response(
        200,
        json!({ "customer": { "id": "cus_01", "addresses": [{ "id": "cuaddr_01", "deleted_at": null }] } }),
    );
    let url = "/store/customers/me/addresses";
    let step = ("account.addresses_crud", "create_empty");
    assert_eq!(
        address_departures(step, "post", url, &response),
        ids(&["E12"])
    );
    let refused = json_response(400, json!({ "type": "invalid_data", "message": "no" }));
    for (step, query) in [
        ("list_address_name_filter", "?address_name=A"),
        ("list_expand", "?expand=customer"),
    ] {
        let url = format!("{url}{query}");
        let step = ("account.address_refused", step);
        assert_eq!(
            address_departures(step, "get", &url, &refused),
            ids(&["E13"])
        );
    }
}

/// Medusa's published password routes, cut down: a reset request whose only success is `200` and whose body is
/// any object, and an update whose 401 is text.
const PASSWORD_ROUTES: &str = r#"
openapi: 3.0.0
info: { title: t, version: "1" }
paths:
  /auth/customer/{auth_provider}/reset-password:
    post:
      requestBody:
        content:
          application/json:
            schema: { type: object, title: identifier, example: customer@gmail.com }
      responses:
        '200': { description: OK }
        '400':
          description: Error
          content:
            application/json:
              schema: { type: object, properties: { message: { type: string }, type: { type: string } } }
  /auth/customer/{auth_provider}/update:
    post:
      parameters:
        - { name: token, in: query, required: true, schema: { type: string } }
      requestBody:
        content:
          application/json:
            schema: { type: object, title: input }
      responses:
        '200': { description: OK }
        '401':
          description: Unauthorized
          content:
            text/plain:
              schema: { type: string }
"#;

fn password_departures(
    (case, step): (&str, &str),
    url: &str,
    body: Value,
    response: &RecordedResponse,
) -> Vec<Option<String>> {
    let spec = PublishedSpec::parse(PASSWORD_ROUTES).expect("parses");
    let request = recorded(url, Some(body));
    let path = spec
        .documented_path("post", &request.url, "")
        .expect("a documented route");
    let sent = StepRequest::of(&spec, "post", &path, &request);
    let errata = Errata::bundled();
    spec.departures("post", &path, &sent, response)
        .iter()
        .map(|d| detectors::explain(d, &errata, case, step).map(|e| e.id.clone()))
        .collect()
}

const RESET: &str = "/auth/customer/emailpass/reset-password";

#[test]
fn a_reset_request_answered_201_created_is_e14() {
    let created = RecordedResponse {
        status: 201,
        headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
        body: "Created".into(),
    };
    let body = json!({ "identifier": "a@x" });
    let step = ("account.reset_request", "unknown_email");
    assert_eq!(
        password_departures(step, RESET, body.clone(), &created),
        ids(&["E14"])
    );
    let other = ("account.reset_request", "missing_identifier");
    assert_eq!(password_departures(other, RESET, body, &created), [None]);
}

#[test]
fn a_reset_request_body_refused_is_e15() {
    let refused = json_response(
        400,
        json!({ "type": "invalid_data", "message": "Invalid request: Field 'identifier' is required; Unrecognized fields: 'email'" }),
    );
    let step = ("account.reset_request", "email_instead_of_identifier");
    let body = json!({ "email": "a@x" });
    assert_eq!(
        password_departures(step, RESET, body.clone(), &refused),
        ids(&["E15"])
    );
    let other = ("account.reset_request", "known_email");
    assert_eq!(password_departures(other, RESET, body, &refused), [None]);
}

#[test]
fn a_json_401_of_the_password_update_is_e1() {
    let response = json_response(
        401,
        json!({ "type": "unauthorized", "message": "Invalid token" }),
    );
    let url = "/auth/customer/emailpass/update?token=garbage";
    let step = ("account.update_refused", "garbage_query_token");
    let explained = password_departures(step, url, json!({ "password": "p" }), &response);
    assert!(explained.contains(&Some("E1".to_owned())), "{explained:?}");
}
