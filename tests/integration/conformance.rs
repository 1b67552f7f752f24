//! The conformance suite against our server (it must pass) and against deliberately wrong backends (it must fail,
//! naming the check that catches the fault).

use integration_tests::{
    TestServer, on_every_store,
    proxy::{Answer, start_wrong_backend},
};
use medusa_conformance::{Check, RunConfig, report::summary, run};
use poem::http::{HeaderValue, StatusCode, header};

/// A run with every option our server can satisfy: its JWT secret, a revoked key and a fresh guest.
async fn full_config(server: &TestServer, base_url: &str) -> RunConfig {
    let mut config = RunConfig::new(base_url, server.publishable_key.clone());
    config.jwt_secret = Some("supersecret".into());
    let revoked = server.app.create_publishable_key("revoked").await.unwrap();
    server
        .app
        .store()
        .revoke_publishable_key(&revoked.id, chrono::Utc::now())
        .await
        .unwrap();
    config.revoked_key = Some(revoked.token);
    let guest = format!(
        "guest-{}@example.com",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    server.app.create_guest_customer(&guest).await.unwrap();
    config.guest_email = Some(guest);
    // Listed by the server's default STORE_CORS and AUTH_CORS, as by the reference Medusa's.
    config.storefront_origin = Some("http://localhost:8000".into());
    config
}

on_every_store! {
    async fn the_conformance_suite_passes_against_our_server_with_every_case(server: TestServer) {
        let config = full_config(&server, &server.base_url).await;
        let report = run(config).await.expect("the run starts");
        assert!(report.passed(), "{}", summary(&report));
        assert!(report.warnings().is_empty(), "{}", summary(&report));
        assert_eq!(report.count(|o| matches!(o, medusa_conformance::Outcome::Skipped { .. })), 0, "{}", summary(&report));
        let detected = report.release.as_ref().and_then(|r| r.detected.as_ref()).expect("the release is detected");
        let newest = *medusa_conformance::releases::RELEASES.last().expect("releases listed");
        assert!(detected.misfits == 0 && detected.releases.contains(&newest), "{}", summary(&report));
    }
}

/// Runs the cases matching `only` against our server behind `alter`, and returns the checks that failed.
async fn failed_checks(
    only: &str,
    alter: fn(&mut Answer),
) -> (std::collections::BTreeSet<Check>, String) {
    let server = TestServer::start().await;
    let wrong = start_wrong_backend(&server.base_url, alter).await;
    let mut config = full_config(&server, &wrong).await;
    config.only = vec![only.to_owned()];
    let report = run(config).await.expect("the run starts");
    (report.failed_checks(), summary(&report))
}

macro_rules! wrong_backends {
    ($($name:ident: only $only:literal, caught by $check:ident, $alter:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let (failed, summary) = failed_checks($only, $alter).await;
                assert!(failed.contains(&Check::$check), "expected {} to fail:\n{summary}", Check::$check);
            }
        )*
    };
}

fn is_customer_route(answer: &Answer) -> bool {
    answer.path.starts_with("/store/customers")
}

