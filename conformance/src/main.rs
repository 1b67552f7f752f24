//! `medusa-conformance`: run the conformance suite against a backend from the command line or CI.
//!
//! Exit status: 0 when every check passes (for `diff`: when the only differences are labelled intentional
//! deviations), 1 when any fails, 2 for a usage or connection error. `spec lint` and
//! `spec diff` exit 1 on a problem or a breaking change.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use medusa_conformance::admin::AdminAccess;
use medusa_conformance::diff::{self, DiffConfig};
use medusa_conformance::errata::Errata;
use medusa_conformance::expectations::{self, Expectations};
use medusa_conformance::profile::{Documented, PublishedSpec};
use medusa_conformance::releases::Version;
use medusa_conformance::report::{junit_xml, summary};
use medusa_conformance::transport::{AccessHeaderError, CaBundle, TransportConfig};
use medusa_conformance::{Outcome, RunConfig, cases, contract, run, run_cases};

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
    /// Run every case against a stock Medusa of a known release and merge its answers into the records
    /// (`conformance/expectations/`). Every case must run: give every option.
    Record(Box<RecordArgs>),
    /// What a storefront sees change between two releases, from the records (offline).
    Upgrade {
        #[arg(long)]
        from: Version,
        #[arg(long)]
        to: Version,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the compatibility table (every case × every minor line) generated from the records.
    Table,
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
enum Format {
    Text,
    Markdown,
    Json,
}

/// The backend under test and what the cases need from it.
#[derive(Args)]
struct Target {
    /// The backend's base URL.
    #[arg(long, env = "MEDUSA_BASE_URL")]
    base_url: String,
    /// A valid publishable API key (pk_…).
    #[arg(long, env = "MEDUSA_PUBLISHABLE_KEY")]
    publishable_key: String,
    /// The backend's JWT secret: enables the cases that forge tokens with it (expired, wrong actor type, …).
    #[arg(long, env = "MEDUSA_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// A revoked publishable key: enables the revoked-key case.
    #[arg(long, env = "MEDUSA_REVOKED_KEY")]
    revoked_key: Option<String>,
    /// The email of a guest customer (no account): enables the case that signs it up (it then has an account).
    #[arg(long, env = "MEDUSA_GUEST_EMAIL")]
    guest_email: Option<String>,
    /// The origin your storefront calls the backend from (e.g. https://shop.example.com): enables the CORS cases.
    #[arg(long, env = "MEDUSA_STOREFRONT_ORIGIN", value_name = "URL")]
    storefront_origin: Option<String>,
    /// The domain of the run's unique emails (conformance+<run>-<n>@DOMAIN).
    #[arg(long, default_value = "example.com", value_name = "DOMAIN")]
    email_domain: String,
    /// An admin user's token for Medusa's Admin API: the run creates the revoked key and the guest customer its
    /// cases need (unless given), and at its end deletes them and every customer it created.
    #[arg(
        long,
        env = "MEDUSA_ADMIN_TOKEN",
        hide_env_values = true,
        conflicts_with = "admin_email"
    )]
    admin_token: Option<String>,
    /// An admin user's email, with --admin-password: the run logs in to the Admin API (see --admin-token).
    #[arg(long, env = "MEDUSA_ADMIN_EMAIL", requires = "admin_password")]
    admin_email: Option<String>,
    /// The admin user's password (see --admin-email).
    #[arg(
        long,
        env = "MEDUSA_ADMIN_PASSWORD",
        hide_env_values = true,
        requires = "admin_email"
    )]
    admin_password: Option<String>,
    #[command(flatten)]
    transport: TransportArgs,
}

