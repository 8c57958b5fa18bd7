//! The generated inputs of `bench`: long-tailed catalogs of any size for the four-week stack, and
//! the tune workload, timed through tune's library entry point.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::analysis::catalog::parse_catalog;
use crate::analysis::edit::ScenarioDoc;
use crate::analysis::tune::{Knob, Search, TuneSpec, tune};
use crate::commands::tune::CONFIDENCE;
use crate::montecarlo::RunConfig;
use crate::scenario::{Scenario, Source, builtin::builtin};

/// The four-week catalog stack, read from the source tree.
pub(super) const FOUR_WEEKS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/catalog/four-weeks.toml"
);

/// A catalog of `skus` SKUs whose demand follows a power law of rank (orders per day at rank `r`
/// proportional to `r^-1.2`, the long tail of online retail; see scenarios/catalog/generate.py),
/// scaled so that all of them together sell `orders_per_day`. Stock, reorder point and quantity
/// and shrink scale with each SKU's demand (14, 4 and 14 days of it, 1.5% shrink), so that a
/// catalog of ten times the SKUs at the same total demand does the same work per order. The
/// best seller is named TEE-M, the SKU the stack's scheduled order names.
pub fn long_tail_catalog(skus: usize, orders_per_day: f64) -> String {
    let weight = |rank: usize| (rank as f64).powf(-1.2);
    let total: f64 = (1..=skus).map(weight).sum();
    let mut csv =
        String::from("sku,orders_per_day,initial,reorder_point,reorder_qty,shrink_per_day\n");
    for rank in 1..=skus {
        let rate = orders_per_day * weight(rank) / total;
        let days = |d: f64| (rate * d).round().max(1.0) as i64;
        // The stack's scheduled order names TEE-M: the best seller.
        let name = match rank {
            1 => "TEE-M".to_owned(),
            _ => format!("SKU-{rank:05}"),
        };
        csv.push_str(&format!(
            "{name},{rate:.6},{},{},{},{:.6}\n",
            days(14.0),
            days(4.0) - 1,
            days(14.0),
            0.015 * rate
        ));
    }
    csv
}

/// `catalog` (CSV text with a header, `long_tail_catalog`) with `idle` more SKUs that never
/// sell: no demand, no shrink, stock above their reorder point. They change nothing in a trial,
/// so what they cost is what the catalog's size alone costs.
pub fn with_idle_skus(catalog: &str, idle: usize) -> String {
    let mut csv = catalog.to_owned();
    for i in 1..=idle {
        csv.push_str(&format!("IDLE-{i:05},0,{IDLE_STOCK},0,{IDLE_STOCK},0\n"));
    }
    csv
}

/// Units on hand of each SKU `with_idle_skus` adds.
const IDLE_STOCK: i64 = 14;

/// The four-week stack with its catalog replaced by `catalog` (CSV text) and its horizon by
/// `horizon` (a duration like `7d`), loaded through a temporary folder like any scenario file.
/// With `changed_sync`, Amazon's feed carries the SKUs that changed instead of every SKU: a full
/// feed file takes 0.2 s per SKU at Amazon, so past about 4,000 SKUs its feed queue would grow
/// without end and the work of a trial with it, whatever the engine.
pub fn four_weeks_with(
    catalog: &str,
    horizon: &str,
    changed_sync: bool,
) -> anyhow::Result<Scenario> {
    let text = std::fs::read_to_string(FOUR_WEEKS)?;
    let mut text = text.replacen("horizon = \"28d\"", &format!("horizon = \"{horizon}\""), 1);
    if changed_sync {
        text = text.replace("sync = \"full\"", "sync = \"changed\"");
    }
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("skus.csv"), catalog)?;
    let file = dir.path().join("four-weeks.toml");
    std::fs::write(&file, text)?;
    Ok(Source::load(Some(Path::new(&file)))?.scenario)
}

/// The tune workload: SKUs, knob values and trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TuneWorkload {
    /// SKUs of the generated catalog.
    pub skus: usize,
    /// The knob (Amazon's buffer) goes from 0 to this.
    pub max: i64,
    /// Trials per SKU and knob value.
    pub trials: u64,
    /// Base seed.
    pub seed: u64,
}

/// One timed tune.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TuneMeasurement {
    /// Worker threads.
    pub threads: usize,
    /// Wall-clock time, seconds.
    pub seconds: f64,
    /// SKUs tuned per second.
    pub skus_per_second: f64,
    /// Trials per second if every SKU ran every knob value's trials (the work of a tune that
    /// tries every value, `--search exhaustive`), all threads together: the fast search's
    /// equivalent rate.
    pub trials_per_second: f64,
}

