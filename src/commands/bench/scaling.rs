//! How the cost of one trial grows: with the number of trials (the reference stack), with the
//! size of the catalog at the same total demand (generated catalogs of 200, 2,000 and 20,000
//! SKUs on the four-week stack, Amazon's feed on changed sync) and with the horizon (the four-week catalog over 7, 28 and 112
//! days). Every point runs single-threaded with the statistics a run keeps; the catalog sizes are
//! measured in turn over several rounds, each point the median of its rounds. Beside them, in the
//! same rounds, the 2,000-SKU catalog with 18,000 SKUs added that never sell: what the catalog's
//! size alone costs, apart from the same demand spread over more SKUs.

use serde::Serialize;

use std::sync::Mutex;
use std::time::Instant;

use super::measure_with;
use super::workloads::{FOUR_WEEKS, four_weeks_with, long_tail_catalog, with_idle_skus};
use crate::montecarlo::RunConfig;
use crate::report::charts::bench_scaling::{BenchScaling, CostPanel, CostPoint};
use crate::report::format::significant;
use crate::scenario::Scenario;
use crate::sim::Plan;

/// Trials of the reference stack per point of the trials series.
const TRIAL_COUNTS: [u64; 3] = [1_000, 10_000, 100_000];
/// SKUs per point of the catalog series, all selling [`CATALOG_ORDERS_PER_DAY`] together.
const CATALOG_SIZES: [usize; 3] = [200, 2_000, 20_000];
/// Orders a day of every generated catalog together (about the four-week catalog's).
const CATALOG_ORDERS_PER_DAY: f64 = 1_500.0;
/// SKUs that never sell added to the 2,000-SKU catalog for the idle point: 20,000 in all.
const IDLE_SKUS: usize = 18_000;
/// Horizons of the horizon series, days.
const HORIZON_DAYS: [u32; 3] = [7, 28, 112];
/// Trials per point of the catalog and horizon series (per round of the catalog series).
const CATALOG_TRIALS: u64 = 20;
/// Rounds of the catalog series: its sizes are measured in turn, round after round, and each
/// point is the median of its rounds. A shared machine's speed drifts and stalls by 10% and more
/// within seconds; sizes measured side by side, several times, see the same machine.
const CATALOG_ROUNDS: usize = 9;

/// One measured point.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ScalingPoint {
    /// What the series varies: trials, SKUs or days.
    pub x: f64,
    /// Trials run.
    pub trials: u64,
    /// Wall-clock time of all of them, seconds.
    pub seconds: f64,
    /// Wall-clock time of one trial once the engine is built, milliseconds: from the end of the
    /// first trial to the end of the last, over the trials in between.
    pub ms_per_trial: f64,
    /// Wall-clock time of what a run does once before its trials (building the engine: its
    /// buffers, a catalog's state at time 0, the statistics), milliseconds: the time to the end
    /// of the first trial less one trial's.
    pub setup_ms: f64,
    /// Events handled per trial.
    pub events_per_trial: f64,
    /// Orders that arrived at channels per trial.
    pub orders_per_trial: f64,
}

/// The three series.
#[derive(Debug, Clone, Serialize)]
pub struct Scaling {
    /// The reference workload at 1,000, 10,000 and 100,000 trials.
    pub trials: Vec<ScalingPoint>,
    /// Generated catalogs of 200, 2,000 and 20,000 SKUs with the same total demand, four weeks,
    /// Amazon's feed on changed sync.
    pub catalog_size: Vec<ScalingPoint>,
    /// Per point of `catalog_size`, the cost of a trial in each round, milliseconds (the
    /// point is their median): how much the machine moved while it was measured.
    pub catalog_rounds_ms: Vec<Vec<f64>>,
    /// The 2,000-SKU catalog with 18,000 SKUs that never sell (x: 20,000), measured in the same
    /// rounds, and the cost of a trial in each round.
    pub catalog_idle: ScalingPoint,
    pub catalog_idle_rounds_ms: Vec<f64>,
    /// The four-week catalog over 7, 28 and 112 days.
    pub horizon: Vec<ScalingPoint>,
    /// Cost of a trial of the 20,000-SKU catalog over that of the 2,000-SKU one (1: flat): the
    /// ratio of the two points' medians.
    pub catalog_growth: f64,
    /// The same ratio within each round, the two sizes measured a moment apart: how much of
    /// `catalog_growth` the machine's drift could move.
    pub catalog_growth_rounds: Vec<f64>,
    /// Cost of a trial of `catalog_idle` over that of the 2,000-SKU catalog alone: what ten
    /// times the catalog costs when the SKUs added change nothing.
    pub idle_growth: f64,
}