/// How requests reach a deployment: access headers, extra roots, pace, patience, timeout.
#[derive(Args)]
struct TransportArgs {
    /// A header sent on every request (e.g. a gateway's credentials); its value is shown as [redacted] in every
    /// report. Repeatable; in the environment, one header per line.
    #[arg(
        long,
        env = "MEDUSA_HEADERS",
        hide_env_values = true,
        value_delimiter = '\n',
        value_name = "NAME: VALUE"
    )]
    header: Vec<String>,
    /// A PEM file of certificates (one or several) to trust as roots besides the system's.
    #[arg(long, env = "MEDUSA_CA_CERT", value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// At most N requests per second over the whole run.
    #[arg(long, value_name = "N", value_parser = positive_rate)]
    rate: Option<f64>,
    /// The longest one request may wait out 429/503 answers with Retry-After, in total.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    max_retry_wait: u64,
    /// How long each request may take; a request without an answer in time ends the run (exit 2).
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
}

fn positive_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err("a number of requests per second above 0, e.g. 5 or 0.5".to_owned()),
    }
}

impl Target {
    fn config(&self) -> Result<RunConfig, String> {
        let mut config = RunConfig::new(self.base_url.clone(), self.publishable_key.clone());
        config.jwt_secret = self.jwt_secret.clone().filter(|s| !s.is_empty());
        config.revoked_key = self.revoked_key.clone().filter(|s| !s.is_empty());
        config.guest_email = self.guest_email.clone().filter(|s| !s.is_empty());
        config.storefront_origin = self.storefront_origin.clone().filter(|s| !s.is_empty());
        config.email_domain.clone_from(&self.email_domain);
        config.admin = match (&self.admin_token, &self.admin_email, &self.admin_password) {
            (Some(token), _, _) if !token.is_empty() => Some(AdminAccess::Token(token.clone())),
            (_, Some(email), Some(password)) => Some(AdminAccess::Password {
                email: email.clone(),
                password: password.clone(),
            }),
            _ => None,
        };
        config.transport = self.transport.config()?;
        Ok(config)
    }
}

impl TransportArgs {
    fn config(&self) -> Result<TransportConfig, String> {
        let mut transport = TransportConfig::default();
        for header in self.header.iter().filter(|h| !h.trim().is_empty()) {
            transport.headers.push(
                header
                    .parse()
                    .map_err(|error: AccessHeaderError| error.to_string())?,
            );
        }
        transport.ca_certs = self.ca_cert.as_deref().map(CaBundle::load).transpose()?;
        transport.rate = self.rate;
        transport.max_retry_wait = Duration::from_secs(self.max_retry_wait);
        transport.timeout = Duration::from_secs(self.timeout);
        Ok(transport)
    }
}

