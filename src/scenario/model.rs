//! The checked scenario: every name resolved to an index, every duration in seconds, every
//! distribution parsed. The engine reads only this; `load` builds it from TOML.

use crate::dist::{Dist, QtyDist};

/// A scenario that passed validation. All times are seconds since the start of the trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Display name (`name`).
    pub name: String,
    /// What the scenario models (`description`), possibly empty.
    pub description: String,
    /// Length of one trial, seconds (`horizon`). Events at or after it are not handled.
    pub horizon: f64,
    /// Currency of penalties and margins (`currency`, default "USD").
    pub currency: String,
    /// Default Monte Carlo settings (`[monte_carlo]`); command-line flags override them.
    pub monte_carlo: MonteCarlo,
    /// Physical stock, receipts and the reorder policy (`[stock]`).
    pub stock: Stock,
    /// Declared nodes in file order, then the implicit node of every channel that sells against
    /// its own name without declaring it, in channel order. At most 64.
    pub nodes: Vec<Node>,
    /// Index into `nodes` of the node with `record = true`, if any.
    pub record: Option<usize>,
    /// Channels in file order.
    pub channels: Vec<Channel>,
    /// Links in file order.
    pub links: Vec<Link>,
    /// Demand peaks in file order.
    pub peaks: Vec<Peak>,
    /// Scheduled orders in file order.
    pub scheduled_orders: Vec<ScheduledOrder>,
    /// The periodic recount (`[reconcile]`), if any.
    pub reconcile: Option<Reconcile>,
    /// The SKUs (MODEL.md Part 2, "Catalogs"): the rows of `[catalog] file`, or the one SKU of a
    /// scenario without a catalog, built from `stock` and the channels.
    pub catalog: Catalog,
    /// Lag and low-stock alerts (`[monitoring]`), if any.
    pub monitoring: Option<Monitoring>,
}

/// `[monitoring]` (MODEL.md Part 2, "Failures nobody sees, and monitoring").
#[derive(Debug, Clone, PartialEq)]
pub struct Monitoring {
    /// A link is late when something it owes is not written this long after its send time,
    /// seconds (`lag_alert`); `None`: no lag alert.
    pub lag_alert: Option<f64>,
    /// Time from an alert to its fix, seconds (`fix_after`, default 0).
    pub fix_after: Dist,
    /// A SKU is low when the record's view is at most this many days of its expected units
    /// (`low_stock_days`); `None`: no low-stock alert.
    pub low_stock_days: Option<f64>,
}

/// The SKUs a scenario sells through its stack.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    /// The catalog file as resolved (`None`: a scenario without `[catalog]`, one SKU).
    pub file: Option<String>,
    /// The SKUs in file order (at least one).
    pub skus: Vec<Sku>,
}

impl Sku {
    /// Whether the SKU is a bundle (it holds no stock; its components do).
    pub fn is_bundle(&self) -> bool {
        !self.components.is_empty()
    }
}

impl Catalog {
    /// Whether the scenario has a `[catalog]` (as opposed to its one implicit SKU).
    pub fn is_catalog(&self) -> bool {
        self.file.is_some()
    }
}

/// One SKU: its own stock, money, reorder policy and listing on every channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Sku {
    /// Its name (`sku` column; `stock` for the SKU of a scenario without a catalog).
    pub name: String,
    /// Line of the catalog file it comes from (0 without a catalog).
    pub line: u64,
    /// Physical units (and every view) at time 0.
    pub initial: i64,
    /// Demand over all channels, orders per day (before peaks and profiles).
    pub orders_per_day: f64,
    /// Unit price, currency.
    pub price: f64,
    /// Margin per unit, currency (withheld units cost this much).
    pub unit_margin: f64,
    /// The (s, Q) reorder policy, if any.
    pub reorder: Option<Reorder>,
    /// Units lost from the shelf, per day while its stock is above 0 (`shrink_per_day`).
    pub shrink_per_day: f64,
    /// Coefficient of variation of the SKU's day-to-day demand (`demand_cv`, 0: plain Poisson).
    pub demand_cv: f64,
    /// A bundle's components: (SKU index, units per bundle); empty for a SKU with stock.
    pub components: Vec<(usize, i64)>,
    /// Per channel, in scenario order.
    pub channels: Vec<SkuChannel>,
}

/// How one SKU sells on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuChannel {
    /// Base Poisson demand of this SKU on this channel, orders per hour.
    pub orders_per_hour: f64,
    /// Whether the channel lists the SKU at all (`listed_<c>`); when not, its listing is 0.
    pub listed: bool,
    /// The listing rule's parameters for this SKU on this channel.
    pub listing: Listing,
    /// Cost of one oversold (cancelled) order, currency.
    pub penalty: Dist,
}

