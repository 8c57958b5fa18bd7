//! Trials in parallel. Trial `i` draws only from generators seeded from `(seed, i)`, and results
//! come back in trial order, so a run's numbers are the same for any number of threads.

use rayon::prelude::*;

use crate::sim::{Engine, Plan, TrialOutcome};

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
/// memory stays flat in the number of trials, and an interrupt is noticed between blocks.
pub const BLOCK: u64 = 4_096;

/// Runs `config.trials` trials of `plan` and hands each outcome to `sink` in trial order.
/// `progress` is called with the number of trials just finished, from any worker.
pub fn for_each_trial(
    plan: &Plan,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    mut sink: impl FnMut(u64, &TrialOutcome) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()?;
    let mut block = Vec::new();
    let mut start = 0;
    while start < config.trials {
        crate::interrupt::check()?;
        let end = (start + BLOCK).min(config.trials);
        pool.install(|| {
            (0..(end - start) as usize)
                .into_par_iter()
                .map_init(
                    || Engine::new(plan),
                    |engine, i| {
                        let outcome = engine.run_trial(config.seed, start + i as u64);
                        progress(1);
                        outcome
                    },
                )
                .collect_into_vec(&mut block)
        });
        for (trial, outcome) in (start..end).zip(&block) {
            sink(trial, outcome)?;
        }
        start = end;
    }
    Ok(())
}

/// Runs `config.trials` trials of `plan` and returns their outcomes in trial order (for small
/// runs: the memory grows with the number of trials).
pub fn run_trials(
    plan: &Plan,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Vec<TrialOutcome>> {
    let mut outcomes = Vec::with_capacity(usize::try_from(config.trials).unwrap_or(0));
    for_each_trial(plan, config, progress, |_, outcome| {
        outcomes.push(outcome.clone());
        Ok(())
    })?;
    Ok(outcomes)
}
