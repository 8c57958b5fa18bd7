//! The scenario file as written: serde types that accept exactly the keys of the format.
//!
//! Every key is optional here so that validation, not serde, reports a missing one (with its key
//! path). Values that may be written in more than one way (a duration, a distribution, a
//! quantity) stay `toml::Value` and are read in validation.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Value;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub horizon: Option<Value>,
    pub currency: Option<String>,
    pub hourly_profile: Option<Vec<f64>>,
    pub monte_carlo: Option<RawMonteCarlo>,
    pub stock: Option<RawStock>,
    #[serde(default)]
    pub nodes: IndexMap<String, RawNode>,
    #[serde(default)]
    pub channels: IndexMap<String, RawChannel>,
    #[serde(default)]
    pub links: Vec<RawLink>,
    #[serde(default)]
    pub peaks: Vec<RawPeak>,
    #[serde(default)]
    pub scheduled_orders: Vec<RawScheduledOrder>,
    pub reconcile: Option<RawReconcile>,
    pub catalog: Option<RawCatalog>,
    pub monitoring: Option<RawMonitoring>,
}

/// `[monitoring]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMonitoring {
    pub lag_alert: Option<Value>,
    pub fix_after: Option<Value>,
    pub low_stock_days: Option<f64>,
}

/// `[catalog]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCatalog {
    pub file: Option<String>,
}

/// `[monte_carlo]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMonteCarlo {
    pub trials: Option<i64>,
    pub seed: Option<i64>,
    pub max_events: Option<i64>,
}

/// `[stock]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStock {
    pub initial: Option<i64>,
    pub unit_margin: Option<f64>,
    pub price: Option<f64>,
    #[serde(default)]
    pub receipts: Vec<RawReceipt>,
    pub reorder: Option<RawReorder>,
    pub ship_after: Option<Value>,
    pub shrink_per_day: Option<f64>,
    pub demand_cv: Option<f64>,
}

/// One of `stock.receipts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReceipt {
    pub at: Option<Value>,
    pub sku: Option<String>,
    pub qty: Option<i64>,
}

/// `stock.reorder`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReorder {
    pub point: Option<i64>,
    pub qty: Option<i64>,
    pub lead_time: Option<Value>,
}

/// `[nodes.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNode {
    pub record: Option<bool>,
    pub initial: Option<i64>,
    pub processing: Option<RawProcessing>,
    pub api_limit_per_hour: Option<f64>,
    pub api: Option<RawApi>,
    pub feeds: Option<RawFeeds>,
}

/// `nodes.NAME.api`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawApi {
    pub requests_per_second: Option<f64>,
    pub burst: Option<f64>,
}

/// `nodes.NAME.feeds`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFeeds {
    pub service: Option<Value>,
    pub per_item: Option<Value>,
    pub servers: Option<i64>,
}

/// `nodes.NAME.processing`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProcessing {
    pub service: Option<Value>,
    pub servers: Option<i64>,
    pub background_per_hour: Option<f64>,
}

/// `[channels.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChannel {
    pub node: Option<String>,
    pub orders_per_hour: Option<f64>,
    pub orders_per_day: Option<f64>,
    pub share: Option<f64>,
    pub qty: Option<Value>,
    pub buffer: Option<i64>,
    pub list_percent: Option<f64>,
    pub out_of_stock_at: Option<i64>,
    pub max_listed: Option<i64>,
    pub penalty: Option<Value>,
    pub cancel_rate_limit: Option<f64>,
    pub cancel_rate_window: Option<Value>,
    pub hourly_profile: Option<Vec<f64>>,
}

/// One of `[[links]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLink {
    pub name: Option<String>,
    pub carries: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub ordered: Option<bool>,
    #[serde(default)]
    pub outages: Vec<RawWindow>,
    pub webhook: Option<RawWebhook>,
    pub poll: Option<RawPoll>,
    pub publishes: Option<String>,
}

/// `links[i].webhook`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWebhook {
    pub latency: Option<Value>,
    pub drop: Option<f64>,
    #[serde(default)]
    pub retries: Vec<Value>,
    #[serde(default)]
    pub outages: Vec<RawWindow>,
    pub disable_after: Option<i64>,
    pub duplicate: Option<f64>,
}

/// `links[i].poll`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPoll {
    pub every: Option<Value>,
    pub phase: Option<Value>,
    pub latency: Option<Value>,
    pub requests_per_poll: Option<f64>,
    pub sync: Option<String>,
    pub page_size: Option<i64>,
    #[serde(default)]
    pub outages: Vec<RawWindow>,
}

/// A `{ from, to }` window (an outage).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWindow {
    pub from: Option<Value>,
    pub to: Option<Value>,
}

/// One of `[[peaks]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPeak {
    pub from: Option<Value>,
    pub to: Option<Value>,
    pub multiplier: Option<f64>,
    pub channels: Option<Vec<String>>,
}

/// One of `[[scheduled_orders]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScheduledOrder {
    pub at: Option<Value>,
    pub channel: Option<String>,
    pub sku: Option<String>,
    pub qty: Option<Value>,
}

/// `[reconcile]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReconcile {
    pub every: Option<Value>,
    pub first: Option<Value>,
}
