//! MODEL.md Part 2, the failures behind real oversells, against deterministic traces and closed
//! forms: committed units and on-hand publishing, silent webhook deaths and monitoring,
//! duplicates, shrink, bundles, demand that varies from day to day. Random checks hold the
//! simulated mean within 4 standard errors computed from the run.

use crate::common;

use common::*;
use oversell::scenario::load_str;
use oversell::sim::{Engine, Event, Plan, TrialOutcome};

/// The state after each event: (time, event, physical, views of the first SKU).
type Trace = Vec<(f64, Event, i64, Vec<i64>)>;

fn trace(toml: &str) -> (Plan, Trace, TrialOutcome) {
    let plan = Plan::new(load_str("failures.toml", toml).unwrap_or_else(|e| panic!("{e}")));
    let mut steps = Vec::new();
    let outcome = Engine::new(&plan)
        .trace_trial(1, 0, |t, e, s| {
            steps.push((t, *e, s.physical, s.views.to_vec()));
        })
        .unwrap();
    (plan, steps, outcome)
}

/// The views just after the last event at or before `t` (seconds); the first event's views
/// before it.
fn views_at(steps: &Trace, t: f64) -> Vec<i64> {
    steps
        .iter()
        .rev()
        .find(|s| s.0 <= t)
        .map(|s| s.3.clone())
        .expect("an event before t")
}

fn node(plan: &Plan, name: &str) -> usize {
    let nodes = &plan.scenario.nodes;
    nodes.iter().position(|n| n.name == name).expect("node")
}

const H: f64 = 3600.0;

// ---------------------------------------------------------------------------------------------
// Shipping and committed units.

/// A hub (the record, where the shop sells) tells amazon by webhook and walmart by a changed
/// poll every 10 minutes (phase 5m), both publishing `publishes`; orders ship `ship_after`.
fn committed_stack(publishes: &str, ship_after: &str) -> String {
    format!(
        r#"
name = "committed"
horizon = "6h"
[stock]
initial = 10
ship_after = "{ship_after}"
[nodes.hub]
record = true
[nodes.amazon]
[nodes.walmart]
[channels.shop]
node = "hub"
orders_per_hour = 0
[channels.amazon]
orders_per_hour = 0
[channels.walmart]
orders_per_hour = 0
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
publishes = "{publishes}"
webhook = {{ latency = "0s" }}
[[links]]
carries = "levels"
from = "hub"
to = "walmart"
publishes = "{publishes}"
poll = {{ every = "10m", phase = "5m", sync = "changed" }}
[[scheduled_orders]]
at = "1h"
channel = "shop"
qty = 3
[[scheduled_orders]]
at = "2h"
channel = "shop"
qty = 2
"#
    )
}

#[test]
fn on_hand_lists_the_units_accepted_in_the_last_ship_after_again() {
    let d = 100.0 * 60.0;
    let (plan, steps, _) = trace(&committed_stack("on_hand", "100m"));
    let (hub, amazon, walmart) = (
        node(&plan, "hub"),
        node(&plan, "amazon"),
        node(&plan, "walmart"),
    );
    let accepted = [(H, 3), (2.0 * H, 2)];
    let mut t = 30.0 * 60.0;
    while t < 6.0 * H {
        let views = views_at(&steps, t);
        // Units accepted in (t - D, t]: the orders not shipped yet.
        let recent: i64 = (accepted.iter())
            .filter(|&&(at, _)| at <= t && at > t - d)
            .map(|&(_, q)| q)
            .sum();
        assert_eq!(views[amazon] - views[hub], recent, "amazon at {t} s");
        assert_eq!(
            views[hub],
            10 - accepted
                .iter()
                .filter(|a| a.0 <= t)
                .map(|a| a.1)
                .sum::<i64>()
        );
        t += 5.0 * 60.0;
    }
    // The changed poll (at 5 past every 10 minutes) carries on-hand when a shipment changes it:
    // 10 until the first shipment at 2h40m, 7 from the poll at 2h45m, 5 from 3h45m.
    assert_eq!(views_at(&steps, 2.0 * H + 44.0 * 60.0)[walmart], 10);
    assert_eq!(views_at(&steps, 2.0 * H + 45.0 * 60.0)[walmart], 7);
    assert_eq!(views_at(&steps, 3.0 * H + 44.0 * 60.0)[walmart], 7);
    assert_eq!(views_at(&steps, 3.0 * H + 45.0 * 60.0)[walmart], 5);
    // Publishing available, both marketplaces follow the hub.
    let (_, steps, _) = trace(&committed_stack("available", "100m"));
    for t in [1.5 * H, 2.5 * H, 3.5 * H] {
        let views = views_at(&steps, t);
        assert_eq!(views[amazon], views[hub], "at {t} s");
    }
    assert_eq!(views_at(&steps, 2.0 * H + 6.0 * 60.0)[walmart], 5);
}

