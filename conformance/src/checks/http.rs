//! Status line and headers.

use super::{Check, CheckInput, Failure, StatusRule};

pub fn status_code(input: &CheckInput) -> Vec<Failure> {
    let response = &input.exchange.response;
    match &input.expect.status {
        StatusRule::Exact(expected) if *expected == response.status => Vec::new(),
        StatusRule::Exact(expected) => vec![Failure::error(
            Check::StatusCode,
            format!("status {} instead of {expected}", response.status),
            expected.to_string(),
            format!("{} {}", response.status, response.body),
        )],
        StatusRule::ClientErrorOr(deviation) => {
            if response.status == deviation.status
                && response.json().as_ref() == Some(&deviation.body)
            {
                vec![
                    Failure::error(
                        Check::StatusCode,
                        format!("known Medusa deviation: {}", deviation.why),
                        "a 4xx with a Medusa error body (`type` and `message`)",
                        format!("{} {}", response.status, response.body),
                    )
                    .warning(),
                ]
            } else if (400..500).contains(&response.status) && is_medusa_error(response.json()) {
                Vec::new()
            } else {
                vec![Failure::error(
                    Check::StatusCode,
                    format!(
                        "status {} is neither a 4xx Medusa error nor Medusa's own answer",
                        response.status
                    ),
                    format!(
                        "a 4xx with `type` and `message`, or {} {}",
                        deviation.status, deviation.body
                    ),
                    format!("{} {}", response.status, response.body),
                )]
            }
        }
    }
}

fn is_medusa_error(body: Option<serde_json::Value>) -> bool {
    body.is_some_and(|body| body["type"].is_string() && body["message"].is_string())
}

/// The answer is JSON, or plain text where the case expects it (the check keeps its name, which the records cite).
pub fn content_type_json(input: &CheckInput) -> Vec<Failure> {
    if input.expect.no_body {
        return Vec::new();
    }
    let content_type = input.exchange.response.header("content-type").unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let (expected, title) = if input.expect.plain_text {
        ("text/plain", "the response is not plain text")
    } else {
        ("application/json", "the response is not JSON")
    };
    if essence.eq_ignore_ascii_case(expected) {
        return Vec::new();
    }
    vec![Failure::error(
        Check::ContentTypeJson,
        title,
        format!("Content-Type: {expected}"),
        if content_type.is_empty() {
            "no Content-Type".to_owned()
        } else {
            format!("Content-Type: {content_type}")
        },
    )]
}

pub fn no_server_error(input: &CheckInput) -> Vec<Failure> {
    let status = input.exchange.response.status;
    if status < 500 {
        return Vec::new();
    }
    if let StatusRule::ClientErrorOr(deviation) = &input.expect.status
        && deviation.status == status
    {
        // Judged (as a warning when it is exactly Medusa's answer) by `status_code`.
        return Vec::new();
    }
    vec![Failure::error(
        Check::NoServerError,
        format!("server error {status}"),
        "a status below 500",
        format!("{status} {}", input.exchange.response.body),
    )]
}
