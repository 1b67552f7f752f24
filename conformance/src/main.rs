//! `medusa-conformance`: run the conformance suite against a backend from the command line or CI.
//!
//! Exit status: 0 when every check passes, 1 when any fails, 2 for a usage or connection error. `spec lint` and
//! `spec diff` exit 1 on a problem or a breaking change.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use medusa_conformance::report::{junit_xml, summary};
use medusa_conformance::{RunConfig, cases, contract, run, snapshots};

#[derive(Parser)]
#[command(
    version,
    about = "Checks that a backend behaves like Medusa 2.21's Store API customer sign-up flow"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the cases against a backend.
    Run(Box<RunArgs>),
    /// List the cases, with what each needs.
    List,
    /// Checks on the contract itself.
    #[command(subcommand)]
    Spec(SpecCommand),
}

#[derive(Subcommand)]
enum SpecCommand {
    /// Check that a contract is one this tooling can use (OpenAPI 3.0, unique operationIds, JSON bodies, …).
    /// Exit 1 when it is not.
    Lint {
        /// A file or http(s) URL.
        source: String,
    },
    /// Show what changed between two contracts (files or URLs of served specs). Exit 1 on a breaking change.
    Diff { old: String, new: String },
}

#[derive(Args)]
struct RunArgs {
    /// The backend's base URL.
    #[arg(long, env = "MEDUSA_BASE_URL")]
    base_url: String,
    /// A valid publishable API key (pk_…).
    #[arg(long, env = "MEDUSA_PUBLISHABLE_KEY")]
    publishable_key: String,
    /// The contract to validate responses against (OpenAPI 3.0, YAML or JSON); default: the bundled one.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// The backend's JWT secret: enables the cases that forge tokens with it (expired, wrong actor type, …).
    #[arg(long, env = "MEDUSA_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// A revoked publishable key: enables the revoked-key case.
    #[arg(long, env = "MEDUSA_REVOKED_KEY")]
    revoked_key: Option<String>,
    /// The email of a guest customer (no account): enables the case that signs it up (it then has an account).
    #[arg(long, env = "MEDUSA_GUEST_EMAIL")]
    guest_email: Option<String>,
    /// Write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the report as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Run only cases whose name contains this (or matches it as a glob with * and ?). Repeatable.
    #[arg(long, value_name = "PATTERN")]
    only: Vec<String>,
    /// Skip cases whose name contains this (or matches it as a glob). Repeatable.
    #[arg(long, value_name = "PATTERN")]
    skip: Vec<String>,
    /// Run only the cases that create nothing on the backend.
    #[arg(long)]
    read_only: bool,
    /// The domain of the run's unique emails (conformance+<run>-<n>@DOMAIN).
    #[arg(long, default_value = "example.com", value_name = "DOMAIN")]
    email_domain: String,
    /// Write .snap.new files for new or changed snapshots into DIR, for `cargo insta review`. Refused in CI.
    #[arg(long, value_name = "DIR")]
    pending_snapshots: Option<PathBuf>,
    /// No progress lines while running.
    #[arg(long)]
    quiet: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::List => {
            for case in cases::all() {
                let needs = match case.needs {
                    cases::Needs::Nothing => "",
                    cases::Needs::JwtSecret => " [--jwt-secret]",
                    cases::Needs::RevokedKey => " [--revoked-key]",
                    cases::Needs::GuestEmail => " [--guest-email]",
                };
                let writes = if case.creates_data {
                    "writes"
                } else {
                    "read-only"
                };
                println!("{:<48} {writes:<9} {}{needs}", case.name, case.summary);
            }
            ExitCode::SUCCESS
        }
        Command::Run(args) => run_command(*args).await,
        Command::Spec(command) => spec_command(command).await,
    }
}

async fn spec_command(command: SpecCommand) -> ExitCode {
    match command {
        SpecCommand::Lint { source } => {
            let document = match contract::load(&source).await {
                Ok(document) => document,
                Err(message) => return usage_error(message),
            };
            let findings = contract::lint::lint(&document);
            for finding in &findings {
                println!(
                    "{}: {}: {}",
                    finding.rule, finding.location, finding.message
                );
            }
            println!("{source}: {} problem(s)", findings.len());
            if findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        SpecCommand::Diff { old, new } => {
            let (before, after) = match (contract::load(&old).await, contract::load(&new).await) {
                (Ok(before), Ok(after)) => (before, after),
                (Err(message), _) | (_, Err(message)) => return usage_error(message),
            };
            let changes = contract::diff::diff(&before, &after);
            for change in &changes {
                let impact = match change.impact {
                    contract::diff::Impact::Breaking => "BREAKING",
                    contract::diff::Impact::NonBreaking => "non-breaking",
                };
                println!("{impact:<12} {}: {}", change.location, change.message);
            }
            let breaking = changes
                .iter()
                .filter(|c| c.impact == contract::diff::Impact::Breaking)
                .count();
            println!("{} change(s), {breaking} breaking", changes.len());
            if breaking == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("medusa-conformance: {message}");
    ExitCode::from(2)
}

async fn run_command(args: RunArgs) -> ExitCode {
    if args.pending_snapshots.is_some() && snapshots::running_in_ci() {
        return usage_error("--pending-snapshots writes files and is refused when CI is set");
    }
    let spec = match &args.spec {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(error) => return usage_error(format!("cannot read {}: {error}", path.display())),
        },
        None => None,
    };
    let mut config = RunConfig::new(args.base_url, args.publishable_key);
    config.spec = spec;
    config.jwt_secret = args.jwt_secret.filter(|s| !s.is_empty());
    config.revoked_key = args.revoked_key.filter(|s| !s.is_empty());
    config.guest_email = args.guest_email.filter(|s| !s.is_empty());
    config.email_domain = args.email_domain;
    config.only = args.only;
    config.skip = args.skip;
    config.read_only = args.read_only;
    config.pending_snapshots_dir = args.pending_snapshots;
    config.progress = !args.quiet;

    let report = match run(config).await {
        Ok(report) => report,
        Err(error) => return usage_error(error),
    };
    println!("{}", summary(&report));
    let outputs = [
        (args.json, report.to_json()),
        (args.junit, junit_xml(&report)),
    ];
    for (path, contents) in outputs {
        if let Some(path) = path
            && let Err(error) = std::fs::write(&path, contents)
        {
            return usage_error(format!("cannot write {}: {error}", path.display()));
        }
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