/// The parameters of MODEL.md's listing rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Listing {
    /// Units held back.
    pub buffer: i64,
    /// Percentage of the (buffered) view that is listed, if set.
    pub list_percent: Option<f64>,
    /// List 0 when the view is at or below this, if set.
    pub out_of_stock_at: Option<i64>,
    /// Upper bound of the listing, if set.
    pub max_listed: Option<i64>,
}

/// `[monte_carlo]` defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonteCarlo {
    /// Number of trials (default 10000).
    pub trials: u64,
    /// Base seed (default 2026).
    pub seed: u64,
    /// Events one trial may handle before it is stopped as a runaway (default 10 million).
    pub max_events: u64,
}

impl MonteCarlo {
    /// Events one trial may handle by default: about 3,000 times what a day of the reference
    /// stack needs, and a third of a second of engine time.
    pub const DEFAULT_MAX_EVENTS: u64 = 10_000_000;
}

/// `[stock]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stock {
    /// Physical units on hand at time 0.
    pub initial: i64,
    /// Margin per unit, currency; withheld units cost this much (`lost_margin`).
    pub unit_margin: f64,
    /// Unit price, currency (`stock.price`, default 0): the default of every SKU's `price`.
    pub price: f64,
    /// Fixed receipts, in file order.
    pub receipts: Vec<Receipt>,
    /// The (s, Q) reorder policy, if any.
    pub reorder: Option<Reorder>,
    /// Time from acceptance to shipment (or, for an oversold order, cancellation), seconds
    /// (`ship_after`, MODEL.md Part 2 "Shipping and committed units"); `None`: 0, drawing nothing.
    pub ship_after: Option<Dist>,
    /// Units lost from the shelf per day while stock lasts (`shrink_per_day`, default 0): the
    /// default of every SKU's.
    pub shrink_per_day: f64,
    /// Coefficient of variation of day-to-day demand (`demand_cv`, default 0): the default of
    /// every SKU's.
    pub demand_cv: f64,
}

/// One receipt: `qty` units arrive at `at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Receipt {
    /// Time of arrival, seconds.
    pub at: f64,
    /// Index of the SKU into `catalog.skus` (0 without a catalog).
    pub sku: usize,
    /// Units received (>= 0).
    pub qty: i64,
}

/// (s, Q) reorder policy: when the record's view is <= `point` and no order is open, `qty` units
/// are received `lead_time` later.
#[derive(Debug, Clone, PartialEq)]
pub struct Reorder {
    /// Reorder point s, units.
    pub point: i64,
    /// Order quantity Q, units (>= 1).
    pub qty: i64,
    /// Lead time, seconds.
    pub lead_time: Dist,
}

/// A system that keeps a view of the stock.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Node name (the key under `[nodes]`, or the channel's name for an implicit node).
    pub name: String,
    /// Whether this is the inventory of record.
    pub record: bool,
    /// Starting view, units; `None` means `stock.initial`.
    pub initial: Option<i64>,
    /// The order-processing queue, if any.
    pub processing: Option<Processing>,
    /// API requests per hour the node allows (> 0), if declared. Cost accounting only: the
    /// engine ignores it; `oversell sweep` compares it with the polls against this node.
    pub api_limit_per_hour: Option<f64>,
    /// The token bucket that polls of this node wait for (`api`), if any.
    pub api: Option<Api>,
    /// The feed queue level messages and batches reaching this node wait in (`feeds`), if any.
    pub feeds: Option<Feeds>,
}

/// `api = { requests_per_second, burst }`: a token bucket, full at the start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Api {
    /// Refill rate, tokens per second (> 0).
    pub requests_per_second: f64,
    /// Bucket size, tokens (>= 1; default: the rate, at least 1).
    pub burst: f64,
}

/// `feeds = { service, per_item, servers }`: a FIFO queue of level writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Feeds {
    /// Time per message or batch, seconds.
    pub service: Dist,
    /// Time per item (SKU) of a message or batch, seconds, drawn once and multiplied by `n`.
    pub per_item: Dist,
    /// Parallel servers (>= 1).
    pub servers: u32,
}

/// A FIFO queue of orders arriving over links.
#[derive(Debug, Clone, PartialEq)]
pub struct Processing {
    /// Service time per order, seconds.
    pub service: Dist,
    /// Number of parallel servers (>= 1).
    pub servers: u32,
    /// Rate of other orders (other SKUs) that take service time but change no view, per hour.
    pub background_per_hour: f64,
}

