//! Safety stock per SKU: for each SKU of a catalog, the scenario with the SKU's stock, velocity,
//! margin and penalties, run at values of a listing knob (`buffer` or `out_of_stock_at`, on the
//! chosen channels) on common random numbers; the value with the least expected penalty + lost
//! margin wins, optionally among those whose risk of going over a cancel-rate limit is at most a
//! cap. SKUs whose demand cannot reach their stock are screened out first ([`super::screen`]);
//! the others are searched by bisection with sequential stopping ([`super::tune_search`]), or at
//! every value on every trial (`--search exhaustive`).
//!
//! SKUs are tuned in parallel, each SKU's trials one after another in its worker. Pure: the
//! `tune` command writes what it finds.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::catalog::Sku;
use super::edit::{KeyRef, ScenarioDoc};
use super::input::InputError;
use super::screen::{p_demand_exceeds, unscreenable};
use super::tune_search::SkuSearch;
pub use super::tune_search::{NeighbourTest, Search, Sequential};
use crate::montecarlo::RunConfig;
use crate::scenario::Scenario;

/// The listing rule that holds stock back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TuneSpec {
    /// The knob.
    pub knob: Knob,
    /// Indices of the channels it is set on (the same value on each).
    pub channels: Vec<usize>,
    /// The largest value tried (values 0..=max).
    pub max: i64,
    /// The most P(cancel rate over limit) a recommendation may carry, if capped.
    pub max_cancel_risk: Option<f64>,
    /// How values are searched.
    pub search: Search,
    /// Screen out SKUs with P(demand over the horizon > stock) at most this; `None`: no screen.
    pub screen: Option<f64>,
    /// Confidence of each SKU's decisions together (0.95).
    pub confidence: f64,
}

/// Expected results of a SKU at one knob value, means over trials, all channels together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Trials behind these means (0: not simulated, a screened SKU).
    pub trials: u64,
}

/// How a recommendation was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Every neighbour comparison decided in its favour at the confidence.
    Decided,
    /// Some neighbour comparison was not decided at the trial cap (or no value met the cap).
    Undecided,
    /// Not simulated: demand cannot reach the stock within the horizon but with probability
    /// `screen_bound`.
    Screened,
}

impl Decision {
    /// The word in tables and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Decided => "decided",
            Decision::Undecided => "undecided",
            Decision::Screened => "screened",
        }
    }
}

/// The recommendation for one SKU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Decided, undecided or screened.
    pub decision: Decision,
    /// P(units demanded over the horizon > stock), where screening applies.
    pub screen_bound: Option<f64>,
    /// The comparisons with the recommendation's neighbours.
    pub neighbours: Vec<NeighbourTest>,
    /// Trials run for the SKU over all values.
    pub trials: u64,
    /// Results at every value run, by value.
    pub curve: Vec<KnobOutcome>,
}

/// How the values were searched, and what it took. Serialises into `tune.json` as `search`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchReport {
    /// `fast` (bisection with sequential stopping) or `exhaustive`.
    pub method: Search,
    /// The sequential test.
    pub sequential: Sequential,
    /// The screen's epsilon on P(demand over the horizon > stock); `None`: off.
    pub screen_epsilon: Option<f64>,
    /// Why the screen was not applied, if it was asked for and the scenario does not allow it.
    pub screen_note: Option<String>,
    /// SKUs screened out (not simulated).
    pub screened: u64,
    /// SKUs whose recommendation is undecided.
    pub undecided: u64,
    /// Trials run over all SKUs and values.
    pub trials: u64,
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
    /// How the values were searched.
    pub search: SearchReport,
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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .build()?;
    // The exhaustive search is the old method: every value of every SKU, nothing screened.
    let screen = (spec.screen)
        .filter(|_| spec.search == Search::Fast && unscreenable(&doc.scenario).is_none());
    let seq = sequential(spec, config);
    pool.install(|| {
        // Every SKU's scenario at both ends of the range loads before anything runs.
        skus.par_iter().try_for_each(|sku| {
            [0, spec.max]
                .iter()
                .try_for_each(|&value| load(doc, catalog, &edits, sku, value).map(|_| ()))
        })?;
        skus.par_iter()
            .map(|sku| {
                let recommendation = tune_sku(doc, catalog, &edits, sku, spec, seq, config, screen);
                done();
                recommendation
            })
            .collect()
    })
}

