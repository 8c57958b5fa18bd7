//! Safety stock per SKU: for each SKU of a catalog, the scenario with the SKU's stock, velocity,
//! margin and penalties, run at every value 0..=max of a listing knob (`buffer` or
//! `out_of_stock_at`, on the chosen channels), on common random numbers; the value with the least
//! expected penalty + lost margin wins, optionally among those whose risk of going over a
//! cancel-rate limit is at most a cap.
//!
//! SKUs are tuned in parallel, each SKU's trials one after another in its worker. Pure: the
//! `tune` command writes what it finds.

use rayon::prelude::*;
use serde::Serialize;

use super::catalog::Sku;
use super::edit::{KeyRef, ScenarioDoc};
use super::input::InputError;
use crate::montecarlo::{RunConfig, for_each_trial_sequential};
use crate::scenario::Scenario;
use crate::sim::Plan;
use crate::stats::{Metric, RunAccumulator};

/// The listing rule that holds stock back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Knob {
    /// `buffer`: list the view minus this many units.
    Buffer,
    /// `out_of_stock_at`: list nothing once the view is at or below this.
    OutOfStockAt,
}

impl Knob {
    /// The channel key it sets.
    pub fn key(self) -> &'static str {
        match self {
            Knob::Buffer => "buffer",
            Knob::OutOfStockAt => "out_of_stock_at",
        }
    }
}

/// What to tune and how.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneSpec {
    /// The knob.
    pub knob: Knob,
    /// Indices of the channels it is set on (the same value on each).
    pub channels: Vec<usize>,
    /// The largest value tried (values 0..=max).
    pub max: i64,
    /// The most P(cancel rate over limit) a recommendation may carry, if capped.
    pub max_cancel_risk: Option<f64>,
}

/// Expected results of a SKU at one knob value, means over trials, all channels together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnobOutcome {
    /// The knob's value, units.
    pub value: i64,
    /// Oversold orders.
    pub oversold: f64,
    /// Penalty, currency.
    pub penalty: f64,
    /// Lost margin (withheld units x unit margin), currency.
    pub lost_margin: f64,
    /// Penalty + lost margin, currency: what the recommendation minimises.
    pub cost: f64,
    /// Share of trials with any channel over its cancel-rate limit; `None` without limits.
    pub p_cancel_rate_over_limit: Option<f64>,
}

/// The recommendation for one SKU.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// The SKU.
    pub sku: String,
    /// Orders per day over all channels.
    pub orders_per_day: f64,
    /// Units on hand at the start.
    pub initial: i64,
    /// The recommended knob value, units.
    pub recommended: i64,
    /// Results at the recommended value.
    pub at_recommended: KnobOutcome,
    /// Results at 0 (no safety stock).
    pub at_zero: KnobOutcome,
    /// Cost at 0 minus cost at the recommended value, currency per trial.
    pub saving: f64,
    /// Whether the recommendation meets `--max-cancel-risk`; `None` without a cap.
    pub meets_risk_cap: Option<bool>,
    /// A remark, when no value meets the cap.
    pub note: Option<String>,
    /// Results at every value tried, 0..=max.
    pub curve: Vec<KnobOutcome>,
}

/// A whole tuning run. Serialises to `tune.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tuning {
    /// Scenario name.
    pub scenario: String,
    /// The scenario file.
    pub file: String,
    /// The catalog file.
    pub catalog: String,
    /// The knob tuned.
    pub knob: Knob,
    /// The channels it was set on.
    pub channels: Vec<String>,
    /// The largest value tried.
    pub max: i64,
    /// The cap on P(cancel rate over limit), if any.
    pub max_cancel_risk: Option<f64>,
    /// Trials per SKU and value.
    pub trials: u64,
    /// Base seed shared by every SKU and value.
    pub seed: u64,
    /// Currency of penalties and margins.
    pub currency: String,
    /// One recommendation per SKU, in catalog order.
    pub skus: Vec<Recommendation>,
    /// The account-level check of the whole catalog (with `--max-cancel-risk`).
    pub account: Option<AccountCheck>,
}

/// Per SKU, the edits that make the scenario that SKU's.
struct SkuEdits {
    initial: KeyRef,
    unit_margin: KeyRef,
    rates: Vec<KeyRef>,
    penalties: Vec<KeyRef>,
    knobs: Vec<KeyRef>,
    /// `stock.reorder.point` and `.qty`, when the scenario reorders.
    reorder: Option<(KeyRef, KeyRef)>,
}

