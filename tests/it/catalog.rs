//! MODEL.md Part 2 against closed forms: catalogs, polls that carry batches, API token buckets,
//! feed queues, cancel rates over a window. Random checks hold the simulated mean within 4
//! standard errors computed from the run; deterministic ones are exact.

use crate::common;

use common::*;
use oversell::montecarlo::{RunConfig, run_trials};
use oversell::scenario::{Scenario, load_file};
use oversell::sim::{Plan, TrialOutcome};

/// Runs the scenario `toml` whose `[catalog] file = "skus.csv"` is `csv`, from a temporary folder.
fn simulate_catalog(
    toml: &str,
    csv: &str,
    trials: u64,
    seed: u64,
) -> (Scenario, Vec<TrialOutcome>) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("skus.csv"), csv).expect("writes the catalog");
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, toml).expect("writes the scenario");
    let scenario = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::new(scenario.clone());
    let config = RunConfig {
        trials,
        seed,
        threads: 2,
    };
    (scenario, run_trials(&plan, config, &|_| {}).expect("run"))
}

/// Asserts two independent sample means agree within 4 combined standard errors.
fn assert_same_mean(what: &str, a: &[f64], b: &[f64]) {
    let ((ma, sa), (mb, sb)) = (mean_se(a), mean_se(b));
    let se = (sa * sa + sb * sb).sqrt();
    assert!(se > 0.0, "{what}: no variation");
    let z = (ma - mb) / se;
    assert!(
        z.abs() <= 4.0,
        "{what}: {ma:.5} vs {mb:.5} (se {se:.5}, z = {z:.2})"
    );
}

/// A hub (the record) and a marketplace that learns the hub's view by a 30-minute poll and
/// sends its orders back by webhook; `demand` is either the channels' rates or their shares.
fn hub_and_marketplace(stock: &str, shopify: &str, amazon: &str, extra: &str) -> String {
    format!(
        r#"
name = "hub and marketplace"
description = "test"
horizon = "2d"
{extra}
[stock]
{stock}
unit_margin = 4
[nodes.hub]
record = true
[nodes.amazon]
[channels.shopify]
node = "hub"
{shopify}
penalty = 10
[channels.amazon]
{amazon}
buffer = 1
penalty = "uniform(20, 40)"
[[links]]
name = "feed"
carries = "levels"
from = "hub"
to = "amazon"
poll = {{ every = "30m", latency = "2m" }}
[[links]]
name = "orders"
carries = "orders"
from = "amazon"
to = "hub"
webhook = {{ latency = "exp(5m)" }}
[reconcile]
every = "24h"
"#
    )
}

fn column_of(outcomes: &[TrialOutcome], f: impl Fn(&TrialOutcome) -> f64) -> Vec<f64> {
    outcomes.iter().map(f).collect()
}

#[test]
fn a_one_row_catalog_reproduces_the_scenario_it_was_built_from() {
    let trials = 4_000;
    let part1 = hub_and_marketplace(
        "initial = 14",
        "orders_per_day = 8",
        "orders_per_day = 6",
        "",
    );
    let (s1, out1) = simulate(&part1, trials, 1);
    let catalog = hub_and_marketplace(
        "",
        "share = 4",
        "share = 3",
        "[catalog]\nfile = \"skus.csv\"",
    );
    let (s2, out2) = simulate_catalog(
        &catalog,
        "sku,orders_per_day,initial\nTEE,14,14\n",
        trials,
        1,
    );
    assert_eq!(
        s2.channels[0].orders_per_hour,
        s1.channels[0].orders_per_hour
    );
    for c in 0..2 {
        let name = &s1.channels[c].name;
        type Measure = fn(&TrialOutcome, usize) -> f64;
        let measures: [(&str, Measure); 6] = [
            ("arrivals", |t, c| t.channels[c].arrivals as f64),
            ("fulfilled", |t, c| t.channels[c].fulfilled as f64),
            ("oversold", |t, c| t.channels[c].oversold as f64),
            ("penalty", |t, c| t.channels[c].penalty),
            ("lost_margin", |t, c| t.channels[c].lost_margin),
            ("exposure", |t, c| t.channels[c].exposure_seconds),
        ];
        for (what, f) in measures {
            assert_same_mean(
                &format!("{name}.{what}"),
                &column_of(&out1, |t| f(t, c)),
                &column_of(&out2, |t| f(t, c)),
            );
        }
    }
    assert_same_mean(
        "first stockout",
        &column_of(&out1, |t| t.first_stockout_seconds),
        &column_of(&out2, |t| t.first_stockout_seconds),
    );
    // The one SKU's row is the catalog's total.
    for t in &out2 {
        let oversold: u64 = t.channels.iter().map(|c| c.oversold).sum();
        assert_eq!(t.skus.iter().map(|r| r.oversold).sum::<u64>(), oversold);
    }
}

