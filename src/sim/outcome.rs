//! What one trial measured, before any aggregation over trials.

/// One channel's counts in one trial.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChannelOutcome {
    /// Orders that arrived (demand and scheduled).
    pub arrivals: u64,
    /// Orders accepted (fulfilled + oversold).
    pub accepted: u64,
    /// Accepted orders served from physical stock.
    pub fulfilled: u64,
    /// Accepted orders that found too few physical units: cancelled.
    pub oversold: u64,
    /// Rejected orders that the physical stock could have served.
    pub rejected_withheld: u64,
    /// Rejected orders that the physical stock could not have served.
    pub rejected_stockout: u64,
    /// Units of the `rejected_withheld` orders.
    pub withheld_units: u64,
    /// Sum of the penalties drawn for oversold orders, currency.
    pub penalty: f64,
    /// Time the channel listed at least one unit while the physical stock was 0, seconds
    /// (in a catalog: summed over SKUs).
    pub exposure_seconds: f64,
    /// Withheld units times their SKU's `unit_margin`, currency.
    pub lost_margin: f64,
    /// Fulfilled units times their SKU's `price`, currency.
    pub revenue: f64,
    /// The highest cancel rate over the channel's `cancel_rate_window` windows (MODEL.md
    /// Part 2, "Cancel rate over a window"), a fraction.
    pub worst_window_cancel_rate: f64,
}

/// One link's API use in one trial (polls only; a webhook's stay 0).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LinkOutcome {
    /// Polls made (skipped polls not counted).
    pub polls: u64,
    /// API requests (pages) the polls needed.
    pub requests: u64,
    /// Time from each poll's due time to its last token, summed, seconds.
    pub api_wait_seconds: f64,
}

/// One node's feed queue in one trial (nodes without `feeds` stay 0).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FeedOutcome {
    /// Level messages and batches that started service.
    pub items: u64,
    /// Time they waited for a feed server, summed, seconds.
    pub wait_seconds: f64,
}

/// One node's processing queue in one trial (nodes without `processing` stay 0): the orders
/// that came over links, background orders not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueueOutcome {
    /// Orders that started service.
    pub orders: u64,
    /// Time they waited for a server, summed, seconds.
    pub wait_seconds: f64,
}

/// One SKU's measures in one trial (catalog runs; only SKUs with something to report).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SkuOutcome {
    /// Index into `catalog.skus`.
    pub sku: u32,
    /// Oversold orders over all channels.
    pub oversold: u64,
    /// Penalties of its oversold orders, currency.
    pub penalty: f64,
    /// Its withheld units times its margin, currency.
    pub lost_margin: f64,
    /// Time any channel listed it while its physical stock was 0, seconds.
    pub exposure_seconds: f64,
    /// When its physical stock first reached 0 (the horizon if never), seconds.
    pub first_stockout_seconds: f64,
    /// Units lost from its shelf (`shrink_per_day`).
    pub shrunk_units: u64,
    /// When its low-stock alert was raised (the horizon if never), seconds.
    pub low_stock_alert_seconds: f64,
}

/// Everything one trial measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrialOutcome {
    /// Per channel, in scenario order.
    pub channels: Vec<ChannelOutcome>,
    /// Per link, in scenario order.
    pub links: Vec<LinkOutcome>,
    /// Per node, in scenario order: its feed queue.
    pub feeds: Vec<FeedOutcome>,
    /// Per node, in scenario order: its processing queue.
    pub queues: Vec<QueueOutcome>,
    /// Catalog runs: the SKUs with an oversell, a withheld unit, exposure, a stockout, shrink
    /// or a low-stock alert, in catalog order (every other SKU measured 0 and never ran out).
    pub skus: Vec<SkuOutcome>,
    /// Time during which any channel was exposed, seconds (in a catalog: summed over SKUs).
    pub any_exposure_seconds: f64,
    /// When the physical stock first reached 0 (in a catalog: the earliest over SKUs); the
    /// horizon if it never did, seconds.
    pub first_stockout_seconds: f64,
    /// Sum over reconciliations and nodes of |view - physical| corrected, units.
    pub reconciled_units: u64,
    /// Units received (fixed receipts and reorders).
    pub received_units: u64,
    /// Units lost from the shelf (`shrink_per_day`).
    pub shrunk_units: u64,
    /// Physical units on hand at the horizon.
    pub final_physical: i64,
    /// Number of events the engine handled.
    pub events: u64,
    /// Lag alerts raised (MODEL.md Part 2, "Failures nobody sees, and monitoring").
    pub alerts: u64,
    /// Time links spent with their webhook subscription deleted, summed over links and clipped
    /// to the horizon, seconds.
    pub disabled_seconds: f64,
    /// When the first low-stock alert was raised (the earliest over SKUs; the horizon if
    /// never), seconds.
    pub low_stock_alert_seconds: f64,
}
