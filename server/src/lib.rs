//! A server for Medusa 2.21's Store API customer sign-up flow that answers as Medusa does.
//!
//! `Application::build` checks the secrets, opens the store, binds the listener (port 0 picks a free port) and
//! returns the bound address; `run_until_stopped` serves until the process is asked to stop. `main_with` is the
//! whole of the `medusa-store-server` command.

pub mod app;
pub mod cli;
pub mod config;
pub mod connections;
pub mod domain;
pub mod events;
pub mod hashing;
pub mod http;
pub mod secrets;
pub mod store;

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use poem::EndpointExt;
use tokio::net::TcpListener;

pub use app::App;
pub use config::Config;
use config::{Cli, Command};
pub use http::openapi_spec;

pub struct Application {
    app: Arc<App>,
    config: Config,
    listener: TcpListener,
    address: SocketAddr,
}

impl Application {
    /// Fails with [`secrets::RefusedSecrets`] before binding or opening the database when the secrets are weak
    /// and the host is not a loopback address.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        secrets::check(&config)?;
        let store = store::connect(&config.database_url).await?;
        let webhook = config.webhook()?;
        let app = Arc::new(
            App::with_limits(store, &config.jwt_secret, config.limits())
                .with_events(webhook.is_some()),
        );
        ensure_a_publishable_key(&app).await?;
        let host = config.host.trim_start_matches('[').trim_end_matches(']');
        let listener = match host.parse::<IpAddr>() {
            Ok(ip) => TcpListener::bind((ip, config.port)).await?,
            Err(_) => TcpListener::bind((host, config.port)).await?,
        };
        let address = listener.local_addr()?;
        Ok(Self {
            app,
            config,
            listener,
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
            listener,
            ..
        } = self;
        let sweeping = tokio::spawn(sweep_expired_sessions(
            app.clone(),
            Duration::from_secs(config.session_sweep_secs.max(1)),
        ));
        let delivering = match config.webhook().ok().flatten() {
            Some(webhook) => Some(tokio::spawn(events::deliver(app.store().clone(), webhook))),
            None => {
                tracing::warn!(
                    "EVENTS_WEBHOOK_URL is not set: no event is delivered, so password reset tokens cannot reach customers"
                );
                None
            }
        };
        let routes = http::routes(app, &config);
        let served = connections::serve(
            listener,
            routes.map_to_response(),
            config.connection_limits(),
            shutdown_signal(),
            Duration::from_secs(10),
        )
        .await;
        sweeping.abort();
        if let Some(delivering) = delivering {
            delivering.abort();
        }
        served
    }
}

/// The `medusa-store-server` command: runs it and returns its exit code, having printed why it failed if it did
/// (2 when it refuses its secrets).
pub async fn main_with(Cli { config, command }: Cli) -> u8 {
    let result = match command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        command => administer(config, command).await,
    };
    match result {
        Ok(()) => 0,
        Err(error) => match error.downcast_ref::<secrets::RefusedSecrets>() {
            Some(refusal) => {
                eprintln!("error: {refusal}");
                secrets::EXIT_CODE
            }
            None => {
                eprintln!("Error: {error:?}");
                1
            }
        },
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let application = Application::build(config).await?;
    tracing::info!(address = %application.address(), "serving the Medusa Store API sign-up flow");
    Ok(application.run_until_stopped().await?)
}

async fn administer(config: Config, command: Command) -> anyhow::Result<()> {
    let app = App::new(
        store::connect(&config.database_url).await?,
        &config.jwt_secret,
    );
    let mut out = std::io::stdout().lock();
    match command {
        Command::Keys { command } => cli::keys(&app, command, &mut out).await,
        Command::Customers { command } => cli::customers(&app, command, &mut out).await,
        Command::Serve => unreachable!("served by `serve`"),
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
    if app.publishable_keys().await?.is_empty() {
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
