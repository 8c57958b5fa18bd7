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
    /// Time the channel listed at least one unit while the physical stock was 0, seconds.
    pub exposure_seconds: f64,
}

/// Everything one trial measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrialOutcome {
    /// Per channel, in scenario order.
    pub channels: Vec<ChannelOutcome>,
    /// Time during which any channel was exposed, seconds.
    pub any_exposure_seconds: f64,
    /// When the physical stock first reached 0; the horizon if it never did, seconds.
    pub first_stockout_seconds: f64,
    /// Sum over reconciliations and nodes of |view - physical| corrected, units.
    pub reconciled_units: u64,
    /// Units received (fixed receipts and reorders).
    pub received_units: u64,
    /// Physical units on hand at the horizon.
    pub final_physical: i64,
    /// Number of events the engine handled.
    pub events: u64,
}
