//! Property tests of the body parsers and of the V8 error reporter: any bytes get a value or a 4xx in Medusa's
//! words, never a panic and never a stack overflow, and the reporter agrees with serde_json on what is JSON.
//! Inputs that once broke a property stay below as plain regression tests.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{Map, Value};

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

/// V8's `JsonParser::GetErrorMessageWithEllipses`, branch by branch: a source of 21 code units or more is quoted
/// as ten units either side of the token, with the ellipses of the branch taken (the middle branch has both, even
/// when its window starts at 0). An independent check of `v8_json`'s slicing of UTF-16.
fn reference_unexpected_token(units: &[u16], pos: usize) -> String {
    const MAX_CONTEXT: usize = 10;
    let length = units.len();
    let text = |from: usize, to: usize| String::from_utf16_lossy(&units[from..to]);
    let source = if length < 2 * MAX_CONTEXT + 1 {
        format!("\"{}\"", text(0, length))
    } else if pos < MAX_CONTEXT {
        format!("\"{}\"...", text(0, pos + MAX_CONTEXT))
    } else if pos < length - MAX_CONTEXT {
        format!("...\"{}\"...", text(pos - MAX_CONTEXT, pos + MAX_CONTEXT))
    } else {
        format!("...\"{}\"", text(pos - MAX_CONTEXT, length))
    };
    format!(
        "Unexpected token '{}', {source} is not valid JSON",
        text(pos, pos + 1)
    )
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
    fn unexpected_token_quotes_the_unit_at_any_position_with_v8s_context(
        text in prop_oneof![any::<String>(), "[a-z😀]{15,40}"],
        at in any::<prop::sample::Index>(),
    ) {
        let units: Vec<u16> = text.encode_utf16().collect();
        prop_assume!(!units.is_empty());
        let at = at.index(units.len());
        prop_assert_eq!(v8_json::unexpected_token(&text, at), reference_unexpected_token(&units, at));
    }

    #[test]
    fn urlencoded_bytes_never_panic_and_keep_every_name(bytes in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        "[a-z\\[\\]=&%0-9]{0,40}".prop_map(String::into_bytes),
    ]) {
        let parsed = parse_urlencoded(&bytes);
        let names: BTreeSet<String> = form_urlencoded::parse(&bytes)
            .map(|(key, _)| key.split_once('[').map_or(&*key, |(name, _)| name).to_owned())
            .collect();
        let keys: BTreeSet<String> = parsed.as_object().expect("an object").keys().cloned().collect();
        prop_assert_eq!(keys, names);
    }

    #[test]
    fn urlencoded_fields_with_distinct_plain_names_come_back_as_sent(
        fields in proptest::collection::btree_map("[^\\[\\]]{0,8}", any::<String>(), 0..6),
    ) {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &fields {
            form.append_pair(name, value);
        }
        let sent: Map<String, Value> =
            fields.into_iter().map(|(name, value)| (name, Value::String(value))).collect();
        prop_assert_eq!(parse_urlencoded(form.finish().as_bytes()), Value::Object(sent));
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

/// The edges of the context window, each printed by Node 20's `JSON.parse`: at 21 code units the source gets
/// context, and a token at position 10 gets leading dots though its window starts at 0.
#[test]
fn the_edges_of_the_context_window_read_as_node_20_prints_them() {
    let cases = [
        (
            "{\"abcdef\":xyyyyyyyyyyy",
            "Unexpected token 'x', ...\"{\"abcdef\":xyyyyyyyyy\"... is not valid JSON",
        ),
        (
            "{\"abcdef\":xyyyyyyyyyy",
            "Unexpected token 'x', ...\"{\"abcdef\":xyyyyyyyyy\"... is not valid JSON",
        ),
        (
            "{\"abcdef\":xyyyyyyyyy",
            "Unexpected token 'x', \"{\"abcdef\":xyyyyyyyyy\" is not valid JSON",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            v8_json::syntax_error(text).as_deref(),
            Some(expected),
            "{text}"
        );
    }
}
