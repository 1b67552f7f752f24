//! Property tests of the body parsers and of the V8 error reporter: any bytes get a value or a 4xx in Medusa's
//! words, never a panic and never a stack overflow, and the reporter agrees with serde_json on what is JSON.
//! Inputs that once broke a property stay below as plain regression tests.

use proptest::prelude::*;
use serde_json::Value;

use super::{
    body::{parse_json, parse_urlencoded},
    v8_json,
};
use crate::domain::Error;

/// Text made of JSON's own characters, so that most cases get deep into the grammar.
fn json_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec![
            "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "d800", "a", "1", "-", ".", "e", "+",
            "0", "true", "null", "fals", " ", "\n", "\u{1}", "é", "😀", "1e400",
        ]),
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn body_error(result: Result<Value, Error>) -> Option<(u16, String)> {
    match result {
        Ok(_) => None,
        Err(Error::Body { status, message }) => Some((status, message)),
        Err(other) => panic!("a body error, not {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_become_a_value_or_a_400_with_a_message(bytes in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        json_soup().prop_map(String::into_bytes),
    ]) {
        if let Some((status, message)) = body_error(parse_json(&bytes)) {
            prop_assert_eq!(status, 400);
            prop_assert!(!message.is_empty());
        }
    }

    #[test]
    fn the_v8_reporter_accepts_what_serde_json_accepts(text in json_soup()) {
        if serde_json::from_str::<Value>(&text).is_ok() {
            prop_assert_eq!(v8_json::syntax_error(&text), None, "{:?}", text);
        }
    }

    #[test]
    fn a_document_the_v8_reporter_refuses_is_refused_with_its_message(
        open in prop::sample::select(vec!["{", "[", " {\"a\":", "[1,"]),
        rest in json_soup(),
    ) {
        let text = format!("{open}{rest}");
        if let Some(expected) = v8_json::syntax_error(&text) {
            prop_assert_eq!(body_error(parse_json(text.as_bytes())), Some((400, expected)));
        }
    }

    #[test]
    fn unexpected_token_reports_any_position_in_the_text(text in any::<String>(), at in any::<prop::sample::Index>()) {
        let units = text.encode_utf16().count();
        prop_assume!(units > 0);
        let message = v8_json::unexpected_token(&text, at.index(units));
        prop_assert!(message.starts_with("Unexpected token '"), "{}", message);
    }

    #[test]
    fn urlencoded_bytes_always_become_an_object(bytes in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        "[a-z\\[\\]=&%0-9]{0,40}".prop_map(String::into_bytes),
    ]) {
        prop_assert!(parse_urlencoded(&bytes).is_object());
    }
}

fn nested(depth: usize, open: &str, leaf: &str, close: &str) -> String {
    format!("{}{leaf}{}", open.repeat(depth), close.repeat(depth))
}

/// Found by the hostile tests: 100 kB of `[` overflowed the stack of the recursive reporter and killed the server.
#[test]
fn nesting_of_any_depth_is_reported_without_recursion() {
    let text = "[".repeat(100_000);
    assert_eq!(
        body_error(parse_json(text.as_bytes())),
        Some((400, "Unexpected end of JSON input".into()))
    );
    let text = format!("{{\"a\":{}", nested(50_000, "[", "x", "]"));
    assert_eq!(
        body_error(parse_json(text.as_bytes())).map(|(status, _)| status),
        Some(400)
    );
}

#[test]
fn json_that_v8_accepts_and_serde_json_cannot_hold_gets_a_clear_400() {
    let deep = |depth: usize| {
        format!(
            "{{\"metadata\":{}}}",
            nested(depth - 1, "{\"a\":", "1", "}")
        )
    };
    assert!(parse_json(deep(127).as_bytes()).is_ok());
    assert_eq!(
        body_error(parse_json(deep(128).as_bytes())),
        Some((
            400,
            "JSON nested more than 127 levels deep is not supported".into()
        ))
    );
    assert_eq!(
        body_error(parse_json(br#"{"metadata":{"a":1e400}}"#)),
        Some((400, "A number in the JSON body is out of range".into()))
    );
    for text in [
        r#"{"a":"\ud800"}"#,
        r#"{"a":"\udc00x"}"#,
        r#"{"a":"\ud800\u0041"}"#,
    ] {
        assert_eq!(
            body_error(parse_json(text.as_bytes())),
            Some((
                400,
                "A string in the JSON body contains an unpaired surrogate escape (\\uD800-\\uDFFF)"
                    .into()
            )),
            "{text}"
        );
    }
}

#[test]
fn invalid_utf8_is_read_as_node_reads_it() {
    let value = parse_json(b"{\"first_name\":\"a\xff\xfeb\"}").unwrap();
    assert_eq!(value["first_name"], "a\u{fffd}\u{fffd}b");
    assert_eq!(
        body_error(parse_json(b"{\"email\":\"x\",\xff\"a\":1}")),
        Some((
            400,
            "Expected double-quoted property name in JSON at position 13".into()
        ))
    );
}