/// A sales channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Channel name (the key under `[channels]`).
    pub name: String,
    /// Index of the node whose view it sells against.
    pub node: usize,
    /// Base Poisson demand, orders per hour (`orders_per_day` is divided by 24); in a catalog,
    /// the sum over SKUs of their demand on this channel.
    pub orders_per_hour: f64,
    /// Weight of the channel in a SKU's demand (`share`, catalog only; default 1).
    pub share: f64,
    /// Units per order.
    pub qty: QtyDist,
    /// Units held back from the listing.
    pub buffer: i64,
    /// Percentage of the (buffered) view that is listed, in [0, 100], if set.
    pub list_percent: Option<f64>,
    /// List 0 when the view is at or below this, if set.
    pub out_of_stock_at: Option<i64>,
    /// Upper bound of the listing, if set.
    pub max_listed: Option<i64>,
    /// Cost of one oversold (cancelled) order, currency.
    pub penalty: Dist,
    /// Cancel-rate limit in [0, 1]; over it when strictly greater.
    pub cancel_rate_limit: Option<f64>,
    /// The window the limit is judged on, seconds (`cancel_rate_window`, default the horizon).
    pub cancel_rate_window: f64,
    /// 24 hourly demand multipliers (the channel's own or the scenario's), if any.
    pub hourly_profile: Option<[f64; 24]>,
}

/// What a link carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carries {
    /// Each order is relayed.
    Orders,
    /// Absolute views overwrite the receiver's.
    Levels,
}

/// A directed integration between two nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// Link name (`name`, default `from->to`); unique.
    pub name: String,
    /// What it carries.
    pub carries: Carries,
    /// Index of the sending node.
    pub from: usize,
    /// Index of the receiving node.
    pub to: usize,
    /// For levels: ignore messages sent earlier than the last one applied.
    pub ordered: bool,
    /// For levels: what value it carries (`publishes`, default available).
    pub publishes: Publishes,
    /// Windows `[from, to)` in which every attempt or poll fails, sorted by start.
    pub outages: Vec<Window>,
    /// How messages travel.
    pub transport: Transport,
}

/// What a levels link carries of its sender's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publishes {
    /// The sender's view (`"available"`).
    Available,
    /// The sender's view plus its committed units, not yet shipped or cancelled (`"on_hand"`).
    OnHand,
}

/// How a link moves messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    /// One message per change or order, pushed.
    Webhook {
        /// Delivery delay of a successful attempt, seconds.
        latency: Dist,
        /// Probability in [0, 1] that an attempt fails.
        drop: f64,
        /// Delays between a failed attempt and the next one, seconds.
        retries: Vec<f64>,
        /// Failed attempts in a row after which the subscription is deleted (`disable_after`).
        disable_after: Option<u32>,
        /// Probability in [0, 1] that a written level message is written once more
        /// (`duplicate`, default 0).
        duplicate: f64,
    },
    /// The receiver pulls on a schedule.
    Poll {
        /// Interval between polls, seconds (> 0).
        every: f64,
        /// First poll time in [0, every); `None` draws it uniformly per trial.
        phase: Option<f64>,
        /// Delay from poll to application, seconds.
        latency: Dist,
        /// API requests one poll makes to the `from` node (>= 0, default 1). Cost accounting
        /// only: the engine ignores it.
        requests_per_poll: f64,
        /// What a levels poll carries (`sync`, default full).
        sync: Sync,
        /// Items per request page (`page_size`); `None`: one request per poll.
        page_size: Option<u64>,
    },
}

/// What a levels poll carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// Every SKU listed at `to`, with its view at `from`.
    Full,
    /// Only the SKUs whose view at `from` differs from what the link last carried.
    Changed,
}

/// A half-open time window `[from, to)`, seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Start, inclusive.
    pub from: f64,
    /// End, exclusive.
    pub to: f64,
}

impl Window {
    /// Whether `t` lies in `[from, to)`.
    pub fn contains(&self, t: f64) -> bool {
        self.from <= t && t < self.to
    }
}

/// A demand multiplier over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Peak {
    /// When it applies.
    pub window: Window,
    /// Factor on the demand rate (>= 0).
    pub multiplier: f64,
    /// Channel indices it applies to; `None` means all channels.
    pub channels: Option<Vec<usize>>,
}

/// An order placed at a fixed time.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledOrder {
    /// Time, seconds.
    pub at: f64,
    /// Channel index.
    pub channel: usize,
    /// Index of the SKU into `catalog.skus` (0 without a catalog).
    pub sku: usize,
    /// Units.
    pub qty: QtyDist,
}

/// The periodic recount that sets every view to the physical stock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reconcile {
    /// First recount, seconds (default `every`).
    pub first: f64,
    /// Interval, seconds (> 0).
    pub every: f64,
}
