//! The simulator against closed-form answers. Every check asserts a simulated mean within 4
//! standard errors (computed from the run) of Poisson arithmetic over the delay windows.

use crate::common;

use common::*;

const TRIALS: u64 = 20_000;

/// A hub whose wholesale channel empties the stock with one bulk order at 1 h, and a marketplace
/// (`amazon`, no demand before 1 h) whose view of `stock` units stays stale until `link` tells it.
fn stale_after_bulk(stock: u64, amazon_per_hour: f64, horizon: &str, link: &str) -> String {
    format!(
        r#"
name = "stale after bulk"
horizon = "{horizon}"
[stock]
initial = {stock}
[nodes.hub]
[nodes.amazon]
[channels.wholesale]
node = "hub"
orders_per_hour = 0
[channels.amazon]
orders_per_hour = {amazon_per_hour}
penalty = 30
[[scheduled_orders]]
at = "1h"
channel = "wholesale"
qty = {stock}
[[peaks]]
from = "0s"
to = "1h"
multiplier = 0
channels = ["amazon"]
{link}
"#
    )
}

fn amazon_oversold(
    scenario: &oversell::scenario::Scenario,
    outcomes: &[oversell::sim::TrialOutcome],
) -> Vec<f64> {
    let a = channel(scenario, "amazon");
    column(outcomes, |t| t.channels[a].oversold as f64)
}

#[test]
fn closed_forms_agree_with_their_limits() {
    // b large: E[min(N, b)] -> mu, and for a uniform window -> mu / 2.
    assert!((poisson_min_mean(3.0, 200) - 3.0).abs() < 1e-9);
    assert!((uniform_window_min_mean(3.0, 200) - 1.5).abs() < 1e-9);
    // b = 1: P(N >= 1) = 1 - e^-mu; uniform window: 1 - (1 - e^-mu) / mu.
    let mu: f64 = 2.0;
    assert!((poisson_min_mean(mu, 1) - (1.0 - (-mu).exp())).abs() < 1e-12);
    let u = 1.0 - (1.0 - (-mu).exp()) / mu;
    assert!((uniform_window_min_mean(mu, 1) - u).abs() < 1e-12);
}

#[test]
fn stale_channel_with_random_phase_poll() {
    // The poll after 1 h comes U ~ uniform(0, 30m) later: oversold = min(Poisson(lambda U), 5).
    let link = r#"
[[links]]
name = "feed"
carries = "levels"
from = "hub"
to = "amazon"
poll = { every = "30m" }
"#;
    let (s, out) = simulate(&stale_after_bulk(5, 12.0, "3h", link), TRIALS, 1);
    let oversold = amazon_oversold(&s, &out);
    assert_mean(
        "oversold",
        &oversold,
        uniform_window_min_mean(12.0 * 0.5, 5),
    );
    // Every oversold order draws the fixed penalty of 30.
    let a = channel(&s, "amazon");
    assert!(
        out.iter()
            .all(|t| t.channels[a].penalty == 30.0 * t.channels[a].oversold as f64)
    );
}

#[test]
fn fixed_webhook_latency() {
    let link = r#"
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = { latency = "10m" }
"#;
    let (s, out) = simulate(&stale_after_bulk(20, 30.0, "3h", link), TRIALS, 2);
    assert_mean(
        "oversold",
        &amazon_oversold(&s, &out),
        poisson_min_mean(5.0, 20),
    );
}

#[test]
fn webhook_drops_leave_the_channel_stale_until_the_horizon() {
    // Delivered (p = 0.7): stale 10 min. Dropped (p = 0.3), no retries: stale 2 h.
    let link = r#"
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = { latency = "10m", drop = 0.3 }
"#;
    let (s, out) = simulate(&stale_after_bulk(8, 6.0, "3h", link), TRIALS, 3);
    let expected = 0.7 * poisson_min_mean(1.0, 8) + 0.3 * poisson_min_mean(12.0, 8);
    assert_mean("oversold", &amazon_oversold(&s, &out), expected);
}

#[test]
fn retry_schedule() {
    // Attempts at 0, 5 m, 25 m after the sale, each failing with p = 0.5, then the message is lost.
    let link = r#"
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = { latency = "1m", drop = 0.5, retries = ["5m", "20m"] }
"#;
    let (s, out) = simulate(&stale_after_bulk(30, 12.0, "3h", link), TRIALS, 4);
    let per_minute = 12.0 / 60.0;
    let expected = 0.5 * poisson_min_mean(per_minute * 1.0, 30)
        + 0.25 * poisson_min_mean(per_minute * 6.0, 30)
        + 0.125 * poisson_min_mean(per_minute * 26.0, 30)
        + 0.125 * poisson_min_mean(per_minute * 120.0, 30);
    assert_mean("oversold", &amazon_oversold(&s, &out), expected);
}

