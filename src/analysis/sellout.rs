//! One SKU of one trial around the moment it sold out: its physical stock and every channel's
//! listing of it as step series, its oversells, and its sell-outs (the moments its physical
//! stock reached 0). The demo zooms on one such moment per stack. Pure: the demo draws it.

use crate::analysis::trace::Step;
use crate::sim::{Engine, Event, Plan};

/// Half the width of the zoom around a sell-out, seconds (30 minutes either side).
pub const ZOOM_HALF_WIDTH: f64 = 1800.0;
/// A day, seconds.
const DAY: f64 = 86_400.0;

/// An accepted order of the traced SKU that found no unit on the shelf.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkuOversell {
    /// Seconds since the start of the trial.
    pub time: f64,
    /// Channel index.
    pub channel: usize,
    /// Units the channel listed when it accepted the order.
    pub listed: i64,
}

/// One SKU of one trial, traced over the whole horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuTrace {
    /// Trial index.
    pub trial: u64,
    /// Index of the SKU in the catalog.
    pub sku: usize,
    /// Its name.
    pub sku_name: String,
    /// Channel names, in scenario order.
    pub channels: Vec<String>,
    /// Length of the trial, seconds.
    pub horizon: f64,
    /// Physical stock over time, from time 0; a step only where it changed.
    pub physical: Vec<Step>,
    /// Per channel: units listed over time, from time 0; a step only where it changed.
    pub listed: Vec<Vec<Step>>,
    /// Every oversell of the SKU, in time order.
    pub oversells: Vec<SkuOversell>,
    /// Every moment its physical stock went from above 0 to 0 or below, seconds.
    pub sellouts: Vec<f64>,
}

/// The part of a trace a report shows: the day of a sell-out, and a zoom around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Zoom {
    /// The sell-out the zoom is centred on, seconds since the start of the trial.
    pub sellout: f64,
    /// Start of the zoom, seconds (sell-out − 30 minutes, not before 0).
    pub from: f64,
    /// End of the zoom, seconds (sell-out + 30 minutes, not after the horizon).
    pub to: f64,
    /// Start of the day shown as an overview, seconds (a multiple of 24 h).
    pub day_from: f64,
    /// End of that day, seconds (not after the horizon).
    pub day_to: f64,
}

impl Zoom {
    /// The zoom around `sellout` in a trial of length `horizon`.
    pub fn around(sellout: f64, horizon: f64) -> Zoom {
        let day_from = (sellout / DAY).floor() * DAY;
        Zoom {
            sellout,
            from: (sellout - ZOOM_HALF_WIDTH).max(0.0),
            to: (sellout + ZOOM_HALF_WIDTH).min(horizon),
            day_from,
            day_to: (day_from + DAY).min(horizon),
        }
    }
}

impl SkuTrace {
    /// Oversells within `[from, to)`.
    pub fn oversells_in(&self, from: f64, to: f64) -> impl Iterator<Item = &SkuOversell> {
        self.oversells
            .iter()
            .filter(move |o| o.time >= from && o.time < to)
    }

    /// The first sell-out followed by an oversell within 30 minutes, if any.
    pub fn sellout_with_oversell(&self) -> Option<f64> {
        self.sellouts
            .iter()
            .copied()
            .find(|&s| self.oversells_in(s, s + ZOOM_HALF_WIDTH).next().is_some())
    }

    /// The sell-out nearest to `time`, if any.
    pub fn sellout_nearest(&self, time: f64) -> Option<f64> {
        self.sellouts
            .iter()
            .copied()
            .min_by(|a, b| (a - time).abs().total_cmp(&(b - time).abs()))
    }
}

/// Traces SKU `sku` in trial `trial` of a run of `plan` seeded with `seed`.
pub fn trace_sku(plan: &Plan, seed: u64, trial: u64, sku: usize) -> anyhow::Result<SkuTrace> {
    let s = &plan.scenario;
    let channels = s.channels.len();
    let mut physical: Vec<Step> = Vec::new();
    let mut listed: Vec<Vec<Step>> = vec![Vec::new(); channels];
    let mut oversold: Vec<u64> = vec![0; channels];
    let mut oversells = Vec::new();
    let mut sellouts = Vec::new();
    let mut engine = Engine::new(plan);
    engine.trace_trial(seed, trial, |time, event, snapshot| {
        let on_hand = snapshot.physical_of(sku);
        if physical.is_empty() {
            // The state at time 0, before the first event changed it, is that after it unless
            // the first event touched this SKU; good enough for a chart that starts at a day.
            physical.push(Step {
                time: 0.0,
                value: on_hand,
            });
        }
        let before = physical.last().map_or(on_hand, |step| step.value);
        if before > 0 && on_hand <= 0 {
            sellouts.push(time);
        }
        push_step(&mut physical, time, on_hand);
        for (c, series) in listed.iter_mut().enumerate() {
            let units = snapshot.listed_of(c, sku);
            let was = series.last().map(|step| step.value);
            let now = snapshot.channels[c].oversold;
            if now > oversold[c] {
                if matches!(*event, Event::Demand { channel, sku: k } if channel as usize == c && k as usize == sku)
                {
                    oversells.push(SkuOversell {
                        time,
                        channel: c,
                        listed: was.unwrap_or(units),
                    });
                }
                oversold[c] = now;
            }
            push_step(series, time, units);
        }
    })?;
    Ok(SkuTrace {
        trial,
        sku,
        sku_name: s.catalog.skus[sku].name.clone(),
        channels: s.channels.iter().map(|c| c.name.clone()).collect(),
        horizon: s.horizon,
        physical,
        listed,
        oversells,
        sellouts,
    })
}

