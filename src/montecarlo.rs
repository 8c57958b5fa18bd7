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

/// Runs `config.trials` trials of `plan` and returns their outcomes in trial order.
/// `progress` is called with the number of trials just finished, from any worker.
pub fn run_trials(
    plan: &Plan,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Vec<TrialOutcome>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()?;
    let outcomes = pool.install(|| {
        (0..config.trials)
            .into_par_iter()
            .map_init(
                || Engine::new(plan),
                |engine, trial| {
                    let outcome = engine.run_trial(config.seed, trial);
                    progress(1);
                    outcome
                },
            )
            .collect()
    });
    Ok(outcomes)
}
