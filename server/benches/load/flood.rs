//! Issue 12: does admission control for password hashing keep a registration flood from hurting everyone else?
//! First a steady `GET /store/customers/me` load alone; then the same load again while a flood of registrations
//! (fresh emails, far more than the hashing bound admits) runs at the same time. The flood should get fast 503s
//! with `Retry-After`, and `/me` should barely notice.
//!
//! The flood runs on its own thread with its own runtime, so that its stream of fast 503s does not queue the
//! `/me` workers behind it inside the load generator: what `/me` loses is what the server loses.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;

use crate::{
    load::{self, Limits, Stats, Work},
    procs::{Measured, PeakSampler},
};

/// How long the flood runs before `/me` is measured under it: enough to fill the hashing queue.
const WARM_UP: Duration = Duration::from_millis(500);

/// Shape of the measurement.
#[derive(Clone, Copy)]
pub struct Shape {
    /// Workers of the steady `/me` load.
    pub me_concurrency: usize,
    /// Workers of the registration flood, each looping register with a fresh email.
    pub flood_concurrency: usize,
    /// What the flood sends.
    pub flood_of: FloodOf,
    /// Requests a second the flood offers (each worker its share, open loop); `None`: each worker sends the
    /// next as soon as the previous one answered, as a client that ignores `Retry-After` does.
    pub flood_rate: Option<f64>,
    /// Bounds of each `/me` measurement.
    pub me_limits: Limits,
    /// Request budget of the flood (its duration is `/me`'s plus the warm-up).
    pub flood_max_requests: usize,
}

/// What a flood sends.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FloodOf {
    /// Registrations with fresh emails: past the hashing bound, most are answered 503.
    Registrations,
    /// `GET /health`: the control, a flood of requests that hash nothing, to tell what any flood of requests
    /// costs `/me` from what hashing costs it.
    Health,
}

pub struct Flood {
    pub me_alone: Stats,
    pub me_flooded: Stats,
    pub flood: Stats,
    /// Highest resident memory of the server sampled while the flood ran.
    pub rss_peak: u64,
}

impl Flood {
    /// Failed requests of all three loads: `/me` answered anything but 200, or the flood anything but 200 or 503
    /// with `Retry-After`.
    pub fn errors(&self) -> usize {
        self.me_alone.errors + self.me_flooded.errors + self.flood.errors
    }
}

pub async fn measure(
    addr: SocketAddr,
    key: &str,
    me_token: &str,
    run: &str,
    shape: Shape,
    server: Measured,
) -> anyhow::Result<Flood> {
    let me = Arc::new(Work::Me {
        key: key.to_owned(),
        token: me_token.to_owned(),
    });
    let me_alone = load::run(addr, me.clone(), shape.me_concurrency, shape.me_limits).await;

    let sampler = PeakSampler::start(server);
    let flood_limits = Limits {
        duration: WARM_UP + shape.me_limits.duration,
        max_requests: shape.flood_max_requests,
        pace: shape
            .flood_rate
            .map(|rate| Duration::from_secs_f64(shape.flood_concurrency as f64 / rate)),
        ..shape.me_limits
    };
    let work = Arc::new(match shape.flood_of {
        FloodOf::Registrations => Work::Register {
            run: run.to_owned(),
        },
        FloodOf::Health => Work::Health,
    });
    let (done, flood) = tokio::sync::oneshot::channel();
    let concurrency = shape.flood_concurrency;
    std::thread::Builder::new()
        .name("flood".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the flood");
            let _ = done.send(runtime.block_on(load::run(addr, work, concurrency, flood_limits)));
        })?;
    tokio::time::sleep(WARM_UP).await;
    let me_flooded = load::run(addr, me, shape.me_concurrency, shape.me_limits).await;
    let flood = flood
        .await
        .context("the flood's thread ended without its numbers")?;
    Ok(Flood {
        me_alone,
        me_flooded,
        flood,
        rss_peak: sampler.sampled_peak(),
    })
}
