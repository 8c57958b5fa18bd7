//! The measures of MODEL.md Part 2, streamed like the others: `revenue` and `cost` per scope,
//! `worst_window_cancel_rate` per channel, `polls`, `requests` and `api_wait_seconds` per link,
//! the monitoring measures and `shrunk_units` of all channels together, and the per-SKU means of
//! a catalog run (exact fixed-point sums, so merging shards or changing the order of trials gives
//! the same numbers).

use indexmap::IndexMap;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use super::stream::ValueAccumulator;
use super::summary::MetricSummary;
use crate::scenario::{Scenario, Transport};
use crate::sim::outcome::TrialOutcome;
pub(super) use check::ScopeFacts;

mod check;

/// Fixed-point scale of the per-SKU sums (millionths), as in the other accumulators.
const SCALE: f64 = 1e6;
/// A year, seconds: money per year is `mean x YEAR / horizon`.
pub const YEAR: f64 = 365.0 * 86_400.0;

/// The Part 2 summaries of one scope (a channel, or all channels together).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScopeExtras {
    /// Fulfilled units times price, currency.
    pub revenue: MetricSummary,
    /// Penalty plus lost margin, currency.
    pub cost: MetricSummary,
    /// Channels only: the worst windowed cancel rate.
    pub worst_window_cancel_rate: Option<MetricSummary>,
    /// 365 days over the horizon: the factor of every `mean_per_year`.
    pub per_year: f64,
    /// Channels only: the cancel-rate limit, a fraction, if the channel has one.
    pub cancel_rate_limit: Option<f64>,
    /// Channels only: the window the limit is judged on, seconds.
    pub cancel_rate_window_seconds: Option<f64>,
    /// All channels together, when the scenario monitors or can disable a webhook: `alerts`,
    /// `disabled_seconds`, `low_stock_alert_seconds`.
    pub monitoring: Option<MonitoringSummary>,
    /// All channels together, when some SKU shrinks: units lost from the shelf a trial.
    pub shrunk_units: Option<MetricSummary>,
}

/// The monitoring measures of MODEL.md Part 2 ("Failures nobody sees, and monitoring").
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonitoringSummary {
    /// Lag alerts raised a trial.
    pub alerts: MetricSummary,
    /// Time webhook subscriptions were deleted, summed over links, seconds.
    pub disabled_seconds: MetricSummary,
    /// When the first low-stock alert was raised (the horizon when never), seconds.
    pub low_stock_alert_seconds: MetricSummary,
}

/// Whether `scenario` reports the monitoring measures: it has `[monitoring]` or a webhook with
/// `disable_after`.
pub fn reports_monitoring(scenario: &Scenario) -> bool {
    scenario.monitoring.is_some()
        || (scenario.links.iter()).any(|l| {
            matches!(
                l.transport,
                Transport::Webhook {
                    disable_after: Some(_),
                    ..
                }
            )
        })
}

/// Whether `scenario` reports `shrunk_units`: some SKU has `shrink_per_day > 0`.
pub fn reports_shrink(scenario: &Scenario) -> bool {
    (scenario.catalog.skus.iter()).any(|sku| sku.shrink_per_day > 0.0)
}

/// Whether `scenario` raises low-stock alerts (`[monitoring] low_stock_days`), so `skus.csv`
/// has a `low_stock_alert_seconds` per SKU.
fn reports_low_stock(scenario: &Scenario) -> bool {
    (scenario.monitoring.as_ref()).is_some_and(|m| m.low_stock_days.is_some())
}

/// A money summary with its `mean_per_year` beside the other statistics.
pub struct Money<'a>(pub &'a MetricSummary, pub f64);

impl Serialize for Money<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Money(s, per_year) = *self;
        let mut map = serializer.serialize_map(Some(8))?;
        map.serialize_entry("mean", &s.mean)?;
        map.serialize_entry("mean_per_year", &(s.mean * per_year))?;
        map.serialize_entry("sd", &s.sd)?;
        map.serialize_entry("ci95", &s.ci95)?;
        map.serialize_entry("p50", &s.p50)?;
        map.serialize_entry("p90", &s.p90)?;
        map.serialize_entry("p99", &s.p99)?;
        map.serialize_entry("max", &s.max)?;
        map.end()
    }
}

/// One link's API use over the trials of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkSummary {
    /// Polls per trial.
    pub polls: MetricSummary,
    /// API requests (pages) per trial.
    pub requests: MetricSummary,
    /// Time polls waited for API tokens per trial, seconds.
    pub api_wait_seconds: MetricSummary,
}

