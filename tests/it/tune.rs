//! `oversell tune` driven as a user would: its exhaustive search (`--search exhaustive`, every
//! value on every trial) recommends what a brute-force search over the same scenarios run through
//! the library finds, and mistakes in the catalog and flags exit with
//! code 2 naming the line and column (or the flag) at fault.

use crate::common;

use std::fs;

use common::binary::{Sandbox, failed_with_2, text};
use oversell::montecarlo::{RunConfig, run_trials};
use oversell::scenario::load_str;
use oversell::sim::Plan;
use oversell::stats::{Metric, summarize_run};

const TRIALS: u64 = 400;
const SEED: u64 = 5;
const MAX: i64 = 3;

/// A web shop on the record and a marketplace that learns the record's count by an hourly poll
/// and sends its orders every 30 minutes; only the marketplace has a cancel-rate limit. The
/// values the catalog sets are placeholders: `{..}`.
const STACK: &str = r#"
name = "Two channels"
horizon = "24h"

[stock]
initial = {initial}
unit_margin = {margin}

[nodes.hub]
record = true

[channels.web]
node = "hub"
orders_per_day = {web_rate}
penalty = 10.0

[channels.market]
orders_per_day = {market_rate}
penalty = {market_penalty}
cancel_rate_limit = 0.05
buffer = {buffer}

[[links]]
name = "feed"
carries = "levels"
from = "hub"
to = "market"
poll = { every = "1h" }

[[links]]
name = "market-orders"
carries = "orders"
from = "market"
to = "hub"
poll = { every = "30m" }
"#;

/// Two SKUs; shares and the penalty override are chosen so that every rate is exact in binary.
/// The Part 2 format of every command: shares are weights over the channels.
const CATALOG: &str = "sku,initial,orders_per_day,unit_margin,share_web,share_market,penalty_market\n\
                       SLOW,8,12,5,3,1,\n\
                       FAST,20,40,2,1,1,60\n";

/// `(initial, unit_margin, web orders/day, market orders/day, market penalty)` per SKU.
const SKUS: [(&str, i64, f64, f64, f64, f64); 2] = [
    ("SLOW", 8, 5.0, 9.0, 3.0, 40.0),
    ("FAST", 20, 2.0, 20.0, 20.0, 60.0),
];

fn stack(initial: i64, margin: f64, web: f64, market: f64, penalty: f64, buffer: i64) -> String {
    STACK
        .replace("{initial}", &initial.to_string())
        .replace("{margin}", &format!("{margin:?}"))
        .replace("{web_rate}", &format!("{web:?}"))
        .replace("{market_rate}", &format!("{market:?}"))
        .replace("{market_penalty}", &format!("{penalty:?}"))
        .replace("{buffer}", &buffer.to_string())
}

/// The stack (its own values are overwritten by the catalog) and the catalog, written.
fn files(sandbox: &Sandbox, catalog: &str) -> (String, String) {
    let scenario = sandbox.write("stack.toml", &stack(50, 1.0, 30.0, 10.0, 40.0, 1));
    let catalog = sandbox.write("skus.csv", catalog);
    (
        scenario.to_string_lossy().into_owned(),
        catalog.to_string_lossy().into_owned(),
    )
}

/// Mean penalty + lost margin over all channels, and the p_cancel_rate_over_limit, of a plain
/// run of `toml`.
fn brute_force_cost(toml: &str) -> (f64, f64) {
    let scenario = load_str("brute.toml", toml).unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::new(scenario);
    let config = RunConfig {
        trials: TRIALS,
        seed: SEED,
        threads: 1,
    };
    let outcomes = run_trials(&plan, config, &|_| {}).expect("run");
    let summary = summarize_run(&plan.scenario, SEED, &outcomes);
    let total = &summary.total;
    (
        total.metric(Metric::Penalty).mean + total.metric(Metric::LostMargin).mean,
        total
            .p_cancel_rate_over_limit
            .expect("the market has a limit"),
    )
}

#[test]
fn tune_recommends_what_a_brute_force_search_finds() {
    let sandbox = Sandbox::new();
    let (scenario, catalog) = files(&sandbox, CATALOG);
    let output = sandbox.oversell(&[
        "tune",
        &scenario,
        "--catalog",
        &catalog,
        "--max",
        &MAX.to_string(),
        "--trials",
        &TRIALS.to_string(),
        "--seed",
        &SEED.to_string(),
        "--threads",
        "2",
        "--search",
        "exhaustive",
        "--format",
        "csv",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let csv = text(&output.stdout);
    let written = fs::read_to_string(sandbox.path().join("out/skus/tune/recommendations.csv"))
        .expect("recommendations.csv");
    assert_eq!(csv, written);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), SKUS.len());

    for (row, &(sku, initial, margin, web, market, penalty)) in rows.iter().zip(&SKUS) {
        assert_eq!(row[column("sku")], sku);
        // The brute force: every buffer on the limited channel, the least cost, the smallest
        // buffer on a tie.
        let costs: Vec<(f64, f64)> = (0..=MAX)
            .map(|b| brute_force_cost(&stack(initial, margin, web, market, penalty, b)))
            .collect();
        let mut best = 0;
        for (b, (cost, _)) in costs.iter().enumerate() {
            if *cost < costs[best].0 {
                best = b;
            }
        }
        let read = |name: &str| -> f64 {
            row[column(name)]
                .parse()
                .unwrap_or_else(|_| panic!("{sku}: {name} = {}", row[column(name)]))
        };
        assert_eq!(read("recommended_buffer"), best as f64, "{sku}: {costs:?}");
        assert_eq!(read("cost"), costs[best].0, "{sku}");
        assert_eq!(read("cost_at_0"), costs[0].0, "{sku}");
        assert_eq!(read("saving"), costs[0].0 - costs[best].0, "{sku}");
        assert_eq!(read("p_cancel_rate_over_limit"), costs[best].1, "{sku}");
        assert_eq!(read("orders_per_day"), web + market);
    }
    // The case is not trivial: the buffers change what a SKU costs.
    let fast: Vec<f64> = (0..=MAX)
        .map(|b| brute_force_cost(&stack(20, 2.0, 20.0, 20.0, 60.0, b)).0)
        .collect();
    assert!(fast.windows(2).any(|w| w[0] != w[1]), "{fast:?}");
    let chart = sandbox.path().join("out/skus/tune/recommendations.png");
    assert!(fs::metadata(chart).unwrap().len() > 1000);
}