/// Runs the three series; `reference` is the reference workload's scenario.
pub fn scaling(reference: &Scenario, seed: u64) -> anyhow::Result<Scaling> {
    let plan = Plan::new(reference.clone());
    let trials = (TRIAL_COUNTS.iter())
        .map(|&n| point(&plan, n as f64, n, seed))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let idle = with_idle_skus(
        &long_tail_catalog(CATALOG_SIZES[1], CATALOG_ORDERS_PER_DAY),
        IDLE_SKUS,
    );
    let catalogs = (CATALOG_SIZES.iter())
        .map(|&skus| (skus, long_tail_catalog(skus, CATALOG_ORDERS_PER_DAY)))
        .chain([(CATALOG_SIZES[1] + IDLE_SKUS, idle)]);
    let plans = catalogs
        .map(|(skus, csv)| Ok((skus, Plan::new(four_weeks_with(&csv, "28d", true)?))))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut rounds = vec![Vec::new(); plans.len()];
    for _ in 0..CATALOG_ROUNDS {
        for ((skus, plan), rounds) in plans.iter().zip(&mut rounds) {
            rounds.push(point(plan, *skus as f64, CATALOG_TRIALS, seed)?);
        }
    }
    let idle_rounds = rounds.pop().expect("the idle point's rounds");
    let catalog_idle = median_point(&idle_rounds);
    let catalog_size: Vec<ScalingPoint> = rounds.iter().map(|r| median_point(r)).collect();
    let catalog_rounds_ms = (rounds.iter())
        .map(|r| r.iter().map(|p| p.ms_per_trial).collect())
        .collect();
    let skus_csv = std::path::Path::new(FOUR_WEEKS).with_file_name("skus.csv");
    let skus_csv = std::fs::read_to_string(skus_csv)?;
    let mut horizon = Vec::new();
    for days in HORIZON_DAYS {
        let plan = Plan::new(four_weeks_with(&skus_csv, &format!("{days}d"), false)?);
        horizon.push(point(&plan, f64::from(days), CATALOG_TRIALS, seed)?);
    }
    let catalog_growth = catalog_size[2].ms_per_trial / catalog_size[1].ms_per_trial;
    let catalog_growth_rounds = (rounds[2].iter().zip(&rounds[1]))
        .map(|(large, small)| large.ms_per_trial / small.ms_per_trial)
        .collect();
    let idle_growth = catalog_idle.ms_per_trial / catalog_size[1].ms_per_trial;
    Ok(Scaling {
        trials,
        catalog_size,
        catalog_rounds_ms,
        catalog_idle,
        catalog_idle_rounds_ms: idle_rounds.iter().map(|p| p.ms_per_trial).collect(),
        horizon,
        catalog_growth,
        catalog_growth_rounds,
        idle_growth,
    })
}

/// Runs `trials` (at least 2) single-threaded, noting when each ends.
fn point(plan: &Plan, x: f64, trials: u64, seed: u64) -> anyhow::Result<ScalingPoint> {
    let config = RunConfig {
        trials,
        seed,
        threads: 1,
    };
    let ends = Mutex::new(Vec::with_capacity(trials as usize));
    let note_end = |_: u64| ends.lock().expect("not poisoned").push(Instant::now());
    let (m, start) = measure_with(plan, config, &note_end)?;
    let ends = ends.into_inner().expect("not poisoned");
    let (first, last) = (ends[0], ends[ends.len() - 1]);
    let ms_per_trial = 1e3 * (last - first).as_secs_f64() / (ends.len() - 1) as f64;
    let per_trial = |n: u64| n as f64 / trials as f64;
    Ok(ScalingPoint {
        x,
        trials,
        seconds: m.seconds,
        ms_per_trial,
        setup_ms: (1e3 * (first - start).as_secs_f64() - ms_per_trial).max(0.0),
        events_per_trial: per_trial(m.events),
        orders_per_trial: per_trial(m.orders),
    })
}

