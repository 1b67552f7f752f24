//! A curl command that sends a recorded request again.

use crate::exchange::RecordedRequest;

/// Headers reqwest adds by itself; curl sets its own.
const IMPLICIT_HEADERS: &[&str] = &["content-length", "host"];

pub fn curl_command(request: &RecordedRequest) -> String {
    let mut parts = vec!["curl -i".to_owned()];
    if request.method != "GET" {
        parts.push(format!("-X {}", request.method));
    }
    parts.push(quote(&request.url));
    for (name, value) in &request.headers {
        if !IMPLICIT_HEADERS.contains(&name.as_str()) {
            parts.push(format!("-H {}", quote(&format!("{name}: {value}"))));
        }
    }
    if let Some(body) = &request.body {
        parts.push(format!("--data-raw {}", quote(body)));
    }
    parts.join(" ")
}

/// Single-quotes for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_with_headers_and_a_quoted_body() {
        let request = RecordedRequest {
            method: "POST".into(),
            url: "http://localhost:9000/store/customers".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("host".into(), "x".into()),
            ],
            body: Some(r#"{"first_name":"O'Brien"}"#.into()),
        };
        assert_eq!(
            curl_command(&request),
            r#"curl -i -X POST 'http://localhost:9000/store/customers' -H 'content-type: application/json' --data-raw '{"first_name":"O'\''Brien"}'"#
        );
    }
}
