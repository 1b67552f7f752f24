//! Which `documentation` erratum explains a departure: one small predicate per erratum, tried in order. The first
//! whose predicate matches and whose `applies-to:` lines name the step explains it. The ids must be the
//! `documentation` entries of `openapi/ERRATA.md` the suite can show (not `unobservable:`), no more, no fewer.

use super::{Departure, DepartureKind as K};
use crate::errata::{Errata, Erratum, Kind};

pub type Detector = fn(&Departure) -> bool;

const CREATE: &str = "POST /store/customers";
const REGISTER: &str = "POST /auth/customer/{auth_provider}/register";
const ADDRESSES: &str = "GET /store/customers/me/addresses";
/// `POST /auth/customer/{auth_provider}/reset-password`, whatever the provider's spelling in the published path.
const RESET_PREFIX: &str = "POST /auth/customer/";
const RESET_SUFFIX: &str = "/reset-password";
const ADDRESS: &str = "/store/customers/me/addresses/{address_id}";
/// What Medusa accepts in the query of the address list (besides `locale`, which its middleware takes away).
const ADDRESS_LIST_QUERY: &[&str] = &[
    "q",
    "city",
    "country_code",
    "postal_code",
    "fields",
    "limit",
    "offset",
    "order",
    "with_deleted",
    "locale",
];

pub const DETECTORS: &[(&str, Detector)] = &[
    ("E1", |d| d.status == 401 && d.kind == K::ContentType),
    ("E2", |d| {
        matches!(&d.kind, K::MissingRequired { property }
            if matches!(property.as_str(), "default_billing_address_id" | "default_shipping_address_id"))
    }),
    ("E3", |d| d.kind == K::NullNotNullable),
    (
        "E4",
        |d| matches!(&d.kind, K::UndocumentedProperty { property } if property == "has_account"),
    ),
    ("E5", |d| {
        matches!(d.kind, K::MissingRequired { .. }) && d.request.query.iter().any(|q| q == "fields")
    }),
    ("E6", |d| {
        d.operation == CREATE && d.kind == K::Refused && missing_email(d)
    }),
    ("E7", |d| {
        d.kind == K::Refused && !d.request.undocumented_body_keys.is_empty()
    }),
    ("E8", |d| {
        d.operation == CREATE
            && d.kind == K::Refused
            && d.request.query.iter().any(|q| q != "fields")
    }),
    ("E9", |d| d.operation == REGISTER && d.status == 401),
    ("E10", |d| d.status == 413),
    ("E11", |d| {
        d.operation == format!("DELETE {ADDRESS}") && d.kind == K::DeletedIdNotThePathId
    }),
    (
        "E12",
        |d| matches!(&d.kind, K::UndocumentedProperty { property } if property == "deleted_at"),
    ),
    ("E13", |d| {
        let refused_query = |accepted: &[&str]| {
            d.kind == K::Refused
                && d.request
                    .query
                    .iter()
                    .any(|q| !accepted.contains(&q.as_str()))
        };
        (d.operation == ADDRESSES && refused_query(ADDRESS_LIST_QUERY))
            || (d.operation.ends_with(ADDRESS) && refused_query(&["fields", "locale"]))
    }),
    ("E14", |d| {
        reset_request(d) && d.status == 201 && d.kind == K::UndocumentedStatus
    }),
    ("E15", |d| {
        reset_request(d) && d.status == 400 && d.kind == K::Refused
    }),
];

fn reset_request(d: &Departure) -> bool {
    d.operation.starts_with(RESET_PREFIX) && d.operation.ends_with(RESET_SUFFIX)
}

fn missing_email(d: &Departure) -> bool {
    d.request
        .body
        .as_ref()
        .is_some_and(|body| body.get("email").is_none_or(|e| e.is_null()))
}

/// The `documentation` erratum of `errata` that explains a departure seen in `step` of `case`, if any.
pub fn explain<'e>(
    departure: &Departure,
    errata: &'e Errata,
    case: &str,
    step: &str,
) -> Option<&'e Erratum> {
    DETECTORS
        .iter()
        .filter(|(_, detects)| detects(departure))
        .filter_map(|(id, _)| errata.get(id))
        .find(|erratum| {
            erratum.kind == Kind::Documentation
                && erratum.unobservable.is_none()
                && erratum.applies_to(case, step)
        })
}
