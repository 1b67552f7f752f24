//! Configuration from the environment, with Medusa's variable names, or from flags.

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::connections::Limits;

/// Medusa 2.21's Store API customer sign-up flow, on SQLite or PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "medusa-store-server", version)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1", global = true)]
    pub host: String,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "PORT", default_value_t = 9000, global = true)]
    pub port: u16,
    /// `postgres://…` for PostgreSQL; otherwise an SQLite file (created and migrated at start).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://medusa-store.db",
        global = true
    )]
    pub database_url: String,
    /// Secret that signs the JWTs (HS256).
    #[arg(
        long,
        env = "JWT_SECRET",
        default_value = "supersecret",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: String,
    /// Secret that signs the `connect.sid` session cookie.
    #[arg(
        long,
        env = "COOKIE_SECRET",
        default_value = "supersecret",
        hide_env_values = true,
        global = true
    )]
    pub cookie_secret: String,
    /// Origins allowed to call `/store` routes from a browser (comma-separated; `/regex/` allowed).
    #[arg(
        long,
        env = "STORE_CORS",
        default_value = "http://localhost:8000,https://docs.medusajs.com",
        global = true
    )]
    pub store_cors: String,
    /// Origins allowed to call `/auth` routes from a browser.
    #[arg(
        long,
        env = "AUTH_CORS",
        default_value = "http://localhost:5173,http://localhost:9000,http://localhost:8000,https://docs.medusajs.com",
        global = true
    )]
    pub auth_cors: String,
    /// A request's line and headers must arrive within this many milliseconds of the connection being ready for
    /// them (Node's `headersTimeout`); a client that stalls is disconnected.
    #[arg(long, env = "HEADERS_TIMEOUT_MS", default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub headers_timeout_ms: u64,
    /// A whole request, from its first byte to the answer, must take at most this many milliseconds (Node's
    /// `requestTimeout`); past it the client gets 408 and is disconnected.
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 300_000, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub request_timeout_ms: u64,
    /// A connection with no request in progress is closed after this many silent milliseconds (Node's
    /// `keepAliveTimeout`).
    #[arg(long, env = "KEEP_ALIVE_TIMEOUT_MS", default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub keep_alive_timeout_ms: u64,
    /// At most this many client connections are open at once; more wait in the kernel's queue. Default: the
    /// open-files limit (RLIMIT_NOFILE) less room for the database, at most 10000.
    #[arg(long, env = "MAX_CONNECTIONS", value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_connections: Option<u64>,
    /// Password hashes computed at once (each takes a core and 32 MiB); default: one per core.
    #[arg(long, env = "HASH_CONCURRENCY", global = true)]
    pub hash_concurrency: Option<usize>,
    /// Register and login requests that may wait for a hash slot; past it they get 503 at once. Default: 8 per core.
    #[arg(long, env = "HASH_QUEUE", global = true)]
    pub hash_queue: Option<usize>,
    /// How long such a request may wait for a slot, in milliseconds, before it gets 503.
    #[arg(
        long,
        env = "HASH_QUEUE_TIMEOUT_MS",
        default_value_t = 2000,
        global = true
    )]
    pub hash_queue_timeout_ms: u64,
    /// Live cookie sessions per identity; opening one more drops the oldest.
    #[arg(long, env = "SESSIONS_PER_IDENTITY", default_value_t = crate::app::DEFAULT_SESSIONS_PER_IDENTITY, global = true)]
    pub sessions_per_identity: usize,
    /// Seconds between two sweeps of expired sessions.
    #[arg(long, env = "SESSION_SWEEP_SECS", default_value_t = 600, global = true)]
    pub session_sweep_secs: u64,
    /// Where Medusa's events (`customer.created`, `customer.updated`, `auth.password_reset` with its token) are
    /// POSTed, at least once, from an outbox in the database. Unset: no event is kept, and password resets cannot
    /// reach anyone.
    #[arg(long, env = "EVENTS_WEBHOOK_URL", global = true)]
    pub events_webhook_url: Option<String>,
    /// The key of the HMAC-SHA256 of each event's body, sent as `X-Webhook-Signature: sha256=<hex>`; required with
    /// `EVENTS_WEBHOOK_URL`.
    #[arg(
        long,
        env = "EVENTS_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub events_webhook_secret: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Manage publishable API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Manage customers.
    Customers {
        #[command(subcommand)]
        command: CustomersCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; its `pk_…` token is the last line of standard output.
    Create {
        #[arg(long)]
        title: String,
    },
    /// List keys.
    List,
    /// Revoke a key by id or token.
    Revoke { id_or_token: String },
}

