//! The requests of the documented profile. Each probe that may create a customer registers its own identity
//! first (a registration token creates one customer only).

use serde_json::{Value, json};

use super::{Departure, ProbeRecord, ProbeRequest, ProfileConfig, ProfileError};
use crate::api::{Api, Extra, RawBody, RawRequest};
use crate::exchange::Exchange;
use crate::report::curl_command;

const CREATE: &str = "/store/customers";
const REGISTER_DOC: &str = "/auth/customer/{auth_provider}/register";
const REGISTER: &str = "/auth/customer/emailpass/register";
/// One byte over Medusa's body limit ("100kb" in body-parser).
const BODY_LIMIT_BYTES: usize = 102_400;

struct Probes<'a> {
    api: &'a Api,
    config: &'a ProfileConfig,
    run_id: String,
    next: usize,
    password: String,
    records: Vec<ProbeRecord>,
    departures: Vec<Departure>,
}

pub async fn run(
    api: &Api,
    config: &ProfileConfig,
) -> Result<(Vec<ProbeRecord>, Vec<Departure>), ProfileError> {
    config.spec.operation("post", CREATE)?;
    config.spec.operation("post", REGISTER_DOC)?;
    let id = ulid::Ulid::new().to_string().to_lowercase();
    let mut probes = Probes {
        api,
        config,
        password: format!("Conformance-{id}"),
        run_id: id,
        next: 0,
        records: Vec::new(),
        departures: Vec::new(),
    };
    let email = probes.email();
    let password = probes.password.clone();
    probes
        .register(
            "register",
            json!({ "email": email, "password": password }),
            false,
        )
        .await?;
    probes
        .register("register_empty_body", json!({}), false)
        .await?;

    let email = probes.email();
    probes
        .create(
            "create_without_token",
            None,
            "",
            Some(json!({ "email": email })),
            true,
        )
        .await?;
    probes
        .create_fresh("create", "", |email| json!({ "email": email }))
        .await?;
    probes
        .create_fresh(
            "create_fields_email",
            "?fields=email",
            |email| json!({ "email": email }),
        )
        .await?;
    probes
        .create_fresh("create_without_email", "", |_| json!({}))
        .await?;
    probes
        .create_fresh(
            "create_unknown_key",
            "",
            |email| json!({ "email": email, "conformance_unknown": 1 }),
        )
        .await?;
    for (name, schema) in config.spec.query_parameters("post", CREATE) {
        if name == "fields" {
            continue;
        }
        let query = format!("?{name}={}", sample(&schema));
        probes
            .create_fresh(
                &format!("create_query_{name}"),
                &query,
                |email| json!({ "email": email }),
            )
            .await?;
    }
    probes
        .malformed("create_malformed_json", "{".to_owned())
        .await?;
    let email = probes.email();
    let frame = json!({ "email": email, "metadata": { "pad": "" } }).to_string();
    let padding = "a".repeat(BODY_LIMIT_BYTES + 1 - frame.len());
    let big = json!({ "email": email, "metadata": { "pad": padding } }).to_string();
    probes.malformed("create_too_large", big).await?;
    Ok((probes.records, probes.departures))
}

/// A value for a documented query parameter: its example, else one of its type.
fn sample(schema: &Value) -> String {
    match (&schema["example"], schema["type"].as_str()) {
        (Value::String(example), _) => example.clone(),
        (Value::Null, Some("number" | "integer")) => "1".to_owned(),
        (Value::Null, _) => "id".to_owned(),
        (example, _) => example.to_string(),
    }
}

