//! `medusa-conformance`: run the conformance suite against a backend from the command line or CI.
//!
//! Exit status: 0 when every check passes (for `diff`: when the only differences are labelled intentional
//! deviations), 1 when any fails, 2 for a usage or connection error. `spec lint` and
//! `spec diff` exit 1 on a problem or a breaking change.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use medusa_conformance::diff::{self, DiffConfig};
use medusa_conformance::errata::Errata;
use medusa_conformance::report::{junit_xml, summary};
use medusa_conformance::{RunConfig, cases, contract, profile, run, snapshots};

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
    /// Run the cases on two backends and compare their exchanges step by step. Exit 0 when the only differences
    /// are intentional deviations listed in the errata, 1 otherwise.
    Diff(Box<DiffArgs>),
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

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Profile {
    /// The cases, judged against this project's contract (the default `--spec`) and real Medusa's snapshots.
    Contract,
    /// Medusa's published documentation as it stands (`--spec` is required: Medusa's published store spec): every
    /// departure must match a `documentation` erratum, and every such erratum must be observed.
    Documented,
}

#[derive(Args)]
struct RunArgs {
    /// What to check the backend against.
    #[arg(long, value_enum, default_value = "contract")]
    profile: Profile,
    /// With `--profile documented`: another published variant of one path item, as PATH=FILE (e.g.
    /// `/store/customers=medusa-oas/paths/store_customers.yaml`); its query parameters count as documented.
    /// Repeatable.
    #[arg(long, value_name = "PATH=FILE")]
    spec_variant: Vec<String>,
    /// With `--profile documented`: the errata to account for departures with; default: the compiled-in
    /// openapi/ERRATA.md.
    #[arg(long, value_name = "FILE")]
    errata: Option<PathBuf>,
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

#[derive(Args)]
struct DiffArgs {
    /// The first backend's base URL (say real Medusa).
    #[arg(long)]
    left: String,
    /// A valid publishable key of the first backend.
    #[arg(long)]
    left_key: String,
    /// The second backend's base URL (say ours).
    #[arg(long)]
    right: String,
    /// A valid publishable key of the second backend.
    #[arg(long)]
    right_key: String,
    /// The first backend's JWT secret (the token cases run only when both sides have one).
    #[arg(long, hide_env_values = true)]
    left_jwt_secret: Option<String>,
    /// The second backend's JWT secret.
    #[arg(long, hide_env_values = true)]
    right_jwt_secret: Option<String>,
    /// A revoked publishable key of the first backend.
    #[arg(long)]
    left_revoked_key: Option<String>,
    /// A revoked publishable key of the second backend.
    #[arg(long)]
    right_revoked_key: Option<String>,
    /// A guest customer's email on the first backend (it gets an account).
    #[arg(long)]
    left_guest_email: Option<String>,
    /// A guest customer's email on the second backend (it gets an account).
    #[arg(long)]
    right_guest_email: Option<String>,
    /// Compare only cases whose name contains this (or matches it as a glob). Repeatable.
    #[arg(long, value_name = "PATTERN")]
    only: Vec<String>,
    /// Skip cases whose name contains this (or matches it as a glob). Repeatable.
    #[arg(long, value_name = "PATTERN")]
    skip: Vec<String>,
    /// The errata whose `intentional` entries (`applies-to:` lines) label differences; default: the compiled-in
    /// openapi/ERRATA.md.
    #[arg(long, value_name = "FILE")]
    errata: Option<PathBuf>,
    /// Write the comparison as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
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
        Command::Diff(args) => diff_command(*args).await,
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

fn load_errata(path: Option<&PathBuf>) -> Result<Errata, String> {
    let Some(path) = path else {
        return Ok(Errata::bundled());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    Errata::parse(&text).map_err(|error| format!("{}: {error}", path.display()))
}

async fn diff_command(args: DiffArgs) -> ExitCode {
    let errata = match load_errata(args.errata.as_ref()) {
        Ok(errata) => errata,
        Err(message) => return usage_error(message),
    };
    let side = |url: String,
                key: String,
                secret: Option<String>,
                revoked: Option<String>,
                guest: Option<String>| {
        let mut config = RunConfig::new(url, key);
        config.jwt_secret = secret.filter(|s| !s.is_empty());
        config.revoked_key = revoked.filter(|s| !s.is_empty());
        config.guest_email = guest.filter(|s| !s.is_empty());
        config.only.clone_from(&args.only);
        config.skip.clone_from(&args.skip);
        config
    };
    let left = side(
        args.left.clone(),
        args.left_key.clone(),
        args.left_jwt_secret.clone(),
        args.left_revoked_key.clone(),
        args.left_guest_email.clone(),
    );
    let right = side(
        args.right.clone(),
        args.right_key.clone(),
        args.right_jwt_secret.clone(),
        args.right_revoked_key.clone(),
        args.right_guest_email.clone(),
    );
    eprintln!(
        "running the cases on {} and {} …",
        left.base_url, right.base_url
    );
    let report = match diff::run(DiffConfig {
        left,
        right,
        errata: errata.clone(),
    })
    .await
    {
        Ok(report) => report,
        Err(error) => return usage_error(error),
    };
    println!("{}", report.text_with(&errata));
    finish(&[(args.json.as_deref(), report.to_json())], report.passed())
}

async fn documented_command(args: RunArgs) -> ExitCode {
    let Some(spec_path) = &args.spec else {
        return usage_error(
            "--profile documented needs --spec FILE (Medusa's published store spec)",
        );
    };
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))
    };
    let setup = || -> Result<(profile::PublishedSpec, Errata), String> {
        let mut spec = profile::PublishedSpec::parse(&read(spec_path)?)
            .map_err(|e| format!("{}: {e}", spec_path.display()))?;
        for variant in &args.spec_variant {
            let (path, file) = variant
                .split_once('=')
                .ok_or_else(|| format!("--spec-variant {variant:?} is not PATH=FILE"))?;
            spec.add_variant(path, &read(std::path::Path::new(file))?)
                .map_err(|e| format!("{file}: {e}"))?;
        }
        Ok((spec, load_errata(args.errata.as_ref())?))
    };
    let (spec, errata) = match setup() {
        Ok(setup) => setup,
        Err(message) => return usage_error(message),
    };
    let config = profile::ProfileConfig {
        base_url: args.base_url.clone(),
        publishable_key: args.publishable_key.clone(),
        spec,
        errata: errata.clone(),
        email_domain: args.email_domain.clone(),
    };
    let report = match profile::run(config).await {
        Ok(report) => report,
        Err(error) => return usage_error(error),
    };
    println!("{}", report.text(&errata));
    finish(&[(args.json.as_deref(), report.to_json())], report.passed())
}

/// Writes the reports that were asked for, then exits 0 when the run passed and 1 when it did not.
fn finish(outputs: &[(Option<&std::path::Path>, String)], passed: bool) -> ExitCode {
    for (path, contents) in outputs {
        if let Some(path) = path
            && let Err(error) = std::fs::write(path, contents)
        {
            return usage_error(format!("cannot write {}: {error}", path.display()));
        }
    }
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("medusa-conformance: {message}");
    ExitCode::from(2)
}

async fn run_command(args: RunArgs) -> ExitCode {
    if args.profile == Profile::Documented {
        return documented_command(args).await;
    }
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
        (args.json.as_deref(), report.to_json()),
        (args.junit.as_deref(), junit_xml(&report)),
    ];
    finish(&outputs, report.passed())
}
