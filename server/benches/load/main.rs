//! The load generator behind BENCHMARKS.md: our server on SQLite and on PostgreSQL, a running real Medusa, and a
//! constant poem handler (the ceiling of the HTTP layer), measured in one run on one machine.
//!
//! `cargo bench -p medusa-store-server --bench load -- --help`. Loopback only; every loop is bounded by a
//! duration and a request budget; any failed request fails the run (exit status 1): any answer but 200, except a
//! 503 with `Retry-After` to a registration (the flood of issue 12, `flood.rs`, or register + create past the
//! hashing bound), which is counted apart.

mod flood;
mod http;
mod load;
mod prepare;
mod procs;
mod report;

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use clap::{Parser, ValueEnum};
use medusa_store_server::{App, domain::TokenKeys, store};
use sqlx::{Connection, PgPool, SqlitePool};

use load::{Limits, Stats, Work};
use prepare::Db;
use procs::{Measured, PeakSampler, Server};
use report::{Footprint, Report, Row};

#[derive(Parser)]
#[command(
    about = "Closed-loop load on our server (SQLite, PostgreSQL), real Medusa and a constant handler"
)]
struct Args {
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sqlite,postgres,medusa,constant"
    )]
    targets: Vec<Target>,
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "create,register-create,me,profile-update,address-create,flood"
    )]
    scenarios: Vec<Scenario>,
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    concurrency: Vec<usize>,
    /// Seconds per measurement (one scenario at one concurrency); requests in flight then finish.
    #[arg(long, default_value_t = 5.0)]
    duration_secs: f64,
    /// The address-create scenario: addresses each customer gets before its worker moves on to a fresh one, so
    /// that every answer lists 1 to this many addresses on every target, whatever its rate.
    #[arg(long, default_value_t = 10)]
    addresses_per_customer: usize,
    /// Request budget per measurement on our server and the constant handler.
    #[arg(long, default_value_t = 60_000)]
    max_requests: usize,
    /// Request budget per measurement on Medusa (its identities are prepared in its database up front).
    #[arg(long, default_value_t = 5_000)]
    medusa_max_requests: usize,
    /// The flood scenario (our server only): workers of the steady `/me` load, alone and under the flood.
    #[arg(long, default_value_t = 8)]
    flood_me_concurrency: usize,
    /// The flood scenario: workers looping registration with fresh emails, past the hashing bound.
    #[arg(long, default_value_t = 32)]
    flood_concurrency: usize,
    /// The flood scenario: registrations a second the flood offers, one measurement each; `0` is a flood as fast
    /// as the answers come (a client that ignores `Retry-After`).
    #[arg(long, value_delimiter = ',', default_value = "0,250,1000")]
    flood_rates: Vec<f64>,
    /// The flood scenario: also measure `/me` under an unpaced flood of `GET /health` (hashes nothing), the
    /// control that shows what any flood of requests costs `/me` on this machine.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    flood_control: bool,
    /// The flood scenario: request budget of the flood (most answers are fast 503s); it also stops with `/me`.
    #[arg(long, default_value_t = 1_000_000)]
    flood_max_requests: usize,
    /// Where the release binaries are (`medusa-store-server`, `medusa-conformance`, `examples/constant`).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// A PostgreSQL role that may create databases; each run gets a fresh database, dropped afterwards.
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    postgres_url: Option<String>,
    #[arg(long, env = "MEDUSA_BASE_URL")]
    medusa_url: Option<String>,
    #[arg(long, env = "MEDUSA_PUBLISHABLE_KEY", hide_env_values = true)]
    medusa_key: Option<String>,
    /// Medusa's own database, where create-only identities are inserted.
    #[arg(long, env = "MEDUSA_DATABASE_URL", hide_env_values = true)]
    medusa_database_url: Option<String>,
    /// Medusa's process group, whose resident memory is summed.
    #[arg(long)]
    medusa_pgid: Option<u32>,
    /// The JWT secret of every backend (Medusa's registration tokens are minted with it).
    #[arg(long, default_value = "supersecret")]
    jwt_secret: String,
    /// Tokio worker threads of the load generator (it shares the machine with the server under test).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Write the Markdown report here (it is always printed).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Target {
    Sqlite,
    Postgres,
    Medusa,
    Constant,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Scenario {
    Create,
    RegisterCreate,
    Me,
    /// `POST /store/customers/me`, each worker on its own customer.
    ProfileUpdate,
    /// `POST /store/customers/me/addresses`, each worker on its own customers, `--addresses-per-customer` each.
    AddressCreate,
    /// `GET /store/customers/me` alone, then under a registration flood (our server only).
    Flood,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Create => "create only",
            Scenario::RegisterCreate => "register + create",
            Scenario::Me => "GET /store/customers/me",
            Scenario::ProfileUpdate => "profile update",
            Scenario::AddressCreate => "address create",
            Scenario::Flood => "GET /store/customers/me under a registration flood",
        }
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()
        .expect("a runtime");
    match runtime.block_on(bench(args)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(error) => {
            eprintln!("load: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn bench(args: Args) -> anyhow::Result<bool> {
    let run = ulid::Ulid::new().to_string().to_lowercase();
    let bin_dir = args
        .bin_dir
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release"));
    let work_dir = std::env::temp_dir().join(format!("medusa-bench-{run}"));
    std::fs::create_dir_all(&work_dir)?;
    eprintln!("load: run {run}, logs in {}", work_dir.display());

    let (hash, hash_time) = tokio::task::spawn_blocking(time_one_hash).await?;
    let mut report = Report::new(hash_time);
    eprintln!(
        "load: one scrypt hash at Medusa's cost takes {:.1} ms",
        hash_time.as_secs_f64() * 1e3
    );

    for &target in &args.targets {
        let footprint = match target {
            Target::Sqlite => {
                let path = work_dir.join("bench.db");
                ours(
                    &args,
                    &bin_dir,
                    &work_dir,
                    "our server, SQLite",
                    &format!("sqlite://{}", path.display()),
                    &hash,
                    &run,
                    &mut report,
                )
                .await?
            }
            Target::Postgres => {
                let admin = args
                    .postgres_url
                    .as_deref()
                    .context("--postgres-url is needed for the postgres target")?;
                let name = format!("bench_{run}");
                let mut connection = sqlx::PgConnection::connect(admin).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut connection)
                    .await?;
                let url = format!(
                    "{}/{name}",
                    admin.rsplit_once('/').context("a database URL")?.0
                );
                let footprint = ours(
                    &args,
                    &bin_dir,
                    &work_dir,
                    "our server, PostgreSQL",
                    &url,
                    &hash,
                    &run,
                    &mut report,
                )
                .await;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE {name} WITH (FORCE)"
                )))
                .execute(&mut connection)
                .await?;
                footprint?
            }
            Target::Medusa => medusa(&args, &hash, &run, &mut report).await?,
            Target::Constant => constant(&args, &bin_dir, &work_dir, &mut report).await?,
        };
        report.footprints.push(footprint);
    }
    let _ = std::fs::remove_dir_all(&work_dir);
    report.load_after = report::load_average();
    let text = report.markdown();
    println!("{text}");
    if let Some(out) = &args.out {
        std::fs::write(out, &text)?;
    }
    let errors: usize = report.rows.iter().map(|r| r.stats.errors).sum::<usize>()
        + report
            .floods
            .iter()
            .map(|f| f.measured.errors())
            .sum::<usize>();
    if errors > 0 {
        eprintln!("load: {errors} request(s) failed: the run is invalid");
    }
    Ok(errors == 0)
}

