//! Request bodies as Express's body parsers (json, text, urlencoded; 100 kB each) hand them to Medusa:
//! `application/json` is parsed strictly (an object or an array), `text/plain` becomes a string,
//! `application/x-www-form-urlencoded` an object of strings, and anything else, or nothing, `{}`.
//! Parse failures carry V8's `JSON.parse` messages.
//!
//! Hostile bodies get a 4xx and never tie up the server: the body must arrive within a deadline with no long
//! silence, and JSON that V8 accepts but we cannot keep faithfully (nesting deeper than serde_json's 127 levels,
//! numbers beyond `f64`, unpaired surrogate escapes) is refused with a message that says so.

use std::time::Duration;

use poem::{Body, Request, http::header};
use serde_json::{Map, Value};
use tokio::{io::AsyncReadExt, time::Instant};

use super::v8_json;
use crate::domain::Error;

/// body-parser's default limit, "100kb".
pub const BODY_LIMIT: usize = 100 * 1024;

/// The longest silence allowed while a body arrives (a stalled or trickling client gets 408 and is disconnected).
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// The whole body must arrive within this time (100 kB at ~3.4 kB/s); Node's own `requestTimeout` is 300 s.
pub const BODY_DEADLINE: Duration = Duration::from_secs(30);

enum Kind {
    Json,
    Text,
    UrlEncoded,
}

pub async fn read_json(request: &Request, body: Body) -> Result<Value, Error> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut params = content_type.split(';');
    let kind = match params
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "application/json" => Kind::Json,
        "text/plain" => Kind::Text,
        "application/x-www-form-urlencoded" => Kind::UrlEncoded,
        _ => return Ok(Value::Object(Map::new())),
    };
    if let Some(charset) = params
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("charset"))
    {
        let charset = charset.1.trim_matches('"');
        if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8") {
            return Err(Error::Body {
                status: 415,
                message: format!("unsupported charset \"{}\"", charset.to_uppercase()),
            });
        }
    }
    let bytes = read_limited(request, body).await?;
    match kind {
        Kind::Json => parse_json(&bytes),
        Kind::Text => Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        Kind::UrlEncoded => Ok(parse_urlencoded(&bytes)),
    }
}

async fn read_limited(request: &Request, body: Body) -> Result<Vec<u8>, Error> {
    let too_large = || Error::Body {
        status: 413,
        message: "request entity too large".into(),
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        return Err(too_large());
    }
    read_within(body, BODY_IDLE_TIMEOUT, BODY_DEADLINE)
        .await
        .and_then(|bytes| {
            if bytes.len() > BODY_LIMIT {
                Err(too_large())
            } else {
                Ok(bytes)
            }
        })
}

/// Reads at most `BODY_LIMIT + 1` bytes, refusing a client that pauses longer than `idle` or takes longer than
/// `deadline` in all.
async fn read_within(body: Body, idle: Duration, deadline: Duration) -> Result<Vec<u8>, Error> {
    let timed_out = || Error::Body {
        status: 408,
        message: "request timeout".into(),
    };
    let deadline = Instant::now() + deadline;
    let mut reader = body.into_async_read().take(BODY_LIMIT as u64 + 1);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let until = deadline.min(Instant::now() + idle);
        let read = tokio::time::timeout_at(until, reader.read(&mut chunk))
            .await
            .map_err(|_| timed_out())?;
        match read {
            Ok(0) => return Ok(bytes),
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(error) => {
                return Err(Error::Body {
                    status: 400,
                    message: format!("request aborted: {error}"),
                });
            }
        }
    }
}

pub(super) fn parse_json(bytes: &[u8]) -> Result<Value, Error> {
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let text = String::from_utf8_lossy(bytes);
    let invalid = |message: String| Error::Body {
        status: 400,
        message,
    };
    // body-parser's strict mode: only an object or an array, judged by the first non-blank character.
    if let Some(first) = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .chars()
        .next()
        && first != '{'
        && first != '['
    {
        let position = text[..text.find(first).unwrap_or(0)].encode_utf16().count();
        return Err(invalid(v8_json::unexpected_token(&text, position)));
    }
    serde_json::from_str(&text).map_err(|error| {
        invalid(v8_json::syntax_error(&text).unwrap_or_else(|| beyond_serde_json(&error)))
    })
}

