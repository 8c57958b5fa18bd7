//! Several scenarios run with the same trials and seed, each with its paired difference from the
//! first.
//!
//! Trial `i` of every scenario draws from the same `(seed, i)` streams, and demand is keyed by
//! channel name, so scenarios that share channels see the same orders in the same trial (common
//! random numbers). The difference of a measure is then taken trial by trial, which cancels most
//! of the demand noise: its confidence interval is far narrower than that of two separate runs.
//!
//! Pure: the `compare` and `demo` commands write what it finds.

use serde::Serialize;

use crate::montecarlo::{RunConfig, for_each_trial};
use crate::scenario::{Scenario, Source};
use crate::sim::{Plan, TrialOutcome};
use crate::stats::{
    Metric, MetricSummary, RunAccumulator, RunSummary, Scope, metric_value, summarize,
};

/// Several scenarios run on common random numbers. Serialises to `comparison.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Trials per scenario.
    pub trials: u64,
    /// Base seed shared by every scenario.
    pub seed: u64,
    /// The scenarios in the order given; the first is the baseline of every difference.
    pub scenarios: Vec<ComparedScenario>,
}

/// One scenario of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparedScenario {
    /// Scenario name.
    pub name: String,
    /// Short name: the file's stem (`reference` for the built-in default).
    pub slug: String,
    /// What the scenario models.
    pub description: String,
    /// The file it came from; `None` for a built-in scenario.
    pub file: Option<String>,
    /// Share of trials with at least one oversold order (all channels), as the mean of the
    /// per-trial 0/1 indicator with its 95% confidence interval; in [0, 1].
    pub any_oversell: MetricSummary,
    /// The full run summary, as in `summary.json`.
    pub summary: RunSummary,
    /// Paired differences from the first scenario (this one minus the first); `None` for the
    /// first.
    pub difference: Option<PairedDifferences>,
    /// The trial whose oversold orders and penalty are closest to their means (each measured in
    /// standard deviations; the first such trial): the one worth tracing.
    pub representative_trial: u64,
}

/// Per-trial differences `this - first` of the totals over all channels, summarised over trials
/// (mean, sd, 95% confidence interval of the mean, quantiles).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedDifferences {
    /// Oversold orders per trial, orders.
    pub oversold: MetricSummary,
    /// Penalty per trial, in the scenarios' currency.
    pub penalty: MetricSummary,
    /// Exposure (any channel listing while the physical stock is 0) per trial, seconds.
    pub exposure_seconds: MetricSummary,
    /// The any-oversell indicator (0 or 1 per trial); its mean is the difference of the shares.
    pub p_any_oversell: MetricSummary,
}

impl ComparedScenario {
    /// The currency of the scenario's penalties.
    pub fn currency(&self) -> &str {
        &self.summary.currency
    }

    /// The summary of metric `m` over all channels.
    pub fn total(&self, m: Metric) -> &MetricSummary {
        self.summary.total.metric(m)
    }
}

/// The totals of one trial that a comparison pairs, in the order of [`PairedDifferences`].
type TrialTotals = [f64; 4];

fn trial_totals(scenario: &Scenario, trial: &TrialOutcome) -> TrialTotals {
    let total = |m| metric_value(scenario, trial, Scope::Total, m);
    let oversold = total(Metric::Oversold);
    [
        oversold,
        total(Metric::Penalty),
        total(Metric::ExposureSeconds),
        if oversold >= 1.0 { 1.0 } else { 0.0 },
    ]
}

