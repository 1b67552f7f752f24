//! `POST /store/customers/me`: what the profile keeps of an update, and what it refuses.

use serde_json::{Value, json};

use super::{ME, bearer, body, invalid, ok_customer, send, update_me};
use crate::cases::context::{Abort, CaseContext};
use crate::cases::flow;
use crate::checks::Expect;

pub(super) async fn profile_update(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let key = cx.key().to_owned();
    let (client, call) = cx.typed(&bearer(&account));
    let profile = json!({
        "company_name": "Acme", "first_name": "Al", "last_name": "Ice", "phone": "+1 555",
        "metadata": { "a": 1, "b": "x" },
    });
    let result = client
        .update_customer(None, None, &key, &body(profile))
        .await;
    let expect = ok_customer(&account).default_customer_keys();
    cx.record("set_profile", call, &result, expect)?;
    let updates: [(&'static str, Value); 9] = [
        ("metadata_merged", json!({ "metadata": { "c": true } })),
        ("metadata_key_removed", json!({ "metadata": { "a": "" } })),
        ("metadata_null_kept", json!({ "metadata": { "b": null } })),
        (
            "metadata_nested",
            json!({ "metadata": { "nested": { "x": 1 } } }),
        ),
        (
            "metadata_nested_replaced",
            json!({ "metadata": { "nested": { "y": 2 } } }),
        ),
        ("metadata_empty_object", json!({ "metadata": {} })),
        ("empty_body", json!({})),
        ("metadata_cleared", json!({ "metadata": null })),
        (
            "strings_as_sent",
            json!({ "first_name": "  Al  ", "last_name": "", "company_name": null, "phone": "" }),
        ),
    ];
    for (step, update) in updates {
        let expect = ok_customer(&account);
        send(
            cx,
            step,
            update_me(),
            ME,
            bearer(&account),
            Some(update),
            expect,
        )
        .await?;
    }
    let expect = ok_customer(&account).default_customer_keys();
    flow::me(cx, "read_back", &bearer(&account), None, expect).await
}

pub(super) async fn profile_refused(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let refusals: [(&'static str, &str, Value, &str); 6] = [
        (
            "email",
            "",
            json!({ "email": "new@example.com" }),
            "Invalid request: Unrecognized fields: 'email'",
        ),
        (
            "unknown_keys",
            "",
            json!({ "foo": 1, "bar": 2 }),
            "Invalid request: Unrecognized fields: 'foo, bar'",
        ),
        (
            "wrong_types",
            "",
            json!({ "phone": 123, "metadata": "x" }),
            "Invalid request: Expected type: 'string' for field 'phone', got: '123'; Expected type: 'record' for \
             field 'metadata', got: 'x'",
        ),
        (
            "metadata_array",
            "",
            json!({ "metadata": [1] }),
            "Invalid request: Expected type: 'record' for field 'metadata', got: '1'",
        ),
        (
            "unknown_query_key",
            "?expand=addresses",
            json!({}),
            "Invalid request: Unrecognized fields: 'expand'",
        ),
        (
            "body_before_query",
            "?foo=1",
            json!({ "bar": 1 }),
            "Invalid request: Unrecognized fields: 'bar'",
        ),
    ];
    for (step, query, update, message) in refusals {
        let path = format!("{ME}{query}");
        let (extras, expect) = (bearer(&account), invalid(message));
        send(cx, step, update_me(), &path, extras, Some(update), expect).await?;
    }
    let body = Some(json!({ "first_name": "Eve" }));
    send(
        cx,
        "no_credentials",
        update_me(),
        ME,
        Vec::new(),
        body,
        Expect::unauthorized(),
    )
    .await?;
    let path = format!("{ME}?fields=first_name,email");
    let expect = ok_customer(&account).customer_keys(&["first_name", "email", "id"]);
    let body = Some(json!({ "first_name": "Ada" }));
    send(
        cx,
        "fields",
        update_me(),
        &path,
        bearer(&account),
        body,
        expect,
    )
    .await?;
    let path = format!("{ME}?fields=id&fields=email");
    let expect =
        invalid("Invalid request: Expected type: 'string' for field 'fields', got: 'id,email'");
    send(
        cx,
        "fields_repeated",
        update_me(),
        &path,
        bearer(&account),
        Some(json!({})),
        expect,
    )
    .await?;
    let expect = ok_customer(&account).default_customer_keys();
    flow::me(cx, "unchanged", &bearer(&account), None, expect).await
}
