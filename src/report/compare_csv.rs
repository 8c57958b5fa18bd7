//! `oversell compare --format csv`: one row per scenario with its totals and, after the first,
//! the paired difference from the first (the same numbers as the table, unrounded).

use serde::Serialize;

use crate::analysis::compare::{ComparedScenario, Comparison};
use crate::stats::{Metric, MetricSummary};

/// One scenario of a comparison.
#[derive(Debug, Serialize)]
struct ComparisonRow<'a> {
    /// Short name: the file's stem.
    scenario: &'a str,
    /// Scenario name.
    name: &'a str,
    /// Trials per scenario.
    trials: u64,
    /// Base seed shared by every scenario.
    seed: u64,
    /// Currency of the penalty columns.
    currency: &'a str,
    /// Oversold orders per trial, all channels: mean and 95% CI.
    oversold_mean: f64,
    oversold_ci95_low: f64,
    oversold_ci95_high: f64,
    /// Penalty per trial, in `currency`: mean and 95% CI.
    penalty_mean: f64,
    penalty_ci95_low: f64,
    penalty_ci95_high: f64,
    /// Share of trials with any oversold order, in [0, 1]: mean and 95% CI.
    p_any_oversell: f64,
    p_any_oversell_ci95_low: f64,
    p_any_oversell_ci95_high: f64,
    /// Exposure per trial, seconds: mean and 95% CI.
    exposure_seconds_mean: f64,
    exposure_seconds_ci95_low: f64,
    exposure_seconds_ci95_high: f64,
    /// Paired differences from the first scenario (this minus the first): mean and 95% CI;
    /// empty for the first.
    oversold_diff_mean: Option<f64>,
    oversold_diff_ci95_low: Option<f64>,
    oversold_diff_ci95_high: Option<f64>,
    penalty_diff_mean: Option<f64>,
    penalty_diff_ci95_low: Option<f64>,
    penalty_diff_ci95_high: Option<f64>,
    p_any_oversell_diff_mean: Option<f64>,
    p_any_oversell_diff_ci95_low: Option<f64>,
    p_any_oversell_diff_ci95_high: Option<f64>,
    exposure_seconds_diff_mean: Option<f64>,
    exposure_seconds_diff_ci95_low: Option<f64>,
    exposure_seconds_diff_ci95_high: Option<f64>,
    /// The trial worth tracing with `oversell timeline --trial`.
    representative_trial: u64,
}

/// The comparison as CSV, one row per scenario in the order given.
pub fn comparison_csv(comparison: &Comparison) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for scenario in &comparison.scenarios {
        writer.serialize(row(comparison, scenario))?;
    }
    Ok(writer.into_inner()?)
}

fn row<'a>(comparison: &Comparison, s: &'a ComparedScenario) -> ComparisonRow<'a> {
    let total = |m| *s.total(m);
    let (oversold, penalty) = (total(Metric::Oversold), total(Metric::Penalty));
    let exposure = total(Metric::ExposureSeconds);
    let d = s.difference.as_ref();
    let diff = |pick: fn(&crate::analysis::compare::PairedDifferences) -> MetricSummary| {
        let m = d.map(pick);
        (
            m.map(|m| m.mean),
            m.map(|m| m.ci95[0]),
            m.map(|m| m.ci95[1]),
        )
    };
    let (od, pd) = (diff(|d| d.oversold), diff(|d| d.penalty));
    let (ad, ed) = (diff(|d| d.p_any_oversell), diff(|d| d.exposure_seconds));
    ComparisonRow {
        scenario: &s.slug,
        name: &s.name,
        trials: comparison.trials,
        seed: comparison.seed,
        currency: s.currency(),
        oversold_mean: oversold.mean,
        oversold_ci95_low: oversold.ci95[0],
        oversold_ci95_high: oversold.ci95[1],
        penalty_mean: penalty.mean,
        penalty_ci95_low: penalty.ci95[0],
        penalty_ci95_high: penalty.ci95[1],
        p_any_oversell: s.any_oversell.mean,
        p_any_oversell_ci95_low: s.any_oversell.ci95[0],
        p_any_oversell_ci95_high: s.any_oversell.ci95[1],
        exposure_seconds_mean: exposure.mean,
        exposure_seconds_ci95_low: exposure.ci95[0],
        exposure_seconds_ci95_high: exposure.ci95[1],
        oversold_diff_mean: od.0,
        oversold_diff_ci95_low: od.1,
        oversold_diff_ci95_high: od.2,
        penalty_diff_mean: pd.0,
        penalty_diff_ci95_low: pd.1,
        penalty_diff_ci95_high: pd.2,
        p_any_oversell_diff_mean: ad.0,
        p_any_oversell_diff_ci95_low: ad.1,
        p_any_oversell_diff_ci95_high: ad.2,
        exposure_seconds_diff_mean: ed.0,
        exposure_seconds_diff_ci95_low: ed.1,
        exposure_seconds_diff_ci95_high: ed.2,
        representative_trial: s.representative_trial,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::compare_sources;
    use crate::montecarlo::RunConfig;
    use crate::scenario::Source;
    use crate::scenario::builtin::builtin;

    #[test]
    fn one_row_per_scenario_with_differences_after_the_first() {
        let sources: Vec<Source> = ["event-driven", "polling-15m"]
            .iter()
            .map(|slug| Source::builtin(builtin(slug).unwrap()).unwrap())
            .collect();
        let config = RunConfig {
            trials: 40,
            seed: 3,
            threads: 2,
        };
        let comparison = compare_sources(&sources, config, &|_| {}).unwrap();
        let bytes = comparison_csv(&comparison).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header = reader.headers().unwrap().clone();
        assert_eq!(&header[0], "scenario");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][0], "event-driven");
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        // The baseline has no difference from itself: its difference cells are empty.
        assert_eq!(&rows[0][column("oversold_diff_mean")], "");
        let expected = comparison.scenarios[1].difference.unwrap().oversold.mean;
        let value: f64 = rows[1][column("oversold_diff_mean")].parse().unwrap();
        assert_eq!(value, expected);
        let trials: u64 = rows[1][column("trials")].parse().unwrap();
        assert_eq!(trials, 40);
    }
}
