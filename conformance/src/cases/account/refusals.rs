//! Addresses a customer may not touch (another's, a nonexistent one) and requests the address routes refuse.

use serde_json::{Value, json};

use super::{
    ADDRESSES, NO_SUCH_ADDRESS, add_address, address_not_found, bearer, create, delete, get_one,
    invalid, list, send, update,
};
use crate::cases::context::{Abort, CaseContext};
use crate::cases::flow;
use crate::checks::Expect;

pub(super) async fn address_of_another_customer(cx: &mut CaseContext) -> Result<(), Abort> {
    let owner = flow::sign_up(cx, "owner").await?;
    let mine = json!({ "address_name": "Owner", "city": "Springfield" });
    let theirs = add_address(cx, "owner_creates", &owner, Some("Owner"), mine, None).await?;
    let other = flow::sign_up(cx, "other").await?;
    for (prefix, id) in [("other", theirs.as_str()), ("nonexistent", NO_SUCH_ADDRESS)] {
        let path = format!("{ADDRESSES}/{id}");
        let steps: [(&'static str, _, Option<Value>); 3] = [
            ("get", get_one(), None),
            ("update", update(), Some(json!({ "city": "Hacked" }))),
            ("delete", delete(), None),
        ];
        for (what, operation, sent) in steps {
            let step = step_name(prefix, what);
            let expect = address_not_found(id);
            send(cx, step, operation, &path, bearer(&other), sent, expect).await?;
        }
    }
    let path = format!("{ADDRESSES}/{theirs}");
    let expect = invalid("Invalid request: Unrecognized fields: 'foo'");
    let sent = Some(json!({ "foo": 1 }));
    send(
        cx,
        "other_update_invalid",
        update(),
        &path,
        bearer(&other),
        sent,
        expect.clone(),
    )
    .await?;
    let query = format!("{path}?foo=1");
    send(
        cx,
        "other_delete_unknown_query",
        delete(),
        &query,
        bearer(&other),
        None,
        expect,
    )
    .await?;
    send(
        cx,
        "owner_reads",
        get_one(),
        &path,
        bearer(&owner),
        None,
        Expect::ok(),
    )
    .await?;
    Ok(())
}

fn step_name(prefix: &str, what: &str) -> &'static str {
    match (prefix, what) {
        ("other", "get") => "other_get",
        ("other", "update") => "other_update",
        ("other", _) => "other_delete",
        (_, "get") => "nonexistent_get",
        (_, "update") => "nonexistent_update",
        _ => "nonexistent_delete",
    }
}

pub(super) async fn address_refused(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let id = add_address(
        cx,
        "create_address",
        &account,
        Some("A"),
        json!({ "address_name": "A" }),
        None,
    )
    .await?;
    let one = format!("{ADDRESSES}/{id}");
    let bodies: [(&'static str, &str, Value, &str); 4] = [
        (
            "create_unknown_keys",
            ADDRESSES,
            json!({ "customer_id": "x", "id": "x" }),
            "Invalid request: Unrecognized fields: 'customer_id, id'",
        ),
        (
            "create_default_not_a_boolean",
            ADDRESSES,
            json!({ "is_default_shipping": "true" }),
            "Invalid request: Expected type: 'boolean' for field 'is_default_shipping', got: 'true'",
        ),
        (
            "create_default_null",
            ADDRESSES,
            json!({ "is_default_billing": null }),
            "Invalid request: Expected type: 'boolean' for field 'is_default_billing', got: 'null'",
        ),
        (
            "update_unknown_key",
            &one,
            json!({ "foo": 1 }),
            "Invalid request: Unrecognized fields: 'foo'",
        ),
    ];
    for (step, path, sent, message) in bodies {
        let operation = if path == ADDRESSES {
            create()
        } else {
            update()
        };
        send(
            cx,
            step,
            operation,
            path,
            bearer(&account),
            Some(sent),
            invalid(message),
        )
        .await?;
    }
    let queries: [(&'static str, &str, &str); 5] = [
        (
            "list_unknown_query_key",
            "?foo=1",
            "Invalid request: Unrecognized fields: 'foo'",
        ),
        (
            "list_address_name_filter",
            "?address_name=A",
            "Invalid request: Unrecognized fields: 'address_name'",
        ),
        (
            "list_expand",
            "?expand=customer",
            "Invalid request: Unrecognized fields: 'expand'",
        ),
        (
            "list_unknown_order",
            "?order=nope",
            "Order field nope is not valid",
        ),
        (
            "list_limit_not_a_number",
            "?limit=abc",
            "Invalid request: Expected type: 'number' for field 'limit', got: 'abc'",
        ),
    ];
    for (step, query, message) in queries {
        let path = format!("{ADDRESSES}{query}");
        send(
            cx,
            step,
            list(),
            &path,
            bearer(&account),
            None,
            invalid(message),
        )
        .await?;
    }
    let path = format!("{one}?expand=customer");
    let expect = invalid("Invalid request: Unrecognized fields: 'expand'");
    send(
        cx,
        "get_expand",
        get_one(),
        &path,
        bearer(&account),
        None,
        expect,
    )
    .await?;
    let sent = Some(json!({ "city": "Paris" }));
    send(
        cx,
        "create_no_credentials",
        create(),
        ADDRESSES,
        Vec::new(),
        sent,
        Expect::unauthorized(),
    )
    .await?;
    send(
        cx,
        "list_no_credentials",
        list(),
        ADDRESSES,
        Vec::new(),
        None,
        Expect::unauthorized(),
    )
    .await?;
    Ok(())
}
