//! The `documented` profile: checks a deployment against Medusa's published reference as it stands, and accounts
//! for every departure with a `documentation` erratum of `openapi/ERRATA.md`.
//!
//! A few probes (see [`probes`]) send requests; each observed response is compared with the published document
//! ([`published`]): undocumented status, content type, schema violations, undocumented keys, and requests the
//! document allows being refused. Each departure is then matched with an erratum by a small detector
//! ([`detectors::DETECTORS`]). The run passes when every departure matches an erratum and every `documentation`
//! erratum is observed: a new departure, or an erratum that no longer holds, both fail it.

pub mod detectors;
mod probes;
pub mod published;

use serde::Serialize;
use serde_json::Value;

pub use published::{PublishedSpec, PublishedSpecError};

use crate::api::Api;
use crate::errata::{Errata, Kind};

/// What a probe sent, as the detectors see it.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeRequest {
    pub probe: String,
    /// The query parameters' names.
    pub query: Vec<String>,
    /// The JSON body, when there is one and it parses.
    pub body: Option<Value>,
    /// Body keys the documented request schema does not list.
    pub undocumented_body_keys: Vec<String>,
    /// The probe means to be refused (no credentials, malformed body): a refusal is no departure.
    pub expects_refusal: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DepartureKind {
    /// The status is not among the operation's documented responses.
    UndocumentedStatus,
    /// The response's content type is not the documented one.
    ContentType,
    /// A documented-required key is absent.
    MissingRequired { property: String },
    /// `null` where the schema does not allow it.
    NullNotNullable,
    /// Any other schema violation.
    SchemaViolation { keyword: String },
    /// A key the documented schema does not list.
    UndocumentedProperty { property: String },
    /// A request the documentation allows was refused with a 4xx.
    Refused,
}

/// One way an observed response departs from the published documentation.
#[derive(Clone, Debug, Serialize)]
pub struct Departure {
    pub probe: String,
    /// `POST /store/customers`
    pub operation: String,
    pub status: u16,
    #[serde(flatten)]
    pub kind: DepartureKind,
    pub detail: String,
    #[serde(skip)]
    pub request: ProbeRequest,
}

#[derive(Clone, Debug, Serialize)]
pub struct Observation {
    #[serde(flatten)]
    pub departure: Departure,
    /// The `documentation` erratum that explains it; `None` fails the run.
    pub erratum: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProbeRecord {
    pub probe: String,
    pub status: u16,
    pub curl: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProfileReport {
    pub base_url: String,
    pub probes: Vec<ProbeRecord>,
    pub observations: Vec<Observation>,
    /// The `documentation` errata no departure matched: each fails the run.
    pub not_observed: Vec<String>,
}

impl ProfileReport {
    /// Departures no erratum explains.
    pub fn unexplained(&self) -> Vec<&Departure> {
        self.observations
            .iter()
            .filter(|o| o.erratum.is_none())
            .map(|o| &o.departure)
            .collect()
    }

    /// The ids of the errata observed, in detector order.
    pub fn observed_errata(&self) -> Vec<&str> {
        detectors::DETECTORS
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| {
                self.observations
                    .iter()
                    .any(|o| o.erratum.as_deref() == Some(id))
            })
            .collect()
    }

    /// Every departure explained by an erratum, and every `documentation` erratum observed.
    pub fn passed(&self) -> bool {
        self.unexplained().is_empty() && self.not_observed.is_empty()
    }

    pub fn summary_line(&self) -> String {
        format!(
            "{} probes, {} departures from the published documentation: errata observed ({}), {} unexplained, \
             errata not observed ({})",
            self.probes.len(),
            self.observations.len(),
            self.observed_errata().join(", "),
            self.unexplained().len(),
            self.not_observed.join(", "),
        )
    }

    pub fn text(&self, errata: &Errata) -> String {
        let mut out = format!("documented profile against {}\n\n", self.base_url);
        for observation in &self.observations {
            let d = &observation.departure;
            let label = match &observation.erratum {
                Some(id) => format!("{id} — {}", errata.get(id).map_or("", |e| e.title.as_str())),
                None => "UNEXPLAINED (no erratum)".to_owned(),
            };
            out.push_str(&format!(
                "{label}\n    {} {} [{}]: {}\n",
                d.operation, d.status, d.probe, d.detail
            ));
        }
        for id in &self.not_observed {
            let title = errata.get(id).map_or("", |e| e.title.as_str());
            out.push_str(&format!("NOT OBSERVED {id} — {title}\n"));
        }
        out.push('\n');
        out.push_str(&self.summary_line());
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the profile report serializes")
    }
}

/// Matches departures with errata and lists the `documentation` errata never matched.
pub fn account(
    base_url: &str,
    probes: Vec<ProbeRecord>,
    departures: Vec<Departure>,
    errata: &Errata,
) -> ProfileReport {
    let observations: Vec<Observation> = departures
        .into_iter()
        .map(|departure| Observation {
            erratum: detectors::explain(&departure).map(str::to_owned),
            departure,
        })
        .collect();
    let not_observed = errata
        .of_kind(Kind::Documentation)
        .map(|e| e.id.clone())
        .filter(|id| !observations.iter().any(|o| o.erratum.as_ref() == Some(id)))
        .collect();
    ProfileReport {
        base_url: base_url.to_owned(),
        probes,
        observations,
        not_observed,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(transparent)]
    Spec(#[from] PublishedSpecError),
    #[error("cannot build the HTTP client: {0}")]
    Client(reqwest::Error),
    #[error("a probe got no response from {url}: {reason}")]
    Unreachable { url: String, reason: String },
}

/// The deployment and the published documentation to check it against.
pub struct ProfileConfig {
    pub base_url: String,
    pub publishable_key: String,
    pub spec: PublishedSpec,
    /// Default: the compiled-in `openapi/ERRATA.md`.
    pub errata: Errata,
    /// The domain of the probes' unique emails.
    pub email_domain: String,
}

/// Sends the probes, compares each response with the published documentation and accounts for the departures.
pub async fn run(config: ProfileConfig) -> Result<ProfileReport, ProfileError> {
    let api = Api::new(&config.base_url).map_err(ProfileError::Client)?;
    let (records, departures) = probes::run(&api, &config).await?;
    Ok(account(api.base_url(), records, departures, &config.errata))
}

#[cfg(test)]
mod tests;
