//! Property tests of what parses untrusted input in `domain`: the body validator, the `fields` parser and the
//! token verifier never panic, the email rule agrees with zod's own pattern, and the validator accepts exactly what
//! a reference says.
//! Inputs that once broke a property stay below as plain regression tests.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::{Customer, FieldSelection, NewCustomer, TokenKeys, token::TokenSubject};

/// zod 4's email pattern run as Medusa runs it, by an ECMAScript engine with look-ahead: an independent check of
/// `email::is_valid`, which runs the look-ahead-free `email::PATTERN` on the `regex` crate.
fn zod_accepts_email(value: &str) -> bool {
    static ZOD: std::sync::LazyLock<regress::Regex> = std::sync::LazyLock::new(|| {
        regress::Regex::new(super::email::ZOD_PATTERN).expect("zod's pattern compiles")
    });
    ZOD.find(value).is_some()
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// What Medusa's `StoreCreateCustomer` accepts, plus our refusal of NUL characters (which Medusa answers with 500).
fn reference_accepts(body: &Value) -> bool {
    let Value::Object(fields) = body else {
        return false;
    };
    fields
        .iter()
        .all(|(key, value)| match (key.as_str(), value) {
            (
                "email" | "company_name" | "first_name" | "last_name" | "phone" | "metadata",
                Value::Null,
            ) => true,
            ("email", Value::String(email)) => super::email::is_valid(email),
            ("company_name" | "first_name" | "last_name" | "phone", Value::String(text)) => {
                !text.contains('\0')
            }
            ("metadata", Value::Object(_)) => !has_nul(value),
            _ => false,
        })
}

/// Strings that hit the edges: the email alphabet, separators, NUL, non-ASCII.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(
            prop::sample::select(vec![
                'a', 'Z', '9', '_', '\'', '+', '-', '.', '@', ' ', 'ü', '\0', '\n'
            ]),
            0..14
        )
        .prop_map(|chars| chars.into_iter().collect()),
        "[a-z]{1,6}@[a-z]{1,6}\\.[a-z]{2,3}",
        any::<String>(),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        tricky_string().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((tricky_string(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Bodies that are mostly objects of the known keys, with values of every type and the odd unknown key.
fn customer_body() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        6 => prop::sample::select(vec!["email", "company_name", "first_name", "last_name", "phone", "metadata"])
            .prop_map(str::to_owned),
        1 => tricky_string(),
    ];
    let value = prop_oneof![tricky_string().prop_map(Value::String), json_value(),];
    prop_oneof![
        8 => proptest::collection::vec((key, value), 0..6)
            .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        1 => json_value(),
    ]
}

fn customer() -> Customer {
    let now = chrono::Utc::now();
    Customer {
        id: "cus_1".into(),
        email: Some("a@b.co".into()),
        company_name: None,
        first_name: None,
        last_name: None,
        phone: None,
        metadata: None,
        has_account: true,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    }
}

const SELECTABLE: [&str; 13] = [
    "id",
    "email",
    "company_name",
    "first_name",
    "last_name",
    "phone",
    "metadata",
    "has_account",
    "deleted_at",
    "created_at",
    "updated_at",
    "addresses",
    "orders",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_email_rule_accepts_exactly_what_zods_pattern_accepts(email in tricky_string()) {
        prop_assert_eq!(super::email::is_valid(&email), zod_accepts_email(&email), "{:?}", email);
    }

    #[test]
    fn the_body_validator_accepts_exactly_what_the_reference_accepts(body in customer_body()) {
        let result = NewCustomer::from_body(&body);
        prop_assert_eq!(result.is_ok(), reference_accepts(&body), "{} -> {:?}", body, result);
        match result {
            Ok(customer) => {
                let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
                prop_assert_eq!(customer.email, text("email"));
                prop_assert_eq!(customer.first_name, text("first_name"));
                prop_assert_eq!(customer.phone, text("phone"));
                prop_assert_eq!(customer.metadata, body.get("metadata").and_then(Value::as_object).cloned());
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(matches!(error, super::Error::InvalidData(_)));
                prop_assert!(message.starts_with("Invalid request: "), "{}", message);
            }
        }
    }

    #[test]
    fn the_fields_parser_never_panics_and_always_returns_the_id(
        fields in proptest::collection::vec(
            prop_oneof![
                prop::sample::select(SELECTABLE.to_vec()).prop_map(str::to_owned),
                "[-+ *]{0,2}[a-z_.*]{0,12}",
                any::<String>(),
            ],
            0..8,
        )
    ) {
        let fields = fields.join(",");
        let rendered = FieldSelection::parse(Some(&fields)).render(&customer(), &[]);
        let object = rendered.as_object().expect("a customer renders as an object");
        prop_assert!(object.contains_key("id"), "{}", fields);
        for key in object.keys() {
            prop_assert!(SELECTABLE.contains(&key.as_str()), "{} from {:?}", key, fields);
        }
    }

    #[test]
    fn the_token_verifier_never_panics_on_garbage(token in prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_\\-]{0,40}\\.[A-Za-z0-9_\\-]{0,80}\\.[A-Za-z0-9_\\-]{0,43}",
    ]) {
        prop_assert!(TokenKeys::new("supersecret").verify(&token).is_none());
    }

    #[test]
    fn a_token_changed_in_any_one_place_is_refused(index in 0usize..400, replacement in "[A-Za-z0-9_\\-.]") {
        let keys = TokenKeys::new("supersecret");
        let now = chrono::Utc::now().timestamp();
        let token = keys.issue(&TokenSubject { auth_identity_id: "authid_1", customer_id: Some("cus_1") }, now);
        let index = index % token.len();
        let mut changed = token.clone();
        changed.replace_range(index..=index, &replacement);
        prop_assume!(changed != token);
        prop_assert!(keys.verify(&changed).is_none(), "{} at {}", replacement, index);
    }

    #[test]
    fn a_token_issued_at_any_time_expires_one_day_later(now in 0i64..4_000_000_000) {
        let token = TokenKeys::new("supersecret")
            .issue(&TokenSubject { auth_identity_id: "authid_1", customer_id: Some("cus_1") }, now);
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        let claims = jsonwebtoken::decode::<Map<String, Value>>(
            &token,
            &jsonwebtoken::DecodingKey::from_secret(b"supersecret"),
            &validation,
        ).unwrap().claims;
        prop_assert_eq!(&claims["iat"], &json!(now));
        prop_assert_eq!(&claims["exp"], &json!(now + 86_400));
    }

    #[test]
    fn signed_claims_verify_exactly_when_they_are_current_and_complete(
        exp in proptest::option::of(-3i64..3),
        nbf in proptest::option::of(-3i64..3),
        actor_id in proptest::option::of(prop_oneof![Just(json!("cus_1")), Just(json!("")), Just(json!(1))]),
        actor_type in proptest::option::of(prop_oneof![Just(json!("customer")), Just(json!("user")), Just(json!(null))]),
        auth_identity_id in proptest::option::of(prop_oneof![Just(json!("authid_1")), Just(json!([]))]),
    ) {
        let now = chrono::Utc::now().timestamp();
        let mut claims = Map::new();
        let mut put = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                claims.insert(name.to_owned(), value);
            }
        };
        // Whole hours away from now, so that the second the test runs in cannot change the outcome.
        put("exp", exp.map(|h| json!(now + h * 3600 + 1800)));
        put("nbf", nbf.map(|h| json!(now + h * 3600 + 1800)));
        put("actor_id", actor_id.clone());
        put("actor_type", actor_type.clone());
        put("auth_identity_id", auth_identity_id.clone());
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"supersecret"),
        ).unwrap();
        let expected = exp.is_some_and(|h| h >= 0)
            && nbf.is_none_or(|h| h < 0)
            && actor_id.as_ref().is_some_and(Value::is_string)
            && actor_type.as_ref().is_some_and(Value::is_string)
            && auth_identity_id.as_ref().is_some_and(Value::is_string);
        prop_assert_eq!(TokenKeys::new("supersecret").verify(&token).is_some(), expected, "{:?}", claims);
    }
}