/// One hash at Medusa's cost, timed: the median of five, on one core.
fn time_one_hash() -> (String, Duration) {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let began = Instant::now();
            std::hint::black_box(medusa_store_server::domain::password::hash(
                "benchmark-password",
            ));
            began.elapsed()
        })
        .collect();
    times.sort();
    (
        medusa_store_server::domain::password::hash("benchmark-password"),
        times[2],
    )
}

#[allow(clippy::too_many_arguments)]
async fn ours(
    args: &Args,
    bin_dir: &Path,
    work_dir: &Path,
    label: &'static str,
    database_url: &str,
    hash: &str,
    run: &str,
    report: &mut Report,
) -> anyhow::Result<Footprint> {
    let log = work_dir.join(format!("{}.log", label.replace([' ', ','], "-")));
    let env = [
        ("DATABASE_URL", database_url.to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let server = Server::spawn(&bin_dir.join("medusa-store-server"), &[], &env, &log).await?;
    let start_to_healthy = server.start_to_healthy;
    eprintln!(
        "load: {label}: healthy after {:.1} ms",
        start_to_healthy.as_secs_f64() * 1e3
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let measured = server.measured();
    let idle = measured.rss();
    let sampler = PeakSampler::start(measured);

    let app = App::new(store::connect(database_url).await?, &args.jwt_secret);
    let key = app
        .store()
        .publishable_keys()
        .await?
        .into_iter()
        .find(|k| k.revoked_at.is_none())
        .context("the server created no publishable key")?
        .token;
    let db = if database_url.starts_with("postgres") {
        Db::OursPostgres(PgPool::connect(database_url).await?)
    } else {
        Db::OursSqlite(SqlitePool::connect(database_url).await?)
    };
    scenarios(
        args,
        label,
        server.addr,
        &key,
        &db,
        hash,
        run,
        args.max_requests,
        Some(measured),
        report,
    )
    .await?;

    // The full conformance suite: every option set, so that no case is skipped.
    let revoked = app.create_publishable_key("revoked").await?;
    app.store()
        .revoke_publishable_key(&revoked.id, chrono::Utc::now())
        .await?;
    let guest = format!("guest-{run}@example.com");
    app.create_guest_customer(&guest).await?;
    let began = Instant::now();
    let mut conformance = tokio::process::Command::new(bin_dir.join("medusa-conformance"));
    // run.sh exports the reference Medusa's settings (MEDUSA_ADMIN_TOKEN, …), which the conformance CLI reads:
    // against our server it gets exactly the options below.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MEDUSA_") {
            conformance.env_remove(name);
        }
    }
    let status = conformance
        .args([
            "run",
            "--base-url",
            &format!("http://{}", server.addr),
            "--publishable-key",
            &key,
        ])
        .args([
            "--jwt-secret",
            &args.jwt_secret,
            "--revoked-key",
            &revoked.token,
            "--guest-email",
            &guest,
        ])
        .stdout(std::fs::File::create(work_dir.join("conformance.txt"))?)
        .status()
        .await?;
    let conformance = began.elapsed();
    anyhow::ensure!(
        status.success(),
        "the conformance run failed against {label}: {status}"
    );
    eprintln!(
        "load: {label}: conformance run took {:.2} s",
        conformance.as_secs_f64()
    );

    let footprint = Footprint {
        target: label,
        idle,
        peak: sampler.peak(),
        start_to_healthy: Some(start_to_healthy),
        conformance: Some(conformance),
    };
    server.stop().await;
    Ok(footprint)
}

async fn medusa(
    args: &Args,
    hash: &str,
    run: &str,
    report: &mut Report,
) -> anyhow::Result<Footprint> {
    let label = "real Medusa 2.21.2";
    let url = args
        .medusa_url
        .as_deref()
        .context("--medusa-url is needed for the medusa target")?;
    let key = args
        .medusa_key
        .as_deref()
        .context("--medusa-key is needed")?;
    let db_url = args
        .medusa_database_url
        .as_deref()
        .context("--medusa-database-url is needed")?;
    let pgid = args.medusa_pgid.context("--medusa-pgid is needed")?;
    let addr = http::loopback_address(url)?;
    let measured = Measured::Group(pgid);
    let idle = measured.rss();
    anyhow::ensure!(idle > 0, "no process in Medusa's group {pgid}");
    let sampler = PeakSampler::start(measured);
    let db = Db::Medusa(PgPool::connect(db_url).await?);
    scenarios(
        args,
        label,
        addr,
        key,
        &db,
        hash,
        run,
        args.medusa_max_requests,
        None,
        report,
    )
    .await?;
    Ok(Footprint {
        target: label,
        idle,
        peak: sampler.peak(),
        start_to_healthy: None,
        conformance: None,
    })
}

async fn constant(
    args: &Args,
    bin_dir: &Path,
    work_dir: &Path,
    report: &mut Report,
) -> anyhow::Result<Footprint> {
    let label = "constant poem handler";
    let server = Server::spawn(
        &bin_dir.join("examples/constant"),
        &[],
        &[],
        &work_dir.join("constant.log"),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let idle = server.measured().rss();
    let sampler = PeakSampler::start(server.measured());
    let work = Arc::new(Work::Constant);
    for &c in &args.concurrency {
        let stats = load::run(
            server.addr,
            work.clone(),
            c,
            limits(args, args.max_requests),
        )
        .await;
        record(report, label, "constant", c, stats);
    }
    let footprint = Footprint {
        target: label,
        idle,
        peak: sampler.peak(),
        start_to_healthy: Some(server.start_to_healthy),
        conformance: None,
    };
    server.stop().await;
    Ok(footprint)
}

fn limits(args: &Args, max_requests: usize) -> Limits {
    Limits {
        duration: Duration::from_secs_f64(args.duration_secs),
        max_requests,
        request_timeout: Duration::from_secs(60),
        pace: None,
    }
}

#[allow(clippy::too_many_arguments)]
async fn scenarios(
    args: &Args,
    label: &'static str,
    addr: std::net::SocketAddr,
    key: &str,
    db: &Db,
    hash: &str,
    run: &str,
    max_requests: usize,
    ours: Option<Measured>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let keys = TokenKeys::new(&args.jwt_secret);
    let limits = limits(args, max_requests);
    for &scenario in &args.scenarios {
        if scenario == Scenario::Flood {
            match ours {
                Some(server) => flood(args, label, addr, key, run, limits, server, report).await?,
                None => eprintln!("load: {label}: the flood scenario measures our server only"),
            }
            continue;
        }
        for &c in &args.concurrency {
            let tag = format!("{run}-{c}-{}", label.len());
            let work = match scenario {
                Scenario::Create => {
                    let tokens =
                        prepare::registration_tokens(db, &keys, hash, &tag, max_requests).await?;
                    Work::Create {
                        key: key.to_owned(),
                        tokens,
                    }
                }
                Scenario::RegisterCreate => Work::RegisterCreate {
                    key: key.to_owned(),
                    run: tag,
                },
                Scenario::Me => {
                    let token =
                        prepare::customer_token(&mut http::Client::new(addr), key, &tag).await?;
                    Work::Me {
                        key: key.to_owned(),
                        token,
                    }
                }
                Scenario::ProfileUpdate => Work::ProfileUpdate {
                    key: key.to_owned(),
                    tokens: prepare::customer_tokens(
                        db,
                        &keys,
                        hash,
                        addr,
                        key,
                        &format!("{tag}-pu"),
                        c,
                    )
                    .await?,
                },
                Scenario::AddressCreate => {
                    let per_customer = args.addresses_per_customer.max(1);
                    let customers = max_requests.div_ceil(per_customer) + c;
                    let tag = format!("{tag}-ac");
                    Work::AddressCreate {
                        key: key.to_owned(),
                        tokens: prepare::customer_tokens(
                            db, &keys, hash, addr, key, &tag, customers,
                        )
                        .await?,
                        per_customer,
                        next: Default::default(),
                    }
                }
                Scenario::Flood => unreachable!("measured above"),
            };
            let stats = load::run(addr, Arc::new(work), c, limits).await;
            record(report, label, scenario.name(), c, stats);
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn flood(
    args: &Args,
    label: &'static str,
    addr: std::net::SocketAddr,
    key: &str,
    run: &str,
    limits: Limits,
    server: Measured,
    report: &mut Report,
) -> anyhow::Result<()> {
    let registrations = args
        .flood_rates
        .iter()
        .map(|&rate| (flood::FloodOf::Registrations, rate));
    let control = args.flood_control.then_some((flood::FloodOf::Health, 0.0));
    for (index, (flood_of, rate)) in registrations.chain(control).enumerate() {
        let tag = format!("{run}-flood-{}-{index}", label.len());
        let token = prepare::customer_token(&mut http::Client::new(addr), key, &tag).await?;
        let shape = flood::Shape {
            me_concurrency: args.flood_me_concurrency,
            flood_concurrency: args.flood_concurrency,
            flood_of,
            flood_rate: (rate > 0.0).then_some(rate),
            me_limits: limits,
            flood_max_requests: args.flood_max_requests,
        };
        let measured = flood::measure(addr, key, &token, &tag, shape, server).await?;
        let (alone, flooded, flood) = (&measured.me_alone, &measured.me_flooded, &measured.flood);
        eprintln!(
            "load: {label:24} /me c={} p99 {:.2} ms alone, {:.2} ms under a flood of c={}, {}: {} × 200, {} × 503 (p99 {:.2} ms), {} errors{}",
            shape.me_concurrency,
            alone.percentile_ms(99.0),
            flooded.percentile_ms(99.0),
            shape.flood_concurrency,
            report::flood_label(shape.flood_of, shape.flood_rate),
            flood.units,
            flood.refused(),
            flood.refused_percentile_ms(99.0),
            measured.errors(),
            [alone, flooded, flood]
                .iter()
                .find_map(|s| s.first_error.as_deref())
                .map(|e| format!(": {e}"))
                .unwrap_or_default(),
        );
        report.floods.push(report::FloodRow {
            target: label,
            me_concurrency: shape.me_concurrency,
            flood_concurrency: shape.flood_concurrency,
            flood_of: shape.flood_of,
            flood_rate: shape.flood_rate,
            hash_concurrency: hash_concurrency(),
            measured,
        });
    }
    Ok(())
}

/// The server's `HASH_CONCURRENCY`: it inherits this process's environment; its default is one per core.
fn hash_concurrency() -> usize {
    std::env::var("HASH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
        .max(1)
}

fn record(
    report: &mut Report,
    target: &'static str,
    scenario: &'static str,
    concurrency: usize,
    stats: Stats,
) {
    eprintln!(
        "load: {target:24} {scenario:24} c={concurrency:<3} {:>9.1}/s p50 {:>8.2} ms p99 {:>8.2} ms ({} done, {} errors{})",
        stats.per_second(),
        stats.percentile_ms(50.0),
        stats.percentile_ms(99.0),
        stats.units,
        stats.errors,
        stats
            .first_error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default(),
    );
    report.rows.push(Row {
        target,
        scenario,
        concurrency,
        stats,
    });
}
