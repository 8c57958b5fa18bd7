//! The measures of one trial (docs/model.md, "What a trial measures"), per channel and in total.

use crate::scenario::Scenario;
use crate::sim::outcome::{ChannelOutcome, TrialOutcome};

use super::summary::ordered_sum;

/// One measure of a trial. The order is the order of every report column and JSON key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Orders that arrived.
    Arrivals,
    /// Orders accepted (fulfilled + oversold).
    Accepted,
    /// Accepted orders served from physical stock.
    Fulfilled,
    /// Accepted orders without physical stock: cancelled.
    Oversold,
    /// Rejected orders the physical stock could have served.
    RejectedWithheld,
    /// Rejected orders the physical stock could not have served.
    RejectedStockout,
    /// Penalties of oversold orders, currency.
    Penalty,
    /// Withheld units times `stock.unit_margin`, currency.
    LostMargin,
    /// Oversold / accepted (0 when nothing was accepted), a fraction.
    CancelRate,
    /// Time listed while the physical stock was 0, seconds.
    ExposureSeconds,
    /// When the physical stock first reached 0 (the horizon if never), seconds.
    FirstStockoutSeconds,
}

impl Metric {
    /// Every metric, in report order.
    pub const ALL: [Metric; 11] = [
        Metric::Arrivals,
        Metric::Accepted,
        Metric::Fulfilled,
        Metric::Oversold,
        Metric::RejectedWithheld,
        Metric::RejectedStockout,
        Metric::Penalty,
        Metric::LostMargin,
        Metric::CancelRate,
        Metric::ExposureSeconds,
        Metric::FirstStockoutSeconds,
    ];

    /// The name used in JSON keys and CSV columns.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Arrivals => "arrivals",
            Metric::Accepted => "accepted",
            Metric::Fulfilled => "fulfilled",
            Metric::Oversold => "oversold",
            Metric::RejectedWithheld => "rejected_withheld",
            Metric::RejectedStockout => "rejected_stockout",
            Metric::Penalty => "penalty",
            Metric::LostMargin => "lost_margin",
            Metric::CancelRate => "cancel_rate",
            Metric::ExposureSeconds => "exposure_seconds",
            Metric::FirstStockoutSeconds => "first_stockout_seconds",
        }
    }

    /// Whether the per-trial value is a count of orders (an integer).
    pub fn is_count(self) -> bool {
        matches!(
            self,
            Metric::Arrivals
                | Metric::Accepted
                | Metric::Fulfilled
                | Metric::Oversold
                | Metric::RejectedWithheld
                | Metric::RejectedStockout
        )
    }

    /// Position in [`Metric::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What a measure is taken over: one channel (index in scenario order) or all channels together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The channel at this index of `Scenario::channels`.
    Channel(usize),
    /// All channels together.
    Total,
}

/// The value of `m` in one trial, over `scope`. Counts are exact integers as `f64`.
///
/// Panics if `scope` names a channel the trial does not have.
pub fn metric_value(_scenario: &Scenario, trial: &TrialOutcome, scope: Scope, m: Metric) -> f64 {
    match scope {
        Scope::Channel(i) => channel_value(trial, &trial.channels[i], m),
        Scope::Total => total_value(trial, m),
    }
}

fn channel_value(trial: &TrialOutcome, c: &ChannelOutcome, m: Metric) -> f64 {
    match m {
        Metric::Arrivals => c.arrivals as f64,
        Metric::Accepted => c.accepted as f64,
        Metric::Fulfilled => c.fulfilled as f64,
        Metric::Oversold => c.oversold as f64,
        Metric::RejectedWithheld => c.rejected_withheld as f64,
        Metric::RejectedStockout => c.rejected_stockout as f64,
        Metric::Penalty => c.penalty,
        // Withheld units times their SKU's margin (Part 1: `stock.unit_margin`), summed by the
        // engine.
        Metric::LostMargin => c.lost_margin,
        Metric::CancelRate => cancel_rate(c.oversold, c.accepted),
        Metric::ExposureSeconds => c.exposure_seconds,
        Metric::FirstStockoutSeconds => trial.first_stockout_seconds,
    }
}

fn total_value(trial: &TrialOutcome, m: Metric) -> f64 {
    let count = |f: fn(&ChannelOutcome) -> u64| trial.channels.iter().map(f).sum::<u64>();
    match m {
        Metric::CancelRate => cancel_rate(count(|c| c.oversold), count(|c| c.accepted)),
        Metric::ExposureSeconds => trial.any_exposure_seconds,
        Metric::FirstStockoutSeconds => trial.first_stockout_seconds,
        // Counts, penalty and lost margin: the channels' values added in channel order.
        _ => ordered_sum(trial.channels.iter().map(|c| channel_value(trial, c, m))),
    }
}

