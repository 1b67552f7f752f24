//! `medusa-conformance`: run the conformance suite against a backend from the command line or CI.
//!
//! Exit status: 0 when every check passes (for `diff`: when the only differences are labelled intentional
//! deviations), 1 when any fails, 2 for a usage or connection error. `spec lint` and
//! `spec diff` exit 1 on a problem or a breaking change.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use medusa_conformance::diff::{self, DiffConfig};
use medusa_conformance::errata::Errata;
use medusa_conformance::expectations::{self, Expectations};
use medusa_conformance::releases::Version;
use medusa_conformance::report::{junit_xml, summary};
use medusa_conformance::transport::{AccessHeaderError, CaBundle};
use medusa_conformance::{Outcome, RunConfig, cases, contract, profile, run, run_cases};

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
    /// The run's configuration; `Err` with a message for an unusable `--header` or `--ca-cert`.
    fn config(&self) -> Result<RunConfig, String> {
        let mut config = RunConfig::new(self.base_url.clone(), self.publishable_key.clone());
        config.jwt_secret = self.jwt_secret.clone().filter(|s| !s.is_empty());
        config.revoked_key = self.revoked_key.clone().filter(|s| !s.is_empty());
        config.guest_email = self.guest_email.clone().filter(|s| !s.is_empty());
        config.storefront_origin = self.storefront_origin.clone().filter(|s| !s.is_empty());
        config.email_domain.clone_from(&self.email_domain);
        let transport = &mut config.transport;
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
        Ok(config)
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
    /// The cases, judged against this project's contract (the default `--spec`) and what stock Medusa of the
    /// deployment's release answers (recorded from the real releases).
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
    #[command(flatten)]
    target: Target,
    /// The deployment's Medusa release (X.Y.Z); without it, the release is detected from the answers.
    #[arg(long, env = "MEDUSA_VERSION")]
    medusa_version: Option<Version>,
    /// Known defects of the release fail the run too.
    #[arg(long)]
    strict: bool,
    /// The contract to validate responses against (OpenAPI 3.0, YAML or JSON); default: the bundled one.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
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
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    // Flags given on the command line (not taken from the environment), for refusing those a mode ignores.
    let given = matches
        .subcommand_matches("run")
        .map(given_on_command_line)
        .unwrap_or_default();
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
        Command::Run(args) => run_command(*args, &given).await,
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
    let side = |url: String,
                key: String,
                secret: Option<String>,
                revoked: Option<String>,
                guest: Option<String>| {
        let mut config = RunConfig::new(url, key);
        config.jwt_secret = secret.filter(|s| !s.is_empty());
        config.revoked_key = revoked.filter(|s| !s.is_empty());
        config.guest_email = guest.filter(|s| !s.is_empty());
        config.storefront_origin = args.storefront_origin.clone().filter(|s| !s.is_empty());
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

/// The ids of the arguments given on the command line.
fn given_on_command_line(matches: &ArgMatches) -> Vec<String> {
    matches
        .ids()
        .filter(|id| matches.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .map(|id| id.as_str().to_owned())
        .collect()
}

/// The flags `--profile documented` has no use for, among those given: it refuses them rather than ignore them.
fn ignored_by_documented(given: &[String]) -> Vec<String> {
    const UNUSED: &[&str] = &[
        "only",
        "skip",
        "read_only",
        "jwt_secret",
        "revoked_key",
        "guest_email",
        "storefront_origin",
        "junit",
        "medusa_version",
        "strict",
        // Not yet passed to the probes.
        "header",
        "ca_cert",
        "rate",
        "max_retry_wait",
        "timeout",
    ];
    given
        .iter()
        .filter(|id| UNUSED.contains(&id.as_str()))
        .map(|id| format!("--{}", id.replace('_', "-")))
        .collect()
}

async fn documented_command(args: RunArgs, given: &[String]) -> ExitCode {
    let ignored = ignored_by_documented(given);
    if !ignored.is_empty() {
        return usage_error(format!(
            "--profile documented does not use {}: leave them out",
            ignored.join(", ")
        ));
    }
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
        base_url: args.target.base_url.clone(),
        publishable_key: args.target.publishable_key.clone(),
        spec,
        errata: errata.clone(),
        email_domain: args.target.email_domain.clone(),
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

async fn run_command(args: RunArgs, given: &[String]) -> ExitCode {
    if args.profile == Profile::Documented {
        return documented_command(args, given).await;
    }
    let spec = match &args.spec {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(error) => return usage_error(format!("cannot read {}: {error}", path.display())),
        },
        None => None,
    };
    let mut config = match args.target.config() {
        Ok(config) => config,
        Err(message) => return usage_error(message),
    };
    config.spec = spec;
    config.only = args.only;
    config.skip = args.skip;
    config.read_only = args.read_only;
    config.medusa_version = args.medusa_version;
    config.strict = args.strict;
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
    let exit = finish(&outputs, report.passed());
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
    use super::*;

    fn given(extra: &[&str]) -> Vec<String> {
        let mut argv = vec![
            "medusa-conformance",
            "run",
            "--profile",
            "documented",
            "--base-url",
            "http://127.0.0.1:9000",
            "--publishable-key",
            "pk_x",
        ];
        argv.extend_from_slice(extra);
        let matches = Cli::command()
            .try_get_matches_from(argv)
            .expect("valid arguments");
        given_on_command_line(matches.subcommand_matches("run").expect("a run command"))
    }

    #[test]
    fn the_documented_profile_refuses_every_flag_it_would_ignore() {
        assert!(ignored_by_documented(&given(&[])).is_empty());
        let flags = [
            ("--only=x", "--only"),
            ("--skip=x", "--skip"),
            ("--read-only", "--read-only"),
            ("--jwt-secret=s", "--jwt-secret"),
            ("--junit=f", "--junit"),
            ("--medusa-version=2.12.6", "--medusa-version"),
            ("--strict", "--strict"),
            ("--header=X-Gate: s", "--header"),
            ("--timeout=5", "--timeout"),
            (
                "--storefront-origin=http://localhost:8000",
                "--storefront-origin",
            ),
        ];
        for (flag, name) in flags {
            assert_eq!(
                ignored_by_documented(&given(&[flag])),
                vec![name.to_owned()]
            );
        }
    }

    fn target(extra: &[&str]) -> Result<Target, clap::Error> {
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
            Command::Run(args) => Ok(args.target),
            _ => unreachable!("a run command"),
        }
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
}
