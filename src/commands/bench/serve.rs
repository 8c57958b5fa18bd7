//! The serve workload: what a slider move of the live page (`oversell serve`) costs. It builds
//! the page's state as `oversell serve` does (every stack's trial count fitted to the default
//! budget) and answers 200 slider moves one after another through the request handler, as a
//! person dragging sliders would. The HTTP layer, left out here, adds about a millisecond.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::commands::serve::{DEFAULT_BUDGET_MS, DEFAULT_SEED};
use crate::serve::{App, LATENCY_MOVES, LATENCY_STACKS, Settings};

/// Slider moves measured.
pub const MOVES: usize = 200;

/// The latency of the slider moves, milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct ServeBench {
    /// Worker threads of each request's Monte Carlo.
    pub threads: usize,
    /// The budget the trial counts were fitted to, milliseconds.
    pub budget_ms: u64,
    /// Slider moves answered.
    pub moves: usize,
    /// Median answer time.
    pub p50_ms: f64,
    /// 95th percentile of the answer time.
    pub p95_ms: f64,
    /// Slowest answer.
    pub max_ms: f64,
    /// Trials per request as fitted, per stack in the order visited.
    pub trials: Vec<(String, u64)>,
}

/// Fits the stacks and times [`MOVES`] slider moves on `threads` threads.
pub fn time_serve(threads: usize, seed: Option<u64>) -> anyhow::Result<ServeBench> {
    let app = App::new(Settings {
        seed: seed.unwrap_or(DEFAULT_SEED),
        threads,
        budget: Duration::from_millis(DEFAULT_BUDGET_MS),
        trials: None,
    })?;
    let mut times = Vec::with_capacity(MOVES);
    for i in 0.. {
        if times.len() == MOVES || i > 10 * MOVES {
            break;
        }
        let stack = LATENCY_STACKS[(i / 8) % LATENCY_STACKS.len()];
        let url = format!(
            "/api/run?stack={stack}&{}",
            LATENCY_MOVES[i % LATENCY_MOVES.len()]
        );
        let started = Instant::now();
        let reply = app.handle("GET", &url, &[]);
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        match reply.status {
            200 => times.push(elapsed),
            400 => continue,
            status => anyhow::bail!(
                "the serve workload's request {url} got {status}: {}",
                String::from_utf8_lossy(&reply.body)
            ),
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    let trials = LATENCY_STACKS
        .iter()
        .filter_map(|name| {
            (app.stacks.iter())
                .find(|s| s.file.slug == *name)
                .map(|s| (name.to_string(), s.trials))
        })
        .collect();
    Ok(ServeBench {
        threads,
        budget_ms: DEFAULT_BUDGET_MS,
        moves: times.len(),
        p50_ms: at(0.5),
        p95_ms: at(0.95),
        max_ms: at(1.0),
        trials,
    })
}
