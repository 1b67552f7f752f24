//! The logged-in customer's account: the profile and the address book, on both stores.

use integration_tests::{TestServer, keys, on_every_store};
use serde_json::{Value, json};

/// Signs a customer up and logs in; returns the customer's id and a login token.
async fn logged_in(server: &TestServer, email: &str) -> (String, String) {
    let id = server.signed_up_customer(email).await;
    let (status, login) = server.login(email, "supersecret").await;
    assert_eq!(status, 200, "{login}");
    (id, login["token"].as_str().unwrap().to_owned())
}

async fn post(server: &TestServer, path: &str, token: &str, body: Value) -> (u16, Value) {
    server
        .send(server.store_post(path, token).json(&body))
        .await
}

async fn get(server: &TestServer, path: &str, token: &str) -> (u16, Value) {
    server.send(server.store_get(path, token)).await
}

async fn delete(server: &TestServer, path: &str, token: &str) -> (u16, Value) {
    let request = server
        .http
        .delete(server.url(path))
        .header("x-publishable-api-key", &server.publishable_key)
        .bearer_auth(token);
    server.send(request).await
}

/// `(address_name, is_default_shipping, is_default_billing)` of every address, by name.
async fn defaults(server: &TestServer, token: &str) -> Vec<(String, bool, bool)> {
    let (status, list) = get(
        server,
        "/store/customers/me/addresses?order=address_name",
        token,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    list["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["address_name"].as_str().unwrap().to_owned(),
                a["is_default_shipping"].as_bool().unwrap(),
                a["is_default_billing"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn named(name: &str, shipping: bool, billing: bool) -> (String, bool, bool) {
    (name.to_owned(), shipping, billing)
}

on_every_store! {
    async fn a_profile_update_sets_what_it_sends_and_merges_metadata(server: TestServer) {
        let (_, token) = logged_in(&server, "profile@example.com").await;
        let me = "/store/customers/me";
        let (status, body) = post(&server, me, &token, json!({
            "first_name": "Al", "last_name": "", "phone": null, "metadata": {"a": 1, "b": "x", "n": {"x": 1}}
        })).await;
        assert_eq!(status, 200, "{body}");
        let customer = &body["customer"];
        assert_eq!((customer["first_name"].clone(), customer["last_name"].clone()), (json!("Al"), json!("")));
        assert_eq!(customer["metadata"], json!({"a": 1, "b": "x", "n": {"x": 1}}));
        let (_, body) = post(&server, &format!("{me}?fields=metadata"), &token, json!({
            "metadata": {"a": "", "b": null, "c": true, "n": {"y": 2}}
        })).await;
        assert_eq!(body, json!({"customer": {"metadata": {"b": null, "c": true, "n": {"y": 2}}, "id": customer["id"]}}));
        let (_, body) = get(&server, &format!("{me}?fields=first_name,metadata"), &token).await;
        assert_eq!(body["customer"]["metadata"], json!({"b": null, "c": true, "n": {"y": 2}}), "stored");
        let (_, body) = post(&server, me, &token, json!({"metadata": null})).await;
        assert_eq!(body["customer"]["metadata"], Value::Null);
        assert_eq!(keys(&body["customer"]), [
            "id", "email", "company_name", "first_name", "last_name", "phone", "metadata", "has_account",
            "deleted_at", "created_at", "updated_at", "addresses",
        ]);
    }

    async fn a_profile_update_refuses_the_email_and_unknown_keys_and_changes_nothing(server: TestServer) {
        let (_, token) = logged_in(&server, "refused@example.com").await;
        let (status, body) = post(&server, "/store/customers/me", &token, json!({"email": "x@example.com", "foo": 1})).await;
        assert_eq!((status, body), (400, json!({
            "type": "invalid_data", "message": "Invalid request: Unrecognized fields: 'email, foo'"
        })));
        let (status, body) = post(&server, "/store/customers/me", &token, json!({"phone": 5, "metadata": [1]})).await;
        assert_eq!(status, 400);
        assert_eq!(body["message"], "Invalid request: Expected type: 'string' for field 'phone', got: '5'; \
            Expected type: 'record' for field 'metadata', got: '1'");
        let (status, body) = post(&server, "/store/customers/me", "not-a-token", json!({})).await;
        assert_eq!((status, body), (401, json!({"message": "Unauthorized"})));
        let (_, body) = get(&server, "/store/customers/me", &token).await;
        assert_eq!(body["customer"]["email"], "refused@example.com");
        assert_eq!(body["customer"]["phone"], Value::Null);
    }

    async fn concurrent_profile_updates_lose_no_metadata_key(server: TestServer) {
        let (_, token) = logged_in(&server, "concurrent@example.com").await;
        let updates = (0..16).map(|n| {
            let (server, token) = (&server, &token);
            async move { post(server, "/store/customers/me", token, json!({"metadata": {format!("k{n}"): n}})).await.0 }
        });
        let statuses = futures::future::join_all(updates).await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        let (_, body) = get(&server, "/store/customers/me?fields=metadata", &token).await;
        assert_eq!(body["customer"]["metadata"].as_object().unwrap().len(), 16, "{body}");
    }

    async fn default_addresses_move_from_one_address_to_another_and_are_never_promoted(server: TestServer) {
        let (customer_id, token) = logged_in(&server, "book@example.com").await;
        let addresses = "/store/customers/me/addresses";
        let (status, body) = post(&server, addresses, &token, json!({
            "address_name": "A", "is_default_shipping": true, "is_default_billing": true, "city": "Paris",
            "country_code": "Fr", "metadata": {"m": 1}
        })).await;
        assert_eq!(status, 200, "{body}");
        let a = &body["customer"]["addresses"][0];
        assert_eq!(keys(a), [
            "id", "address_name", "is_default_shipping", "is_default_billing", "company", "first_name", "last_name",
            "address_1", "address_2", "city", "country_code", "province", "postal_code", "phone", "metadata",
            "customer_id", "created_at", "updated_at", "deleted_at",
        ]);
        assert_eq!((a["country_code"].clone(), a["customer_id"].clone()), (json!("Fr"), json!(customer_id)));
        let a_id = a["id"].as_str().unwrap().to_owned();
        post(&server, addresses, &token, json!({"address_name": "B", "is_default_shipping": true})).await;
        assert_eq!(defaults(&server, &token).await, [named("A", false, true), named("B", true, false)]);
        let (_, body) = post(&server, addresses, &token, json!({"address_name": "C", "is_default_billing": true})).await;
        let c_id = body["customer"]["addresses"].as_array().unwrap().iter()
            .find(|a| a["address_name"] == "C").unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(defaults(&server, &token).await, [named("A", false, false), named("B", true, false), named("C", false, true)]);
        post(&server, &format!("{addresses}/{c_id}"), &token, json!({"is_default_shipping": true})).await;
        assert_eq!(defaults(&server, &token).await, [named("A", false, false), named("B", false, false), named("C", true, true)]);
        let (status, body) = delete(&server, &format!("{addresses}/{c_id}?fields=id"), &token).await;
        assert_eq!((status, body), (200, json!({
            "id": customer_id, "object": "address", "deleted": true, "parent": {"id": customer_id}
        })));
        assert_eq!(defaults(&server, &token).await, [named("A", false, false), named("B", false, false)], "none promoted");
        let (status, body) = get(&server, &format!("{addresses}/{a_id}?fields=city,metadata"), &token).await;
        assert_eq!((status, body), (200, json!({"address": {"city": "Paris", "metadata": {"m": 1}, "id": a_id}})));
    }

    async fn another_customers_address_is_answered_as_one_that_does_not_exist(server: TestServer) {
        let (_, alice) = logged_in(&server, "alice@example.com").await;
        let (_, bob) = logged_in(&server, "bob@example.com").await;
        let (_, body) = post(&server, "/store/customers/me/addresses", &alice, json!({"city": "Lyon"})).await;
        let id = body["customer"]["addresses"][0]["id"].as_str().unwrap().to_owned();
        let path = format!("/store/customers/me/addresses/{id}");
        let not_found = json!({"type": "not_found", "message": format!("Address with id: {id} was not found")});
        assert_eq!(get(&server, &path, &bob).await, (404, not_found.clone()));
        assert_eq!(post(&server, &path, &bob, json!({"city": "Hacked"})).await, (404, not_found.clone()));
        assert_eq!(delete(&server, &path, &bob).await, (404, not_found));
        let (status, body) = post(&server, &path, &bob, json!({"foo": 1})).await;
        assert_eq!((status, body["message"].clone()), (400, json!("Invalid request: Unrecognized fields: 'foo'")));
        let (_, body) = get(&server, &format!("{path}?fields=city"), &alice).await;
        assert_eq!(body["address"]["city"], "Lyon", "unchanged");
        let missing = "/store/customers/me/addresses/cuaddr_missing";
        assert_eq!(get(&server, missing, &alice).await.0, 404);
    }

    async fn the_address_list_pages_sorts_searches_and_filters(server: TestServer) {
        let (_, token) = logged_in(&server, "list@example.com").await;
        for city in ["paris", "Lyon", "Paris", "Berlin"] {
            post(&server, "/store/customers/me/addresses", &token, json!({"city": city, "address_1": format!("1 {city} St")})).await;
        }
        let cities = |body: &Value| -> Vec<String> {
            body["addresses"].as_array().unwrap().iter().map(|a| a["city"].as_str().unwrap().to_owned()).collect()
        };
        let list = |query: &'static str| {
            let (server, token) = (&server, &token);
            async move { get(server, &format!("/store/customers/me/addresses?{query}"), token).await }
        };
        let (_, body) = list("order=city").await;
        assert_eq!(cities(&body), ["Berlin", "Lyon", "Paris", "paris"]);
        assert_eq!((body["count"].clone(), body["offset"].clone(), body["limit"].clone()), (json!(4), json!(0), json!(50)));
        let (_, body) = list("order=-city&limit=1&offset=1").await;
        assert_eq!((cities(&body), body["count"].clone()), (vec!["Paris".to_owned()], json!(4)));
        let (_, body) = list("q=PARIS&order=city").await;
        assert_eq!(cities(&body), ["Paris", "paris"]);
        let (_, body) = list("city=Lyon&city=Berlin&order=city&fields=city").await;
        assert_eq!(body["addresses"], json!([{"city": "Berlin", "id": body["addresses"][0]["id"]}, {"city": "Lyon", "id": body["addresses"][1]["id"]}]));
        assert_eq!(list("order=nope").await, (400, json!({"type": "invalid_data", "message": "Order field nope is not valid"})));
        assert_eq!(list("limit=abc&foo=1").await.1["message"],
            "Invalid request: Expected type: 'number' for field 'limit', got: 'abc'; Unrecognized fields: 'foo'");
        let (status, body) = list("limit=-1").await;
        assert_eq!((status, body["type"].clone()), (400, json!("invalid_data")), "{body}");
    }

    async fn a_deleted_customer_s_account_routes_answer_404_and_write_nothing(server: TestServer) {
        let (customer_id, token) = logged_in(&server, "gone@example.com").await;
        post(&server, "/store/customers/me/addresses", &token, json!({"city": "Oslo"})).await;
        assert_eq!(server.app.store().addresses(&customer_id).await.unwrap().len(), 1);
        server.app.store().delete_sign_up("gone@example.com").await.unwrap();
        assert!(server.app.store().addresses(&customer_id).await.unwrap().is_empty());
        let gone = json!({"type": "not_found", "message": format!("Customer with id: {customer_id} was not found")});
        let addresses = "/store/customers/me/addresses";
        assert_eq!(post(&server, "/store/customers/me", &token, json!({"first_name": "X"})).await, (404, gone.clone()));
        assert_eq!(post(&server, addresses, &token, json!({"city": "Oslo"})).await, (404, gone));
        assert!(server.app.store().addresses(&customer_id).await.unwrap().is_empty(), "no orphan address");
        let (status, list) = get(&server, addresses, &token).await;
        assert_eq!((status, list["count"].clone()), (200, json!(0)));
    }
}