#[test]
fn k_identical_skus_give_k_times_the_single_sku_means_and_each_row_agrees() {
    let (trials, k) = (3_000, 4);
    let part1 = hub_and_marketplace(
        "initial = 10",
        "orders_per_day = 6",
        "orders_per_day = 6",
        "",
    );
    let (_, single) = simulate(&part1, trials, 3);
    let catalog = hub_and_marketplace(
        "",
        "share = 1",
        "share = 1",
        "[catalog]\nfile = \"skus.csv\"",
    );
    let rows: String = (0..k).map(|i| format!("SKU-{i},12,10\n")).collect();
    let (_, many) = simulate_catalog(
        &catalog,
        &format!("sku,orders_per_day,initial\n{rows}"),
        trials,
        3,
    );
    let oversold = |t: &TrialOutcome| t.channels.iter().map(|c| c.oversold as f64).sum::<f64>();
    let kf = k as f64;
    let scaled: Vec<f64> = column_of(&single, oversold)
        .iter()
        .map(|v| v * kf)
        .collect();
    // Scaling one trial by K has K times the spread of K independent SKUs: conservative.
    assert_same_mean("oversold", &scaled, &column_of(&many, oversold));
    let accepted = |t: &TrialOutcome| t.channels.iter().map(|c| c.accepted as f64).sum::<f64>();
    let scaled: Vec<f64> = column_of(&single, accepted)
        .iter()
        .map(|v| v * kf)
        .collect();
    assert_same_mean("accepted", &scaled, &column_of(&many, accepted));
    let lost = |t: &TrialOutcome| t.channels.iter().map(|c| c.lost_margin).sum::<f64>();
    let scaled: Vec<f64> = column_of(&single, lost).iter().map(|v| v * kf).collect();
    assert_same_mean("lost margin", &scaled, &column_of(&many, lost));
    for i in 0..k as u32 {
        let row = |t: &TrialOutcome| {
            t.skus
                .iter()
                .find(|r| r.sku == i)
                .copied()
                .unwrap_or_default()
        };
        let name = format!("SKU-{i}");
        assert_same_mean(
            &format!("{name} oversold"),
            &column_of(&single, oversold),
            &column_of(&many, |t| row(t).oversold as f64),
        );
        assert_same_mean(
            &format!("{name} penalty"),
            &column_of(&single, |t| t.channels.iter().map(|c| c.penalty).sum()),
            &column_of(&many, |t| row(t).penalty),
        );
        assert_same_mean(
            &format!("{name} exposure"),
            &column_of(&single, |t| t.any_exposure_seconds),
            &column_of(&many, |t| row(t).exposure_seconds),
        );
    }
}

/// `skus` SKUs without demand, a shop with an API bucket, and `links` polling it.
fn bucket_scenario(links: &str) -> String {
    format!(
        r#"
name = "bucket"
description = "test"
horizon = "1h"
[catalog]
file = "skus.csv"
[stock]
[nodes.shopify]
api = {{ requests_per_second = 2, burst = 5 }}
[nodes.amazon]
[nodes.walmart]
[channels.shopify]
[channels.amazon]
[channels.walmart]
{links}
"#
    )
}

fn no_demand(skus: usize) -> String {
    let rows: String = (0..skus).map(|i| format!("S{i},0,5\n")).collect();
    format!("sku,orders_per_day,initial\n{rows}")
}

const FEED: &str = r#"
[[links]]
name = "amazon-feed"
carries = "levels"
from = "shopify"
to = "amazon"
poll = { every = "15m", phase = "0s", page_size = 10 }
"#;

#[test]
fn a_poll_of_r_pages_waits_r_minus_b_over_r_for_tokens() {
    // 100 SKUs in pages of 10: R = 10 requests; burst 5 at 2 a second: (10 - 5) / 2 = 2.5 s.
    let (s, out) = simulate_catalog(&bucket_scenario(FEED), &no_demand(100), 3, 1);
    assert_eq!(s.links.len(), 1);
    for t in &out {
        let link = t.links[0];
        assert_eq!(link.polls, 4);
        assert_eq!(link.requests, 40);
        // The bucket refills in 15 minutes: every poll waits the same 2.5 s.
        assert_eq!(link.api_wait_seconds, 4.0 * 2.5);
    }
    // 80 SKUs: R = 8, wait (8 - 5) / 2 = 1.5 s.
    let (_, out) = simulate_catalog(&bucket_scenario(FEED), &no_demand(80), 1, 1);
    assert_eq!(out[0].links[0].api_wait_seconds, 4.0 * 1.5);
    // 40 SKUs: R = 4 <= burst: no wait.
    let (_, out) = simulate_catalog(&bucket_scenario(FEED), &no_demand(40), 1, 1);
    assert_eq!(out[0].links[0].api_wait_seconds, 0.0);
}