#[derive(Args)]
struct RecordArgs {
    /// The stock Medusa release the backend runs (exactly: it is what the records will say).
    #[arg(long)]
    medusa_version: Version,
    /// The records to merge into.
    #[arg(long, default_value = "conformance/expectations", value_name = "DIR")]
    dir: PathBuf,
    #[command(flatten)]
    target: Target,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Profile {
    /// The cases, judged against this project's contract and what stock Medusa of the deployment's release
    /// answers (recorded from the real releases).
    Contract,
    /// The same run, and every answer of a route Medusa's published reference (`--spec`) documents also judged
    /// against it: each departure must be one a `documentation` erratum names for that step, and each such
    /// erratum must show wherever its steps ran.
    Documented,
}

#[derive(Args)]
struct RunArgs {
    /// What to check the backend against.
    #[arg(long, value_enum, default_value = "contract")]
    profile: Profile,
    /// With `--profile documented` (and required there): Medusa's published store spec (OpenAPI 3.0, YAML or JSON).
    #[arg(long, value_name = "FILE", required_if_eq("profile", "documented"))]
    spec: Option<PathBuf>,
    /// With `--profile documented`: another published variant of one path item, as PATH=FILE (e.g.
    /// `/store/customers=medusa-oas/paths/store_customers.yaml`); its query parameters count as documented.
    /// Repeatable.
    #[arg(long, value_name = "PATH=FILE")]
    spec_variant: Vec<String>,
    /// With `--profile documented`: the errata that account for the departures; default: the compiled-in
    /// openapi/ERRATA.md.
    #[arg(long, value_name = "FILE")]
    errata: Option<PathBuf>,
    #[command(flatten)]
    target: Target,
    /// The deployment's Medusa release (X.Y.Z); without it, the release is detected from the answers.
    #[arg(long, env = "MEDUSA_VERSION")]
    medusa_version: Option<Version>,
    /// Known defects of the release fail the run too.
    #[arg(long)]
    strict: bool,
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
    /// The origin a storefront calls both backends from: enables the CORS cases (both must list it).
    #[arg(long, value_name = "URL")]
    storefront_origin: Option<String>,
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
    /// Access and pace, for both sides.
    #[command(flatten)]
    transport: TransportArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List => {
            for case in cases::all() {
                let needs = match case.needs {
                    cases::Needs::Nothing => "",
                    cases::Needs::JwtSecret => " [--jwt-secret]",
                    cases::Needs::RevokedKey => " [--revoked-key]",
                    cases::Needs::GuestEmail => " [--guest-email]",
                    cases::Needs::StorefrontOrigin => " [--storefront-origin]",
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
        Command::Record(args) => record_command(*args).await,
        Command::Upgrade { from, to, format } => {
            let changes = expectations::upgrade(&Expectations::bundled(), from, to);
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&changes).expect("changes serialize")
                ),
                Format::Text | Format::Markdown => print!(
                    "{}",
                    expectations::render_changes(&changes, from, to, format == Format::Markdown)
                ),
            }
            ExitCode::SUCCESS
        }
        Command::Table => {
            print!(
                "{}",
                expectations::compatibility_table(&Expectations::bundled())
            );
            ExitCode::SUCCESS
        }
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
    let (left, right) = match diff_sides(&args) {
        Ok(sides) => sides,
        Err(message) => return usage_error(message),
    };
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

/// The two sides of `diff`: each its own backend, both with the same selection and transport.
fn diff_sides(args: &DiffArgs) -> Result<(RunConfig, RunConfig), String> {
    let transport = args.transport.config()?;
    let side = |url: &str,
                key: &str,
                secret: &Option<String>,
                revoked: &Option<String>,
                guest: &Option<String>| {
        let mut config = RunConfig::new(url, key);
        config.jwt_secret = secret.clone().filter(|s| !s.is_empty());
        config.revoked_key = revoked.clone().filter(|s| !s.is_empty());
        config.guest_email = guest.clone().filter(|s| !s.is_empty());
        config.storefront_origin = args.storefront_origin.clone().filter(|s| !s.is_empty());
        config.only.clone_from(&args.only);
        config.skip.clone_from(&args.skip);
        config.transport = transport.clone();
        config
    };
    Ok((
        side(
            &args.left,
            &args.left_key,
            &args.left_jwt_secret,
            &args.left_revoked_key,
            &args.left_guest_email,
        ),
        side(
            &args.right,
            &args.right_key,
            &args.right_jwt_secret,
            &args.right_revoked_key,
            &args.right_guest_email,
        ),
    ))
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

/// The published reference and errata `--profile documented` judges with; the flags that belong to it are refused
/// under any other profile.
fn documented_profile(args: &RunArgs) -> Result<Option<Documented>, String> {
    if args.profile != Profile::Documented {
        let given: Vec<&str> = [
            (args.spec.is_some(), "--spec"),
            (!args.spec_variant.is_empty(), "--spec-variant"),
            (args.errata.is_some(), "--errata"),
        ]
        .into_iter()
        .filter_map(|(given, flag)| given.then_some(flag))
        .collect();
        if given.is_empty() {
            return Ok(None);
        }
        return Err(format!(
            "{} go only with --profile documented",
            given.join(", ")
        ));
    }
    let spec_path = args
        .spec
        .as_ref()
        .ok_or("--profile documented needs --spec FILE (Medusa's published store spec)")?;
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))
    };
    let mut spec = PublishedSpec::parse(&read(spec_path)?)
        .map_err(|e| format!("{}: {e}", spec_path.display()))?;
    for variant in &args.spec_variant {
        let (path, file) = variant
            .split_once('=')
            .ok_or_else(|| format!("--spec-variant {variant:?} is not PATH=FILE"))?;
        spec.add_variant(path, &read(std::path::Path::new(file))?)
            .map_err(|e| format!("{file}: {e}"))?;
    }
    let errata = load_errata(args.errata.as_ref())?;
    Ok(Some(Documented { spec, errata }))
}

