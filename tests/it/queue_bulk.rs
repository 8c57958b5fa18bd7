//! Processing queues advanced in bulk (`sim::workload`) against the event-by-event queue they
//! replace and against closed forms. Background orders are drawn in bulk only when a real order
//! needs its wait; the two methods draw other random numbers, so they are compared as
//! distributions: every check is a z-test within 4 standard errors computed from the runs.

use crate::common;

use common::*;
use oversell::montecarlo::{RunConfig, run_trials};
use oversell::scenario::{Scenario, load_str};
use oversell::sim::{Plan, TrialOutcome};

/// Runs `trials` trials of `toml`, with queues in bulk or (`events`) event by event.
fn run(toml: &str, trials: u64, seed: u64, events: bool) -> (Scenario, Vec<TrialOutcome>) {
    let scenario = load_str("test.toml", toml).unwrap_or_else(|e| panic!("{e}"));
    let mut plan = Plan::new(scenario.clone());
    if events {
        plan = plan.with_background_events();
    }
    let config = RunConfig {
        trials,
        seed,
        threads: 2,
    };
    (scenario, run_trials(&plan, config, &|_| {}).expect("run"))
}

/// The index of a node by name.
fn node(scenario: &Scenario, name: &str) -> usize {
    (scenario.nodes.iter().position(|n| n.name == name)).unwrap_or_else(|| panic!("no {name}"))
}

/// Asserts that two samples have the same mean: |difference| within 4 standard errors.
fn assert_same_mean(what: &str, bulk: &[f64], events: &[f64]) {
    let ((m1, se1), (m2, se2)) = (mean_se(bulk), mean_se(events));
    let se = (se1 * se1 + se2 * se2).sqrt();
    assert!(se > 0.0, "{what}: no variation");
    let z = (m1 - m2) / se;
    assert!(
        z.abs() <= 4.0,
        "{what}: bulk {m1:.5} vs event by event {m2:.5} (se {se:.5}, z = {z:.2})"
    );
}

/// One real order reaches an ERP at 10 h, through a webhook without latency, and waits in its
/// queue behind the background orders of the 10 hours before (long enough for the queue to
/// forget that it started empty).
fn tagged_order(processing: &str) -> String {
    format!(
        r#"
name = "one order in a busy queue"
horizon = "11h"
[stock]
initial = 100
[nodes.shop]
[nodes.erp]
processing = {processing}
[channels.shop]
orders_per_hour = 0
[[scheduled_orders]]
at = "10h"
channel = "shop"
qty = 1
[[links]]
carries = "orders"
from = "shop"
to = "erp"
webhook = {{}}
"#
    )
}

/// The tagged order's wait in the ERP's queue, per trial, seconds.
fn tagged_waits(processing: &str, trials: u64, seed: u64, events: bool) -> Vec<f64> {
    let (s, out) = run(&tagged_order(processing), trials, seed, events);
    let erp = node(&s, "erp");
    for t in &out {
        assert_eq!(t.queues[erp].orders, 1, "the tagged order is served");
    }
    column(&out, |t| t.queues[erp].wait_seconds)
}

/// Erlang's C formula: the probability that an arrival waits in an M/M/c queue with offered
/// load `a = lambda / mu` (< c).
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut below = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        below += term;
    }
    let top = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    top / (below + top)
}

#[test]
fn erlang_c_matches_known_values() {
    // M/M/1: C = rho. M/M/2 with a = 1.5: (1.125 * 4) / (1 + 1.5 + 4.5) = 9/14.
    assert!((erlang_c(1, 0.6) - 0.6).abs() < 1e-12);
    assert!((erlang_c(2, 1.5) - 9.0 / 14.0).abs() < 1e-12);
}

#[test]
fn mm1_wait_matches_the_closed_form() {
    // 54 arrivals an hour, exp(40s) service: rho = 0.6, P(wait > 0) = rho, mean wait
    // rho / (mu - lambda) = 0.6 / (36 an hour) = 60 s. Both methods.
    let processing = r#"{ service = "exp(40s)", background_per_hour = 54 }"#;
    for events in [false, true] {
        let waits = tagged_waits(processing, 20_000, 3, events);
        let waited = column_of(&waits, |w| f64::from(u8::from(w > 0.0)));
        assert_mean(&format!("P(wait > 0), events {events}"), &waited, 0.6);
        assert_mean(&format!("mean wait, events {events}"), &waits, 60.0);
    }
}

#[test]
fn mmc_wait_matches_erlang_c() {
    // c = 2: 60 an hour, exp(90s) (mu = 40 an hour each), a = 1.5; c = 3: 54 an hour, exp(2m),
    // a = 1.8. P(wait > 0) = C(c, a), mean wait C / (c mu - lambda).
    for (servers, per_hour, service_seconds) in [(2u32, 60.0, 90.0), (3, 54.0, 120.0)] {
        let processing = format!(
            r#"{{ service = "exp({service_seconds}s)", servers = {servers}, background_per_hour = {per_hour} }}"#
        );
        let mu = 3600.0 / service_seconds;
        let a = per_hour / mu;
        let c = erlang_c(servers, a);
        let mean = c / (f64::from(servers) * mu - per_hour) * 3600.0;
        let waits = tagged_waits(&processing, 20_000, 5, false);
        let waited = column_of(&waits, |w| f64::from(u8::from(w > 0.0)));
        assert_mean(&format!("P(wait > 0), {servers} servers"), &waited, c);
        assert_mean(&format!("mean wait, {servers} servers"), &waits, mean);
    }
}

