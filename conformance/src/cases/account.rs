//! The logged-in customer's account: the profile (`POST /store/customers/me`) and the address book
//! (`/store/customers/me/addresses`). Medusa answers address writes with the whole customer; the addresses inside a
//! customer come in no defined order, so the records show them sorted (see `normalize`).

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::context::{Abort, CaseContext, need};
use super::flow::{self, Account};
use super::{Case, Needs};
use crate::api::{Extra, RawBody, RawRequest};
use crate::checks::Expect;
use crate::exchange::Exchange;

macro_rules! account_case {
    ($name:literal, $summary:literal, $run:path) => {
        Case {
            name: $name,
            summary: $summary,
            creates_data: true,
            needs: Needs::Nothing,
            run: |cx| Box::pin($run(cx)),
        }
    };
}

pub const CASES: &[Case] = &[
    account_case!(
        "account.profile_update",
        "the profile's fields are set as sent, and metadata merges key by key (`\"\"` removes a key)",
        profile_update
    ),
    account_case!(
        "account.profile_refused",
        "profile updates with an unknown key (`email`), wrong types, an unknown query key or no credentials are \
         refused; `fields` shapes the answer",
        profile_refused
    ),
    account_case!(
        "account.addresses_crud",
        "addresses are created, listed (page, order, search, filters, fields), read, updated and deleted",
        addresses_crud
    ),
    account_case!(
        "account.address_defaults",
        "a default flag moves from address to address; clearing it or deleting the default promotes none",
        address_defaults
    ),
    account_case!(
        "account.address_of_another_customer",
        "another customer's address is answered as one that does not exist, after validation",
        address_of_another_customer
    ),
    account_case!(
        "account.address_refused",
        "address bodies and list queries Medusa refuses",
        address_refused
    ),
];

const ME: &str = "/store/customers/me";
const ADDRESSES: &str = "/store/customers/me/addresses";
/// An address id no customer has (it has the shape of one, so the records show `[address_id]`).
const NO_SUCH_ADDRESS: &str = "cuaddr_00000000000000000000000000";
/// The customer with only its addresses' names and default flags.
const DEFAULT_FLAGS: &str = "id,addresses.id,addresses.address_name,addresses.is_default_shipping,addresses.is_default_billing";

/// A typed request body written as JSON (the generated types deny unknown keys, so a typo fails loudly).
fn body<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a body the contract's types accept")
}

fn bearer(account: &Account) -> Vec<Extra> {
    vec![Extra::Bearer(account.token.clone())]
}

fn ok_customer(account: &Account) -> Expect {
    Expect::ok().customer(Some(&account.customer_id), None)
}

fn invalid(message: impl Into<String>) -> Expect {
    Expect::error(400, "invalid_data", message)
}

fn address_not_found(id: &str) -> Expect {
    Expect::error(
        404,
        "not_found",
        format!("Address with id: {id} was not found"),
    )
}