/// One node's feed queue over the trials of a run (nodes with `feeds` only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedSummary {
    /// Level messages and batches served per trial.
    pub items: MetricSummary,
    /// Time they waited for a feed server per trial, summed, seconds.
    pub wait_seconds: MetricSummary,
    /// Mean wait of one item in a trial (0 in a trial without items), seconds.
    pub mean_wait_seconds: MetricSummary,
}

/// One SKU's means over the trials of a catalog run (a row of `skus.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkuSummary {
    /// The SKU.
    pub sku: String,
    /// Mean oversold orders.
    pub oversold: f64,
    /// Mean penalty, currency.
    pub penalty: f64,
    /// Mean lost margin, currency.
    pub lost_margin: f64,
    /// Mean cost (penalty + lost margin), currency.
    pub cost: f64,
    /// Mean cost per year, currency.
    pub cost_per_year: f64,
    /// Mean exposure, seconds.
    pub exposure_seconds: f64,
    /// Mean first stockout (the horizon when none), seconds.
    pub first_stockout_seconds: f64,
    /// Share of trials with at least one oversell of this SKU.
    pub p_any_oversell: f64,
    /// Mean units lost to shrink; empty when no SKU of the scenario shrinks.
    pub shrunk_units: Option<f64>,
    /// Mean time of this SKU's low-stock alert (the horizon when none), seconds; empty without
    /// `[monitoring] low_stock_days`.
    pub low_stock_alert_seconds: Option<f64>,
}

/// Per-SKU sums over trials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct SkuSums {
    oversold: u64,
    penalty: u128,
    lost_margin: u128,
    exposure: u128,
    /// Sum of the first stockouts of the trials that reported the SKU.
    stockout: u128,
    /// Trials that reported the SKU (the others: no stockout, nothing to count).
    reported: u64,
    any_oversell: u64,
    /// Units lost to shrink.
    shrunk: u64,
    /// Sum of the low-stock alert times of the trials that reported the SKU (no default: a
    /// partial result without it is refused, not read as 0).
    low_stock: u128,
}

fn fixed(value: f64) -> u128 {
    (value.max(0.0) * SCALE).round() as u128
}

/// Everything Part 2 adds to a run's streamed statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part2Accumulator {
    /// Per channel, then the total: revenue and cost.
    revenue: Vec<ValueAccumulator>,
    cost: Vec<ValueAccumulator>,
    /// Per channel.
    worst_window: Vec<ValueAccumulator>,
    /// Per poll link: (link index, polls, requests, api wait).
    links: Vec<(usize, ValueAccumulator, ValueAccumulator, ValueAccumulator)>,
    /// Per SKU of a catalog (empty without one).
    skus: Vec<SkuSums>,
    /// Alerts, disabled seconds, first low-stock alert (when the scenario reports them).
    #[serde(default)]
    monitoring: Option<[ValueAccumulator; 3]>,
    /// Per node with a feed queue: (node index, items, wait, mean wait per item). Not in
    /// trials.csv rows (like the per-SKU sums).
    #[serde(default)]
    feeds: Vec<(usize, ValueAccumulator, ValueAccumulator, ValueAccumulator)>,
    /// Units lost to shrink (when some SKU shrinks).
    #[serde(default)]
    shrunk: Option<ValueAccumulator>,
}