impl SkuEdits {
    fn new(doc: &ScenarioDoc, spec: &TuneSpec) -> Result<SkuEdits, String> {
        let channel = |c: usize, key: &str| {
            let name = &doc.scenario.channels[c].name;
            doc.resolve(&format!("channels.\"{name}\".{key}"))
        };
        let all = 0..doc.scenario.channels.len();
        Ok(SkuEdits {
            initial: doc.resolve("stock.initial")?,
            unit_margin: doc.resolve("stock.unit_margin")?,
            rates: all
                .clone()
                .map(|c| channel(c, "orders_per_day"))
                .collect::<Result<_, _>>()?,
            penalties: all
                .map(|c| channel(c, "penalty"))
                .collect::<Result<_, _>>()?,
            knobs: spec
                .channels
                .iter()
                .map(|&c| channel(c, spec.knob.key()))
                .collect::<Result<_, _>>()?,
            reorder: match doc.scenario.stock.reorder {
                Some(_) => Some((
                    doc.resolve("stock.reorder.point")?,
                    doc.resolve("stock.reorder.qty")?,
                )),
                None => None,
            },
        })
    }

    /// The edits for `sku` with the knob at `value`.
    fn for_sku(&self, sku: &Sku, value: i64) -> Vec<(&KeyRef, f64)> {
        let mut edits = vec![
            (&self.initial, sku.initial as f64),
            (&self.unit_margin, sku.unit_margin),
        ];
        edits.extend(
            self.rates
                .iter()
                .zip(&sku.channel_orders_per_day)
                .map(|(k, r)| (k, *r)),
        );
        edits.extend(
            self.penalties
                .iter()
                .zip(&sku.penalties)
                .filter_map(|(k, p)| p.map(|p| (k, p))),
        );
        edits.extend(self.knobs.iter().map(|k| (k, value as f64)));
        if let Some((point, qty)) = &self.reorder {
            edits.extend(sku.reorder_point.map(|p| (point, p as f64)));
            edits.extend(sku.reorder_qty.map(|q| (qty, q as f64)));
        }
        edits
    }
}

/// Tunes every SKU (in parallel on `config.threads` threads, results in catalog order); `done`
/// is called after each SKU. `catalog` names the file in errors.
pub fn tune(
    doc: &ScenarioDoc,
    catalog: &str,
    skus: &[Sku],
    spec: &TuneSpec,
    config: RunConfig,
    done: &(dyn Fn() + Sync),
) -> anyhow::Result<Vec<Recommendation>> {
    let edits = SkuEdits::new(doc, spec).map_err(|e| InputError::flag("--channels", e))?;
    // Every SKU's scenario at both ends of the range loads before anything runs.
    for sku in skus {
        for value in [0, spec.max] {
            load(doc, catalog, &edits, sku, value)?;
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()?;
    pool.install(|| {
        skus.par_iter()
            .map(|sku| {
                let recommendation = tune_sku(doc, catalog, &edits, sku, spec, config);
                done();
                recommendation
            })
            .collect()
    })
}

/// The scenario of `sku` with the knob at `value`.
fn load(
    doc: &ScenarioDoc,
    catalog: &str,
    edits: &SkuEdits,
    sku: &Sku,
    value: i64,
) -> Result<Scenario, InputError> {
    doc.load(&edits.for_sku(sku, value)).map_err(|e| {
        InputError::catalog(catalog, sku.line, None, format!("SKU `{}`: {e}", sku.sku))
    })
}

fn tune_sku(
    doc: &ScenarioDoc,
    catalog: &str,
    edits: &SkuEdits,
    sku: &Sku,
    spec: &TuneSpec,
    config: RunConfig,
) -> anyhow::Result<Recommendation> {
    let mut curve = Vec::with_capacity(spec.max as usize + 1);
    for value in 0..=spec.max {
        let scenario = load(doc, catalog, edits, sku, value)?;
        curve.push(outcome_at(scenario, value, config)?);
    }
    Ok(recommend(sku, curve, spec.max_cancel_risk))
}

/// Runs the scenario with the knob at `value`, its trials one after another.
fn outcome_at(scenario: Scenario, value: i64, config: RunConfig) -> anyhow::Result<KnobOutcome> {
    let plan = Plan::new(scenario);
    let mut stats = RunAccumulator::new(&plan.scenario);
    for_each_trial_sequential(&plan, config, |_, outcome| {
        stats.push(&plan.scenario, outcome);
        Ok(())
    })?;
    let summary = stats.summary(&plan.scenario, config.seed);
    let mean = |m: Metric| summary.total.metric(m).mean;
    let (penalty, lost_margin) = (mean(Metric::Penalty), mean(Metric::LostMargin));
    Ok(KnobOutcome {
        value,
        oversold: mean(Metric::Oversold),
        penalty,
        lost_margin,
        cost: penalty + lost_margin,
        p_cancel_rate_over_limit: summary.total.p_cancel_rate_over_limit,
    })
}

/// The value with the least cost among those within the risk cap (the smallest such value on a
/// tie); without any, the value with the least risk, and a note saying so.
pub fn recommend(sku: &Sku, curve: Vec<KnobOutcome>, cap: Option<f64>) -> Recommendation {
    let within = |o: &KnobOutcome| match cap {
        None => true,
        Some(cap) => o.p_cancel_rate_over_limit.is_some_and(|p| p <= cap),
    };
    // `min_by` keeps the first of equal elements: the smallest value.
    let cheapest = curve
        .iter()
        .filter(|o| within(o))
        .min_by(|a, b| a.cost.total_cmp(&b.cost));
    let (best, note) = match (cheapest, cap) {
        (Some(best), _) => (best.clone(), None),
        (None, cap) => {
            let risk = |o: &KnobOutcome| o.p_cancel_rate_over_limit.unwrap_or(1.0);
            let safest = curve
                .iter()
                .min_by(|a, b| risk(a).total_cmp(&risk(b)).then(a.cost.total_cmp(&b.cost)))
                .expect("the curve has at least the value 0")
                .clone();
            let note = format!(
                "no value up to {} keeps P(cancel rate over limit) at or below {}; the lowest \
                 risk is {:.4}, at {}",
                curve.len() - 1,
                cap.unwrap_or(0.0),
                risk(&safest),
                safest.value
            );
            (safest, Some(note))
        }
    };
    let at_zero = curve[0].clone();
    Recommendation {
        sku: sku.sku.clone(),
        orders_per_day: sku.orders_per_day,
        initial: sku.initial,
        recommended: best.value,
        saving: at_zero.cost - best.cost,
        meets_risk_cap: cap.map(|_| note.is_none()),
        note,
        at_recommended: best,
        at_zero,
        curve,
    }
}

/// One marketplace (a channel with a cancel-rate limit) judged over the whole catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketplaceRisk {
    /// The channel.
    pub channel: String,
    /// Its limit on the cancel rate, a share.
    pub limit: f64,
    /// The window its rate is judged on, seconds.
    pub window_seconds: f64,
    /// P(worst-window cancel rate over the limit) with the per-SKU choices.
    pub at_per_sku: f64,
    /// The same with the values after the check.
    pub after: f64,
}

/// One raise of the account check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountStep {
    /// The SKU raised.
    pub sku: String,
    /// Its new value, units.
    pub value: i64,
    /// P(worst-window cancel rate over the limit) per marketplace after the step, in the order
    /// of [`AccountCheck::marketplaces`].
    pub risk: Vec<f64>,
    /// Mean lost margin of the catalog per trial after the step, currency.
    pub lost_margin: f64,
}