/// Runs every source with the same `config` and compares each with the first.
///
/// `progress` is called with the number of trials just finished, from any worker. The outcomes of
/// a scenario are kept only until it is summarised; the baseline's per-trial totals (four numbers
/// a trial) are kept for the differences.
pub fn compare_sources(
    sources: &[Source],
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<Comparison> {
    let mut baseline: Vec<TrialTotals> = Vec::new();
    let mut scenarios = Vec::with_capacity(sources.len());
    for (i, source) in sources.iter().enumerate() {
        let plan = Plan::new(source.scenario.clone());
        // Streamed: the statistics, plus four numbers a trial for the paired differences.
        let scenario = &plan.scenario;
        let mut stats = RunAccumulator::new(scenario);
        let mut totals: Vec<TrialTotals> = Vec::new();
        for_each_trial(&plan, config, progress, |_, outcome| {
            stats.push(scenario, outcome);
            totals.push(trial_totals(scenario, outcome));
            Ok(())
        })?;
        let summary = stats.summary(scenario, config.seed);
        let any_oversell = summarize(&column(&totals, 3));
        let representative_trial = representative(&summary, &totals);
        let difference = if i == 0 {
            baseline = totals;
            None
        } else {
            Some(paired_differences(&baseline, &totals))
        };
        scenarios.push(ComparedScenario {
            name: plan.scenario.name.clone(),
            slug: source.slug.clone(),
            description: plan.scenario.description.clone(),
            file: source.path.as_ref().map(|p| p.display().to_string()),
            any_oversell,
            summary,
            difference,
            representative_trial,
        });
    }
    Ok(Comparison {
        trials: config.trials,
        seed: config.seed,
        scenarios,
    })
}

/// The index of the trial closest to the mean in oversold orders and penalty, in units of each
/// measure's standard deviation (a measure without spread counts by its plain distance).
fn representative(summary: &RunSummary, totals: &[TrialTotals]) -> u64 {
    let oversold = summary.total.metric(Metric::Oversold);
    let penalty = summary.total.metric(Metric::Penalty);
    let scaled = |x: f64, s: &MetricSummary| (x - s.mean) / if s.sd > 0.0 { s.sd } else { 1.0 };
    let distance = |t: &TrialTotals| scaled(t[0], oversold).powi(2) + scaled(t[1], penalty).powi(2);
    let mut best = (0, f64::INFINITY);
    for (i, t) in totals.iter().enumerate() {
        let d = distance(t);
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0 as u64
}

/// Column `k` of per-trial totals, in trial order.
fn column(totals: &[TrialTotals], k: usize) -> Vec<f64> {
    totals.iter().map(|t| t[k]).collect()
}

/// Summaries of `other - first`, trial by trial (both in trial order, of equal length).
fn paired_differences(first: &[TrialTotals], other: &[TrialTotals]) -> PairedDifferences {
    let difference = |k: usize| {
        let values: Vec<f64> = first.iter().zip(other).map(|(a, b)| b[k] - a[k]).collect();
        summarize(&values)
    };
    PairedDifferences {
        oversold: difference(0),
        penalty: difference(1),
        exposure_seconds: difference(2),
        p_any_oversell: difference(3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{BUILTIN_REFERENCE, load_str};

    fn reference() -> Source {
        Source {
            scenario: load_str("reference.toml", BUILTIN_REFERENCE).unwrap(),
            path: None,
            text: BUILTIN_REFERENCE.to_owned(),
            slug: "reference".to_owned(),
        }
    }

    fn config(trials: u64) -> RunConfig {
        RunConfig {
            trials,
            seed: 5,
            threads: 2,
        }
    }

    #[test]
    fn differences_are_taken_trial_by_trial() {
        let first = [[1.0, 10.0, 60.0, 1.0], [0.0, 0.0, 0.0, 0.0]];
        let other = [[3.0, 40.0, 0.0, 1.0], [0.0, 5.0, 120.0, 0.0]];
        let d = paired_differences(&first, &other);
        // Per trial: oversold +2 and 0; penalty +30 and +5; exposure -60 and +120.
        assert_eq!(d.oversold.mean, 1.0);
        assert_eq!(d.oversold.max, 2.0);
        assert_eq!(d.penalty.mean, 17.5);
        assert_eq!(d.exposure_seconds.mean, 30.0);
        assert_eq!(d.p_any_oversell.mean, 0.0);
        assert_eq!(d.p_any_oversell.ci95, [0.0, 0.0]);
    }

    #[test]
    fn the_any_oversell_share_matches_the_run_summary() {
        let comparison = compare_sources(&[reference(), reference()], config(40), &|_| {}).unwrap();
        assert_eq!(comparison.trials, 40);
        assert_eq!(comparison.scenarios.len(), 2);
        for s in &comparison.scenarios {
            assert_eq!(s.any_oversell.mean, s.summary.total.p_any_oversell);
            assert_eq!(s.summary.trials, 40);
        }
        assert!(comparison.scenarios[0].difference.is_none());
        let d = comparison.scenarios[1].difference.unwrap();
        assert_eq!(d.penalty.ci95, [0.0, 0.0]);
    }

    #[test]
    fn progress_counts_every_trial_of_every_scenario() {
        let done = std::sync::atomic::AtomicU64::new(0);
        let add = |n| {
            done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        };
        compare_sources(&[reference(), reference(), reference()], config(7), &add).unwrap();
        assert_eq!(done.into_inner(), 21);
    }
}
