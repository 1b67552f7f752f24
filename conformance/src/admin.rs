//! Medusa's Admin API, when the user gives the suite access to it: it provisions what the cases that need set-up
//! use (a revoked publishable key, a guest customer), and at the end removes those and every customer the run
//! created. Its requests go through the run's HTTP client, but never into the report: they carry the admin token.

use serde::Serialize;
use serde_json::{Value, json};

use crate::api::{Api, Extra, RawBody, RawRequest};
use crate::report::Created;

/// How the suite reaches the Admin API.
#[derive(Clone)]
pub enum AdminAccess {
    /// An admin user's token (a JWT from `POST /auth/user/emailpass`, or a secret API key `sk_…`).
    Token(String),
    /// An admin user's email and password: the suite logs in.
    Password { email: String, password: String },
}

impl std::fmt::Debug for AdminAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminAccess::Token(_) => f.write_str("Token([redacted])"),
            AdminAccess::Password { email, .. } => {
                write!(f, "Password {{ email: {email:?}, password: [redacted] }}")
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the Admin API: {0}")]
pub struct AdminError(String);

/// A logged-in Admin API client.
pub struct Admin {
    api: Api,
    authorization: Extra,
}

/// What the suite set up for a run, to remove at its end.
#[derive(Debug, Default)]
pub struct Provisioned {
    pub revoked_key: Option<ProvisionedKey>,
    pub guest: Option<ProvisionedGuest>,
}

#[derive(Debug)]
pub struct ProvisionedKey {
    pub id: String,
    pub token: String,
}

#[derive(Debug)]
pub struct ProvisionedGuest {
    pub id: String,
    pub email: String,
}

/// What the clean-up removed and what it left behind, each with the reason.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Cleanup {
    pub removed: Vec<String>,
    pub left: Vec<LeftBehind>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LeftBehind {
    pub what: String,
    pub reason: String,
}

impl Admin {
    pub async fn connect(api: &Api, access: &AdminAccess) -> Result<Admin, AdminError> {
        let token = match access {
            AdminAccess::Token(token) => token.clone(),
            AdminAccess::Password { email, password } => {
                let body = json!({ "email": email, "password": password });
                let answer = send(
                    api,
                    reqwest::Method::POST,
                    "/auth/user/emailpass",
                    None,
                    Some(body),
                )
                .await?;
                answer
                    .get("token")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| AdminError(format!("logging in as {email} gave no token")))?
            }
        };
        let authorization = if token.starts_with("sk_") {
            // Secret API keys authenticate with HTTP basic auth, the key as the user name.
            use base64::Engine;
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{token}:"));
            Extra::Header("authorization", format!("Basic {basic}"))
        } else {
            Extra::Bearer(token)
        };
        let admin = Admin {
            api: api.clone(),
            authorization,
        };
        admin
            .call(reqwest::Method::GET, "/admin/api-keys?limit=1", None)
            .await?;
        Ok(admin)
    }

    /// A publishable key, created and revoked at once.
    pub async fn revoked_key(&self, title: &str) -> Result<ProvisionedKey, AdminError> {
        let body = json!({ "title": title, "type": "publishable" });
        let created = self
            .call(reqwest::Method::POST, "/admin/api-keys", Some(body))
            .await?;
        let id = string_at(&created, "/api_key/id")?;
        let token = string_at(&created, "/api_key/token")?;
        self.call(
            reqwest::Method::POST,
            &format!("/admin/api-keys/{id}/revoke"),
            Some(json!({})),
        )
        .await?;
        Ok(ProvisionedKey { id, token })
    }

    /// A customer without an account.
    pub async fn guest(&self, email: &str) -> Result<ProvisionedGuest, AdminError> {
        let created = self
            .call(
                reqwest::Method::POST,
                "/admin/customers",
                Some(json!({ "email": email })),
            )
            .await?;
        Ok(ProvisionedGuest {
            id: string_at(&created, "/customer/id")?,
            email: email.to_owned(),
        })
    }

    /// Removes what was provisioned and the customers the run created; lists what it could not remove.
    pub async fn clean_up(&self, provisioned: &Provisioned, created: &[Created]) -> Cleanup {
        let mut cleanup = Cleanup::default();
        let mut customers: Vec<(String, String)> = created
            .iter()
            .filter_map(|c| c.customer_id.clone().map(|id| (id, c.email.clone())))
            .collect();
        if let Some(guest) = &provisioned.guest {
            customers.push((guest.id.clone(), format!("{} (guest)", guest.email)));
        }
        for (id, email) in customers {
            let what = format!("customer {id} ({email})");
            match self
                .call(
                    reqwest::Method::DELETE,
                    &format!("/admin/customers/{id}"),
                    None,
                )
                .await
            {
                Ok(_) => cleanup.removed.push(what),
                Err(AdminError(reason)) => cleanup.left.push(LeftBehind { what, reason }),
            }
        }
        for identity in created {
            cleanup.left.push(LeftBehind {
                what: format!("auth identity {}", identity.email),
                reason: "Medusa's Admin API has no route that deletes an auth identity".to_owned(),
            });
        }
        if let Some(key) = &provisioned.revoked_key {
            let what = format!("revoked publishable key {}", key.id);
            match self
                .call(
                    reqwest::Method::DELETE,
                    &format!("/admin/api-keys/{}", key.id),
                    None,
                )
                .await
            {
                Ok(_) => cleanup.removed.push(what),
                Err(AdminError(reason)) => cleanup.left.push(LeftBehind { what, reason }),
            }
        }
        cleanup
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, AdminError> {
        send(
            &self.api,
            method,
            path,
            Some(self.authorization.clone()),
            body,
        )
        .await
    }
}

async fn send(
    api: &Api,
    method: reqwest::Method,
    path: &str,
    authorization: Option<Extra>,
    body: Option<Value>,
) -> Result<Value, AdminError> {
    let line = format!("{method} {path}");
    let request = RawRequest {
        operation_id: "admin",
        method,
        path,
        headers: authorization.into_iter().collect(),
        body: body.map(|b| RawBody::json(b.to_string())),
    };
    let exchange = api
        .raw(request)
        .await
        .map_err(|error| AdminError(format!("{line}: {error}")))?;
    let response = exchange.response;
    if !(200..300).contains(&response.status) {
        return Err(AdminError(format!(
            "{line} answered {} {}",
            response.status,
            response.body.trim()
        )));
    }
    serde_json::from_str(&response.body).map_err(|_| {
        AdminError(format!(
            "{line} answered {} with a body that is not JSON",
            response.status
        ))
    })
}

fn string_at(value: &Value, pointer: &str) -> Result<String, AdminError> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| AdminError(format!("the answer has no {pointer}")))
}
