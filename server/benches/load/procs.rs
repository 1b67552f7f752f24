//! The servers under test as processes: spawning ours (timing start to healthy) and sampling resident memory
//! from `/proc` (a process, or every process of a group, as for Medusa's node workers).

use std::{
    net::SocketAddr,
    path::Path,
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use tokio::process::{Child, Command};

use crate::http::wait_healthy;

/// Which processes to measure.
#[derive(Clone, Copy)]
pub enum Measured {
    Process(u32),
    Group(u32),
}

impl Measured {
    fn pids(self) -> Vec<u32> {
        match self {
            Measured::Process(pid) => vec![pid],
            Measured::Group(pgid) => group_members(pgid),
        }
    }

    /// Resident memory now, in bytes (the sum over the group).
    pub fn rss(self) -> u64 {
        self.pids()
            .into_iter()
            .map(|pid| status_kib(pid, "VmRSS:") * 1024)
            .sum()
    }

    /// The kernel's high-water mark of resident memory (one process only).
    pub fn hwm(self) -> u64 {
        match self {
            Measured::Process(pid) => status_kib(pid, "VmHWM:") * 1024,
            Measured::Group(_) => 0,
        }
    }
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    // After the command in parentheses: state, ppid, pgrp.
                    let rest = &stat[stat.rfind(')')? + 1..];
                    rest.split_whitespace().nth(2)?.parse::<u32>().ok()
                })
                == Some(pgid)
        })
        .collect()
}

/// Samples resident memory every 10 ms in the background and keeps the highest value.
pub struct PeakSampler {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    measured: Measured,
}

impl PeakSampler {
    pub fn start(measured: Measured) -> Self {
        let peak = Arc::new(AtomicU64::new(measured.rss()));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut pids = measured.pids();
            let mut refreshed = Instant::now();
            while !s.load(Ordering::Relaxed) {
                if refreshed.elapsed() > Duration::from_secs(1) {
                    pids = measured.pids();
                    refreshed = Instant::now();
                }
                let rss = pids
                    .iter()
                    .map(|&pid| status_kib(pid, "VmRSS:") * 1024)
                    .sum();
                p.fetch_max(rss, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Self {
            peak,
            stop,
            measured,
        }
    }

    /// The highest value sampled since `start` (the kernel's high-water mark may predate it).
    pub fn sampled_peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// The peak so far (at least the kernel's high-water mark for a single process).
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed).max(self.measured.hwm())
    }
}

impl Drop for PeakSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A child server, stopped (SIGTERM, then SIGKILL) when dropped or `stop`ped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub start_to_healthy: Duration,
}

impl Server {
    /// Spawns `bin` with `env` on a free loopback port and waits (at most 30 s) until `/health` answers 200.
    pub async fn spawn(
        bin: &Path,
        args: &[&str],
        env: &[(&str, String)],
        log: &Path,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log_file = std::fs::File::create(log)?;
        let began = Instant::now();
        let child = Command::new(bin)
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        wait_healthy(addr, Duration::from_secs(30))
            .await
            .with_context(|| {
                format!(
                    "{} never became healthy (log: {})",
                    bin.display(),
                    log.display()
                )
            })?;
        Ok(Self {
            child,
            addr,
            start_to_healthy: began.elapsed(),
        })
    }

    pub fn measured(&self) -> Measured {
        Measured::Process(self.child.id().unwrap_or(0))
    }

    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
            if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
                .await
                .is_ok()
            {
                return;
            }
        }
        let _ = self.child.kill().await;
    }
}