/// The sequential test of `spec` with `config`'s trials as the cap.
pub fn sequential(spec: &TuneSpec, config: RunConfig) -> Sequential {
    Sequential::new(
        spec.confidence,
        config.trials,
        spec.max,
        spec.max_cancel_risk.is_some(),
    )
}

/// The search report of finished recommendations.
pub fn search_report(
    doc: &ScenarioDoc,
    spec: &TuneSpec,
    config: RunConfig,
    skus: &[Recommendation],
) -> SearchReport {
    let count = |d: Decision| skus.iter().filter(|r| r.decision == d).count() as u64;
    SearchReport {
        method: spec.search,
        sequential: sequential(spec, config),
        screen_epsilon: spec.screen.filter(|_| spec.search == Search::Fast),
        screen_note: (spec.screen.filter(|_| spec.search == Search::Fast))
            .and_then(|_| unscreenable(&doc.scenario))
            .map(|why| format!("not screened: {why}")),
        screened: count(Decision::Screened),
        undecided: count(Decision::Undecided),
        trials: skus.iter().map(|r| r.trials).sum(),
    }
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

#[allow(clippy::too_many_arguments)]
fn tune_sku(
    doc: &ScenarioDoc,
    catalog: &str,
    edits: &SkuEdits,
    sku: &Sku,
    spec: &TuneSpec,
    seq: Sequential,
    config: RunConfig,
    screen: Option<f64>,
) -> anyhow::Result<Recommendation> {
    let bound =
        screen.map(|_| p_demand_exceeds(&doc.scenario, &sku.channel_orders_per_day, sku.initial));
    if let (Some(epsilon), Some(bound)) = (screen, bound)
        && bound <= epsilon
    {
        return Ok(screened(doc, sku, spec, bound));
    }
    let loader =
        |value: i64| -> anyhow::Result<Scenario> { Ok(load(doc, catalog, edits, sku, value)?) };
    let found = SkuSearch::new(seq, config.seed, spec.max, &spec.channels, &loader)
        .run(spec.search, spec.max_cancel_risk)?;
    let at = |value: i64| {
        (found.curve.iter())
            .find(|o| o.value == value)
            .cloned()
            .expect("the search runs 0 and the recommendation")
    };
    let (best, at_zero) = (at(found.value), at(0));
    Ok(Recommendation {
        sku: sku.sku.clone(),
        orders_per_day: sku.orders_per_day,
        initial: sku.initial,
        recommended: found.value,
        saving: at_zero.cost - best.cost,
        meets_risk_cap: found.meets_risk_cap,
        note: found.note,
        decision: if found.decided {
            Decision::Decided
        } else {
            Decision::Undecided
        },
        screen_bound: bound,
        neighbours: found.neighbours,
        trials: found.trials,
        at_recommended: best,
        at_zero,
        curve: found.curve,
    })
}

/// The recommendation of a screened SKU: the knob at 0, nothing simulated; its figures are 0
/// (the chance of any oversold order is at most `bound`).
fn screened(doc: &ScenarioDoc, sku: &Sku, spec: &TuneSpec, bound: f64) -> Recommendation {
    let limited = doc
        .scenario
        .channels
        .iter()
        .any(|c| c.cancel_rate_limit.is_some());
    let zero = KnobOutcome {
        value: 0,
        oversold: 0.0,
        penalty: 0.0,
        lost_margin: 0.0,
        cost: 0.0,
        p_cancel_rate_over_limit: limited.then_some(0.0),
        trials: 0,
    };
    Recommendation {
        sku: sku.sku.clone(),
        orders_per_day: sku.orders_per_day,
        initial: sku.initial,
        recommended: 0,
        at_recommended: zero.clone(),
        at_zero: zero,
        saving: 0.0,
        meets_risk_cap: spec.max_cancel_risk.map(|_| true),
        note: None,
        decision: Decision::Screened,
        screen_bound: Some(bound),
        neighbours: Vec::new(),
        trials: 0,
        curve: Vec::new(),
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
impl SearchReport {
    /// A report for unit tests of the writers: the fast search of 100 trials, nothing screened.
    pub fn fixture() -> SearchReport {
        SearchReport {
            method: Search::Fast,
            sequential: Sequential::new(0.95, 100, 1, false),
            screen_epsilon: Some(0.001),
            screen_note: None,
            screened: 0,
            undecided: 1,
            trials: 200,
        }
    }
}
