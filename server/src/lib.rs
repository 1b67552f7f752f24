//! A server for Medusa 2.21's Store API customer sign-up flow that answers as Medusa does.
//!
//! `Application::build` opens the store, binds the listener (port 0 picks a free port) and returns the bound
//! address; `run_until_stopped` serves until the process is asked to stop.

pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod hashing;
pub mod http;
pub mod store;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use poem::{
    Server,
    listener::{Acceptor, Listener, TcpAcceptor, TcpListener},
};

pub use app::App;
pub use config::Config;
pub use http::openapi_spec;

pub struct Application {
    app: Arc<App>,
    config: Config,
    acceptor: TcpAcceptor,
    address: SocketAddr,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = store::connect(&config.database_url).await?;
        let app = Arc::new(App::with_limits(store, &config.jwt_secret, config.limits()));
        ensure_a_publishable_key(&app).await?;
        let acceptor = TcpListener::bind(format!("{}:{}", config.host, config.port))
            .into_acceptor()
            .await?;
        let address = acceptor
            .local_addr()
            .first()
            .and_then(|addr| addr.as_socket_addr().copied())
            .ok_or_else(|| anyhow::anyhow!("the listener has no address"))?;
        Ok(Self {
            app,
            config,
            acceptor,
            address,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Serves until SIGINT or SIGTERM, then lets requests in flight finish (up to 10 s).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self {
            app,
            config,
            acceptor,
            ..
        } = self;
        let sweeping = tokio::spawn(sweep_expired_sessions(
            app.clone(),
            Duration::from_secs(config.session_sweep_secs.max(1)),
        ));
        let routes = http::routes(app, &config);
        let served = Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(routes, shutdown_signal(), Some(Duration::from_secs(10)))
            .await;
        sweeping.abort();
        served
    }
}

/// Deletes expired sessions every `period`: they are also deleted as new ones are stored, but an idle server
/// would otherwise keep them.
async fn sweep_expired_sessions(app: Arc<App>, period: Duration) {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match app.store().delete_expired_sessions().await {
            Ok(0) => {}
            Ok(deleted) => tracing::debug!(deleted, "deleted expired sessions"),
            Err(error) => tracing::warn!(%error, "cannot delete expired sessions"),
        }
    }
}

/// A fresh database gets one key, logged, so that the flow can be tried straight away.
async fn ensure_a_publishable_key(app: &App) -> anyhow::Result<()> {
    if app.store().publishable_keys().await?.is_empty() {
        let key = app
            .create_publishable_key("Default publishable key")
            .await?;
        tracing::info!(token = %key.token, "created a publishable key: send it as x-publishable-api-key");
    }
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("SIGTERM can be handled");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.ok();
}