/// A catalog for tune: `skus` SKUs with the long tail of the issue that asked for it (median
/// 0.08 orders a day, at most 40), stock of two weeks (at least 2 units). The SKU at quantile
/// `q` of the ranking sells `0.08 (2q)^-1.5` a day, so any size has the same spread.
fn tune_catalog(skus: usize) -> String {
    let mut csv = String::from("sku,orders_per_day,initial\n");
    for rank in 1..=skus {
        let quantile = (rank as f64 - 0.5) / skus as f64;
        let rate = (0.08 * (2.0 * quantile).powf(-1.5)).min(40.0);
        let initial = (rate * 14.0).round().max(2.0) as i64;
        csv.push_str(&format!("T-{rank:05},{rate:.6},{initial}\n"));
    }
    csv
}

/// Tunes the generated catalog on the built-in polling-15m stack (Amazon's buffer, 0 to
/// `workload.max`) on `threads` threads, through [`crate::analysis::tune::tune`], and times it.
/// Kept apart so that a faster tune plugs in here.
pub fn time_tune(workload: TuneWorkload, threads: usize) -> anyhow::Result<TuneMeasurement> {
    let stack = builtin("polling-15m").expect("polling-15m is built in");
    let scenario = stack.load()?;
    let text = tune_catalog(workload.skus);
    let skus = parse_catalog("<bench catalog>", &text, &scenario)?;
    let amazon = (scenario.channels.iter())
        .position(|c| c.name == "amazon")
        .expect("polling-15m sells on amazon");
    let spec = TuneSpec {
        knob: Knob::Buffer,
        channels: vec![amazon],
        max: workload.max,
        max_cancel_risk: None,
        // What `oversell tune` does by default: bisection with sequential stopping, and the
        // default `--screen 0.001`.
        search: Search::Fast,
        screen: Some(0.001),
        confidence: CONFIDENCE,
    };
    let doc = ScenarioDoc::new("polling-15m.toml", stack.text, scenario)?;
    let config = RunConfig {
        trials: workload.trials,
        seed: workload.seed,
        threads,
    };
    let start = Instant::now();
    tune(&doc, "<bench catalog>", &skus, &spec, config, &|| {})?;
    let seconds = start.elapsed().as_secs_f64();
    let trials = workload.skus as f64 * (workload.max + 1) as f64 * workload.trials as f64;
    Ok(TuneMeasurement {
        threads,
        seconds,
        skus_per_second: workload.skus as f64 / seconds,
        trials_per_second: trials / seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_tail_catalogs_keep_their_total_demand() {
        for skus in [200, 2_000] {
            let csv = long_tail_catalog(skus, 1_500.0);
            let rates: Vec<f64> = (csv.lines().skip(1))
                .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
                .collect();
            assert_eq!(rates.len(), skus);
            let total: f64 = rates.iter().sum();
            assert!((total - 1_500.0).abs() < 0.01 * skus as f64, "{total}");
            assert!(rates.windows(2).all(|w| w[0] >= w[1]));
        }
    }

    #[test]
    fn a_generated_catalog_runs_on_the_four_week_stack() {
        let scenario = four_weeks_with(&long_tail_catalog(50, 100.0), "2d", true).unwrap();
        assert_eq!(scenario.catalog.skus.len(), 50);
        assert_eq!(scenario.horizon, 2.0 * 86_400.0);
    }

    #[test]
    fn skus_that_never_sell_change_no_trial() {
        // The idle point of the scaling series measures what the catalog's size alone costs:
        // its added SKUs must leave every trial as it was, but for their stock on hand.
        let csv = long_tail_catalog(40, 300.0);
        let plain = crate::sim::Plan::new(four_weeks_with(&csv, "3d", true).unwrap());
        let idle = with_idle_skus(&csv, 200);
        let idle = crate::sim::Plan::new(four_weeks_with(&idle, "3d", true).unwrap());
        assert_eq!(idle.skus(), 240);
        let (mut a, mut b) = (
            crate::sim::Engine::new(&plain),
            crate::sim::Engine::new(&idle),
        );
        for trial in 0..3 {
            let a = a.run_trial(2026, trial).unwrap();
            let mut b = b.run_trial(2026, trial).unwrap();
            assert!(a.events > 1_000 && !a.skus.is_empty());
            assert_eq!(b.final_physical, a.final_physical + 200 * IDLE_STOCK);
            b.final_physical = a.final_physical;
            assert_eq!(a, b, "trial {trial}");
        }
    }

    #[test]
    fn the_tune_catalog_has_a_long_tail() {
        let csv = tune_catalog(1_000);
        let mut rates: Vec<f64> = (csv.lines().skip(1))
            .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        rates.sort_by(f64::total_cmp);
        let median = rates[rates.len() / 2];
        assert!((0.03..0.2).contains(&median), "{median}");
        assert!(rates[rates.len() - 1] >= 30.0);
    }
}
