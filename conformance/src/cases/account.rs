//! The logged-in customer's account: the profile (`POST /store/customers/me`), the address book
//! (`/store/customers/me/addresses`) and the password reset (`/auth/customer/emailpass/reset-password` and `/update`). Medusa answers address writes with the whole customer; the addresses inside a
//! customer come in no defined order, so the records show them sorted (see `normalize`).

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::context::{Abort, CaseContext, need};
use super::flow::Account;
use super::{Case, Needs};
use crate::api::{Extra, RawBody, RawRequest};
use crate::checks::Expect;
use crate::exchange::Exchange;

mod addresses;
mod password;
mod profile;
mod refusals;

macro_rules! account_case {
    ($name:literal, $summary:literal, $run:path) => {
        account_case!($name, $summary, Needs::Nothing, $run)
    };
    ($name:literal, $summary:literal, $needs:expr, $run:path) => {
        Case {
            name: $name,
            summary: $summary,
            creates_data: true,
            needs: $needs,
            run: |cx| Box::pin($run(cx)),
        }
    };
}

pub const CASES: &[Case] = &[
    account_case!(
        "account.profile_update",
        "the profile's fields are set as sent, and metadata merges key by key (`\"\"` removes a key)",
        profile::profile_update
    ),
    account_case!(
        "account.profile_refused",
        "profile updates with an unknown key (`email`), wrong types, an unknown query key or no credentials are \
         refused; `fields` shapes the answer",
        profile::profile_refused
    ),
    account_case!(
        "account.addresses_crud",
        "addresses are created, listed (page, order, search, filters, fields), read, updated and deleted",
        addresses::addresses_crud
    ),
    account_case!(
        "account.address_defaults",
        "a default flag moves from address to address; clearing it or deleting the default promotes none",
        addresses::address_defaults
    ),
    account_case!(
        "account.address_of_another_customer",
        "another customer's address is answered as one that does not exist, after validation",
        refusals::address_of_another_customer
    ),
    account_case!(
        "account.address_refused",
        "address bodies and list queries Medusa refuses",
        refusals::address_refused
    ),
    account_case!(
        "account.reset_request",
        "a reset request for a known and for an unknown email gets the same `Created`; bodies without an \
         `identifier`, with an unknown key or with `metadata: null` are refused",
        password::reset_request
    ),
    account_case!(
        "account.update_refused",
        "a password update without a reset token (none, garbage, a login token, a `?token=` query) is refused, and \
         the account's password still logs in",
        password::update_refused
    ),
    account_case!(
        "account.update_forged_reset_token",
        "a reset token signed with the server's secret but with a `jti` it never issued is refused, as a bearer and \
         as a `?token=` query (before 2.16 it is taken where the release reads the token: the query up to 2.5, the \
         bearer from 2.6; it sets the password the account already has)",
        Needs::JwtSecret,
        password::update_forged_reset_token
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
