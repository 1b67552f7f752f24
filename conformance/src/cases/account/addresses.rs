//! The address book: creating, listing, reading, updating and deleting addresses, and the default flags.

use serde_json::{Value, json};

use super::{
    ADDRESSES, DEFAULT_FLAGS, add_address, address_not_found, bearer, body, delete, get_one, list,
    ok_customer, send, update,
};
use crate::cases::context::{Abort, CaseContext};
use crate::cases::flow;
use crate::checks::Expect;

pub(super) async fn addresses_crud(cx: &mut CaseContext) -> Result<(), Abort> {
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

pub(super) async fn address_defaults(cx: &mut CaseContext) -> Result<(), Abort> {
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