/// Seeds kept from the runs above: each once looked like a counterexample worth pinning.
#[test]
fn seeds_of_the_validator_stay_answered_as_the_reference_says() {
    let cases = [
        (json!({"email": ".a@b.co"}), false),
        (json!({"email": "a@b.co", "first_name": "a\u{0}b"}), false),
        (json!({"email": "a@b.co", "metadata": {"k\u{0}": 1}}), false),
        (
            json!({"email": "a@b.co", "metadata": {"k": ["\u{0}"]}}),
            false,
        ),
        (json!({"metadata": null, "email": null}), true),
        (json!({"email": "ü@b.co"}), false),
        (json!({"email": "a@b.co", "metadata": []}), false),
        (json!([{"email": "a@b.co"}]), false),
    ];
    for (body, accepted) in cases {
        assert_eq!(NewCustomer::from_body(&body).is_ok(), accepted, "{body}");
        assert_eq!(reference_accepts(&body), accepted, "reference: {body}");
    }
}

#[test]
fn a_nul_in_a_valid_body_gets_a_message_of_its_own() {
    let error =
        NewCustomer::from_body(&json!({"email": "a@b.co", "first_name": "a\u{0}"})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Invalid request: Text fields and metadata cannot contain the NUL character (\\u0000)"
    );
}
