//! Runs the selected cases one after another against one backend.

use std::sync::Arc;
use std::time::Instant;

use crate::admin::{Admin, AdminError, Provisioned};
use crate::api::Api;
use crate::cases::context::run_email;
use crate::cases::{self, Abort, Case, CaseContext, Needs, RunState};
use crate::checks::{Check, Failure};
use crate::client::types::StoreCreateCustomerEmail;
use crate::config::RunConfig;
use crate::expectations::{self, Expectations};
use crate::profile;
use crate::report::{CaseReport, Outcome, Report, progress_line};
use crate::spec::{BUNDLED_SPEC, Spec, SpecError};
use crate::transport::describe;

/// Why a run could not take place at all (as opposed to a backend failing checks).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the base URL {0:?} is not an http:// or https:// URL")]
    BadBaseUrl(String),
    #[error(
        "emails @{0} do not pass Medusa's email rule: give --email-domain a domain such as example.com"
    )]
    BadEmailDomain(String),
    #[error("the guest email {0:?} does not pass Medusa's email rule")]
    BadGuestEmail(String),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("cannot build the HTTP client: {0}")]
    Client(reqwest::Error),
    #[error("nothing answers at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the run stopped {during}: {reason}")]
    Interrupted { during: String, reason: String },
    #[error(
        "the server refuses the publishable key (GET /store/customers/me answered {status} {body}); check it"
    )]
    KeyRefused { status: u16, body: String },
    #[error(transparent)]
    Admin(#[from] AdminError),
}

/// Runs every selected case against `config.base_url`, then judges every answer against stock Medusa of the
/// deployment's release (declared in `config.medusa_version`, or detected) and, with `config.documented`, against
/// Medusa's published reference; reports what each check found.
///
/// Fails when the run cannot start (bad URL, unusable contract, nothing listening, the publishable key refused as
/// `not_allowed`) or cannot go on (a request got no answer, none in time, or was asked to wait too long); a
/// misbehaving backend gives `Ok` with failures in the [`Report`].
pub async fn run(config: RunConfig) -> Result<Report, RunError> {
    let (declared, strict) = (config.medusa_version, config.strict);
    let documented = config.documented.clone();
    let mut report = run_cases(config).await?;
    if report.stopped.is_some() {
        // The cases that did not run would make any verdict about the release or the errata partial.
        return Ok(report);
    }
    expectations::judge(&mut report, &Expectations::bundled(), declared, strict);
    if let Some(documented) = &documented {
        profile::judge(&mut report, documented);
    }
    Ok(report)
}