#[test]
fn without_ship_after_nothing_is_committed_and_on_hand_equals_available() {
    let (plan, steps, _) = trace(&committed_stack("on_hand", "0s"));
    let (hub, amazon) = (node(&plan, "hub"), node(&plan, "amazon"));
    for t in [1.5 * H, 2.5 * H, 3.5 * H] {
        let views = views_at(&steps, t);
        assert_eq!(views[amazon], views[hub], "at {t} s");
    }
}

/// A bulk order of the whole stock is accepted at the hub at time 0 and ships after `d`; amazon
/// (Poisson demand) learns of the hub's stock by an instant webhook publishing `publishes`.
fn bulk_order(publishes: &str) -> String {
    format!(
        r#"
name = "bulk order"
horizon = "3h"
[stock]
initial = 8
ship_after = "2h"
[nodes.hub]
record = true
[channels.shop]
node = "hub"
orders_per_hour = 0
[channels.amazon]
orders_per_hour = 4
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
publishes = "{publishes}"
webhook = {{ latency = "0s" }}
[[scheduled_orders]]
at = "0s"
channel = "shop"
qty = 8
"#
    )
}

#[test]
fn on_hand_oversells_what_amazon_sells_before_the_bulk_order_ships() {
    // Publishing on-hand, the hub's sale of all 8 units changes nothing it publishes until the
    // order ships at 2h: every amazon order in [0, 2h) is accepted (up to 8) and oversold.
    // E[oversold] = E[min(N, 8)], N ~ Poisson(4/h x 2h).
    let trials = 4_000;
    let (_, on_hand) = simulate(&bulk_order("on_hand"), trials, 5);
    let oversold: Vec<f64> = on_hand
        .iter()
        .map(|t| t.channels[1].oversold as f64)
        .collect();
    assert_mean("amazon oversold", &oversold, poisson_min_mean(8.0, 8));
    let (_, available) = simulate(&bulk_order("available"), trials, 5);
    let oversold: u64 = available.iter().map(|t| t.channels[1].oversold).sum();
    assert_eq!(oversold, 0, "available tells amazon of the sale at once");
}

// ---------------------------------------------------------------------------------------------
// Failures nobody sees, and monitoring.

/// The hub's levels webhook to amazon fails every attempt (`drop = 1`) and is deleted after 3
/// failures in a row; the shop sells 3 at 1h and 2 at 2h.
fn dying_webhook(monitoring: &str) -> String {
    format!(
        r#"
name = "silent webhook death"
horizon = "3h"
[stock]
initial = 10
[nodes.hub]
record = true
[nodes.amazon]
[channels.shop]
node = "hub"
orders_per_hour = 0
[channels.amazon]
orders_per_hour = 0
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = {{ drop = 1.0, retries = ["1m", "5m", "15m", "30m"], disable_after = 3 }}
[[scheduled_orders]]
at = "1h"
channel = "shop"
qty = 3
[[scheduled_orders]]
at = "2h"
channel = "shop"
qty = 2
{monitoring}
"#
    )
}

fn times_of(steps: &Trace, want: impl Fn(&Event) -> bool) -> Vec<f64> {
    steps.iter().filter(|s| want(&s.1)).map(|s| s.0).collect()
}

#[test]
fn a_webhook_is_deleted_after_n_failures_in_a_row_and_stays_silent() {
    let (plan, steps, outcome) = trace(&dying_webhook(""));
    // Attempts at 1h, 1h01m (first retry), 1h06m (second retry): the third failure deletes
    // the subscription, so the third retry (1h21m) never happens; the 2h change is not sent.
    let retries = times_of(&steps, |e| matches!(e, Event::Retry { .. }));
    assert_eq!(retries, [H + 60.0, H + 360.0]);
    assert_eq!(outcome.disabled_seconds, 3.0 * H - (H + 360.0));
    assert_eq!(outcome.alerts, 0);
    let amazon = node(&plan, "amazon");
    assert_eq!(views_at(&steps, 2.9 * H)[amazon], 10);
}

#[test]
fn the_lag_alert_rises_after_the_first_owed_message_and_the_fix_resyncs() {
    // lag_alert 15m: the message sent at 1h is late at 1h15m; the fix 30m later (1h45m)
    // restores the link and sets amazon to the hub's 7. The 2h message fails three times
    // again: deleted at 2h06m, late at 2h15m, fixed at 2h45m (amazon: 5).
    let (plan, steps, outcome) = trace(&dying_webhook(
        "[monitoring]\nlag_alert = \"15m\"\nfix_after = \"30m\"",
    ));
    let checks = times_of(&steps, |e| matches!(e, Event::Fix));
    assert_eq!(checks, [H + 45.0 * 60.0, 2.0 * H + 45.0 * 60.0]);
    assert_eq!(outcome.alerts, 2);
    assert_eq!(outcome.disabled_seconds, 2.0 * 39.0 * 60.0);
    let amazon = node(&plan, "amazon");
    assert_eq!(views_at(&steps, H + 44.0 * 60.0)[amazon], 10);
    assert_eq!(views_at(&steps, H + 45.0 * 60.0)[amazon], 7);
    assert_eq!(views_at(&steps, 2.0 * H + 44.0 * 60.0)[amazon], 7);
    assert_eq!(views_at(&steps, 2.0 * H + 45.0 * 60.0)[amazon], 5);
    assert_eq!(outcome.reconciled_units, 0, "a fix is no reconciliation");
    // With an immediate fix, the fix is the alert: lag_alert after the first owed message.
    let (_, steps, outcome) = trace(&dying_webhook("[monitoring]\nlag_alert = \"15m\""));
    let fixes = times_of(&steps, |e| matches!(e, Event::Fix));
    assert_eq!(fixes, [H + 15.0 * 60.0, 2.0 * H + 15.0 * 60.0]);
    assert_eq!(outcome.disabled_seconds, 2.0 * 9.0 * 60.0);
}

