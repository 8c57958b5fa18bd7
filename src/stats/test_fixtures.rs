//! A tiny hand-built scenario and trial outcomes for unit tests.

use crate::dist::{Dist, QtyDist};
use crate::scenario::{Catalog, Channel, MonteCarlo, Node, Scenario, Stock};
use crate::sim::outcome::{ChannelOutcome, TrialOutcome};

/// Two channels, `web` (limit `web_limit`) and `pos` (limit `pos_limit`), a unit margin of 4 USD
/// and a one-day horizon.
pub(crate) fn scenario(web_limit: Option<f64>, pos_limit: Option<f64>) -> Scenario {
    let channel = |name: &str, node: usize, limit: Option<f64>| Channel {
        name: name.to_string(),
        node,
        orders_per_hour: 1.0,
        share: 1.0,
        qty: QtyDist::Fixed(1),
        buffer: 0,
        list_percent: None,
        out_of_stock_at: None,
        max_listed: None,
        penalty: Dist::Fixed(0.0),
        cancel_rate_limit: limit,
        cancel_rate_window: 86_400.0,
        hourly_profile: None,
    };
    let node = |name: &str| Node {
        name: name.to_string(),
        record: false,
        initial: None,
        processing: None,
        api_limit_per_hour: None,
        api: None,
        feeds: None,
    };
    let mut scenario = Scenario {
        name: "Tiny".to_string(),
        description: String::new(),
        horizon: 86_400.0,
        currency: "USD".to_string(),
        monte_carlo: MonteCarlo {
            trials: 2,
            seed: 7,
            max_events: MonteCarlo::DEFAULT_MAX_EVENTS,
        },
        stock: Stock {
            initial: 10,
            unit_margin: 4.0,
            price: 0.0,
            receipts: Vec::new(),
            reorder: None,
            ship_after: None,
            shrink_per_day: 0.0,
            demand_cv: 0.0,
        },
        nodes: vec![node("web"), node("pos")],
        record: None,
        channels: vec![channel("web", 0, web_limit), channel("pos", 1, pos_limit)],
        links: Vec::new(),
        peaks: Vec::new(),
        scheduled_orders: Vec::new(),
        reconcile: None,
        monitoring: None,
        catalog: Catalog {
            file: None,
            skus: Vec::new(),
        },
    };
    scenario.catalog.skus = crate::scenario::one_sku_for_tests(&scenario);
    scenario
}

/// A trial from per-channel `(accepted, oversold, withheld_units, penalty, exposure_seconds)`;
/// every order is one unit, so withheld orders = withheld units and arrivals = accepted + withheld.
pub(crate) fn outcome(
    channels: [(u64, u64, u64, f64, f64); 2],
    any_exposure_seconds: f64,
    first_stockout_seconds: f64,
    reconciled_units: u64,
) -> TrialOutcome {
    TrialOutcome {
        channels: channels
            .iter()
            .map(
                |&(accepted, oversold, withheld, penalty, exposure)| ChannelOutcome {
                    arrivals: accepted + withheld,
                    accepted,
                    fulfilled: accepted - oversold,
                    oversold,
                    rejected_withheld: withheld,
                    rejected_stockout: 0,
                    withheld_units: withheld,
                    penalty,
                    exposure_seconds: exposure,
                    lost_margin: withheld as f64 * 4.0,
                    revenue: 0.0,
                    worst_window_cancel_rate: if accepted == 0 {
                        0.0
                    } else {
                        oversold as f64 / accepted as f64
                    },
                },
            )
            .collect(),
        any_exposure_seconds,
        first_stockout_seconds,
        reconciled_units,
        events: 100,
        ..TrialOutcome::default()
    }
}
