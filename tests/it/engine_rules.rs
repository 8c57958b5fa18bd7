//! The fine points of the model (docs/model.md), each pinned by a deterministic trace (fixed
//! latencies and phases, scheduled orders only), so each test asserts exact views at exact times.

use oversell::scenario::load_str;
use oversell::sim::{Engine, Event, Plan, TrialOutcome};

/// The state after each event: (time, event, physical, views).
type Trace = Vec<(f64, Event, i64, Vec<i64>)>;

fn trace(toml: &str) -> (Plan, Trace, TrialOutcome) {
    let plan = Plan::new(load_str("rules.toml", toml).unwrap_or_else(|e| panic!("{e}")));
    let mut steps = Vec::new();
    let outcome = Engine::new(&plan)
        .trace_trial(1, 0, |t, e, s| {
            steps.push((t, *e, s.physical, s.views.to_vec()));
        })
        .unwrap();
    (plan, steps, outcome)
}

/// The views just after the last event at or before `t` (seconds).
fn views_at(steps: &Trace, t: f64) -> Vec<i64> {
    steps
        .iter()
        .rev()
        .find(|s| s.0 <= t)
        .map(|s| s.3.clone())
        .expect("an event before t")
}

fn node(plan: &Plan, name: &str) -> usize {
    plan.scenario
        .nodes
        .iter()
        .position(|n| n.name == name)
        .expect("node")
}

const TWO_NODES: &str = r#"
name = "rules"
horizon = "4h"
[stock]
initial = 10
[nodes.hub]
[nodes.amazon]
[channels.hub]
orders_per_hour = 0
[channels.amazon]
orders_per_hour = 0
"#;

#[test]
fn a_stale_absolute_write_brings_sold_units_back() {
    // Amazon sells 3 at 30m; the hourly poll of the hub's (unchanged) 10 overwrites amazon's 7.
    let toml = format!(
        r#"{TWO_NODES}
[[scheduled_orders]]
at = "30m"
channel = "amazon"
qty = 3
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
poll = {{ every = "1h", phase = "0s", latency = "5m" }}
"#
    );
    let (plan, steps, _) = trace(&toml);
    let amazon = node(&plan, "amazon");
    assert_eq!(views_at(&steps, 1800.0)[amazon], 7);
    assert_eq!(views_at(&steps, 3600.0 + 299.0)[amazon], 7);
    assert_eq!(views_at(&steps, 3600.0 + 300.0)[amazon], 10);
}

fn out_of_order_levels(ordered: bool) -> i64 {
    // The hub's first change (8, at 30m) fails in the outage and is retried at 1h30; the second
    // (5, at 1h) gets through at once. The late retry carries the older value.
    let toml = format!(
        r#"{TWO_NODES}
[[scheduled_orders]]
at = "30m"
channel = "hub"
qty = 2
[[scheduled_orders]]
at = "1h"
channel = "hub"
qty = 3
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
ordered = {ordered}
webhook = {{ retries = ["1h"] }}
outages = [{{ from = "0s", to = "45m" }}]
"#
    );
    let (plan, steps, _) = trace(&toml);
    let amazon = node(&plan, "amazon");
    assert_eq!(views_at(&steps, 3600.0)[amazon], 5);
    views_at(&steps, 4.0 * 3600.0)[amazon]
}

#[test]
fn ordered_links_ignore_messages_sent_earlier() {
    assert_eq!(
        out_of_order_levels(false),
        8,
        "unordered: the late retry overwrites"
    );
    assert_eq!(
        out_of_order_levels(true),
        5,
        "ordered: the late retry is ignored"
    );
}

#[test]
fn level_messages_are_not_echoed_to_their_sender() {
    // Webhooks both ways: if the hub echoed amazon's level back, the two would message each
    // other after every sale. A sale at amazon makes exactly one delivery (amazon -> hub).
    let toml = format!(
        r#"{TWO_NODES}
[[scheduled_orders]]
at = "1h"
channel = "amazon"
qty = 4
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = {{ latency = "1m" }}
[[links]]
carries = "levels"
from = "amazon"
to = "hub"
webhook = {{ latency = "1m" }}
"#
    );
    let (plan, steps, _) = trace(&toml);
    let deliveries = steps
        .iter()
        .filter(|s| matches!(s.1, Event::Deliver { .. }))
        .count();
    assert_eq!(deliveries, 1);
    assert_eq!(views_at(&steps, 3600.0 + 60.0)[node(&plan, "hub")], 6);
}

