//! Trials in parallel. Trial `i` draws only from generators seeded from `(seed, i)`, and results
//! come back in trial order, so a run's numbers are the same for any number of threads.

use rayon::prelude::*;

use crate::interrupt::Interrupted;
use crate::sim::{Engine, Plan, Runaway, TrialOutcome};

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

/// Trials run in parallel in blocks of this many; each block is handed on in trial order, so
/// memory stays flat in the number of trials. Workers check for an interrupt before every
/// trial, so a signal takes effect within one trial's time whatever the block's.
pub const BLOCK: u64 = 4_096;

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
    mut sink: impl FnMut(u64, &TrialOutcome) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()?;
    let block_at = |start: u64| start..(start + BLOCK).min(range.end);
    let run_block = |trials: std::ops::Range<u64>,
                     into: &mut Vec<Result<TrialOutcome, Skipped>>| {
        (0..(trials.end - trials.start) as usize)
            .into_par_iter()
            .map_init(
                || Engine::new(plan),
                |engine, i| {
                    let outcome = run_trial(engine, config.seed, trials.start + i as u64);
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
        sink(trial, outcome.as_ref().map_err(anyhow::Error::from)?)?;
    }
    Ok(())
}