#[test]
fn links_sharing_a_bucket_queue_first_come_first_served() {
    let walmart = FEED.replace("amazon", "walmart");
    let (_, out) = simulate_catalog(
        &bucket_scenario(&format!("{FEED}{walmart}")),
        &no_demand(100),
        2,
        1,
    );
    for t in &out {
        // Both due at the same instants; amazon's poll (declared first) takes the burst and
        // waits 2.5 s; walmart's starts then with no token and needs 10: 2.5 + 10 / 2 = 7.5 s.
        assert_eq!(t.links[0].api_wait_seconds, 4.0 * 2.5);
        assert_eq!(t.links[1].api_wait_seconds, 4.0 * 7.5);
        assert_eq!((t.links[0].requests, t.links[1].requests), (40, 40));
    }
}

#[test]
fn a_poll_due_while_its_previous_one_waits_is_skipped() {
    // 1000 SKUs in pages of 1 at 2 a second: a poll needs (1000 - 5) / 2 = 497.5 s of tokens,
    // longer than the 5-minute interval, so every other poll is skipped.
    let feed = FEED
        .replace("every = \"15m\"", "every = \"5m\"")
        .replace("page_size = 10", "page_size = 1");
    let (_, out) = simulate_catalog(&bucket_scenario(&feed), &no_demand(1000), 1, 1);
    let link = out[0].links[0];
    // Due at 0, 5m (skipped), 10m, 15m (skipped), ..., 55m: 6 polls made.
    assert_eq!(link.polls, 6);
    assert_eq!(link.requests, 6 * 1000);
}

#[test]
fn a_feed_queue_of_poisson_messages_waits_as_m_d_1() {
    // Every sale changes the shop's view: Poisson messages at 30 an hour (lambda = 1/120 s)
    // into one feed server of fixed 60 s. rho = 0.5; Pollaczek-Khinchine:
    // Wq = lambda D^2 / (2 (1 - rho)) = 30 s.
    let toml = r#"
name = "feed queue"
horizon = "10d"
[stock]
initial = 1000000
[nodes.shop]
[nodes.amazon]
feeds = { service = "60s" }
[channels.shop]
orders_per_hour = 30
[[links]]
carries = "levels"
from = "shop"
to = "amazon"
webhook = {}
"#;
    let (s, out) = simulate(toml, 300, 5);
    let amazon = s.nodes.iter().position(|n| n.name == "amazon").unwrap();
    let waits = column_of(&out, |t| {
        let feed = t.feeds[amazon];
        feed.wait_seconds / feed.items as f64
    });
    assert_mean("feed wait", &waits, 30.0);
}

/// A record hub that receives one unit before noon on every day except `oversold_days`, and a
/// marketplace with a large stale view that sells one unit every noon.
fn daily_orders(windows: &str, oversold_days: &[u32]) -> String {
    let receipts: Vec<String> = (0..30)
        .filter(|d| !oversold_days.contains(d))
        .map(|d| format!("{{ at = \"{}h\", qty = 1 }}", d * 24 + 6))
        .collect();
    let orders: String = (0..30)
        .map(|d| {
            format!(
                "[[scheduled_orders]]\nat = \"{}h\"\nchannel = \"amazon\"\nqty = 1\n",
                d * 24 + 12
            )
        })
        .collect();
    format!(
        r#"
name = "daily"
horizon = "30d"
[stock]
initial = 0
price = 10
receipts = [{}]
[nodes.hub]
record = true
[nodes.amazon]
initial = 1000
[channels.amazon]
orders_per_hour = 0
cancel_rate_limit = 0.25
{windows}
{orders}
"#,
        receipts.join(", ")
    )
}

#[test]
fn windowed_cancel_rates_are_exact_for_known_oversell_days() {
    let oversold = [3, 4, 20];
    for (window, worst) in [
        ("cancel_rate_window = \"7d\"", 2.0 / 7.0),
        ("cancel_rate_window = \"10d\"", 2.0 / 10.0),
        ("cancel_rate_window = \"14d\"", 2.0 / 14.0),
        ("cancel_rate_window = \"30d\"", 3.0 / 30.0),
        ("cancel_rate_window = \"45d\"", 3.0 / 30.0),
        ("", 3.0 / 30.0),
    ] {
        let (_, out) = simulate(&daily_orders(window, &oversold), 2, 1);
        for t in &out {
            let amazon = t.channels[0];
            assert_eq!((amazon.accepted, amazon.oversold), (30, 3), "{window}");
            assert_eq!(amazon.worst_window_cancel_rate, worst, "{window}");
            // 27 fulfilled units at a price of 10.
            assert_eq!(amazon.revenue, 270.0);
        }
    }
    // Days 3 and 4 alone decide a 7-day window: moving day 4 to day 12 halves it.
    let (_, out) = simulate(
        &daily_orders("cancel_rate_window = \"7d\"", &[3, 12, 20]),
        1,
        1,
    );
    assert_eq!(out[0].channels[0].worst_window_cancel_rate, 1.0 / 7.0);
}