/// The first trial (below `trials`) and SKU, in catalog order, where the SKU sold out and a
/// channel oversold it within 30 minutes, with that sell-out: the day worth showing. `None` when
/// no trial has one.
pub fn find_sellout_with_oversell(
    plan: &Plan,
    seed: u64,
    trials: u64,
) -> anyhow::Result<Option<(SkuTrace, f64)>> {
    let mut engine = Engine::new(plan);
    for trial in 0..trials {
        let outcome = engine.run_trial(seed, trial)?;
        for sku in outcome.skus.iter().filter(|k| k.oversold > 0) {
            let trace = trace_sku(plan, seed, trial, sku.sku as usize)?;
            if let Some(sellout) = trace.sellout_with_oversell() {
                return Ok(Some((trace, sellout)));
            }
        }
    }
    Ok(None)
}

/// Appends a step unless the series already has `value`.
fn push_step(series: &mut Vec<Step>, time: f64, value: i64) {
    if series.last().is_none_or(|step| step.value != value) {
        series.push(Step { time, value });
    }
}

/// The value of a step series at `time` (its first value before its first step).
pub fn value_at(series: &[Step], time: f64) -> i64 {
    let after = series.partition_point(|step| step.time <= time);
    series[after.saturating_sub(1)].value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str_with_catalog;

    const SCENARIO: &str = include_str!("../../scenarios/demo/polling-15m.toml");
    const CATALOG: &str = include_str!("../../scenarios/catalog/skus-20.csv");

    fn plan() -> Plan {
        let channels = ["shopify", "amazon", "walmart", "pos"].map(String::from);
        let rows = crate::scenario::catalog::parse_catalog("skus-20.csv", CATALOG, &channels, true)
            .unwrap();
        let mut text = SCENARIO.replace("horizon = \"30d\"", "horizon = \"10d\"");
        text.push('\n');
        Plan::new(load_str_with_catalog("demo.toml", &text, "skus-20.csv", &rows).unwrap())
    }

    #[test]
    fn the_found_sellout_is_followed_by_an_oversell_of_its_sku() {
        let plan = plan();
        let (trace, sellout) = find_sellout_with_oversell(&plan, 2026, 5).unwrap().unwrap();
        assert!(trace.sellouts.contains(&sellout));
        assert!(value_at(&trace.physical, sellout) <= 0);
        let first = trace
            .oversells_in(sellout, sellout + ZOOM_HALF_WIDTH)
            .next()
            .unwrap();
        assert!(first.listed >= 1, "an oversold order was listed: {first:?}");
        // The trace's oversells are the SKU's oversells in the run's outcome.
        let outcome = Engine::new(&plan).run_trial(2026, trace.trial).unwrap();
        let sku = outcome
            .skus
            .iter()
            .find(|k| k.sku as usize == trace.sku)
            .unwrap();
        assert_eq!(trace.oversells.len() as u64, sku.oversold);
        assert!((sku.first_stockout_seconds - trace.sellouts[0]).abs() < 1e-9);
    }

    #[test]
    fn a_zoom_is_an_hour_around_the_sellout_within_its_day() {
        let z = Zoom::around(90_000.0, 30.0 * DAY);
        assert_eq!((z.from, z.to), (88_200.0, 91_800.0));
        assert_eq!((z.day_from, z.day_to), (DAY, 2.0 * DAY));
        let early = Zoom::around(600.0, DAY);
        assert_eq!((early.from, early.to), (0.0, 2_400.0));
        let steps = [
            Step {
                time: 0.0,
                value: 5,
            },
            Step {
                time: 10.0,
                value: 0,
            },
        ];
        assert_eq!(value_at(&steps, 9.9), 5);
        assert_eq!(value_at(&steps, 10.0), 0);
    }
}
