//! Trials in parallel. Trial `i` draws only from generators seeded from `(seed, i)`, and results
//! come back in trial order, so a run's numbers are the same for any number of threads.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::interrupt::Interrupted;
use crate::sim::{
    ChannelOutcome, Engine, FeedOutcome, LinkOutcome, Plan, QueueOutcome, Runaway, SkuOutcome,
    TrialOutcome,
};

/// How many trials of which seed, on how many threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    /// Number of trials (>= 1).
    pub trials: u64,
    /// Base seed.
    pub seed: u64,
    /// Worker threads (>= 1).
    pub threads: usize,
}

/// Trials run in parallel in blocks of at most this many; each block is handed on in trial
/// order, so memory stays flat in the number of trials. Workers check for an interrupt before
/// every trial, so a signal takes effect within one trial's time whatever the block's.
pub const BLOCK: u64 = 4_096;

/// The most memory the outcomes of one block may hold, bytes: a catalog's outcome has a row per
/// SKU that did something (`TrialOutcome::skus`), so a large catalog runs in smaller blocks.
/// Two blocks are alive at once (one handed on while the next runs).
pub const BLOCK_BYTES: u64 = 64 << 20;

/// Trials per block for `plan` on `threads` threads: [`BLOCK`], or fewer when that many
/// outcomes could hold more than [`BLOCK_BYTES`] (every SKU with a row), but never fewer than
/// four per thread, so that every block keeps every thread busy.
pub fn block_len(plan: &Plan, threads: usize) -> u64 {
    let s = &plan.scenario;
    let rows = if s.catalog.is_catalog() {
        plan.skus()
    } else {
        0
    };
    let outcome = std::mem::size_of::<TrialOutcome>()
        + rows * std::mem::size_of::<SkuOutcome>()
        + s.channels.len() * std::mem::size_of::<ChannelOutcome>()
        + s.links.len() * std::mem::size_of::<LinkOutcome>()
        + s.nodes.len()
            * (std::mem::size_of::<FeedOutcome>() + std::mem::size_of::<QueueOutcome>());
    (BLOCK_BYTES / outcome as u64).clamp(4 * threads as u64, BLOCK)
}

/// Why a trial has no outcome.
#[derive(Debug, Clone)]
enum Skipped {
    /// The engine stopped it at `max_events`.
    Runaway(Runaway),
    /// A signal came before it started.
    Interrupted(Interrupted),
}

impl From<&Skipped> for anyhow::Error {
    fn from(skipped: &Skipped) -> anyhow::Error {
        match skipped {
            Skipped::Runaway(runaway) => runaway.clone().into(),
            Skipped::Interrupted(interrupted) => (*interrupted).into(),
        }
    }
}

/// One engine per worker thread, kept for the whole run: rayon splits every block into pieces
/// and starts each with a fresh value of `map_init`, but an engine (its buffers, and a catalog's
/// state at time 0, `sim::engine::pristine`) costs time in proportion to the catalog to build,
/// so a piece borrows its thread's engine instead and hands it back when done. A trial's
/// outcome does not depend on the trials its engine ran before (tests/it/lazy_reset.rs).
///
/// It also keeps the outcomes of the last block handed on, for the engines to make the next
/// outcomes in (`Engine::recycle`): a catalog's outcome is a vector of rows, and memory taken
/// anew for every trial costs page faults.
struct Engines<'a> {
    plan: &'a Plan,
    slots: Vec<Mutex<Option<Engine<'a>>>>,
    spares: Mutex<Vec<TrialOutcome>>,
}

/// A thread's engine, borrowed by one piece of a block.
struct Lease<'e, 'a> {
    engines: &'e Engines<'a>,
    slot: usize,
    engine: Option<Engine<'a>>,
}

impl<'a> Engines<'a> {
    fn new(plan: &'a Plan, threads: usize) -> Engines<'a> {
        Engines {
            plan,
            slots: (0..threads.max(1)).map(|_| Mutex::new(None)).collect(),
            spares: Mutex::new(Vec::new()),
        }
    }

    /// Keeps the outcomes of `block`, handed on, for the engines to reuse (those with rows;
    /// the others hold a few small vectors).
    fn keep(&self, block: &mut Vec<Result<TrialOutcome, Skipped>>) {
        if let Ok(mut spares) = self.spares.lock() {
            let outcomes = block.drain(..).filter_map(Result::ok);
            spares.extend(outcomes.filter(|o| o.skus.capacity() > 0));
        }
    }

    /// Hands `engine` a kept outcome to make its next one in, when it would take memory anew.
    fn lend_outcome(&self, engine: &mut Engine) {
        if engine.wants_outcome()
            && let Some(outcome) = self.spares.lock().ok().and_then(|mut s| s.pop())
        {
            engine.recycle(outcome);
        }
    }

    /// The calling worker's engine (a new one the first time).
    fn lease(&self) -> Lease<'_, 'a> {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        let kept = self.slots[slot].lock().map(|mut kept| kept.take());
        let engine = kept
            .ok()
            .flatten()
            .unwrap_or_else(|| Engine::new(self.plan));
        Lease {
            engines: self,
            slot,
            engine: Some(engine),
        }
    }
}

impl<'a> Lease<'_, 'a> {
    fn engine(&mut self) -> &mut Engine<'a> {
        self.engine.as_mut().expect("held until dropped")
    }
}