#[test]
fn poll_outage_ends_exactly_at_its_end() {
    // Polls at 1h, 1h20, 1h40 fall in the outage [50m, 2h); the poll at 2h works: stale 1 h.
    let link = r#"
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
poll = { every = "20m", phase = "0s" }
outages = [{ from = "50m", to = "2h" }]
"#;
    let (s, out) = simulate(&stale_after_bulk(20, 6.0, "3h", link), TRIALS, 5);
    assert_mean(
        "oversold",
        &amazon_oversold(&s, &out),
        poisson_min_mean(6.0, 20),
    );
}

#[test]
fn webhook_outage_with_retries() {
    // The attempt at 1h and the retry at 1h10 fall in the outage [30m, 1h15); the retry at 1h40
    // gets through: stale 40 min.
    let link = r#"
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = { retries = ["10m", "30m"] }
outages = [{ from = "30m", to = "75m" }]
"#;
    let (s, out) = simulate(&stale_after_bulk(20, 9.0, "3h", link), TRIALS, 6);
    assert_mean(
        "oversold",
        &amazon_oversold(&s, &out),
        poisson_min_mean(6.0, 20),
    );
}

#[test]
fn erp_queue_with_exponential_service() {
    // The bulk order waits exp(10m) in the ERP's queue while the POS sells against the ERP's
    // stale view: the count of POS orders (rate = service rate) before service ends is geometric,
    // P(N >= k) = 0.5^k, capped by the 10 stale units.
    let toml = r#"
name = "erp queue"
horizon = "6h"
[stock]
initial = 10
[nodes.shop]
[nodes.erp]
processing = { service = "exp(10m)" }
[channels.wholesale]
node = "shop"
orders_per_hour = 0
[channels.pos]
node = "erp"
orders_per_hour = 6
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
webhook = {}
"#;
    let (s, out) = simulate(toml, TRIALS, 7);
    let pos = channel(&s, "pos");
    let oversold = column(&out, |t| t.channels[pos].oversold as f64);
    let expected: f64 = (1..=10).map(|k| 0.5f64.powi(k)).sum();
    assert_mean("oversold", &oversold, expected);
}

#[test]
fn buffer_caps_what_is_sold() {
    // 20 units, 5 held back: min(N, 15) accepted, the rest withheld (stock never runs out).
    let toml = r#"
name = "buffer"
horizon = "2h"
[stock]
initial = 20
unit_margin = 3.0
[channels.shop]
orders_per_hour = 10
buffer = 5
"#;
    let (_, out) = simulate(toml, TRIALS, 8);
    let accepted = column(&out, |t| t.channels[0].accepted as f64);
    let withheld = column(&out, |t| t.channels[0].rejected_withheld as f64);
    let expected = poisson_min_mean(20.0, 15);
    assert_mean("accepted", &accepted, expected);
    assert_mean("withheld", &withheld, 20.0 - expected);
    assert!(
        out.iter()
            .all(|t| t.channels[0].oversold == 0 && t.channels[0].rejected_stockout == 0)
    );
}

#[test]
fn max_listed_rejects_larger_orders() {
    // Orders of 1..=4 units against a listing capped at 2: half are accepted.
    let toml = r#"
name = "max listed"
horizon = "2h"
[stock]
initial = 100000
[channels.shop]
orders_per_hour = 10
qty = "uniform(1, 4)"
max_listed = 2
"#;
    let (_, out) = simulate(toml, TRIALS, 9);
    let accepted = column(&out, |t| t.channels[0].accepted as f64);
    let withheld = column(&out, |t| t.channels[0].rejected_withheld as f64);
    assert_mean("accepted", &accepted, 10.0);
    assert_mean("withheld", &withheld, 10.0);
}

#[test]
fn penalty_means() {
    // No physical stock but stale views of 1000: every order is oversold and draws a penalty.
    let toml = r#"
name = "penalties"
horizon = "10h"
[stock]
initial = 0
[nodes.a]
initial = 1000
[nodes.b]
initial = 1000
[channels.a]
orders_per_hour = 3
penalty = "uniform(20, 40)"
[channels.b]
orders_per_hour = 3
penalty = "lognormal(10, 40)"
"#;
    let (s, out) = simulate(toml, TRIALS, 10);
    let a = column(&out, |t| t.channels[0].penalty);
    let b = column(&out, |t| t.channels[1].penalty);
    assert_mean("uniform penalty", &a, 30.0 * 30.0);
    assert_mean("lognormal penalty", &b, 30.0 * s.channels[1].penalty.mean());
    let sigma = (40f64.ln() - 10f64.ln()) / 1.644_853_626_951_472_2;
    assert!((s.channels[1].penalty.mean() - (10f64.ln() + sigma * sigma / 2.0).exp()).abs() < 1e-9);
}

