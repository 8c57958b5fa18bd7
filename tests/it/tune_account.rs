//! `oversell tune --max-cancel-risk` judges the whole catalog as one seller: per-SKU choices that
//! each keep their own risk under the cap can still put the account over a marketplace's limit
//! (one cancel among all the SKUs' orders is enough). The check raises buffers until the
//! account is within the cap, or says that no setting within `--max` gets there; its final risk
//! equals a plain catalog run with the raised buffers as `buffer_<channel>` cells.

use crate::common;

use common::binary::{Sandbox, text};
use oversell::montecarlo::{RunConfig, run_trials};
use oversell::scenario::load_file;
use oversell::sim::Plan;
use oversell::stats::summarize_run;
use serde_json::Value;

const TRIALS: u64 = 200;
const SEED: u64 = 7;
const SKUS: usize = 12;

/// A web shop on the record and a marketplace polled hourly for levels, its orders every 30
/// minutes; the marketplace allows a 2% cancel rate over the day.
const STACK: &str = r#"
name = "Two channels"
horizon = "24h"

[stock]
initial = 3
unit_margin = 2.0

[nodes.hub]
record = true

[channels.web]
node = "hub"
orders_per_day = 1.0
penalty = 10.0

[channels.market]
orders_per_day = 1.0
penalty = 40.0
cancel_rate_limit = 0.02

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

/// Slow SKUs: each rarely oversells on its own, but twelve of them sell 18 marketplace orders a
/// day between them, so one cancel anywhere is 5% or more.
fn catalog() -> String {
    let mut csv = "sku,initial,orders_per_day,unit_margin,share_web,share_market\n".to_owned();
    for i in 0..SKUS {
        csv.push_str(&format!("S{i:02},2,3,2,1,1\n"));
    }
    csv
}

fn tune(sandbox: &Sandbox, max: &str) -> Value {
    let scenario = sandbox.write("stack.toml", STACK);
    let catalog = sandbox.write("skus.csv", &catalog());
    let output = sandbox.oversell(&[
        "tune",
        &scenario.to_string_lossy(),
        "--catalog",
        &catalog.to_string_lossy(),
        "--max",
        max,
        "--trials",
        &TRIALS.to_string(),
        "--seed",
        &SEED.to_string(),
        "--max-cancel-risk",
        "0.1",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// P(worst-window cancel rate over the limit) on the market of a plain catalog run with these
/// buffers on the market.
fn catalog_run_risk(sandbox: &Sandbox, buffers: &[i64]) -> f64 {
    let mut csv =
        "sku,orders_per_day,initial,unit_margin,share_web,share_market,buffer_market\n".to_owned();
    for (i, b) in buffers.iter().enumerate() {
        csv.push_str(&format!("S{i:02},3,2,2,1.5,1.5,{b}\n"));
    }
    sandbox.write("account.csv", &csv);
    let toml = STACK
        .replace("initial = 3\n", "")
        .replace("orders_per_day = 1.0\n", "")
        .replace("[stock]", "[catalog]\nfile = \"account.csv\"\n\n[stock]");
    let path = sandbox.write("account.toml", &toml);
    let scenario = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::new(scenario);
    let config = RunConfig {
        trials: TRIALS,
        seed: SEED,
        threads: 1,
    };
    let outcomes = run_trials(&plan, config, &|_| {}).expect("run");
    let summary = summarize_run(&plan.scenario, SEED, &outcomes);
    summary.channels["market"]
        .p_cancel_rate_over_limit
        .expect("a limit")
}

#[test]
fn the_account_check_raises_buffers_until_the_marketplace_is_within_the_cap() {
    let sandbox = Sandbox::new();
    let tuning = tune(&sandbox, "3");
    let account = &tuning["account"];
    let market = &account["marketplaces"][0];
    assert_eq!(market["channel"], "market");
    assert_eq!(market["window_seconds"], 86_400.0);
    let per_sku: Vec<i64> = (tuning["skus"].as_array().unwrap().iter())
        .map(|s| s["recommended"].as_i64().unwrap())
        .collect();
    // The premise: every SKU alone is within the cap, the account is not.
    for sku in tuning["skus"].as_array().unwrap() {
        assert_eq!(sku["meets_risk_cap"], true, "{sku}");
    }
    let before = market["at_per_sku"].as_f64().unwrap();
    assert!(before > 0.1, "{account}");
    assert_eq!(before, catalog_run_risk(&sandbox, &per_sku), "{account}");

    let after: Vec<i64> = (account["values"].as_array().unwrap().iter())
        .map(|v| v.as_i64().unwrap())
        .collect();
    let steps = account["steps"].as_array().unwrap();
    assert!(!steps.is_empty(), "{account}");
    let raised: i64 = after.iter().zip(&per_sku).map(|(a, b)| a - b).sum();
    assert_eq!(raised, steps.len() as i64, "one unit a step: {account}");
    assert!(after.iter().zip(&per_sku).all(|(a, b)| a >= b && *a <= 3));
    assert_eq!(account["meets"], true, "{account}");
    let risk = market["after"].as_f64().unwrap();
    assert!(risk <= 0.1, "{account}");
    // The reported risk is that of the catalog run with the raised buffers, exactly.
    assert_eq!(risk, catalog_run_risk(&sandbox, &after));
    // Buffers cost margin.
    let margin = account["lost_margin"].as_array().unwrap();
    assert!(margin[1].as_f64() > margin[0].as_f64(), "{account}");
}

#[test]
fn without_room_under_max_the_check_says_it_cannot_meet_the_cap() {
    let sandbox = Sandbox::new();
    let tuning = tune(&sandbox, "0");
    let account = &tuning["account"];
    assert_eq!(account["meets"], false, "{account}");
    assert_eq!(account["steps"].as_array().unwrap().len(), 0);
    assert_eq!(
        account["note"],
        "cannot meet it: every SKU that oversells is at --max 0 already"
    );
    let market = &account["marketplaces"][0];
    assert_eq!(market["at_per_sku"], market["after"]);
    assert!(market["after"].as_f64().unwrap() > 0.1, "{account}");
}