#[test]
fn a_risk_cap_picks_the_cheapest_value_under_it_or_says_none_is() {
    let sandbox = Sandbox::new();
    let (scenario, catalog) = files(&sandbox, CATALOG);
    let run = |cap: &str, max: &str| {
        let output = sandbox.oversell(&[
            "tune",
            &scenario,
            "--catalog",
            &catalog,
            "--max",
            max,
            "--trials",
            &TRIALS.to_string(),
            "--seed",
            &SEED.to_string(),
            "--max-cancel-risk",
            cap,
            "--search",
            "exhaustive",
            "--format",
            "json",
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("JSON")
    };
    let capped = run("0.02", "3");
    for sku in capped["skus"].as_array().unwrap() {
        let curve = sku["curve"].as_array().unwrap();
        let risk = |o: &serde_json::Value| o["p_cancel_rate_over_limit"].as_f64().unwrap();
        let cost = |o: &serde_json::Value| o["cost"].as_f64().unwrap();
        let under: Vec<&serde_json::Value> = curve.iter().filter(|o| risk(o) <= 0.02).collect();
        let recommended = sku["recommended"].as_i64().unwrap();
        match under.iter().min_by(|a, b| cost(a).total_cmp(&cost(b))) {
            Some(best) => {
                assert_eq!(recommended, best["value"].as_i64().unwrap(), "{sku}");
                assert_eq!(sku["meets_risk_cap"], true);
            }
            None => {
                assert_eq!(sku["meets_risk_cap"], false);
                assert!(
                    sku["note"]
                        .as_str()
                        .unwrap()
                        .starts_with("no value up to 3"),
                    "{sku}"
                );
            }
        }
    }
    // Holding back at most 1 unit, the fast SKU cannot avoid going over its limit in some
    // trials: the least risky value is shown, with a note.
    let zero = run("0", "1");
    let fast = &zero["skus"][1];
    assert_eq!(fast["meets_risk_cap"], false, "{fast}");
    assert_eq!(fast["recommended"], 1, "{fast}");
    let note = fast["note"].as_str().unwrap();
    assert!(
        note.starts_with("no value up to 1 keeps P(cancel rate over limit) at or below 0;"),
        "{note}"
    );
}

#[test]
fn catalog_and_flag_mistakes_exit_2_naming_the_place() {
    let sandbox = Sandbox::new();
    let cases: [(&str, &[&str], &str); 6] = [
        (
            "sku,initial,orders_per_day,unit_margin\nA,5,3,1\nB,five,3,1\n",
            &[],
            "skus.csv:3: column `initial`: expected a whole number of at least 0, found `five`",
        ),
        (
            "sku,initial,orders_per_day,unit_margin,share_ebay\nA,5,3,1,0.5\n",
            &[],
            "skus.csv:1: column `share_ebay`: the scenario has no channel `ebay`; its channels \
             are `web`, `market`",
        ),
        (
            "sku,orders_per_day\nA,3\n",
            &[],
            "skus.csv:1: column `sku`: the column `initial` is missing",
        ),
        (
            "sku,initial,orders_per_day,penalty_web\nA,5,3,\"uniform(1, 2)\"\n",
            &[],
            "skus.csv:2: column `penalty_<channel>`: tune takes a fixed amount per oversold \
             order here, not a distribution",
        ),
        (
            CATALOG,
            &["--channels", "market,shop"],
            "--channels market,shop: no channel is called `shop`; the channels are `web`, `market`",
        ),
        (
            CATALOG,
            &["--max-cancel-risk", "1.5"],
            "`1.5` is outside 0 to 1; expected a probability from 0 to 1",
        ),
    ];
    for (catalog, flags, says) in cases {
        let (scenario, catalog_path) = files(&sandbox, catalog);
        let mut args = vec![
            "tune",
            scenario.as_str(),
            "--catalog",
            catalog_path.as_str(),
        ];
        args.extend_from_slice(flags);
        args.extend(["--trials", "10"]);
        let err = failed_with_2(&sandbox.oversell(&args));
        assert!(err.contains(says), "`{says}` not in:\n{err}");
        assert!(err.starts_with("error: "), "{err}");
    }
    let (scenario, _) = files(&sandbox, CATALOG);
    let missing = sandbox.oversell(&["tune", &scenario, "--catalog", "nope.csv"]);
    let err = failed_with_2(&missing);
    assert!(err.contains("nope.csv: cannot read the catalog"), "{err}");
}