/// Why serde_json refused a text that V8's `JSON.parse` accepts.
fn beyond_serde_json(error: &serde_json::Error) -> String {
    let cause = error.to_string();
    if cause.contains("recursion limit") {
        "JSON nested more than 127 levels deep is not supported".into()
    } else if cause.contains("number out of range") {
        "A number in the JSON body is out of range".into()
    } else if cause.contains("surrogate") || cause.contains("unicode") || cause.contains("escape") {
        "A string in the JSON body contains an unpaired surrogate escape (\\uD800-\\uDFFF)".into()
    } else {
        format!("The JSON body is not supported: {cause}")
    }
}

/// `qs`-style decoding, as Express's extended urlencoded parser: repeated keys become arrays and `a[b]`
/// nests one level.
pub(super) fn parse_urlencoded(bytes: &[u8]) -> Value {
    let mut object = Map::new();
    for (key, value) in form_urlencoded::parse(bytes) {
        let (name, nested) = match key.split_once('[') {
            Some((name, rest)) => (name.to_owned(), Some(rest.trim_end_matches(']').to_owned())),
            None => (key.into_owned(), None),
        };
        let value = Value::String(value.into_owned());
        match nested {
            Some(inner) if !inner.is_empty() => {
                let slot = object
                    .entry(name)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = slot {
                    map.insert(inner, value);
                }
            }
            _ => match object.get_mut(&name) {
                Some(Value::Array(items)) => items.push(value),
                Some(existing) => *existing = Value::Array(vec![existing.take(), value]),
                None if key_is_array(&name, &nested) => {
                    object.insert(name, Value::Array(vec![value]));
                }
                None => {
                    object.insert(name, value);
                }
            },
        }
    }
    Value::Object(object)
}

fn key_is_array(_: &str, nested: &Option<String>) -> bool {
    nested.as_deref() == Some("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        match parse_json(text.as_bytes()) {
            Err(Error::Body { message, .. }) => message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_what_body_parser_refuses_with_v8s_messages() {
        assert_eq!(message("{\"email\":"), "Unexpected end of JSON input");
        assert_eq!(
            message("{"),
            "Expected property name or '}' in JSON at position 1"
        );
        assert_eq!(
            message("\"x\""),
            "Unexpected token '\"', \"\"x\"\" is not valid JSON"
        );
    }

    async fn status_after(trickle: Option<Duration>) -> (u16, Duration) {
        let (mut client, server) = tokio::io::duplex(64);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            client.write_all(b"{\"a\":\"").await.ok();
            while let Some(every) = trickle {
                tokio::time::sleep(every).await;
                if client.write_all(b"x").await.is_err() {
                    break;
                }
            }
            std::future::pending::<()>().await;
        });
        let started = Instant::now();
        let result = read_within(
            Body::from_async_read(server),
            BODY_IDLE_TIMEOUT,
            BODY_DEADLINE,
        )
        .await;
        match result {
            Err(Error::Body { status, .. }) => (status, started.elapsed()),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_times_out_after_the_idle_timeout() {
        assert_eq!(status_after(None).await, (408, BODY_IDLE_TIMEOUT));
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickling_body_times_out_at_the_deadline() {
        let (status, elapsed) = status_after(Some(Duration::from_millis(500))).await;
        assert_eq!(status, 408);
        assert!(
            elapsed >= BODY_DEADLINE && elapsed < BODY_DEADLINE + Duration::from_secs(1),
            "{elapsed:?}"
        );
    }

    #[test]
    fn an_empty_body_is_an_empty_object() {
        assert_eq!(parse_json(b"").unwrap(), serde_json::json!({}));
    }

    #[test]
    fn urlencoded_bodies_become_objects_of_strings() {
        assert_eq!(
            parse_urlencoded(b"email=a%40b.co&x=1&x=2&m[k]=v&l[]=1"),
            serde_json::json!({"email": "a@b.co", "x": ["1", "2"], "m": {"k": "v"}, "l": ["1"]})
        );
    }
}