#[test]
fn an_order_poll_fetches_every_order_since_the_last_successful_poll() {
    // Amazon sells 1, 2, 3 units at 10m, 20m, 70m. The order poll at 1h fails (outage), the one at
    // 1h30 fetches all three in one batch applied at 1h35.
    let toml = format!(
        r#"{TWO_NODES}
[[scheduled_orders]]
at = "10m"
channel = "amazon"
qty = 1
[[scheduled_orders]]
at = "20m"
channel = "amazon"
qty = 2
[[scheduled_orders]]
at = "70m"
channel = "amazon"
qty = 3
[[links]]
carries = "orders"
from = "amazon"
to = "hub"
poll = {{ every = "30m", phase = "0s", latency = "5m" }}
outages = [{{ from = "1h", to = "1h1m" }}]
"#
    );
    let (plan, steps, _) = trace(&toml);
    let hub = node(&plan, "hub");
    // The poll at 30m fetched the first two (applied at 35m).
    assert_eq!(views_at(&steps, 35.0 * 60.0)[hub], 7);
    assert_eq!(views_at(&steps, 94.0 * 60.0)[hub], 7);
    assert_eq!(views_at(&steps, 95.0 * 60.0)[hub], 4);
    let batches = steps
        .iter()
        .filter(|s| matches!(s.1, Event::Batch { .. }))
        .count();
    assert_eq!(batches, 2);
}

#[test]
fn a_processing_queue_serves_orders_first_in_first_out() {
    // Two orders reach the ERP at 1h; one server, 10 minutes each: applied at 1h10 and 1h20.
    let toml = r#"
name = "queue"
horizon = "4h"
[stock]
initial = 10
[nodes.shop]
[nodes.erp]
processing = { service = "10m" }
[channels.shop]
orders_per_hour = 0
[[scheduled_orders]]
at = "1h"
channel = "shop"
qty = 1
[[scheduled_orders]]
at = "1h"
channel = "shop"
qty = 2
[[links]]
carries = "orders"
from = "shop"
to = "erp"
webhook = {}
"#;
    let (plan, steps, _) = trace(toml);
    let erp = node(&plan, "erp");
    assert_eq!(views_at(&steps, 3600.0 + 599.0)[erp], 10);
    assert_eq!(views_at(&steps, 3600.0 + 600.0)[erp], 9);
    assert_eq!(views_at(&steps, 3600.0 + 1200.0)[erp], 7);
}

#[test]
fn reorder_and_receipts_raise_stock_and_the_record() {
    // Reorder point 5: checked at time 0 (view 5: order at once, 10 units after 1h), and again
    // when the record's view falls to 5 after the receipt at 2h and a sale.
    let toml = r#"
name = "reorder"
horizon = "6h"
[stock]
initial = 5
receipts = [{ at = "2h", qty = 3 }]
reorder = { point = 5, qty = 10, lead_time = "1h" }
[nodes.erp]
record = true
[channels.erp]
orders_per_hour = 0
[[scheduled_orders]]
at = "3h"
channel = "erp"
qty = 13
"#;
    let (plan, steps, _) = trace(toml);
    let erp = node(&plan, "erp");
    let physical_at = |t: f64| steps.iter().rev().find(|s| s.0 <= t).map(|s| s.2).unwrap();
    assert_eq!(physical_at(3600.0), 15);
    assert_eq!(views_at(&steps, 3600.0)[erp], 15);
    assert_eq!(physical_at(7200.0), 18);
    // The sale at 3h leaves 5: a new order arrives at 4h.
    assert_eq!(physical_at(3.0 * 3600.0), 5);
    assert_eq!(physical_at(4.0 * 3600.0), 15);
}

#[test]
fn exposure_and_first_stockout_follow_the_listing() {
    // Physical stock runs out at 1h (hub sale); amazon keeps listing its stale 10 until the
    // webhook lands 20 minutes later: exposure 20 min, first stockout at 1h.
    let toml = format!(
        r#"{TWO_NODES}
[[scheduled_orders]]
at = "1h"
channel = "hub"
qty = 10
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = {{ latency = "20m" }}
"#
    );
    let (_, _, outcome) = trace(&toml);
    assert_eq!(outcome.first_stockout_seconds, 3600.0);
    assert_eq!(outcome.channels[1].exposure_seconds, 1200.0);
    assert_eq!(outcome.channels[0].exposure_seconds, 0.0);
    assert_eq!(outcome.any_exposure_seconds, 1200.0);
}
