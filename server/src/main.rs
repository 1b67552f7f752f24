use clap::Parser;
use medusa_store_server::{
    App, Application, cli,
    config::{Cli, Command},
    store,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let Cli { config, command } = Cli::parse();
    let command = command.unwrap_or(Command::Serve);
    if let Command::Serve = command {
        if config.jwt_secret == "supersecret" || config.cookie_secret == "supersecret" {
            tracing::warn!(
                "JWT_SECRET or COOKIE_SECRET is the default `supersecret`: set both in production"
            );
        }
        let application = Application::build(config).await?;
        tracing::info!(address = %application.address(), "serving the Medusa Store API sign-up flow");
        return Ok(application.run_until_stopped().await?);
    }
    let app = App::new(
        store::connect(&config.database_url).await?,
        &config.jwt_secret,
    );
    let mut out = std::io::stdout().lock();
    match command {
        Command::Keys { command } => cli::keys(&app, command, &mut out).await,
        Command::Customers { command } => cli::customers(&app, command, &mut out).await,
        Command::Serve => unreachable!("handled above"),
    }
}