#[test]
fn mg1_wait_matches_pollaczek_khinchine() {
    // Uniform service on (10s, 70s): E[S] = 40, E[S^2] = 1900; 54 an hour (0.015 a second),
    // rho = 0.6; mean wait lambda E[S^2] / (2 (1 - rho)) = 0.015 * 1900 / 0.8 = 35.625 s.
    let processing = r#"{ service = "uniform(10s, 70s)", background_per_hour = 54 }"#;
    let waits = tagged_waits(processing, 20_000, 9, false);
    let waited = column_of(&waits, |w| f64::from(u8::from(w > 0.0)));
    assert_mean("P(wait > 0)", &waited, 0.6);
    assert_mean("mean wait", &waits, 35.625);
}

#[test]
fn waits_match_the_event_by_event_queue() {
    // Settings without a closed form for the whole distribution: the mean wait, the chance of
    // waiting and the mean squared wait agree with the event-by-event queue.
    let settings = [
        r#"{ service = "lognormal(30s, 2m)", servers = 2, background_per_hour = 100 }"#,
        r#"{ service = "45s", background_per_hour = 60 }"#,
        r#"{ service = "normal(3m, 1m)", servers = 4, background_per_hour = 70 }"#,
        r#"{ service = "exp(20s)", background_per_hour = 150 }"#,
    ];
    for processing in settings {
        let bulk = tagged_waits(processing, 10_000, 21, false);
        let events = tagged_waits(processing, 10_000, 22, true);
        let waited = |w: &[f64]| column_of(w, |w| f64::from(u8::from(w > 0.0)));
        let squared = |w: &[f64]| column_of(w, |w| w * w);
        assert_same_mean(&format!("mean wait {processing}"), &bulk, &events);
        assert_same_mean(
            &format!("P(wait > 0) {processing}"),
            &waited(&bulk),
            &waited(&events),
        );
        assert_same_mean(
            &format!("mean squared wait {processing}"),
            &squared(&bulk),
            &squared(&events),
        );
    }
}

/// A POS sells against the ERP's view while 10 units sold at the shop wait in the ERP's busy
/// queue: every minute the order waits, the POS may oversell.
const STALE_ERP: &str = r#"
name = "stale erp behind background orders"
horizon = "6h"
[stock]
initial = 10
[nodes.shop]
[nodes.erp]
processing = { service = "exp(2m)", servers = 2, background_per_hour = 50 }
[channels.wholesale]
node = "shop"
orders_per_hour = 0
[channels.pos]
node = "erp"
orders_per_hour = 6
penalty = "uniform(5, 15)"
[[scheduled_orders]]
at = "1h"
channel = "wholesale"
qty = 10
[[peaks]]
from = "0s"
to = "1h"
multiplier = 0
channels = ["pos"]
[[links]]
carries = "orders"
from = "shop"
to = "erp"
webhook = { latency = "uniform(10s, 1m)" }
"#;

#[test]
fn oversells_match_the_event_by_event_queue() {
    let (s, bulk) = run(STALE_ERP, 20_000, 31, false);
    let (_, events) = run(STALE_ERP, 20_000, 32, true);
    let pos = channel(&s, "pos");
    let oversold = |o: &[TrialOutcome]| column(o, |t| t.channels[pos].oversold as f64);
    let penalty = |o: &[TrialOutcome]| column(o, |t| t.channels[pos].penalty);
    let exposure = |o: &[TrialOutcome]| column(o, |t| t.any_exposure_seconds);
    assert_same_mean("pos oversold", &oversold(&bulk), &oversold(&events));
    assert_same_mean("pos penalty", &penalty(&bulk), &penalty(&events));
    assert_same_mean("exposure", &exposure(&bulk), &exposure(&events));
    // The queue matters: with nothing but the order in it, the POS oversells far less.
    let idle = STALE_ERP.replace("background_per_hour = 50", "background_per_hour = 0");
    let (_, quiet) = run(&idle, 20_000, 31, false);
    let (busy, calm) = (mean_se(&oversold(&bulk)).0, mean_se(&oversold(&quiet)).0);
    assert!(busy > 1.5 * calm, "busy {busy} vs idle {calm}");
}

/// A per-trial measure, given the ERP's index.
type Measure = fn(&TrialOutcome, usize) -> f64;

#[test]
fn the_reference_stack_matches_the_event_by_event_queue() {
    let text = include_str!("../../scenarios/reference.toml");
    let (s, bulk) = run(text, 10_000, 41, false);
    let (_, events) = run(text, 10_000, 42, true);
    let erp = node(&s, "erp");
    let measures: [(&str, Measure); 5] = [
        ("oversold", |t, _| {
            t.channels.iter().map(|c| c.oversold).sum::<u64>() as f64
        }),
        ("penalty", |t, _| t.channels.iter().map(|c| c.penalty).sum()),
        ("exposure", |t, _| t.any_exposure_seconds),
        ("reconciled units", |t, _| t.reconciled_units as f64),
        ("erp wait", |t, erp| t.queues[erp].wait_seconds),
    ];
    for (what, f) in measures {
        let b = column(&bulk, |t| f(t, erp));
        let e = column(&events, |t| f(t, erp));
        assert_same_mean(what, &b, &e);
    }
    // Bulk: no background events; event by event, about two per background order (50 an hour).
    let mean_events = |o: &[TrialOutcome]| mean_se(&column(o, |t| t.events as f64)).0;
    let saved = mean_events(&events) - mean_events(&bulk);
    assert!((saved - 2.0 * 50.0 * 24.0).abs() < 60.0, "{saved}");
}

/// The values `f` gives for each of `values`.
fn column_of(values: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
    values.iter().map(|&v| f(v)).collect()
}
