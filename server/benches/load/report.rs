//! The Markdown tables of BENCHMARKS.md and the targets as ratios from the same run.

use std::time::Duration;

use crate::{
    flood::{Flood, FloodOf},
    load::Stats,
};

pub struct Row {
    pub target: &'static str,
    pub scenario: &'static str,
    pub concurrency: usize,
    pub stats: Stats,
}

pub struct Footprint {
    pub target: &'static str,
    pub idle: u64,
    pub peak: u64,
    pub start_to_healthy: Option<Duration>,
    pub conformance: Option<Duration>,
}

/// Issue 12: `/me` alone and under a registration flood, on one target.
pub struct FloodRow {
    pub target: &'static str,
    pub me_concurrency: usize,
    pub flood_concurrency: usize,
    pub flood_of: FloodOf,
    /// Requests a second the flood offered; `None`: as fast as the answers came.
    pub flood_rate: Option<f64>,
    /// The server's `HASH_CONCURRENCY`: hashes in flight at most, 32 MiB each.
    pub hash_concurrency: usize,
    pub measured: Flood,
}

/// What a flood sent and how it was paced, for the tables and the log.
pub fn flood_label(flood_of: FloodOf, rate: Option<f64>) -> String {
    let pace = rate.map_or("unpaced".into(), |rate| format!("{rate:.0}/s"));
    match flood_of {
        FloodOf::Registrations => format!("register, {pace}"),
        FloodOf::Health => format!("`GET /health`, {pace} (control)"),
    }
}

/// Memory of one scrypt hash at Medusa's cost: 128 · r · N = 128 · 8 · 2^15 bytes.
const HASH_MEMORY: u64 = 32 * 1024 * 1024;

pub struct Report {
    pub rows: Vec<Row>,
    pub footprints: Vec<Footprint>,
    pub floods: Vec<FloodRow>,
    hash_time: Duration,
    cores: usize,
    /// `/proc/loadavg` (1, 5 and 15 minutes) when the measurements began and when they ended.
    load_before: String,
    pub load_after: String,
}

/// The 1-, 5- and 15-minute load averages of the machine.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or("unknown".into(), |l| {
        l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    })
}

const MEDUSA: &str = "real Medusa 2.21.2";
const CONSTANT: &str = "constant poem handler";
const OURS: [&str; 2] = ["our server, SQLite", "our server, PostgreSQL"];

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

fn ms(duration: Option<Duration>) -> String {
    duration.map_or("—".into(), |d| format!("{:.1}", d.as_secs_f64() * 1e3))
}

impl Report {
    pub fn new(hash_time: Duration) -> Self {
        Self {
            rows: Vec::new(),
            footprints: Vec::new(),
            floods: Vec::new(),
            hash_time,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            load_before: load_average(),
            load_after: String::new(),
        }
    }

    fn row(&self, target: &str, scenario: &str, concurrency: usize) -> Option<&Stats> {
        self.rows
            .iter()
            .find(|r| r.target == target && r.scenario == scenario && r.concurrency == concurrency)
            .map(|r| &r.stats)
    }

