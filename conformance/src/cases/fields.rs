//! The `fields` query parameter: a plain list replaces the default fields (in the order given, `id` appended),
//! `+field` adds, `-field` removes, unknown fields are ignored. The `locale` parameter is accepted beside it.

use super::context::{Abort, CaseContext};
use super::flow::{self, ada};
use super::{Case, Needs};
use crate::api::Extra;
use crate::checks::Expect;

pub const CASES: &[Case] = &[
    Case {
        name: "fields.create_plain_list",
        summary: "creating with `fields=email,first_name` returns those fields then `id`",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| {
            Box::pin(create_with_fields(
                cx,
                "email,first_name",
                &["email", "first_name", "id"],
            ))
        },
    },
    Case {
        name: "fields.create_minus_field",
        summary: "creating with `fields=-metadata` returns the default fields but metadata",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(create_with_fields(cx, "-metadata", WITHOUT_METADATA)),
    },
    Case {
        name: "fields.create_plus_field",
        summary: "creating with `fields=+phone` returns the default fields (phone is one of them)",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| {
            Box::pin(create_with_fields(
                cx,
                "+phone",
                crate::checks::DEFAULT_CUSTOMER_KEYS,
            ))
        },
    },
    Case {
        name: "fields.create_unknown_field_ignored",
        summary: "creating with an unknown field in `fields` ignores it",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| {
            Box::pin(create_with_fields(
                cx,
                "email,conformance_unknown_field",
                &["email", "id"],
            ))
        },
    },
    Case {
        name: "fields.me_variants",
        summary: "reading the customer with plain, `+`, `-` and unknown fields",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(me_variants(cx)),
    },
    Case {
        name: "fields.me_with_locale",
        summary: "reading the customer with `locale=en-US` is accepted, alone and with `fields`",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(me_with_locale(cx)),
    },
];

const WITHOUT_METADATA: &[&str] = &[
    "id",
    "email",
    "company_name",
    "first_name",
    "last_name",
    "phone",
    "has_account",
    "deleted_at",
    "created_at",
    "updated_at",
    "addresses",
];

const WITHOUT_EMAIL: &[&str] = &[
    "id",
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
];

/// `-id` cannot remove `id`: Medusa appends it after the other scalar fields, before the relations.
const MINUS_ID: &[&str] = &[
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
    "id",
    "addresses",
];

async fn create_with_fields(
    cx: &mut CaseContext,
    fields: &str,
    keys: &'static [&'static str],
) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let registration = flow::register(cx, "register", &email, Expect::ok()).await?;
    let expect = Expect::ok().customer_keys(keys);
    flow::create(
        cx,
        "create",
        &registration,
        &ada(&email),
        Some(fields),
        expect,
    )
    .await?;
    Ok(())
}

async fn me_variants(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let bearer = [Extra::Bearer(account.token.clone())];
    let variants: [(&'static str, &str, &[&'static str]); 6] = [
        (
            "plain_list",
            "first_name,email",
            &["first_name", "email", "id"],
        ),
        (
            "plus_field",
            "+company_name",
            crate::checks::DEFAULT_CUSTOMER_KEYS,
        ),
        ("minus_field", "-email", WITHOUT_EMAIL),
        ("minus_id", "-id", MINUS_ID),
        (
            "unknown_ignored",
            "email,conformance_unknown_field",
            &["email", "id"],
        ),
        ("only_unknown", "conformance_unknown_field", &["id"]),
    ];
    for (step, fields, keys) in variants {
        let expect = Expect::ok()
            .customer_keys(keys)
            .customer(Some(&account.customer_id), None);
        flow::me(cx, step, &bearer, Some(fields), expect).await?;
    }
    Ok(())
}

async fn me_with_locale(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let key = cx.key().to_owned();
    for (step, fields, keys) in [
        ("locale", None, crate::checks::DEFAULT_CUSTOMER_KEYS),
        ("locale_and_fields", Some("email"), &["email", "id"][..]),
    ] {
        let (client, call) = cx.typed(&[Extra::Bearer(account.token.clone())]);
        let locale = "en-US".parse().expect("a valid locale");
        let result = client.get_customer(fields, Some(&locale), &key).await;
        let expect = Expect::ok()
            .customer_keys(keys)
            .customer(Some(&account.customer_id), None);
        cx.record(step, call, &result, expect)?;
    }
    Ok(())
}