#[test]
fn a_healthy_stack_never_alerts_and_the_low_stock_alert_comes_at_its_threshold() {
    // Demand 2 an hour on the hub itself; 0.1 days of 48 units a day is 4.8 units: the alert
    // comes when the record's view first drops to 4.
    let toml = r#"
name = "low stock"
horizon = "12h"
[stock]
initial = 10
[nodes.hub]
record = true
[nodes.amazon]
[channels.shop]
node = "hub"
orders_per_day = 48
[channels.amazon]
orders_per_hour = 0
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = { latency = "1m" }
[monitoring]
lag_alert = "15m"
low_stock_days = 0.1
"#;
    for trial in 0..20 {
        let plan = Plan::new(load_str("low.toml", toml).unwrap());
        let mut first_low = None;
        let outcome = Engine::new(&plan)
            .trace_trial(3, trial, |t, _, s| {
                if s.views[0] <= 4 && first_low.is_none() {
                    first_low = Some(t);
                }
            })
            .unwrap();
        assert_eq!(outcome.alerts, 0);
        assert_eq!(
            outcome.low_stock_alert_seconds,
            first_low.unwrap_or(12.0 * H)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Duplicates and shrink.

#[test]
fn a_duplicating_webhook_writes_each_message_1_plus_p_times_on_average() {
    // Every sale at the hub sends one level message to amazon; each written original is written
    // once more with probability 0.3: deliveries - 1.3 x sales averages 0.
    let toml = r#"
name = "duplicates"
horizon = "6h"
[stock]
initial = 100000
[nodes.hub]
[nodes.amazon]
[channels.shop]
node = "hub"
orders_per_hour = 20
[channels.amazon]
orders_per_hour = 0
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = { latency = "uniform(1s, 10s)", duplicate = 0.3 }
"#;
    let plan = Plan::new(load_str("dup.toml", toml).unwrap());
    let mut engine = Engine::new(&plan);
    let excess: Vec<f64> = (0..400)
        .map(|trial| {
            let mut deliveries = 0u64;
            let outcome = engine
                .trace_trial(9, trial, |_, e, _| {
                    deliveries += u64::from(matches!(e, Event::Deliver { .. }));
                })
                .unwrap();
            deliveries as f64 - 1.3 * outcome.channels[0].accepted as f64
        })
        .collect();
    assert_mean("deliveries - 1.3 x messages", &excess, 0.0);
}

#[test]
fn shrink_takes_units_at_its_poisson_rate_while_stock_lasts() {
    // 2 units a day for 3 days from 5 on hand, no demand: E[min(Poisson(6), 5)] units lost,
    // none seen by any view.
    let toml = r#"
name = "shrink"
horizon = "3d"
[stock]
initial = 5
shrink_per_day = 2
[channels.shop]
orders_per_hour = 0
"#;
    let (scenario, outcomes) = simulate(toml, 4_000, 11);
    let lost: Vec<f64> = outcomes.iter().map(|t| t.shrunk_units as f64).collect();
    assert_mean("units shrunk", &lost, poisson_min_mean(6.0, 5));
    for t in &outcomes {
        assert_eq!(t.final_physical + t.shrunk_units as i64, 5);
    }
    // The outputs carry it: summary.json's total.shrunk_units (with every statistic) and the
    // last column of trials.csv (tests/it/failures_outputs.rs reads them through the binary).
    let summary = oversell::stats::summarize_run(&scenario, 11, &outcomes);
    let shrunk = summary
        .total
        .extras
        .shrunk_units
        .expect("total.shrunk_units");
    assert_eq!(shrunk.mean, lost.iter().sum::<f64>() / lost.len() as f64);
    assert_eq!(shrunk.max, 5.0, "no more than the 5 units on hand");
    let csv = oversell::report::trials_csv(&scenario, &outcomes[..3]).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",total.shrunk_units"));
    for (line, t) in lines.zip(&outcomes) {
        assert!(line.ends_with(&format!(",{}", t.shrunk_units)), "{line}");
    }
}