#[test]
fn arrivals_under_overlapping_peaks() {
    // 10/h over 10 h, x3 on [2h, 4h), x2 on [3h, 5h): 20 + 30 + 60 + 20 + 50 = 180 expected.
    let toml = r#"
name = "peaks"
horizon = "10h"
[stock]
initial = 1000000
[channels.shop]
orders_per_hour = 10
[channels.other]
orders_per_hour = 10
[[peaks]]
from = "2h"
to = "4h"
multiplier = 3
channels = ["shop"]
[[peaks]]
from = "3h"
to = "5h"
multiplier = 2
"#;
    let (_, out) = simulate(toml, TRIALS, 11);
    let shop = column(&out, |t| t.channels[0].arrivals as f64);
    let other = column(&out, |t| t.channels[1].arrivals as f64);
    assert_mean("shop arrivals", &shop, 180.0);
    assert_variance("shop arrivals", &shop, 180.0);
    assert_mean("other arrivals", &other, 120.0);
}

#[test]
fn arrivals_under_hourly_profile() {
    // Two days of a profile that sums to 24 * 0.75 = 18 per day at 4/h base: 144 expected.
    let profile: Vec<String> = (0..24)
        .map(|h| if h < 12 { "0.5" } else { "1.0" }.to_owned())
        .collect();
    let toml = format!(
        r#"
name = "profile"
horizon = "2d"
hourly_profile = [{}]
[stock]
initial = 1000000
[channels.shop]
orders_per_day = 96
"#,
        profile.join(", ")
    );
    let (_, out) = simulate(&toml, TRIALS, 12);
    let arrivals = column(&out, |t| t.channels[0].arrivals as f64);
    assert_mean("arrivals", &arrivals, 144.0);
    assert_variance("arrivals", &arrivals, 144.0);
}

#[test]
fn instant_lossless_sync_never_oversells() {
    let toml = r#"
name = "instant"
horizon = "1d"
[stock]
initial = 40
[nodes.hub]
[channels.hub]
orders_per_hour = 2
qty = "uniform(1, 3)"
[channels.amazon]
orders_per_hour = 2
[channels.walmart]
orders_per_hour = 1
qty = "geometric(1.5)"
[[scheduled_orders]]
at = "12h"
channel = "walmart"
qty = 5
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
webhook = {}
[[links]]
carries = "levels"
from = "amazon"
to = "hub"
webhook = {}
[[links]]
carries = "levels"
from = "hub"
to = "walmart"
webhook = {}
[[links]]
carries = "levels"
from = "walmart"
to = "hub"
webhook = {}
"#;
    let (_, out) = simulate(toml, TRIALS, 13);
    let mut sold_out = 0;
    for t in &out {
        assert!(
            t.channels
                .iter()
                .all(|c| c.oversold == 0 && c.penalty == 0.0)
        );
        assert_eq!(t.any_exposure_seconds, 0.0);
        sold_out += u64::from(t.first_stockout_seconds < 86_400.0);
    }
    // The demand (about 150 units a day) sells the 40 units out in most trials: the check is not vacuous.
    assert!(
        sold_out > TRIALS * 9 / 10,
        "only {sold_out} trials sold out"
    );
}

#[test]
fn order_relay_chain() {
    // A marketplace order relayed amazon -> shop (5 m) -> erp (10 m): the POS on the ERP is stale 15 m.
    let toml = r#"
name = "relay"
horizon = "3h"
[stock]
initial = 10
[nodes.amazon]
[nodes.shop]
[nodes.erp]
[channels.amazon]
orders_per_hour = 0
[channels.pos]
node = "erp"
orders_per_hour = 12
[[scheduled_orders]]
at = "1h"
channel = "amazon"
qty = 10
[[peaks]]
from = "0s"
to = "1h"
multiplier = 0
channels = ["pos"]
[[links]]
carries = "orders"
from = "amazon"
to = "shop"
webhook = { latency = "5m" }
[[links]]
carries = "orders"
from = "shop"
to = "erp"
webhook = { latency = "10m" }
"#;
    let (s, out) = simulate(toml, TRIALS, 14);
    let pos = channel(&s, "pos");
    let oversold = column(&out, |t| t.channels[pos].oversold as f64);
    assert_mean("oversold", &oversold, poisson_min_mean(3.0, 10));
}

#[test]
fn reconciliation_ends_the_stale_window() {
    // No links at all: only the recount at 2 h tells amazon that the bulk order at 1 h emptied
    // the stock. It corrects amazon's leftover view (10 - oversold); the hub is already right.
    let (s, out) = simulate(
        &stale_after_bulk(
            10,
            4.0,
            "1d",
            "[reconcile]\nfirst = \"2h\"\nevery = \"1d\"\n",
        ),
        TRIALS,
        15,
    );
    let oversold = amazon_oversold(&s, &out);
    let expected = poisson_min_mean(4.0, 10);
    assert_mean("oversold", &oversold, expected);
    let a = channel(&s, "amazon");
    for t in &out {
        assert_eq!(t.reconciled_units, 10 - t.channels[a].oversold);
    }
}
