//! Shared helpers for the validation tests: run a scenario from TOML text, and the closed-form
//! Poisson arithmetic the simulated means are checked against.
#![allow(dead_code)]

pub mod binary;
pub mod process;

use oversell::montecarlo::{RunConfig, run_trials};
use oversell::scenario::{Scenario, load_str};
use oversell::sim::{Plan, TrialOutcome};
use statrs::distribution::{DiscreteCDF, Poisson};

/// Runs `trials` trials of the scenario in `toml` with seed `seed`.
pub fn simulate(toml: &str, trials: u64, seed: u64) -> (Scenario, Vec<TrialOutcome>) {
    let scenario = load_str("test.toml", toml).unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::new(scenario.clone());
    let config = RunConfig {
        trials,
        seed,
        threads: 2,
    };
    let outcomes = run_trials(&plan, config, &|_| {}).expect("run");
    (scenario, outcomes)
}

/// Sample mean and its standard error.
pub fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts that the mean of `values` is within 4 standard errors of `expected`. The standard
/// error comes from the run itself, and must not be zero (a test that cannot fail is a defect).
pub fn assert_mean(what: &str, values: &[f64], expected: f64) {
    let (mean, se) = mean_se(values);
    assert!(se > 0.0, "{what}: no variation in {} trials", values.len());
    let z = (mean - expected) / se;
    assert!(
        z.abs() <= 4.0,
        "{what}: simulated mean {mean:.5} vs closed form {expected:.5} (se {se:.5}, z = {z:.2})"
    );
}

/// Asserts that the sample variance of `values` is within 4 standard errors of `expected`; the
/// standard error of a sample variance is estimated as sqrt((m4 - s^4) / n).
pub fn assert_variance(what: &str, values: &[f64], expected: f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    let se = ((m4 - var * var) / n).sqrt();
    let z = (var - expected) / se;
    assert!(
        z.abs() <= 4.0,
        "{what}: simulated variance {var:.4} vs closed form {expected:.4} (se {se:.4}, z = {z:.2})"
    );
}

/// P(N >= j) for N ~ Poisson(mu).
fn poisson_at_least(mu: f64, j: u64) -> f64 {
    if j == 0 {
        return 1.0;
    }
    let poisson = Poisson::new(mu).expect("mu > 0");
    poisson.sf(j - 1)
}

/// E[min(N, b)] for N ~ Poisson(mu): the sum over j = 1..=b of P(N >= j).
pub fn poisson_min_mean(mu: f64, b: u64) -> f64 {
    (1..=b).map(|j| poisson_at_least(mu, j)).sum()
}

/// E[min(N, b)] for N ~ Poisson(lambda * U), U uniform on (0, t): with mu = lambda * t,
/// (1/t) * integral of P(Poisson(lambda u) >= j) du = P(Poisson(mu) >= j) - (j/mu) P(Poisson(mu) >= j + 1).
pub fn uniform_window_min_mean(mu: f64, b: u64) -> f64 {
    (1..=b)
        .map(|j| poisson_at_least(mu, j) - j as f64 / mu * poisson_at_least(mu, j + 1))
        .sum()
}

/// The values of one per-trial measure.
pub fn column(outcomes: &[TrialOutcome], f: impl Fn(&TrialOutcome) -> f64) -> Vec<f64> {
    outcomes.iter().map(f).collect()
}

/// The index of a channel by name.
pub fn channel(scenario: &Scenario, name: &str) -> usize {
    scenario
        .channels
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("no channel {name}"))
}
