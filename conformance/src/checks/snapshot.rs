//! The normalized response equals the committed snapshot.

use super::{Check, CheckInput, Failure};
use crate::snapshots::Comparison;

pub fn snapshot(input: &CheckInput) -> Vec<Failure> {
    let Some(name) = input.snapshot_name else {
        return Vec::new();
    };
    let request = &input.exchange.request;
    let path = request
        .url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/");
    let expression = format!("{} {path}", request.method);
    let received = input.normalizer.snapshot_of(&input.exchange.response);
    match input.snapshots.compare(name, &expression, &received) {
        Comparison::Matches => Vec::new(),
        Comparison::Missing { received } => vec![Failure::error(
            Check::Snapshot,
            format!("no committed snapshot `{name}`"),
            format!("conformance/snapshots/{name}.snap"),
            received,
        )],
        Comparison::Differs { diff } => vec![Failure::error(
            Check::Snapshot,
            format!("the response differs from snapshot `{name}`"),
            format!("conformance/snapshots/{name}.snap"),
            diff,
        )],
    }
}