wrong_backends! {
    a_dropped_field_is_caught: only "signup.bearer", caught by CustomerKeyOrder, |answer| {
        answer.edit_customer(|customer| { customer.remove("has_account"); });
    };
    a_changed_type_is_caught: only "signup.bearer", caught by ResponseSchema, |answer| {
        answer.edit_customer(|customer| { customer.insert("has_account".into(), "true".into()); });
    };
    a_changed_status_is_caught: only "signup.email_already_registered", caught by StatusCode, |answer| {
        if answer.status == StatusCode::UNPROCESSABLE_ENTITY {
            answer.status = StatusCode::CONFLICT;
        }
    };
    a_changed_message_is_caught: only "bodies.create_missing_email", caught by ErrorTypeAndMessage, |answer| {
        answer.edit_json(|body| {
            if body["message"] == "Email is required to create a customer" {
                body["message"] = "email is required".into();
            }
        });
    };
    a_changed_key_order_is_caught: only "signup.bearer", caught by CustomerKeyOrder, |answer| {
        answer.edit_customer(|customer| {
            if let Some(id) = customer.shift_remove("id") {
                customer.insert("id".into(), id);
            }
        });
    };
    a_leaked_password_hash_is_caught: only "signup.bearer", caught by NoSecretLeak, |answer| {
        answer.edit_customer(|customer| {
            customer.insert("password_hash".into(), "c2NyeXB0AA8AAAAIAAAAAQ==".into());
        });
    };
    a_wrong_content_type_is_caught: only "signup.bearer", caught by ContentTypeJson, |answer| {
        if answer.path.starts_with("/auth") {
            answer.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        }
    };
    timestamps_in_another_format_are_caught: only "signup.bearer", caught by StockAnswer, |answer| {
        answer.edit_customer(|customer| {
            if let Some(created) = customer.get("created_at").and_then(|v| v.as_str()).map(str::to_owned) {
                let nanoseconds = created.replace('Z', "000000+00:00");
                customer.insert("created_at".into(), nanoseconds.into());
            }
        });
    };
    a_server_error_for_malformed_json_is_caught: only "bodies.create_malformed_json", caught by NoServerError, |answer| {
        if answer.status == StatusCode::BAD_REQUEST && is_customer_route(answer) {
            answer.status = StatusCode::INTERNAL_SERVER_ERROR;
        }
    };
    a_shorter_token_lifetime_is_caught: only "signup.bearer", caught by TokenClaims, |answer| {
        answer.edit_json(|body| {
            if let Some(token) = body["token"].as_str() {
                body["token"] = reissued_with_lifetime(token, 3600).into();
            }
        });
    };
    a_session_cookie_without_secure_is_caught: only "session.cookie", caught by SessionCookie, |answer| {
        if let Some(cookie) = answer.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()) {
            let insecure = cookie.replace("; Secure", "");
            answer.headers.insert(header::SET_COOKIE, HeaderValue::from_str(&insecure).unwrap());
        }
    };
    another_customer_on_me_is_caught: only "signup.bearer", caught by CustomerIdentity, |answer| {
        if answer.path == "/store/customers/me" {
            answer.edit_customer(|customer| { customer.insert("id".into(), "cus_01M8E07JRARX302XM6NGT97KTT".into()); });
        }
    };
    a_typed_unauthorized_body_is_caught: only "auth.no_token_on_me", caught by ErrorTypeAndMessage, |answer| {
        if answer.status == StatusCode::UNAUTHORIZED {
            answer.body = br#"{"type":"unauthorized","message":"Unauthorized"}"#.to_vec();
        }
    };
    an_origin_not_allowed_is_caught: only "cors.actual_store", caught by Cors, |answer| {
        answer.headers.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    };
    a_preflight_without_credentials_is_caught: only "cors.preflight_auth", caught by Cors, |answer| {
        answer.headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
    };
    a_missing_key_answered_as_unauthorized_is_caught: only "publishable_key.missing_on_me", caught by StatusCode, |answer| {
        if answer.status == StatusCode::BAD_REQUEST {
            answer.status = StatusCode::UNAUTHORIZED;
            answer.body = br#"{"message":"Unauthorized"}"#.to_vec();
        }
    };
    a_forged_reset_token_taken_is_caught: only "account.update_forged_reset_token", caught by StatusCode, |answer| {
        if answer.path == "/auth/customer/emailpass/update" {
            answer.status = StatusCode::OK;
            answer.body = br#"{"success":true}"#.to_vec();
        }
    };
    a_reset_request_answered_as_json_is_caught: only "account.reset_request", caught by ContentTypeJson, |answer| {
        if answer.status == StatusCode::CREATED {
            answer.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        }
    };
}

/// The same claims, signed with the same secret, valid for `seconds` instead of a day.
fn reissued_with_lifetime(token: &str, seconds: i64) -> String {
    let key = jsonwebtoken::DecodingKey::from_secret(b"supersecret");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_exp = false;
    let mut claims = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
        .unwrap()
        .claims;
    claims["exp"] = (claims["iat"].as_i64().unwrap() + seconds).into();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"supersecret"),
    )
    .unwrap()
}

/// The documented profile is a judgement of the run's own exchanges: `--only` limits it like every check. Judged
/// against our own contract (which documents what the server answers), the errata of the one case run show nowhere
/// and fail the run; the errata of the cases not run are not checked.
#[tokio::test]
async fn the_documented_profile_judges_only_the_cases_the_run_selects() {
    use medusa_conformance::errata::Errata;
    use medusa_conformance::profile::{Documented, PublishedSpec};

    let server = TestServer::start().await;
    let mut config = full_config(&server, &server.base_url).await;
    config.only = vec!["signup.bearer".to_owned()];
    config.documented = Some(Documented {
        spec: PublishedSpec::parse(medusa_conformance::spec::BUNDLED_SPEC)
            .expect("the contract parses"),
        errata: Errata::bundled(),
    });
    let report = run(config).await.expect("the run starts");
    assert_eq!(report.cases.len(), 1, "{}", summary(&report));
    let errata = report
        .documentation_errata
        .as_ref()
        .expect("the profile's verdict");
    let ids = |list: &[medusa_conformance::profile::ErratumRef]| {
        list.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&errata.errata_not_observed),
        ["E2", "E3", "E4"],
        "{}",
        summary(&report)
    );
    assert_eq!(
        ids(&errata.errata_not_checked),
        [
            "E1", "E5", "E6", "E7", "E8", "E9", "E10", "E11", "E12", "E13", "E14", "E15"
        ]
    );
    assert_eq!(ids(&errata.errata_unobservable), ["E16", "E17"]);
    assert!(!report.passed(), "{}", summary(&report));
}
