//! The charts of one run (`oversell run`).

use std::path::PathBuf;

use super::oversold_histogram::OversoldHistogram;
use super::penalty_distribution::PenaltyDistribution;
use super::style::save;
use crate::report::ResultSet;
use crate::scenario::Scenario;
use crate::stats::{RunAccumulator, RunSummary};

/// Writes `oversold_histogram.{png,svg}` and `penalty_distribution.{png,svg}` into `set`; returns
/// the paths written.
pub fn run_charts(
    set: &mut ResultSet,
    scenario: &Scenario,
    summary: &RunSummary,
    stats: &RunAccumulator,
) -> anyhow::Result<Vec<PathBuf>> {
    let oversold = OversoldHistogram::from_run(scenario, summary, stats);
    let mut written = save(&oversold, set, "oversold_histogram")?;
    let penalty = PenaltyDistribution::from_run(scenario, summary, stats);
    written.extend(save(&penalty, set, "penalty_distribution")?);
    Ok(written)
}