/// `method path` with the publishable key, `extras` and a JSON body, sent as-is.
async fn send(
    cx: &mut CaseContext,
    step: &'static str,
    (operation_id, method): (&'static str, reqwest::Method),
    path: &str,
    extras: Vec<Extra>,
    body: Option<Value>,
    expect: Expect,
) -> Result<Exchange, Abort> {
    let mut headers = vec![Extra::Header("x-publishable-api-key", cx.key().to_owned())];
    headers.extend(extras);
    let request = RawRequest {
        operation_id,
        method,
        path,
        headers,
        body: body.map(|b| RawBody::json(b.to_string())),
    };
    cx.raw(step, request, expect).await
}

fn update_me() -> (&'static str, reqwest::Method) {
    ("update_customer", reqwest::Method::POST)
}
fn list() -> (&'static str, reqwest::Method) {
    ("list_addresses", reqwest::Method::GET)
}
fn create() -> (&'static str, reqwest::Method) {
    ("create_address", reqwest::Method::POST)
}
fn get_one() -> (&'static str, reqwest::Method) {
    ("get_address", reqwest::Method::GET)
}
fn update() -> (&'static str, reqwest::Method) {
    ("update_address", reqwest::Method::POST)
}
fn delete() -> (&'static str, reqwest::Method) {
    ("delete_address", reqwest::Method::DELETE)
}

/// The id of the address of `customer.addresses` whose `address_name` is `name` (the customer's addresses come in
/// no defined order).
fn address_named(exchange: &Exchange, name: Option<&str>) -> Option<String> {
    let body = exchange.response.json()?;
    body["customer"]["addresses"]
        .as_array()?
        .iter()
        .find(|a| a["address_name"].as_str() == name)
        .and_then(|a| a["id"].as_str())
        .map(str::to_owned)
}

/// `POST /store/customers/me/addresses` through the typed client; returns the new address's id.
async fn add_address(
    cx: &mut CaseContext,
    step: &'static str,
    account: &Account,
    name: Option<&str>,
    address: Value,
    fields: Option<&str>,
) -> Result<String, Abort> {
    let (client, call) = cx.typed(&bearer(account));
    let key = cx.key().to_owned();
    let result = client
        .create_address(fields, None, &key, &body(address))
        .await;
    let exchange = cx.record(step, call, &result, ok_customer(account))?;
    need(address_named(&exchange, name), "the new address's id")
}

async fn profile_update(cx: &mut CaseContext) -> Result<(), Abort> {
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

async fn profile_refused(cx: &mut CaseContext) -> Result<(), Abort> {
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

async fn addresses_crud(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    add_address(cx, "create_empty", &account, None, json!({}), None).await?;
    let full = json!({
        "address_name": "Home", "is_default_shipping": true, "is_default_billing": false, "company": "Acme",
        "first_name": "Al", "last_name": "Ice", "address_1": "1 Main St", "address_2": "Apt 2",
        "city": "Springfield", "country_code": "US", "province": "IL", "postal_code": "62701", "phone": "555",
        "metadata": { "m": 1 },
    });
    let home = add_address(cx, "create_full", &account, Some("Home"), full, None).await?;
    let work = json!({ "address_name": "Work", "address_1": "Strasse B", "city": "Paris", "country_code": "fr" });
    let work = add_address(cx, "create_work", &account, Some("Work"), work, None).await?;

    let (client, call) = cx.typed(&bearer(&account));
    let key = cx.key().to_owned();
    let result = client
        .list_addresses(
            None, None, None, None, None, None, None, None, None, None, &key,
        )
        .await;
    cx.record("list", call, &result, Expect::ok())?;
    for (step, query) in [
        ("list_page", "?limit=1&offset=1"),
        ("list_ordered", "?order=-address_name"),
        ("list_search", "?q=SPRING"),
        ("list_city", "?city=Paris"),
        ("list_fields", "?fields=city,address_name"),
    ] {
        let path = format!("{ADDRESSES}{query}");
        send(
            cx,
            step,
            list(),
            &path,
            bearer(&account),
            None,
            Expect::ok(),
        )
        .await?;
    }

    let (client, call) = cx.typed(&bearer(&account));
    let result = client.get_address(&home, None, None, &key).await;
    cx.record("get", call, &result, Expect::ok())?;
    let path = format!("{ADDRESSES}/{home}?fields=city");
    send(
        cx,
        "get_fields",
        get_one(),
        &path,
        bearer(&account),
        None,
        Expect::ok(),
    )
    .await?;

    let (client, call) = cx.typed(&bearer(&account));
    let changes = json!({ "city": "Shelbyville", "country_code": "Gb", "metadata": { "n": 2 } });
    let result = client
        .update_address(&home, None, None, &key, &body(changes))
        .await;
    cx.record("update", call, &result, ok_customer(&account))?;
    let path = format!("{ADDRESSES}/{home}?fields=id,addresses.id,addresses.metadata");
    let removal = Some(json!({ "metadata": { "m": "" } }));
    let expect = ok_customer(&account);
    send(
        cx,
        "update_metadata",
        update(),
        &path,
        bearer(&account),
        removal,
        expect,
    )
    .await?;

    let (client, call) = cx.typed(&bearer(&account));
    let result = client.delete_address(&work, None, None, &key).await;
    cx.record("delete", call, &result, Expect::ok())?;
    let path = format!("{ADDRESSES}/{work}");
    let expect = address_not_found(&work);
    send(
        cx,
        "get_deleted",
        get_one(),
        &path,
        bearer(&account),
        None,
        expect,
    )
    .await?;
    send(
        cx,
        "list_after_delete",
        list(),
        ADDRESSES,
        bearer(&account),
        None,
        Expect::ok(),
    )
    .await?;
    Ok(())
}

async fn address_defaults(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let fields = Some(DEFAULT_FLAGS);
    let both =
        json!({ "address_name": "A", "is_default_shipping": true, "is_default_billing": true });
    let a = add_address(
        cx,
        "create_a_default_both",
        &account,
        Some("A"),
        both,
        fields,
    )
    .await?;
    let shipping = json!({ "address_name": "B", "is_default_shipping": true });
    let b = add_address(
        cx,
        "create_b_default_shipping",
        &account,
        Some("B"),
        shipping,
        fields,
    )
    .await?;
    let billing = json!({ "address_name": "C", "is_default_billing": true });
    let c = add_address(
        cx,
        "create_c_default_billing",
        &account,
        Some("C"),
        billing,
        fields,
    )
    .await?;
    let updates: [(&'static str, &str, Value); 3] = [
        (
            "clear_b_shipping",
            &b,
            json!({ "is_default_shipping": false }),
        ),
        ("set_a_shipping", &a, json!({ "is_default_shipping": true })),
        (
            "set_c_both",
            &c,
            json!({ "is_default_shipping": true, "is_default_billing": true }),
        ),
    ];
    for (step, id, flags) in updates {
        let path = format!("{ADDRESSES}/{id}?fields={DEFAULT_FLAGS}");
        let expect = ok_customer(&account);
        send(
            cx,
            step,
            update(),
            &path,
            bearer(&account),
            Some(flags),
            expect,
        )
        .await?;
    }
    let path = format!("{ADDRESSES}/{c}?fields={DEFAULT_FLAGS}");
    send(
        cx,
        "delete_c",
        delete(),
        &path,
        bearer(&account),
        None,
        Expect::ok(),
    )
    .await?;
    flow::me(
        cx,
        "read_back",
        &bearer(&account),
        fields,
        ok_customer(&account),
    )
    .await
}

async fn address_of_another_customer(cx: &mut CaseContext) -> Result<(), Abort> {
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

async fn address_refused(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let id = add_address(
        cx,
        "create",
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
