//! What a case expects of one response. Unset expectations are not checked.

use serde_json::Value;

/// Which statuses are right.
#[derive(Clone, Debug)]
pub enum StatusRule {
    Exact(u16),
    /// The contract wants a 4xx with a Medusa-style error body; Medusa itself answers `deviation` (reported as a
    /// warning, not a failure).
    ClientErrorOr(KnownDeviation),
}

/// A response real Medusa gives where the contract asks for something better.
#[derive(Clone, Debug)]
pub struct KnownDeviation {
    pub status: u16,
    pub body: Value,
    pub why: &'static str,
}

#[derive(Clone, Debug)]
pub struct ExpectedError {
    pub code: Option<&'static str>,
    pub kind: Option<&'static str>,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct ExpectedCustomer {
    pub id: Option<String>,
    pub email: Option<String>,
}

/// The claims a token (in `token`) or a session (in `user`) must carry.
#[derive(Clone, Debug)]
pub struct ExpectedToken {
    /// `""` for a registration token, else the customer's id.
    pub actor_id: String,
    /// The identity the token must belong to, when known.
    pub auth_identity_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieRule {
    /// `connect.sid` is set, `HttpOnly` and `Secure`.
    Set,
    /// `connect.sid` is cleared.
    Cleared,
}

/// What CORS must allow.
#[derive(Clone, Debug)]
pub struct CorsRule {
    /// The origin that must be allowed (with credentials); `None`: no origin may be allowed.
    pub origin: Option<String>,
    /// For a preflight: the method and the headers it asked for, which must be allowed.
    pub preflight: Option<(&'static str, Vec<&'static str>)>,
}

#[derive(Clone, Debug)]
pub struct Expect {
    pub status: StatusRule,
    pub error: Option<ExpectedError>,
    pub customer_keys: Option<Vec<&'static str>>,
    pub customer: Option<ExpectedCustomer>,
    pub token: Option<ExpectedToken>,
    /// For `POST /auth/session`: the claims the session's `user` must equal (those of the bearer token sent).
    pub session_claims: Option<serde_json::Map<String, Value>>,
    pub cookie: Option<CookieRule>,
    pub cors: Option<CorsRule>,
    /// The answer has no body (a preflight): its content type and schema are not judged.
    pub no_body: bool,
    /// The answer is plain text (Medusa's `Created` to a password-reset request), not JSON.
    pub plain_text: bool,
}

/// Medusa's default customer keys, in its order.
pub const DEFAULT_CUSTOMER_KEYS: &[&str] = &[
    "id",
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
    "addresses",
];

impl Expect {
    pub fn status(status: u16) -> Self {
        Expect {
            status: StatusRule::Exact(status),
            error: None,
            customer_keys: None,
            customer: None,
            token: None,
            session_claims: None,
            cookie: None,
            cors: None,
            no_body: false,
            plain_text: false,
        }
    }

    pub fn ok() -> Self {
        Expect::status(200)
    }

    /// An error body of exactly these `type` and `message` (and no `code`).
    pub fn error(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        Expect {
            error: Some(ExpectedError {
                code: None,
                kind: Some(kind),
                message: message.into(),
            }),
            ..Expect::status(status)
        }
    }

    /// Medusa's bare 401 on `/store` and token routes: `{"message": "Unauthorized"}`.
    pub fn unauthorized() -> Self {
        Expect {
            error: Some(ExpectedError {
                code: None,
                kind: None,
                message: "Unauthorized".into(),
            }),
            ..Expect::status(401)
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        if let Some(error) = &mut self.error {
            error.code = Some(code);
        }
        self
    }

    pub fn customer_keys(mut self, keys: &[&'static str]) -> Self {
        self.customer_keys = Some(keys.to_vec());
        self
    }

    pub fn default_customer_keys(self) -> Self {
        self.customer_keys(DEFAULT_CUSTOMER_KEYS)
    }

    pub fn customer(mut self, id: Option<&str>, email: Option<&str>) -> Self {
        self.customer = Some(ExpectedCustomer {
            id: id.map(str::to_owned),
            email: email.map(str::to_owned),
        });
        self
    }

    pub fn token(mut self, actor_id: &str, auth_identity_id: Option<&str>) -> Self {
        self.token = Some(ExpectedToken {
            actor_id: actor_id.to_owned(),
            auth_identity_id: auth_identity_id.map(str::to_owned),
        });
        self
    }

    pub fn session_of(mut self, claims: serde_json::Map<String, Value>) -> Self {
        self.session_claims = Some(claims);
        self
    }

    pub fn cookie(mut self, rule: CookieRule) -> Self {
        self.cookie = Some(rule);
        self
    }

    pub fn cors(mut self, rule: CorsRule) -> Self {
        self.cors = Some(rule);
        self
    }

    /// A preflight's answer: no body; CORS as `rule` says.
    pub fn preflight(status: u16, rule: CorsRule) -> Self {
        Expect {
            no_body: true,
            ..Expect::status(status).cors(rule)
        }
    }

    /// A `text/plain` answer with this status.
    pub fn text(status: u16) -> Self {
        Expect {
            plain_text: true,
            ..Expect::status(status)
        }
    }

    /// Whether the case means the request to be refused (a 4xx).
    pub fn refusal(&self) -> bool {
        match &self.status {
            StatusRule::Exact(status) => (400..500).contains(status),
            StatusRule::ClientErrorOr(_) => true,
        }
    }

    pub fn client_error_or(deviation: KnownDeviation) -> Self {
        Expect {
            status: StatusRule::ClientErrorOr(deviation),
            ..Expect::status(400)
        }
    }
}