/// Every flag of `run`, in the one configuration the runner takes.
fn run_config(args: &RunArgs) -> Result<RunConfig, String> {
    let mut config = args.target.config()?;
    config.documented = documented_profile(args)?;
    config.only.clone_from(&args.only);
    config.skip.clone_from(&args.skip);
    config.read_only = args.read_only;
    config.medusa_version = args.medusa_version;
    config.strict = args.strict;
    config.progress = !args.quiet;
    Ok(config)
}

async fn run_command(args: RunArgs) -> ExitCode {
    let config = match run_config(&args) {
        Ok(config) => config,
        Err(message) => return usage_error(message),
    };

    let report = match run(config).await {
        Ok(report) => report,
        Err(error) => return usage_error(error),
    };
    println!("{}", summary(&report));
    let outputs = [
        (args.json.as_deref(), report.to_json()),
        (args.junit.as_deref(), junit_xml(&report)),
    ];
    let exit = finish(&outputs, report.passed());
    if let Some(reason) = &report.stopped {
        return usage_error(reason);
    }
    if report.ambiguous() {
        return usage_error(
            "the verdict depends on which release this deployment is, and its answers do not tell: \
             pass --medusa-version X.Y.Z",
        );
    }
    exit
}

async fn record_command(args: RecordArgs) -> ExitCode {
    let mut config = match args.target.config() {
        Ok(config) => config,
        Err(message) => return usage_error(message),
    };
    config.progress = true;
    let report = match run_cases(config).await {
        Ok(report) => report,
        Err(error) => return usage_error(error),
    };
    if let Some(reason) = &report.stopped {
        return usage_error(format!("{reason}; nothing was recorded"));
    }
    let skipped: Vec<&str> = report
        .cases
        .iter()
        .filter(|case| matches!(case.outcome, Outcome::Skipped { .. }))
        .map(|case| case.name)
        .collect();
    if !skipped.is_empty() {
        return usage_error(format!(
            "every case must run to record a release; skipped: {} (give --jwt-secret, --revoked-key, \
             --guest-email and --storefront-origin)",
            skipped.join(", ")
        ));
    }
    let mut records = match Expectations::load(&args.dir) {
        Ok(records) => records,
        Err(message) => return usage_error(message),
    };
    let observed = expectations::observe(&report);
    records.record(args.medusa_version, &observed);
    if let Err(message) = records.save(&args.dir) {
        return usage_error(message);
    }
    println!(
        "recorded {} cases of Medusa {} into {}",
        observed.len(),
        args.medusa_version,
        args.dir.display()
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn run_args(extra: &[&str]) -> Result<RunArgs, clap::Error> {
        let mut argv = vec![
            "medusa-conformance",
            "run",
            "--base-url",
            "http://127.0.0.1:9000",
            "--publishable-key",
            "pk_x",
        ];
        argv.extend_from_slice(extra);
        match Cli::try_parse_from(argv)?.command {
            Command::Run(args) => Ok(*args),
            _ => unreachable!("a run command"),
        }
    }

    fn published_spec_file() -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "medusa-conformance-published-{}.yaml",
            std::process::id()
        ));
        std::fs::write(
            &path,
            "openapi: 3.0.0\ninfo: { title: t, version: '1' }\npaths: {}\n",
        )
        .expect("a temporary file");
        path
    }

    #[test]
    fn the_published_reference_flags_are_refused_without_the_documented_profile() {
        for flag in [
            "--spec=x.yaml",
            "--spec-variant=/store/customers=x.yaml",
            "--errata=ERRATA.md",
        ] {
            let args = run_args(&[flag]).expect("valid arguments");
            let error = run_config(&args).expect_err("refused");
            assert!(
                error.contains("go only with --profile documented"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_documented_profile_needs_the_published_spec() {
        assert!(run_args(&["--profile=documented"]).is_err());
    }

    #[test]
    fn every_run_flag_takes_effect_under_the_documented_profile() {
        let spec = published_spec_file();
        let spec_flag = format!("--spec={}", spec.display());
        let args = run_args(&[
            "--profile=documented",
            &spec_flag,
            "--only=bodies.*",
            "--skip=register",
            "--read-only",
            "--jwt-secret=s",
            "--medusa-version=2.21.2",
            "--strict",
            "--storefront-origin=http://localhost:8000",
        ])
        .expect("valid arguments");
        let config = run_config(&args).expect("a configuration");
        let _ = std::fs::remove_file(spec);
        assert!(config.documented.is_some());
        assert_eq!(config.only, ["bodies.*"]);
        assert_eq!(config.skip, ["register"]);
        assert!(config.read_only && config.strict);
        assert_eq!(config.jwt_secret.as_deref(), Some("s"));
        assert_eq!(
            config.medusa_version.map(|v| v.to_string()).as_deref(),
            Some("2.21.2")
        );
        assert!(config.storefront_origin.is_some());
    }

    fn target(extra: &[&str]) -> Result<Target, clap::Error> {
        run_args(extra).map(|args| args.target)
    }

    #[test]
    fn access_and_transport_flags_reach_the_run_configuration() {
        let config = target(&[
            "--header=X-Gate-Id: one",
            "--header",
            "X-Gate-Secret: two",
            "--rate=2.5",
            "--timeout=7",
        ])
        .unwrap()
        .config()
        .unwrap();
        let names: Vec<&str> = config
            .transport
            .headers
            .iter()
            .map(|h| h.name().as_str())
            .collect();
        assert_eq!(names, ["x-gate-id", "x-gate-secret"]);
        assert_eq!(config.transport.rate, Some(2.5));
        assert_eq!(config.transport.timeout, Duration::from_secs(7));
        assert_eq!(config.transport.max_retry_wait, Duration::from_secs(60));
    }

    #[test]
    fn unusable_access_or_transport_flags_are_usage_errors_that_never_quote_a_header_value() {
        let refused = target(&["--header=X-Gate s3cret"])
            .unwrap()
            .config()
            .unwrap_err();
        assert!(
            refused.contains("not `Name: value`") && !refused.contains("s3cret"),
            "{refused}"
        );
        let missing = target(&["--ca-cert=/nonexistent/ca.pem"])
            .unwrap()
            .config()
            .unwrap_err();
        assert!(
            missing.contains("--ca-cert: cannot read /nonexistent/ca.pem"),
            "{missing}"
        );
        for flag in ["--rate=0", "--rate=fast", "--timeout=0"] {
            let error = target(&[flag]).err().expect(flag);
            assert_eq!(error.exit_code(), 2, "{flag}");
        }
    }

    #[test]
    fn diff_sends_the_access_flags_to_both_sides() {
        let argv = [
            "medusa-conformance",
            "diff",
            "--left",
            "https://staging.example.com",
            "--left-key",
            "pk_l",
            "--right",
            "http://127.0.0.1:9000",
            "--right-key",
            "pk_r",
            "--header=X-Gate: s3cret",
            "--timeout=9",
        ];
        let Command::Diff(args) = Cli::try_parse_from(argv).unwrap().command else {
            unreachable!("a diff command")
        };
        let (left, right) = diff_sides(&args).unwrap();
        for side in [left, right] {
            let names: Vec<&str> = side
                .transport
                .headers
                .iter()
                .map(|h| h.name().as_str())
                .collect();
            assert_eq!(names, ["x-gate"]);
            assert_eq!(side.transport.timeout, Duration::from_secs(9));
        }
    }
}