impl Drop for Lease<'_, '_> {
    fn drop(&mut self) {
        if let Ok(mut kept) = self.engines.slots[self.slot].lock() {
            *kept = self.engine.take();
        }
    }
}

/// Runs trial `trial` unless a signal has come.
fn run_trial(engine: &mut Engine, seed: u64, trial: u64) -> Result<TrialOutcome, Skipped> {
    crate::interrupt::check().map_err(Skipped::Interrupted)?;
    engine.run_trial(seed, trial).map_err(Skipped::Runaway)
}

/// Runs `config.trials` trials of `plan` and hands each outcome to `sink` in trial order.
/// `progress` is called with the number of trials just finished, from any worker.
///
/// Blocks are pipelined: while `sink` takes in one block on the calling worker, the others
/// already run the next, so the sink's work (statistics, CSV) does not leave cores idle.
pub fn for_each_trial(
    plan: &Plan,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    sink: impl FnMut(u64, &TrialOutcome) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    for_each_trial_in(plan, config, 0..config.trials, progress, sink)
}

/// Like [`for_each_trial`], for the trials in `range` only (one shard of a run).
pub fn for_each_trial_in(
    plan: &Plan,
    config: RunConfig,
    range: std::ops::Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
    sink: impl FnMut(u64, &TrialOutcome) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    let block = block_len(plan, config.threads);
    for_each_trial_in_blocks(plan, config, range, block, progress, sink)
}

/// Like [`for_each_trial_in`], in blocks of `block` trials (at least 1) whatever the plan: the
/// outcomes are the same for any block length (tests/it/lazy_reset.rs).
pub fn for_each_trial_in_blocks(
    plan: &Plan,
    config: RunConfig,
    range: std::ops::Range<u64>,
    block: u64,
    progress: &(dyn Fn(u64) + Sync),
    mut sink: impl FnMut(u64, &TrialOutcome) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()?;
    let engines = Engines::new(plan, config.threads);
    let block = block.max(1);
    let block_at = |start: u64| start..(start + block).min(range.end);
    let run_block = |trials: std::ops::Range<u64>,
                     into: &mut Vec<Result<TrialOutcome, Skipped>>| {
        (0..(trials.end - trials.start) as usize)
            .into_par_iter()
            .map_init(
                || engines.lease(),
                |lease, i| {
                    engines.lend_outcome(lease.engine());
                    let outcome = run_trial(lease.engine(), config.seed, trials.start + i as u64);
                    progress(1);
                    outcome
                },
            )
            .collect_into_vec(into);
    };
    pool.install(|| {
        let (mut done, mut next) = (Vec::new(), Vec::new());
        let mut trials = block_at(range.start);
        run_block(trials.clone(), &mut done);
        while !trials.is_empty() {
            crate::interrupt::check()?;
            let following = block_at(trials.end);
            let (_, taken) = rayon::join(
                || run_block(following.clone(), &mut next),
                || -> anyhow::Result<()> {
                    for (trial, outcome) in trials.clone().zip(&done) {
                        sink(trial, outcome.as_ref().map_err(anyhow::Error::from)?)?;
                    }
                    engines.keep(&mut done);
                    Ok(())
                },
            );
            taken?;
            std::mem::swap(&mut done, &mut next);
            trials = following;
        }
        Ok(())
    })
}

/// Runs `config.trials` trials of `plan` and returns their outcomes in trial order (for small
/// runs: the memory grows with the number of trials).
pub fn run_trials(
    plan: &Plan,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Vec<TrialOutcome>> {
    let mut outcomes = Vec::new();
    for_each_trial(plan, config, progress, |_, outcome| {
        outcomes.push(outcome.clone());
        Ok(())
    })?;
    Ok(outcomes)
}

/// Runs `config.trials` trials of `plan` one after another on the calling thread and hands each
/// outcome to `sink` in trial order: the same outcomes as [`for_each_trial`], for callers that
/// work in parallel over something else (the SKUs of `oversell tune`). `config.threads` is not
/// used; an interrupt is noticed before every trial.
pub fn for_each_trial_sequential(
    plan: &Plan,
    config: RunConfig,
    mut sink: impl FnMut(u64, &TrialOutcome) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut engine = Engine::new(plan);
    for trial in 0..config.trials {
        let outcome = run_trial(&mut engine, config.seed, trial);
        let outcome = outcome.map_err(|skipped| anyhow::Error::from(&skipped))?;
        sink(trial, &outcome)?;
        engine.recycle(outcome);
    }
    Ok(())
}