/// What the account check found. Serialises into `tune.json` as `account`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountCheck {
    /// The cap on P(worst-window cancel rate over the limit), per marketplace.
    pub max_cancel_risk: f64,
    /// Trials of each catalog run.
    pub trials: u64,
    /// Every marketplace, before and after.
    pub marketplaces: Vec<MarketplaceRisk>,
    /// Mean lost margin of the catalog per trial, with the per-SKU choices and after, currency.
    pub lost_margin: [f64; 2],
    /// Mean cost (penalty + lost margin) of the catalog per trial, before and after, currency.
    pub cost: [f64; 2],
    /// The raises, in the order made.
    pub steps: Vec<AccountStep>,
    /// Whether every marketplace is within the cap after the check.
    pub meets: bool,
    /// Why the check stopped short of the cap, or did not run.
    pub note: Option<String>,
    /// The value of every SKU after the check, in catalog order.
    pub values: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku() -> Sku {
        Sku {
            sku: "A".into(),
            line: 2,
            initial: 5,
            orders_per_day: 10.0,
            unit_margin: 1.0,
            channel_orders_per_day: vec![10.0],
            penalties: vec![None],
            reorder_point: None,
            reorder_qty: None,
        }
    }

    fn at(value: i64, cost: f64, risk: f64) -> KnobOutcome {
        KnobOutcome {
            value,
            oversold: 0.0,
            penalty: cost,
            lost_margin: 0.0,
            cost,
            p_cancel_rate_over_limit: Some(risk),
        }
    }

    #[test]
    fn the_cheapest_value_wins_and_ties_go_to_the_smallest() {
        let curve = vec![
            at(0, 9.0, 0.3),
            at(1, 4.0, 0.2),
            at(2, 4.0, 0.1),
            at(3, 6.0, 0.0),
        ];
        let r = recommend(&sku(), curve.clone(), None);
        assert_eq!((r.recommended, r.saving), (1, 5.0));
        assert_eq!(r.meets_risk_cap, None);
        let r = recommend(&sku(), curve.clone(), Some(0.15));
        assert_eq!(r.recommended, 2);
        assert_eq!(r.meets_risk_cap, Some(true));
        let r = recommend(&sku(), curve, Some(0.0));
        assert_eq!(r.recommended, 3);
    }

    #[test]
    fn without_a_value_under_the_cap_the_safest_is_shown_with_a_note() {
        let curve = vec![at(0, 1.0, 0.3), at(1, 2.0, 0.2), at(2, 3.0, 0.2)];
        let r = recommend(&sku(), curve, Some(0.1));
        assert_eq!(r.recommended, 1);
        assert_eq!(r.meets_risk_cap, Some(false));
        let note = r.note.unwrap();
        assert!(note.starts_with("no value up to 2 keeps"), "{note}");
        assert_eq!(r.saving, -1.0);
    }
}