    fn footprint(&self, target: &str) -> Option<&Footprint> {
        self.footprints.iter().find(|f| f.target == target)
    }

    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let limit = self.cores as f64 / self.hash_time.as_secs_f64();
        out += &format!(
            "Machine: {} cores; one scrypt hash at Medusa's cost (log N 15, r 8, p 1) takes {:.1} ms here, so the \
             machine's scrypt limit is {:.1} hashes/s.\n\n",
            self.cores,
            self.hash_time.as_secs_f64() * 1e3,
            limit
        );
        out += &format!(
            "Load average (1, 5, 15 min) when the measurements began: {}; when they ended: {}.\n\n",
            self.load_before, self.load_after
        );
        out += "| scenario | c | target | req/s | p50 ms | p90 ms | p99 ms | requests | 503 | errors |\n";
        out += "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n";
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by_key(|r| (r.scenario, r.concurrency));
        for r in rows {
            let s = &r.stats;
            out += &format!(
                "| {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {} | {} | {} |\n",
                r.scenario,
                r.concurrency,
                r.target,
                s.per_second(),
                s.percentile_ms(50.0),
                s.percentile_ms(90.0),
                s.percentile_ms(99.0),
                s.units,
                s.refused(),
                s.errors
            );
        }
        out += "\n| target | RSS idle MiB | RSS peak MiB | start → healthy ms | full conformance run s |\n";
        out += "|---|---:|---:|---:|---:|\n";
        for f in &self.footprints {
            out += &format!(
                "| {} | {} | {} | {} | {} |\n",
                f.target,
                mib(f.idle),
                mib(f.peak),
                ms(f.start_to_healthy),
                f.conformance
                    .map_or("—".into(), |d| format!("{:.2}", d.as_secs_f64()))
            );
        }
        out += &self.flood_tables();
        out += "\n| target (issues 6 and 13) | backend | required | measured | met |\n|---|---|---|---|---|\n";
        for ours in OURS {
            for line in self.targets(ours, limit) {
                out += &line;
            }
        }
        out
    }

    /// Two tables per run: what `/me` sees, and what the flood gets.
    fn flood_tables(&self) -> String {
        if self.floods.is_empty() {
            return String::new();
        }
        let mut out = String::from(
            "\n| /me under a registration flood (issue 12) | /me c | flood c | flood | req/s alone | p50 ms alone | \
             p99 ms alone | req/s flooded | p50 ms flooded | p99 ms flooded | p99 flooded ÷ alone | within 2× |\n\
             |---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n",
        );
        for f in &self.floods {
            let (alone, flooded) = (&f.measured.me_alone, &f.measured.me_flooded);
            let ratio = flooded.percentile_ms(99.0) / alone.percentile_ms(99.0);
            out += &format!(
                "| {} | {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} | {ratio:.2} | {} |\n",
                f.target,
                f.me_concurrency,
                f.flood_concurrency,
                flood_label(f.flood_of, f.flood_rate),
                alone.per_second(),
                alone.percentile_ms(50.0),
                alone.percentile_ms(99.0),
                flooded.per_second(),
                flooded.percentile_ms(50.0),
                flooded.percentile_ms(99.0),
                if ratio <= 2.0 { "yes" } else { "**no**" },
            );
        }
        out += "\n| the flood (issue 12) | flood c | flood | answers/s | 200 | 503 | 503 p50 ms | 503 p99 ms | \
                200 p50 ms | 200 p99 ms | errors | HASH_CONCURRENCY | RSS peak MiB | idle + 32 MiB × HASH_CONCURRENCY |\n\
                |---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        for f in &self.floods {
            let flood = &f.measured.flood;
            let bound = self.footprint(f.target).map_or("—".into(), |o| {
                mib(o.idle + f.hash_concurrency as u64 * HASH_MEMORY)
            });
            out += &format!(
                "| {} | {} | {} | {:.1} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {bound} |\n",
                f.target,
                f.flood_concurrency,
                flood_label(f.flood_of, f.flood_rate),
                flood.answers_per_second(),
                flood.units,
                flood.refused(),
                flood.refused_percentile_ms(50.0),
                flood.refused_percentile_ms(99.0),
                flood.percentile_ms(50.0),
                flood.percentile_ms(99.0),
                f.measured.errors(),
                f.hash_concurrency,
                mib(f.measured.rss_peak),
            );
        }
        out
    }

    fn targets(&self, ours: &str, limit: f64) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = |what: &str, required: String, measured: String, met: Option<bool>| {
            let met = met.map_or("n/a", |m| if m { "yes" } else { "**no**" });
            lines.push(format!(
                "| {what} | {ours} | {required} | {measured} | {met} |\n"
            ));
        };
        if self.footprint(ours).is_none() {
            return Vec::new();
        }
        let create = self.row(ours, "create only", 32);
        let medusa_create = self.row(MEDUSA, "create only", 32);
        if let (Some(o), Some(m)) = (create, medusa_create) {
            let ratio = o.per_second() / m.per_second();
            line(
                "create c=32 req/s ≥ 100× Medusa",
                format!("≥ {:.0}/s", 100.0 * m.per_second()),
                format!("{:.0}/s = {ratio:.0}×", o.per_second()),
                Some(ratio >= 100.0),
            );
            let ratio = m.percentile_ms(99.0) / o.percentile_ms(99.0);
            line(
                "create c=32 p99 ≤ 1/100 of Medusa's",
                format!("≤ {:.2} ms", m.percentile_ms(99.0) / 100.0),
                format!("{:.2} ms = 1/{ratio:.0}", o.percentile_ms(99.0)),
                Some(ratio >= 100.0),
            );
        }
        if let (Some(o), Some(k)) = (create, self.row(CONSTANT, "constant", 32)) {
            let share = o.per_second() / k.per_second();
            line(
                "create c=32 ≥ ½ constant ceiling",
                format!("≥ {:.0}/s", k.per_second() / 2.0),
                format!("{:.0}/s = {:.0} %", o.per_second(), share * 100.0),
                Some(share >= 0.5),
            );
        }
        if let Some(o) = self.row(ours, "register + create", 32) {
            let share = o.per_second() / limit;
            line(
                "register + create c=32 ≥ 90 % of cores ÷ hash time",
                format!("≥ {:.1}/s", 0.9 * limit),
                format!("{:.1}/s = {:.0} %", o.per_second(), share * 100.0),
                Some(share >= 0.9),
            );
        }
        if let (Some(o), Some(m)) = (self.footprint(ours), self.footprint(MEDUSA)) {
            let ratio = m.idle as f64 / o.idle as f64;
            line(
                "RSS idle ≤ 1/20 of Medusa's",
                format!("≤ {} MiB", mib(m.idle / 20)),
                format!("{} MiB = 1/{ratio:.0}", mib(o.idle)),
                Some(ratio >= 20.0),
            );
            let ratio = m.peak as f64 / o.peak as f64;
            line(
                "RSS peak ≤ 1/20 of Medusa's",
                format!("≤ {} MiB", mib(m.peak / 20)),
                format!("{} MiB = 1/{ratio:.0}", mib(o.peak)),
                Some(ratio >= 20.0),
            );
        }
        if let Some(o) = self.footprint(ours) {
            if ours == OURS[0] {
                let t = o.start_to_healthy.unwrap_or(Duration::MAX);
                line(
                    "start → healthy ≤ 100 ms (SQLite)",
                    "≤ 100 ms".into(),
                    format!("{} ms", ms(o.start_to_healthy)),
                    Some(t <= Duration::from_millis(100)),
                );
            }
            if let Some(c) = o.conformance {
                line(
                    "full conformance run ≤ 3 s",
                    "≤ 3 s".into(),
                    format!("{:.2} s", c.as_secs_f64()),
                    Some(c <= Duration::from_secs(3)),
                );
            }
        }
        let account: Vec<String> = ["profile update", "address create"]
            .into_iter()
            .filter_map(|scenario| {
                let (o, m) = (self.row(ours, scenario, 32)?, self.row(MEDUSA, scenario, 32)?);
                Some(format!(
                    "{scenario} {:.0}/s = {:.0}× Medusa's {:.1}/s, p99 {:.2} ms = 1/{:.0} of Medusa's {:.2} ms",
                    o.per_second(),
                    o.per_second() / m.per_second(),
                    m.per_second(),
                    o.percentile_ms(99.0),
                    m.percentile_ms(99.0) / o.percentile_ms(99.0),
                    m.percentile_ms(99.0),
                ))
            })
            .collect();
        if !account.is_empty() {
            line(
                "profile update / address create at c=32: ours vs Medusa",
                "none given (ratios only)".into(),
                account.join("; "),
                None,
            );
        }
        lines
    }
}
