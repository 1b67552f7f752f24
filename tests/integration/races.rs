use futures::future::join_all;
use integration_tests::{integrity_violations, on_every_store};
use serde_json::json;

const CONTENDERS: usize = 32;

on_every_store! {
    async fn thirty_two_concurrent_creates_with_one_registration_token_succeed_exactly_once(server: TestServer) {
        let token = server.registration_token("race-token@example.com").await;
        let bodies: Vec<_> = (0..CONTENDERS)
            .map(|n| match n {
                0 => json!({"email": "race-token@example.com"}),
                n => json!({"email": format!("race-token-{n}@example.com")}),
            })
            .collect();
        let attempts = bodies.iter().map(|body| server.create_customer(&token, body));
        let answers = join_all(attempts).await;
        let created = answers.iter().filter(|(status, _)| *status == 200).count();
        assert_eq!(created, 1, "{answers:?}");
        for (status, body) in &answers {
            assert!([200, 400, 422].contains(status), "a clear answer, never a 5xx: {status} {body}");
        }
        assert_eq!(integrity_violations(&server.database_url).await, (0, 0, 0));
    }

    async fn thirty_two_identities_creating_one_email_succeed_exactly_once(server: TestServer) {
        let mut tokens = Vec::new();
        for n in 0..CONTENDERS {
            tokens.push(server.registration_token(&format!("race-email-{n}@example.com")).await);
        }
        let body = json!({"email": "contested@example.com"});
        let attempts = tokens.iter().map(|token| server.create_customer(token, &body));
        let answers = join_all(attempts).await;
        assert_eq!(answers.iter().filter(|(status, _)| *status == 200).count(), 1, "{answers:?}");
        for (status, body) in answers.iter().filter(|(status, _)| *status != 200) {
            assert_eq!((*status, body["type"].as_str()), (422, Some("duplicate_error")), "{body}");
        }
        assert_eq!(integrity_violations(&server.database_url).await, (0, 0, 0));
    }

    async fn thirty_two_creates_over_four_tokens_with_one_email_succeed_once_and_the_rest_are_duplicates(server: TestServer) {
        // Those on the winner's identity find it linked, but the account it just committed takes precedence.
        let mut tokens = Vec::new();
        for n in 0..4 {
            tokens.push(server.registration_token(&format!("race-both-{n}@example.com")).await);
        }
        let body = json!({"email": "race-both-0@example.com"});
        let attempts = (0..CONTENDERS).map(|n| server.create_customer(&tokens[n % tokens.len()], &body));
        let answers = join_all(attempts).await;
        assert_eq!(answers.iter().filter(|(status, _)| *status == 200).count(), 1, "{answers:?}");
        for (status, body) in answers.iter().filter(|(status, _)| *status != 200) {
            assert_eq!((*status, body["type"].as_str()), (422, Some("duplicate_error")), "{body}");
        }
        assert_eq!(integrity_violations(&server.database_url).await, (0, 0, 0));
    }

    async fn a_token_raced_with_a_taken_email_and_a_free_one_creates_the_free_one(server: TestServer) {
        // In either order the taken email is refused (422) and the free one is created: first, or after the
        // taken one failed without using the identity. 16 such pairs at once, so that they share batches.
        server.signed_up_customer("race-taken@example.com").await;
        let mut tokens = Vec::new();
        for n in 0..CONTENDERS / 2 {
            tokens.push(server.registration_token(&format!("race-pair-{n}@example.com")).await);
        }
        let taken = json!({"email": "race-taken@example.com"});
        let free: Vec<_> = (0..tokens.len())
            .map(|n| json!({"email": format!("race-pair-{n}@example.com")}))
            .collect();
        let attempts = tokens.iter().zip(&free).flat_map(|(token, free)| {
            [server.create_customer(token, &taken), server.create_customer(token, free)]
        });
        let answers = join_all(attempts).await;
        for pair in answers.chunks(2) {
            let [(taken_status, taken_body), (free_status, free_body)] = pair else { unreachable!() };
            assert_eq!(*taken_status, 422, "{taken_body}");
            assert_eq!(*free_status, 200, "{free_body}");
        }
        assert_eq!(integrity_violations(&server.database_url).await, (0, 0, 0));
    }

    async fn concurrent_registrations_of_one_email_yield_one_identity(server: TestServer) {
        let attempts = (0..8).map(|_| server.register("same@example.com", "supersecret"));
        let answers = join_all(attempts).await;
        let identities: std::collections::BTreeSet<String> = answers
            .iter()
            .map(|(status, body)| {
                assert_eq!(*status, 200, "{body}");
                integration_tests::claims(body["token"].as_str().unwrap())["auth_identity_id"].to_string()
            })
            .collect();
        assert_eq!(identities.len(), 1);
    }
}