fn cancel_rate(oversold: u64, accepted: u64) -> f64 {
    if accepted == 0 {
        0.0
    } else {
        oversold as f64 / accepted as f64
    }
}

/// Whether `scope` has a cancel-rate limit: the channel sets `cancel_rate_limit`, or (total) any
/// channel does.
pub fn has_limit(scenario: &Scenario, scope: Scope) -> bool {
    match scope {
        Scope::Channel(i) => scenario.channels[i].cancel_rate_limit.is_some(),
        Scope::Total => scenario
            .channels
            .iter()
            .any(|c| c.cancel_rate_limit.is_some()),
    }
}

/// Whether the cancel rate went strictly over the limit in this trial: for a channel, its own
/// rate against its own limit; in total, whether any channel did. `None` when there is no limit.
pub fn over_limit(scenario: &Scenario, trial: &TrialOutcome, scope: Scope) -> Option<bool> {
    match scope {
        // Judged on the worst windowed rate (MODEL.md Part 2): with the default window, the
        // horizon, that is the cancel rate of Part 1.
        Scope::Channel(i) => scenario.channels[i]
            .cancel_rate_limit
            .map(|limit| trial.channels[i].worst_window_cancel_rate > limit),
        Scope::Total => {
            if !has_limit(scenario, Scope::Total) {
                return None;
            }
            Some(
                (0..scenario.channels.len())
                    .any(|i| over_limit(scenario, trial, Scope::Channel(i)) == Some(true)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::test_fixtures::{outcome, scenario};

    #[test]
    fn metric_names_in_order() {
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(
            names,
            [
                "arrivals",
                "accepted",
                "fulfilled",
                "oversold",
                "rejected_withheld",
                "rejected_stockout",
                "penalty",
                "lost_margin",
                "cancel_rate",
                "exposure_seconds",
                "first_stockout_seconds"
            ]
        );
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(m.index(), i);
        }
    }

    #[test]
    fn channel_and_total_values() {
        let s = scenario(Some(0.1), None);
        // web: 8 accepted, 2 oversold; pos: 4 accepted, 0 oversold.
        let t = outcome(
            [(8, 2, 3, 12.5, 60.0), (4, 0, 1, 0.0, 30.0)],
            90.0,
            500.0,
            7,
        );
        let v = |scope, m| metric_value(&s, &t, scope, m);
        assert_eq!(v(Scope::Channel(0), Metric::Oversold), 2.0);
        assert_eq!(v(Scope::Channel(0), Metric::CancelRate), 0.25);
        // 3 withheld units at a margin of 4.
        assert_eq!(v(Scope::Channel(0), Metric::LostMargin), 12.0);
        assert_eq!(v(Scope::Channel(1), Metric::FirstStockoutSeconds), 500.0);
        assert_eq!(v(Scope::Total, Metric::Accepted), 12.0);
        assert_eq!(v(Scope::Total, Metric::Penalty), 12.5);
        assert_eq!(v(Scope::Total, Metric::LostMargin), 16.0);
        assert_eq!(v(Scope::Total, Metric::CancelRate), 2.0 / 12.0);
        assert_eq!(v(Scope::Total, Metric::ExposureSeconds), 90.0);
        assert_eq!(v(Scope::Total, Metric::FirstStockoutSeconds), 500.0);
    }

    #[test]
    fn cancel_rate_is_zero_without_accepted_orders() {
        let s = scenario(Some(0.0), None);
        let t = outcome([(0, 0, 0, 0.0, 0.0), (0, 0, 0, 0.0, 0.0)], 0.0, 0.0, 0);
        assert_eq!(metric_value(&s, &t, Scope::Total, Metric::CancelRate), 0.0);
        // 0 is not strictly over a limit of 0.
        assert_eq!(over_limit(&s, &t, Scope::Channel(0)), Some(false));
    }

    #[test]
    fn over_limit_is_strict_and_none_without_limit() {
        let t = outcome([(4, 1, 0, 0.0, 0.0), (4, 0, 0, 0.0, 0.0)], 0.0, 0.0, 0);
        let at_limit = scenario(Some(0.25), None);
        assert_eq!(over_limit(&at_limit, &t, Scope::Channel(0)), Some(false));
        assert_eq!(over_limit(&at_limit, &t, Scope::Channel(1)), None);
        assert_eq!(over_limit(&at_limit, &t, Scope::Total), Some(false));
        let below = scenario(Some(0.2), None);
        assert_eq!(over_limit(&below, &t, Scope::Total), Some(true));
        let none = scenario(None, None);
        assert_eq!(over_limit(&none, &t, Scope::Total), None);
    }
}
