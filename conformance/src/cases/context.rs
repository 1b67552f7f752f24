//! What a case works with: the API, the run's unique emails and password, and the record of its steps.

use std::sync::{Arc, Mutex};

use super::Case;
use crate::api::{Api, Extra, RawRequest};
use crate::checks::{self, CheckInput, Expect, Failure, Secrets};
use crate::client::{CallContext, Client, Error, ResponseValue};
use crate::config::RunConfig;
use crate::exchange::Exchange;
use crate::normalize::Normalizer;
use crate::report::{Created, StepReport};
use crate::spec::Spec;

/// Why a case stopped before its end.
#[derive(Debug)]
pub enum Abort {
    /// The request could not be sent or its response could not be read.
    Transport(String),
    /// A response lacked what the next request needs (its failures are already recorded).
    Missing(String),
}

pub fn need<T>(value: Option<T>, what: &str) -> Result<T, Abort> {
    value.ok_or_else(|| Abort::Missing(what.to_owned()))
}

/// State shared by every case of a run.
pub struct RunState {
    pub run_id: String,
    pub config: RunConfig,
    pub spec: Spec,
    pub api: Api,
    password: String,
    next_email: Mutex<usize>,
    labels: Mutex<Vec<(String, String)>>,
    created: Mutex<Vec<Created>>,
}

impl RunState {
    pub fn new(config: RunConfig, spec: Spec, api: Api) -> Self {
        let run_id = ulid::Ulid::new().to_string().to_lowercase();
        let password = format!(
            "Conformance-{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let mut labels = Vec::new();
        if let Some(guest) = &config.guest_email {
            labels.push((guest.clone(), "[guest_email]".to_owned()));
        }
        if let Some(origin) = &config.storefront_origin {
            labels.push((origin.clone(), "[storefront_origin]".to_owned()));
        }
        RunState {
            run_id,
            config,
            spec,
            api,
            password,
            next_email: Mutex::new(0),
            labels: Mutex::new(labels),
            created: Mutex::new(Vec::new()),
        }
    }

    pub fn created(&self) -> Vec<Created> {
        self.created.lock().expect("created list poisoned").clone()
    }

    /// The run's emails and their placeholders (`[email:<label>]`, `[guest_email]`).
    pub fn placeholders(&self) -> Vec<(String, String)> {
        self.labels.lock().expect("labels poisoned").clone()
    }

    fn normalizer(&self) -> Normalizer {
        Normalizer::new(self.labels.lock().expect("labels poisoned").clone())
    }
}

pub struct CaseContext {
    pub run: Arc<RunState>,
    pub case: &'static Case,
    pub(crate) steps: Vec<StepReport>,
}

impl CaseContext {
    pub fn new(run: Arc<RunState>, case: &'static Case) -> Self {
        CaseContext {
            run,
            case,
            steps: Vec::new(),
        }
    }

    pub fn config(&self) -> &RunConfig {
        &self.run.config
    }

    pub fn key(&self) -> &str {
        &self.run.config.publishable_key
    }

    /// The password of every account the run creates.
    pub fn password(&self) -> &str {
        &self.run.password
    }

    /// A new unique email; records show it as `[email:<label>]`.
    pub fn new_email(&self, label: &str) -> String {
        let mut next = self.run.next_email.lock().expect("email counter poisoned");
        *next += 1;
        let email = run_email(
            &self.run.run_id.to_string(),
            *next,
            &self.run.config.email_domain,
        );
        let placeholder = format!("[email:{label}]");
        self.run
            .labels
            .lock()
            .expect("labels poisoned")
            .push((email.clone(), placeholder));
        email
    }

    /// Notes what the run left on the backend, for the end of the report.
    pub fn note_created(&self, email: &str, customer_id: Option<&str>) {
        let mut created = self.run.created.lock().expect("created list poisoned");
        match created.iter_mut().find(|c| c.email == email) {
            Some(entry) => {
                entry.customer_id = entry.customer_id.clone().or(customer_id.map(str::to_owned))
            }
            None => created.push(Created {
                email: email.to_owned(),
                customer_id: customer_id.map(str::to_owned),
            }),
        }
    }

    pub fn typed(&self, extras: &[Extra]) -> (Client, CallContext) {
        self.run.api.typed(extras)
    }

    /// Records the exchange a generated-client call made, and checks it.
    pub fn record<T, E: std::fmt::Debug>(
        &mut self,
        step: &'static str,
        call: CallContext,
        result: &Result<ResponseValue<T>, Error<E>>,
        expect: Expect,
    ) -> Result<Exchange, Abort> {
        let exchange = call.take_exchanges().pop();
        match (exchange, result) {
            (Some(exchange), _) => Ok(self.check(step, exchange, expect)),
            (None, Err(error)) => Err(Abort::Transport(format!("{step}: {error}"))),
            (None, Ok(_)) => Err(Abort::Transport(format!(
                "{step}: the request was not recorded"
            ))),
        }
    }

    /// Sends a request the typed client cannot express, and checks it.
    pub async fn raw(
        &mut self,
        step: &'static str,
        request: RawRequest<'_>,
        expect: Expect,
    ) -> Result<Exchange, Abort> {
        let exchange = self
            .run
            .api
            .raw(request)
            .await
            .map_err(|error| Abort::Transport(format!("{step}: {error}")))?;
        Ok(self.check(step, exchange, expect))
    }

    fn check(&mut self, step: &'static str, exchange: Exchange, expect: Expect) -> Exchange {
        let secrets = Secrets {
            passwords: vec![self.run.password.clone()],
            jwt_secret: self.run.config.jwt_secret.clone(),
        };
        let normalizer = self.run.normalizer();
        let input = CheckInput {
            exchange: &exchange,
            expect: &expect,
            spec: &self.run.spec,
            normalizer: &normalizer,
            secrets: &secrets,
        };
        let failures: Vec<Failure> = checks::run_all(&input);
        self.steps.push(
            StepReport::new(step, exchange.clone(), failures).expecting_refusal(expect.refusal()),
        );
        exchange
    }
}

/// The `n`th unique email of a run: `conformance+<run>-<n>@<domain>`.
pub fn run_email(run_id: &str, n: usize, domain: &str) -> String {
    format!("conformance+{run_id}-{n}@{domain}")
}