#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Create a guest customer (no account), as Medusa's admin API does; prints its id.
    CreateGuest {
        #[arg(long)]
        email: String,
    },
    /// Delete what was signed up with each email: its identity, that identity's sessions, and every customer with
    /// the email. With --created-by, the emails a conformance run created (its JSON report's `created` list).
    Delete {
        emails: Vec<String>,
        /// A `medusa-conformance run --json` report.
        #[arg(long, value_name = "REPORT.json")]
        created_by: Option<std::path::PathBuf>,
    },
}

impl Config {
    /// The webhook events go to, if one is set; a URL without a secret is refused.
    pub fn webhook(&self) -> anyhow::Result<Option<crate::events::Webhook>> {
        match (&self.events_webhook_url, &self.events_webhook_secret) {
            (None, _) => Ok(None),
            (Some(url), Some(secret)) if !secret.is_empty() => Ok(Some(crate::events::Webhook {
                url: url.clone(),
                secret: secret.clone(),
            })),
            (Some(_), _) => anyhow::bail!(
                "EVENTS_WEBHOOK_URL is set without EVENTS_WEBHOOK_SECRET to sign the events"
            ),
        }
    }

    /// The bounds these settings give on this machine.
    pub fn limits(&self) -> crate::app::Limits {
        let defaults = crate::hashing::HashingLimits::for_this_machine();
        crate::app::Limits {
            hashing: crate::hashing::HashingLimits {
                concurrency: self.hash_concurrency.unwrap_or(defaults.concurrency).max(1),
                queue: self.hash_queue.unwrap_or(defaults.queue),
                max_wait: std::time::Duration::from_millis(self.hash_queue_timeout_ms),
            },
            sessions_per_identity: self.sessions_per_identity,
        }
    }

    pub fn for_tests(database_url: &str) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 0,
            database_url: database_url.into(),
            jwt_secret: "supersecret".into(),
            cookie_secret: "supersecret".into(),
            store_cors: "http://localhost:8000".into(),
            auth_cors: "http://localhost:8000".into(),
            headers_timeout_ms: 60_000,
            request_timeout_ms: 300_000,
            keep_alive_timeout_ms: 5_000,
            max_connections: None,
            hash_concurrency: None,
            hash_queue: None,
            // Tests run debug builds (slow scrypt) side by side: only the admission tests set tight bounds.
            hash_queue_timeout_ms: 60_000,
            sessions_per_identity: crate::app::DEFAULT_SESSIONS_PER_IDENTITY,
            session_sweep_secs: 600,
            events_webhook_url: None,
            events_webhook_secret: None,
        }
    }

    /// The limits the connection layer enforces.
    pub fn connection_limits(&self) -> Limits {
        Limits {
            headers_timeout: Duration::from_millis(self.headers_timeout_ms),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            keep_alive_timeout: Duration::from_millis(self.keep_alive_timeout_ms),
            max_connections: self.max_connections.map_or_else(
                || default_max_connections(open_files_limit()),
                |max| usize::try_from(max).unwrap_or(usize::MAX),
            ),
        }
    }
}

/// The connection cap when none is configured: every connection is a descriptor, so stay below the open-files
/// limit, leaving room for the database (PostgreSQL connections, SQLite files), the listener and the runtime.
pub fn default_max_connections(open_files_limit: Option<u64>) -> usize {
    const CEILING: u64 = 10_000;
    const HEADROOM: u64 = 128;
    let cap = match open_files_limit {
        Some(limit) => limit
            .saturating_sub(HEADROOM.min(limit / 2))
            .clamp(1, CEILING),
        None => CEILING,
    };
    usize::try_from(cap).unwrap_or(usize::MAX)
}

/// The soft RLIMIT_NOFILE of this process, read from `/proc/self/limits` (Linux); `None` when unlimited or unknown.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_connection_cap_leaves_descriptors_for_the_database() {
        assert_eq!(default_max_connections(Some(1024)), 896);
        assert_eq!(default_max_connections(Some(128)), 64);
        assert_eq!(default_max_connections(Some(1)), 1);
        assert_eq!(default_max_connections(Some(1 << 20)), 10_000);
        assert_eq!(default_max_connections(None), 10_000);
    }

    #[test]
    fn the_open_files_limit_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(open_files_limit().is_some_and(|limit| limit > 0));
        }
    }

    #[test]
    fn timeouts_default_to_nodes() {
        let limits = Config::for_tests("sqlite::memory:").connection_limits();
        assert_eq!(limits.headers_timeout, Duration::from_secs(60));
        assert_eq!(limits.request_timeout, Duration::from_secs(300));
        assert_eq!(limits.keep_alive_timeout, Duration::from_secs(5));
    }
}