impl Probes<'_> {
    fn email(&mut self) -> String {
        self.next += 1;
        format!(
            "conformance+{}-d{}@{}",
            self.run_id, self.next, self.config.email_domain
        )
    }

    /// Sends one request; a backend that does not answer ends the profile run.
    async fn exchange(
        &self,
        probe: &str,
        request: RawRequest<'_>,
    ) -> Result<Exchange, ProfileError> {
        self.api
            .raw(request)
            .await
            .map_err(|error| ProfileError::Unreachable {
                url: self.api.base_url().to_owned(),
                reason: format!("{probe}: {error}"),
            })
    }

    async fn send(
        &mut self,
        probe: &str,
        documented_path: &str,
        request: RawRequest<'_>,
        body: Option<Value>,
        expects_refusal: bool,
    ) -> Result<Exchange, ProfileError> {
        let query: Vec<String> = request
            .path
            .split_once('?')
            .map(|(_, q)| {
                q.split('&')
                    .filter_map(|p| p.split('=').next())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let exchange = self.exchange(probe, request).await?;
        let spec = &self.config.spec;
        let undocumented_body_keys = body
            .as_ref()
            .map(|b| spec.undocumented_body_keys("post", documented_path, b))
            .unwrap_or_default();
        let summary = ProbeRequest {
            probe: probe.to_owned(),
            query,
            body,
            undocumented_body_keys,
            expects_refusal,
        };
        self.departures.extend(spec.departures(
            "post",
            documented_path,
            &summary,
            &exchange.response,
        ));
        self.records.push(ProbeRecord {
            probe: probe.to_owned(),
            status: exchange.response.status,
            curl: curl_command(&exchange.request),
        });
        Ok(exchange)
    }

    async fn register(
        &mut self,
        probe: &str,
        body: Value,
        expects_refusal: bool,
    ) -> Result<(), ProfileError> {
        let request = RawRequest {
            operation_id: "register_customer_identity",
            method: reqwest::Method::POST,
            path: REGISTER,
            headers: Vec::new(),
            body: Some(RawBody::json(body.to_string())),
        };
        self.send(probe, REGISTER_DOC, request, Some(body), expects_refusal)
            .await?;
        Ok(())
    }

    async fn create(
        &mut self,
        probe: &str,
        token: Option<String>,
        query: &str,
        body: Option<Value>,
        expects_refusal: bool,
    ) -> Result<(), ProfileError> {
        let mut headers = vec![Extra::Header(
            "x-publishable-api-key",
            self.config.publishable_key.clone(),
        )];
        headers.extend(token.map(Extra::Bearer));
        let path = format!("{CREATE}{query}");
        let request = RawRequest {
            operation_id: "create_customer",
            method: reqwest::Method::POST,
            path: &path,
            headers,
            body: body.as_ref().map(|b| RawBody::json(b.to_string())),
        };
        self.send(probe, CREATE, request, body, expects_refusal)
            .await?;
        Ok(())
    }

    /// Registers a fresh identity (not itself judged), then creates with its token.
    async fn create_fresh(
        &mut self,
        probe: &str,
        query: &str,
        body: fn(&str) -> Value,
    ) -> Result<(), ProfileError> {
        let email = self.email();
        let credentials = json!({ "email": email, "password": self.password });
        let request = RawRequest {
            operation_id: "register_customer_identity",
            method: reqwest::Method::POST,
            path: REGISTER,
            headers: Vec::new(),
            body: Some(RawBody::json(credentials.to_string())),
        };
        let exchange = self.exchange(probe, request).await?;
        let token = exchange
            .response
            .json()
            .and_then(|b| b["token"].as_str().map(str::to_owned));
        self.create(probe, token, query, Some(body(&email)), false)
            .await
    }

    /// A body the server must refuse before reading it as a customer (not JSON, or too large).
    async fn malformed(&mut self, probe: &str, text: String) -> Result<(), ProfileError> {
        let parsed = serde_json::from_str::<Value>(&text).ok();
        let request = RawRequest {
            operation_id: "create_customer",
            method: reqwest::Method::POST,
            path: CREATE,
            headers: vec![Extra::Header(
                "x-publishable-api-key",
                self.config.publishable_key.clone(),
            )],
            body: Some(RawBody::json(text)),
        };
        let expects_refusal = parsed.is_none();
        self.send(probe, CREATE, request, parsed, expects_refusal)
            .await?;
        Ok(())
    }
}