/// The round with the median cost of a trial, its setup the median of the rounds', and the
/// trials and seconds of all of them.
fn median_point(rounds: &[ScalingPoint]) -> ScalingPoint {
    let median = |value: fn(&ScalingPoint) -> f64| {
        let mut values: Vec<f64> = rounds.iter().map(value).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let ms_per_trial = median(|p| p.ms_per_trial);
    let mut point = *(rounds.iter())
        .find(|p| p.ms_per_trial == ms_per_trial)
        .expect("the median is one of the rounds");
    point.setup_ms = median(|p| p.setup_ms);
    point.trials = rounds.iter().map(|p| p.trials).sum();
    point.seconds = rounds.iter().map(|p| p.seconds).sum();
    point
}

/// The chart of `scaling`: one panel per series.
pub fn chart(scaling: &Scaling) -> BenchScaling {
    let panel = |title: &str, x_label: &str, points: &[ScalingPoint]| CostPanel {
        title: title.to_owned(),
        x_label: x_label.to_owned(),
        points: (points.iter())
            .map(|p| CostPoint {
                x: p.x,
                ms_per_trial: p.ms_per_trial,
            })
            .collect(),
    };
    let ratio = |series: &[ScalingPoint]| {
        let (first, last) = (series[0], series[series.len() - 1]);
        significant(last.ms_per_trial / first.ms_per_trial)
    };
    BenchScaling {
        title: "Cost of one trial (one thread)".to_owned(),
        panels: vec![
            panel("against trials (reference)", "trials run", &scaling.trials),
            panel(
                "against catalog size (same demand)",
                "SKUs (28 days)",
                &scaling.catalog_size,
            ),
            panel("against horizon (2,000 SKUs)", "days", &scaling.horizon),
        ],
        note: format!(
            "100x the trials: {}x; 100x the SKUs, same demand: {}x (2,000 to 20,000: {}x; 18,000 \
             SKUs that never sell added to 2,000: {}x); 16x the horizon: {}x",
            ratio(&scaling.trials),
            ratio(&scaling.catalog_size),
            significant(scaling.catalog_growth),
            significant(scaling.idle_growth),
            ratio(&scaling.horizon)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: [f64; 3]) -> Vec<ScalingPoint> {
        (values.iter().enumerate())
            .map(|(i, &ms)| ScalingPoint {
                x: 10f64.powi(i as i32 + 2),
                trials: 10,
                seconds: ms / 100.0,
                ms_per_trial: ms,
                setup_ms: 1.0,
                events_per_trial: 100.0,
                orders_per_trial: 10.0,
            })
            .collect()
    }

    #[test]
    fn a_point_of_rounds_is_their_median() {
        let rounds = points([12.0, 10.0, 30.0]);
        let point = median_point(&rounds);
        assert_eq!(point.ms_per_trial, 12.0);
        assert_eq!(point.x, rounds[0].x);
        assert_eq!(point.trials, 30);
        assert!((point.seconds - 0.52).abs() < 1e-12);
    }

    #[test]
    fn the_chart_has_a_panel_per_series_and_the_ratios() {
        let scaling = Scaling {
            trials: points([0.05, 0.05, 0.05]),
            catalog_size: points([10.0, 11.0, 12.1]),
            catalog_rounds_ms: vec![vec![10.0], vec![11.0], vec![12.1]],
            horizon: points([3.0, 12.0, 48.0]),
            catalog_idle: points([11.2, 11.2, 11.2])[0],
            catalog_idle_rounds_ms: vec![11.2],
            catalog_growth: 1.1,
            catalog_growth_rounds: vec![1.1],
            idle_growth: 1.02,
        };
        let chart = chart(&scaling);
        assert_eq!(chart.panels.len(), 3);
        assert_eq!(chart.panels[1].points[2].ms_per_trial, 12.1);
        assert!(
            chart.note.contains("100x the trials: 1x;"),
            "{}",
            chart.note
        );
        assert!(
            chart.note.contains(
                "(2,000 to 20,000: 1.1x; 18,000 SKUs that never sell added to 2,000: 1.02x)"
            ),
            "{}",
            chart.note
        );
        assert!(
            chart.note.contains("16x the horizon: 16x"),
            "{}",
            chart.note
        );
    }
}