/// Runs every selected case and checks each answer against the contract alone (what `record` keeps).
pub async fn run_cases(config: RunConfig) -> Result<Report, RunError> {
    let started = Instant::now();
    let url = reqwest::Url::parse(&config.base_url)
        .map_err(|_| RunError::BadBaseUrl(config.base_url.clone()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(RunError::BadBaseUrl(config.base_url.clone()));
    }
    let passes_medusas_rule = |email: &str| email.parse::<StoreCreateCustomerEmail>().is_ok();
    if !passes_medusas_rule(&run_email("probe", 1, &config.email_domain)) {
        return Err(RunError::BadEmailDomain(config.email_domain.clone()));
    }
    if let Some(guest) = config
        .guest_email
        .as_deref()
        .filter(|g| !passes_medusas_rule(g))
    {
        return Err(RunError::BadGuestEmail(guest.to_owned()));
    }
    let spec = Spec::parse(config.spec.as_deref().unwrap_or(BUNDLED_SPEC))?;
    let api = Api::with_transport(&config.base_url, &config.transport).map_err(RunError::Client)?;
    api.reachable()
        .await
        .map_err(|error| RunError::Unreachable {
            url: api.base_url().to_owned(),
            reason: describe(&error),
        })?;
    if let Ok((status, body)) = api.probe_key(&config.publishable_key).await
        && status == 400
        && body.contains("not_allowed")
    {
        return Err(RunError::KeyRefused { status, body });
    }
    if let Some(reason) = api.failure() {
        return Err(RunError::Interrupted {
            during: "while probing the deployment".to_owned(),
            reason,
        });
    }
    let mut config = config;
    let admin = match &config.admin {
        Some(access) => Some(Admin::connect(&api, access).await?),
        None => None,
    };
    let provisioned = match &admin {
        Some(admin) => provision(admin, &mut config).await?,
        None => Provisioned::default(),
    };
    let state = Arc::new(RunState::new(config, spec, api));

    let selected: Vec<&'static Case> = cases::all()
        .into_iter()
        .filter(|case| state.config.selects(case.name))
        .collect();
    let mut reports = Vec::with_capacity(selected.len());
    let mut stopped = None;
    for (index, case) in selected.iter().enumerate() {
        let report = run_case(&state, case).await;
        if let Some(reason) = state.api.failure() {
            // A connection error is no finding: the run stops, and still cleans up what it can.
            stopped = Some(format!("the run stopped in case {}: {reason}", case.name));
            break;
        }
        if state.config.progress {
            eprintln!("{}", progress_line(&report, index + 1, selected.len()));
        }
        reports.push(report);
    }
    let cleanup = match &admin {
        Some(admin) => Some(admin.clean_up(&provisioned, &state.created()).await),
        None => None,
    };
    Ok(Report {
        run_id: state.run_id.clone(),
        base_url: state.config.base_url.clone(),
        duration_ms: started.elapsed().as_millis(),
        cases: reports,
        created: state.created(),
        placeholders: state.placeholders(),
        release: None,
        known_issues: Vec::new(),
        cleanup,
        documentation_errata: None,
        stopped,
    })
}

/// Sets up, through the Admin API, what the selected cases need and the user did not give: a revoked publishable
/// key and a guest customer.
async fn provision(admin: &Admin, config: &mut RunConfig) -> Result<Provisioned, AdminError> {
    let selected: Vec<Needs> = cases::all()
        .iter()
        .filter(|case| config.selects(case.name) && !(config.read_only && case.creates_data))
        .map(|case| case.needs)
        .collect();
    let needed = |needs: Needs| selected.contains(&needs);
    let label = ulid::Ulid::new().to_string().to_lowercase();
    let mut provisioned = Provisioned::default();
    if config.revoked_key.is_none() && needed(Needs::RevokedKey) {
        let key = admin
            .revoked_key(&format!("medusa-conformance {label}"))
            .await?;
        config.revoked_key = Some(key.token.clone());
        provisioned.revoked_key = Some(key);
    }
    if config.guest_email.is_none() && needed(Needs::GuestEmail) {
        let guest = admin
            .guest(&run_email(&label, 0, &config.email_domain))
            .await?;
        config.guest_email = Some(guest.email.clone());
        provisioned.guest = Some(guest);
    }
    Ok(provisioned)
}

async fn run_case(state: &Arc<RunState>, case: &'static Case) -> CaseReport {
    let skipped = |reason: &str| CaseReport {
        name: case.name,
        summary: case.summary,
        outcome: Outcome::Skipped {
            reason: reason.to_owned(),
        },
        duration_ms: 0,
        steps: Vec::new(),
        aborted: None,
    };
    if let Some(reason) = case.needs.missing_from(&state.config) {
        return skipped(reason);
    }
    if state.config.read_only && case.creates_data {
        return skipped("creates data (--read-only)");
    }
    let started = Instant::now();
    let mut cx = CaseContext::new(Arc::clone(state), case);
    let result = (case.run)(&mut cx).await;
    let aborted = match result {
        Ok(()) => None,
        Err(Abort::Transport(message)) => Some(Failure::error(
            Check::FlowContinues,
            "a request got no response",
            "a response",
            message,
        )),
        Err(Abort::Missing(what)) => Some(Failure::error(
            Check::FlowContinues,
            "the case could not continue",
            what,
            "absent from the response (see the failures above)",
        )),
    };
    let mut report = CaseReport {
        name: case.name,
        summary: case.summary,
        outcome: Outcome::Passed,
        duration_ms: started.elapsed().as_millis(),
        steps: cx.steps,
        aborted,
    };
    report.settle_outcome();
    report
}