#[test]
fn the_limit_is_judged_on_the_worst_window() {
    use oversell::stats::{Scope, over_limit};
    // 2/7 over 7 days is over the 0.25 limit; 3/30 over the horizon is not.
    let (s, out) = simulate(
        &daily_orders("cancel_rate_window = \"7d\"", &[3, 4, 20]),
        1,
        1,
    );
    assert_eq!(over_limit(&s, &out[0], Scope::Channel(0)), Some(true));
    let (s, out) = simulate(&daily_orders("", &[3, 4, 20]), 1, 1);
    assert_eq!(over_limit(&s, &out[0], Scope::Channel(0)), Some(false));
}

/// The ERP's view of two SKUs is polled into a marketplace that sells TEE at 0:30 and 1:30 and
/// never tells the ERP: a full sync writes the ERP's stale 5 back, a changed sync writes nothing.
fn stale_writes(sync: &str) -> String {
    format!(
        r#"
name = "stale writes"
horizon = "3h"
[catalog]
file = "skus.csv"
[stock]
receipts = [{{ at = "20m", sku = "MUG", qty = 3 }}]
[nodes.erp]
record = true
[nodes.amazon]
[channels.amazon]
[[links]]
carries = "levels"
from = "erp"
to = "amazon"
poll = {{ every = "1h", phase = "0s", sync = "{sync}", page_size = 1 }}
[[scheduled_orders]]
at = "30m"
channel = "amazon"
sku = "TEE"
qty = 5
[[scheduled_orders]]
at = "90m"
channel = "amazon"
sku = "TEE"
qty = 5
"#
    )
}

#[test]
fn a_changed_sync_never_rewrites_a_sku_whose_view_did_not_change() {
    let csv = "sku,orders_per_day,initial\nTEE,0,5\nMUG,0,2\n";
    let (_, full) = simulate_catalog(&stale_writes("full"), csv, 1, 1);
    let (_, changed) = simulate_catalog(&stale_writes("changed"), csv, 1, 1);
    // Full: the 1h poll writes TEE's stale 5 back; the 1:30 order of 5 is accepted and oversold.
    let amazon = full[0].channels[0];
    assert_eq!((amazon.accepted, amazon.oversold), (2, 1));
    // Changed: TEE's ERP view never changed, so the marketplace keeps its 0 and refuses.
    let amazon = changed[0].channels[0];
    assert_eq!(
        (amazon.accepted, amazon.oversold, amazon.rejected_stockout),
        (1, 0, 1)
    );
    // Pages: a full poll carries both SKUs (2 requests) at 0, 1h and 2h; a changed poll
    // carries nothing at 0, MUG (received at 20m) at 1h, nothing at 2h.
    assert_eq!(full[0].links[0].requests, 6);
    assert_eq!(changed[0].links[0].requests, 3);
}

#[test]
fn each_sku_reorders_after_its_own_lead_time_with_its_own_quantity() {
    // No demand; every SKU starts at its reorder point, so each orders at time 0 and its units
    // arrive after its own lead time (A and C share one, which the engine keeps once).
    let toml = r#"
name = "lead times"
description = "test"
horizon = "1d"
[catalog]
file = "skus.csv"
[stock]
reorder = { point = 0, qty = 1, lead_time = "1d" }
[nodes.hub]
record = true
[channels.shop]
node = "hub"
"#;
    let csv = "sku,orders_per_day,initial,reorder_point,reorder_qty,lead_time\n\
               A,0,2,2,5,2h\nB,0,3,3,7,5h\nC,0,1,1,9,2h\n";
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("skus.csv"), csv).expect("writes the catalog");
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, toml).expect("writes the scenario");
    let plan = Plan::new(load_file(&path).unwrap_or_else(|e| panic!("{e}")));
    let mut arrivals = Vec::new();
    let outcome = oversell::sim::Engine::new(&plan)
        .trace_trial(1, 0, |t, e, _| {
            if let oversell::sim::Event::ReorderArrival { sku } = *e {
                arrivals.push((sku, t));
            }
        })
        .expect("no runaway");
    arrivals.sort_by_key(|&(sku, _)| sku);
    assert_eq!(arrivals, vec![(0, 7_200.0), (1, 18_000.0), (2, 7_200.0)]);
    assert_eq!(outcome.received_units, 5 + 7 + 9);
    assert_eq!(outcome.final_physical, 2 + 3 + 1 + 5 + 7 + 9);
}
