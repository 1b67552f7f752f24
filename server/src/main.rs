use clap::Parser;
use medusa_store_server::{config::Cli, main_with};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    std::process::ExitCode::from(main_with(Cli::parse()).await)
}