impl Part2Accumulator {
    /// An empty accumulator for `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        let scopes = scenario.channels.len() + 1;
        let reals = |n: usize| vec![ValueAccumulator::new(false); n];
        Part2Accumulator {
            revenue: reals(scopes),
            cost: reals(scopes),
            worst_window: reals(scenario.channels.len()),
            links: (scenario.links.iter().enumerate())
                .filter(|(_, link)| matches!(link.transport, Transport::Poll { .. }))
                .map(|(l, _)| {
                    let exact = ValueAccumulator::new(true);
                    (l, exact.clone(), exact, ValueAccumulator::new(false))
                })
                .collect(),
            skus: if scenario.catalog.is_catalog() {
                vec![SkuSums::default(); scenario.catalog.skus.len()]
            } else {
                Vec::new()
            },
            monitoring: reports_monitoring(scenario).then(|| {
                [
                    ValueAccumulator::new(true),
                    ValueAccumulator::new(false),
                    ValueAccumulator::new(false),
                ]
            }),
            feeds: (scenario.nodes.iter().enumerate())
                .filter(|(_, node)| node.feeds.is_some())
                .map(|(n, _)| {
                    let real = ValueAccumulator::new(false);
                    (n, ValueAccumulator::new(true), real.clone(), real)
                })
                .collect(),
            shrunk: reports_shrink(scenario).then(|| ValueAccumulator::new(true)),
        }
    }

    /// Adds one trial.
    pub fn push(&mut self, trial: &TrialOutcome) {
        let (mut revenue, mut cost) = (0.0, 0.0);
        for (c, channel) in trial.channels.iter().enumerate() {
            let channel_cost = channel.penalty + channel.lost_margin;
            self.revenue[c].push(channel.revenue);
            self.cost[c].push(channel_cost);
            self.worst_window[c].push(channel.worst_window_cancel_rate);
            revenue += channel.revenue;
            cost += channel_cost;
        }
        let total = trial.channels.len();
        self.revenue[total].push(revenue);
        self.cost[total].push(cost);
        for (l, polls, requests, wait) in &mut self.links {
            let link = trial.links[*l];
            polls.push(link.polls as f64);
            requests.push(link.requests as f64);
            wait.push(link.api_wait_seconds);
        }
        if let Some([alerts, disabled, low_stock]) = &mut self.monitoring {
            alerts.push(trial.alerts as f64);
            disabled.push(trial.disabled_seconds);
            low_stock.push(trial.low_stock_alert_seconds);
        }
        if let Some(shrunk) = &mut self.shrunk {
            shrunk.push(trial.shrunk_units as f64);
        }
        for (n, items, wait, mean_wait) in &mut self.feeds {
            let feed = trial.feeds.get(*n).copied().unwrap_or_default();
            items.push(feed.items as f64);
            wait.push(feed.wait_seconds);
            mean_wait.push(if feed.items > 0 {
                feed.wait_seconds / feed.items as f64
            } else {
                0.0
            });
        }
        for row in &trial.skus {
            let sums = &mut self.skus[row.sku as usize];
            sums.oversold += row.oversold;
            sums.penalty += fixed(row.penalty);
            sums.lost_margin += fixed(row.lost_margin);
            sums.exposure += fixed(row.exposure_seconds);
            sums.stockout += fixed(row.first_stockout_seconds);
            sums.reported += 1;
            sums.any_oversell += u64::from(row.oversold > 0);
            sums.shrunk += row.shrunk_units;
            sums.low_stock += fixed(row.low_stock_alert_seconds);
        }
    }

    /// Adds one trial given as the Part 2 columns of its `trials.csv` row: revenue and cost
    /// per scope, the worst windowed rate per channel, polls, requests and API wait per poll
    /// link, then alerts, disabled and low-stock alert seconds when the scenario reports them,
    /// then the units lost to shrink when some SKU shrinks (the last column). Per-SKU sums and
    /// feed queues are not in the row and stay as they are.
    pub fn push_values(&mut self, row: &[f64]) {
        let scopes = self.revenue.len();
        for s in 0..scopes {
            self.revenue[s].push(row[2 * s]);
            self.cost[s].push(row[2 * s + 1]);
        }
        let worst = &row[2 * scopes..];
        for (c, acc) in self.worst_window.iter_mut().enumerate() {
            acc.push(worst[c]);
        }
        let links = &worst[self.worst_window.len()..];
        for (i, (_, polls, requests, wait)) in self.links.iter_mut().enumerate() {
            polls.push(links[3 * i]);
            requests.push(links[3 * i + 1]);
            wait.push(links[3 * i + 2]);
        }
        let mut at = 3 * self.links.len();
        if let Some(monitoring) = &mut self.monitoring {
            for (acc, &value) in monitoring.iter_mut().zip(&links[at..at + 3]) {
                acc.push(value);
            }
            at += 3;
        }
        if let Some(shrunk) = &mut self.shrunk {
            shrunk.push(links[at]);
        }
    }

    /// The number of values [`Part2Accumulator::push_values`] reads for `scenario`.
    pub fn row_len(scenario: &Scenario) -> usize {
        let channels = scenario.channels.len();
        let polls = (scenario.links.iter())
            .filter(|link| matches!(link.transport, Transport::Poll { .. }))
            .count();
        let monitoring = if reports_monitoring(scenario) { 3 } else { 0 };
        let shrink = usize::from(reports_shrink(scenario));
        2 * (channels + 1) + channels + 3 * polls + monitoring + shrink
    }

    /// Whether everything a trials.csv row holds agrees (all but the per-SKU sums and the feed
    /// queues).
    pub fn agrees_with_rows(&self, rebuilt: &Part2Accumulator) -> bool {
        self.revenue == rebuilt.revenue
            && self.cost == rebuilt.cost
            && self.worst_window == rebuilt.worst_window
            && self.links == rebuilt.links
            && self.monitoring == rebuilt.monitoring
            && self.shrunk == rebuilt.shrunk
    }

    /// Adds everything `other` (of the same scenario) saw.
    pub fn merge(&mut self, other: &Part2Accumulator) {
        let pairs = |a: &mut Vec<ValueAccumulator>, b: &Vec<ValueAccumulator>| {
            a.iter_mut().zip(b).for_each(|(a, b)| a.merge(b));
        };
        pairs(&mut self.revenue, &other.revenue);
        pairs(&mut self.cost, &other.cost);
        pairs(&mut self.worst_window, &other.worst_window);
        for (a, b) in self.links.iter_mut().zip(&other.links) {
            a.1.merge(&b.1);
            a.2.merge(&b.2);
            a.3.merge(&b.3);
        }
        if let (Some(a), Some(b)) = (&mut self.monitoring, &other.monitoring) {
            a.iter_mut().zip(b).for_each(|(a, b)| a.merge(b));
        }
        for (a, b) in self.feeds.iter_mut().zip(&other.feeds) {
            a.1.merge(&b.1);
            a.2.merge(&b.2);
            a.3.merge(&b.3);
        }
        if let (Some(a), Some(b)) = (&mut self.shrunk, &other.shrunk) {
            a.merge(b);
        }
        for (a, b) in self.skus.iter_mut().zip(&other.skus) {
            a.oversold += b.oversold;
            a.penalty += b.penalty;
            a.lost_margin += b.lost_margin;
            a.exposure += b.exposure;
            a.stockout += b.stockout;
            a.reported += b.reported;
            a.any_oversell += b.any_oversell;
            a.shrunk += b.shrunk;
            a.low_stock += b.low_stock;
        }
    }

    /// The extras of channel `c` (`None`: all channels together).
    pub fn scope(&self, scenario: &Scenario, c: Option<usize>) -> ScopeExtras {
        let i = c.unwrap_or(scenario.channels.len());
        ScopeExtras {
            revenue: self.revenue[i].summary(),
            cost: self.cost[i].summary(),
            worst_window_cancel_rate: c.map(|c| self.worst_window[c].summary()),
            per_year: YEAR / scenario.horizon,
            monitoring: match (&self.monitoring, c) {
                (Some([alerts, disabled, low_stock]), None) => Some(MonitoringSummary {
                    alerts: alerts.summary(),
                    disabled_seconds: disabled.summary(),
                    low_stock_alert_seconds: low_stock.summary(),
                }),
                _ => None,
            },
            shrunk_units: (self.shrunk.as_ref())
                .filter(|_| c.is_none())
                .map(ValueAccumulator::summary),
            cancel_rate_limit: c.and_then(|c| scenario.channels[c].cancel_rate_limit),
            cancel_rate_window_seconds: c.map(|c| scenario.channels[c].cancel_rate_window),
        }
    }

    /// Per node with a feed queue, by name.
    pub fn feeds(&self, scenario: &Scenario) -> IndexMap<String, FeedSummary> {
        (self.feeds.iter())
            .map(|(n, items, wait, mean_wait)| {
                let summary = FeedSummary {
                    items: items.summary(),
                    wait_seconds: wait.summary(),
                    mean_wait_seconds: mean_wait.summary(),
                };
                (scenario.nodes[*n].name.clone(), summary)
            })
            .collect()
    }

    /// Per poll link, by name.
    pub fn links(&self, scenario: &Scenario) -> IndexMap<String, LinkSummary> {
        (self.links.iter())
            .map(|(l, polls, requests, wait)| {
                let summary = LinkSummary {
                    polls: polls.summary(),
                    requests: requests.summary(),
                    api_wait_seconds: wait.summary(),
                };
                (scenario.links[*l].name.clone(), summary)
            })
            .collect()
    }

    /// Per SKU of a catalog run over `trials` trials, in catalog order (empty without one).
    pub fn skus(&self, scenario: &Scenario, trials: u64) -> Vec<SkuSummary> {
        let n = trials.max(1) as f64;
        let horizon = scenario.horizon;
        let mean = |sum: u128| sum as f64 / SCALE / n;
        let (shrink, low_stock) = (reports_shrink(scenario), reports_low_stock(scenario));
        (scenario.catalog.skus.iter().zip(&self.skus))
            .map(|(sku, sums)| {
                let (penalty, lost_margin) = (mean(sums.penalty), mean(sums.lost_margin));
                let unreported = trials.saturating_sub(sums.reported) as f64;
                SkuSummary {
                    sku: sku.name.clone(),
                    oversold: sums.oversold as f64 / n,
                    penalty,
                    lost_margin,
                    cost: penalty + lost_margin,
                    cost_per_year: (penalty + lost_margin) * YEAR / horizon,
                    exposure_seconds: mean(sums.exposure),
                    first_stockout_seconds: mean(sums.stockout) + unreported * horizon / n,
                    p_any_oversell: sums.any_oversell as f64 / n,
                    shrunk_units: shrink.then(|| sums.shrunk as f64 / n),
                    low_stock_alert_seconds: low_stock
                        .then(|| mean(sums.low_stock) + unreported * horizon / n),
                }
            })
            .collect()
    }
}
