//! The one error type of the application, free of HTTP. `http::error` decides how each reaches a client.

/// Everything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed or its data invalid (400 `invalid_data`).
    #[error("{0}")]
    InvalidData(String),
    /// The request is well formed but not allowed, e.g. a bad publishable key (400 `not_allowed`).
    #[error("{0}")]
    NotAllowed(String),
    /// No acceptable credential on a guarded route (401 `{"message":"Unauthorized"}`).
    #[error("Unauthorized")]
    Unauthorized,
    /// Credentials were checked and refused by an auth route (401 `unauthorized`).
    #[error("{0}")]
    AuthenticationFailed(String),
    /// The entity or route does not exist (404 `not_found`).
    #[error("{0}")]
    NotFound(String),
    /// The data would duplicate an existing entity (422 `duplicate_error`).
    #[error("{0}")]
    Duplicate(String),
    /// The request raced another one and lost; retrying may succeed (409).
    #[error("conflict")]
    Conflict,
    /// Rejected while reading the body, before any route logic ran (as Express's body parser does).
    #[error("{message}")]
    Body { status: u16, message: String },
    /// Password hashing is saturated: refused at once, to be retried after the delay (503 with `Retry-After`).
    #[error("The server is busy checking passwords: retry in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// Anything unexpected; details go to the log, never to the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid_data(message: impl Into<String>) -> Self {
        Self::InvalidData(message.into())
    }

    pub fn not_allowed(message: impl Into<String>) -> Self {
        Self::NotAllowed(message.into())
    }
}

impl From<crate::store::StoreError> for Error {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Internal(error.into())
    }
}
