//! The fast `oversell tune` (bisection, sequential stopping, screening, shards) against the
//! exhaustive search: the same recommendations where the answer is clear, on far fewer trials;
//! screened SKUs really never oversell; a weak signal is flagged undecided; and shards merged
//! give the unsharded results byte for byte.

use crate::common;

use std::fs;

use common::binary::{Sandbox, failed_with_2, succeeded, text};
use oversell::montecarlo::{RunConfig, run_trials};
use oversell::scenario::load_str;
use oversell::sim::Plan;
use serde_json::Value;

/// A web shop on the record and a marketplace that learns the record's count by an hourly poll
/// and sends its orders every 30 minutes; the catalog overwrites stock, rates and margins.
const STACK: &str = r#"
name = "Two channels"
horizon = "24h"

[stock]
initial = {initial}
unit_margin = 1.0

[nodes.hub]
record = true

[channels.web]
node = "hub"
orders_per_day = {web}
penalty = 10.0

[channels.market]
orders_per_day = {market}
penalty = 40.0
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

/// SKUs whose best buffer on the market is clear: KEEP0 loses much margin and little penalty
/// (0), HOLD the other way round (3, the top), SLOW and FAST in between; QUIET sells 3 a day
/// from 30 on hand.
const CATALOG: &str = "sku,initial,orders_per_day,unit_margin,share_web,share_market,penalty_market\n\
                       KEEP0,3,20,20,3,1,1\n\
                       HOLD,10,40,0.05,1,1,500\n\
                       SLOW,8,12,5,3,1,\n\
                       FAST,20,40,2,1,1,60\n\
                       QUIET,30,3,5,1,1,\n";

fn stack(initial: i64, web: f64, market: f64, buffer: i64) -> String {
    STACK
        .replace("{initial}", &initial.to_string())
        .replace("{web}", &format!("{web:?}"))
        .replace("{market}", &format!("{market:?}"))
        .replace("{buffer}", &buffer.to_string())
}

fn tune(sandbox: &Sandbox, catalog: &str, flags: &[&str]) -> Value {
    let scenario = sandbox.write("stack.toml", &stack(50, 30.0, 10.0, 1));
    let catalog = sandbox.write("skus.csv", catalog);
    let mut args = vec![
        "tune".to_owned(),
        scenario.to_string_lossy().into_owned(),
        "--catalog".to_owned(),
        catalog.to_string_lossy().into_owned(),
        "--max".to_owned(),
        "3".to_owned(),
        "--format".to_owned(),
        "json".to_owned(),
    ];
    args.extend(flags.iter().map(|f| f.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = succeeded(sandbox.oversell(&args));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn column<'a>(tuning: &'a Value, key: &str) -> Vec<&'a Value> {
    (tuning["skus"].as_array().unwrap().iter())
        .map(|s| &s[key])
        .collect()
}

#[test]
fn the_fast_search_recommends_what_every_value_on_every_trial_does() {
    let sandbox = Sandbox::new();
    let flags = ["--trials", "4000", "--seed", "3"];
    let fast = tune(&sandbox, CATALOG, &flags);
    let mut all = flags.to_vec();
    all.extend(["--search", "exhaustive"]);
    let exhaustive = tune(&sandbox, CATALOG, &all);
    assert_eq!(
        column(&fast, "recommended"),
        column(&exhaustive, "recommended"),
        "fast {fast}\nexhaustive {exhaustive}"
    );
    let recommended: Vec<i64> = (column(&fast, "recommended").iter())
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(recommended[..2], [0, 3], "{fast}");
    let decisions = column(&fast, "decision");
    assert_eq!(
        decisions,
        ["decided", "decided", "decided", "decided", "screened"],
        "{fast}"
    );
    // The exhaustive search screens nothing and measures 4 values x 4000 trials per SKU (a
    // trial without a market order runs once for all values).
    for sku in exhaustive["skus"].as_array().unwrap() {
        let curve = sku["curve"].as_array().unwrap();
        assert_eq!(curve.len(), 4, "{sku}");
        assert!(curve.iter().all(|o| o["trials"] == 4000), "{sku}");
    }
    let exhaustive_trials = exhaustive["search"]["trials"].as_u64().unwrap();
    assert!(exhaustive_trials <= 5 * 4 * 4000, "{exhaustive_trials}");
    let fast_trials = fast["search"]["trials"].as_u64().unwrap();
    assert!(fast_trials * 4 < exhaustive_trials, "{fast_trials}");
    // Every decided recommendation has its neighbours beaten on cost, |z| over the critical value.
    let z = fast["search"]["sequential"]["z"].as_f64().unwrap();
    for sku in fast["skus"].as_array().unwrap() {
        for n in sku["neighbours"].as_array().unwrap() {
            assert_eq!(n["verdict"], "cost", "{sku}");
            assert!(n["z"].as_f64().unwrap().abs() > z, "{sku}");
            assert!(n["difference"].as_f64().unwrap() > 0.0, "{sku}");
        }
    }
}

#[test]
fn screened_skus_never_oversell_when_run() {
    let sandbox = Sandbox::new();
    let tuning = tune(&sandbox, CATALOG, &["--trials", "200"]);
    let quiet = &tuning["skus"][4];
    assert_eq!(quiet["decision"], "screened", "{quiet}");
    assert_eq!(quiet["recommended"], 0);
    assert_eq!(quiet["trials"], 0);
    // P(Poisson(3) > 30), about 1.6e-18, below what a double holds next to 1.
    assert!(quiet["screen_bound"].as_f64().unwrap() < 1e-12, "{quiet}");
    assert_eq!(tuning["search"]["screened"], 1);
    // Run it: 3 orders a day (1.5 on each channel) from 30 on hand, buffer 0.
    let scenario = load_str("quiet.toml", &stack(30, 1.5, 1.5, 0)).unwrap();
    let plan = Plan::new(scenario);
    let config = RunConfig {
        trials: 3000,
        seed: 11,
        threads: 2,
    };
    let outcomes = run_trials(&plan, config, &|_| {}).unwrap();
    let oversold: u64 = (outcomes.iter().flat_map(|o| &o.channels))
        .map(|c| c.oversold)
        .sum();
    assert_eq!(oversold, 0);
    // Without the screen it is simulated.
    let unscreened = tune(&sandbox, CATALOG, &["--trials", "200", "--screen", "0"]);
    assert_eq!(unscreened["skus"][4]["decision"], "undecided");
    assert_eq!(unscreened["search"]["screened"], 0);
}

#[test]
fn a_weak_signal_is_flagged_undecided() {
    let sandbox = Sandbox::new();
    // SLOW needs about 1600 trials to tell 1 from 0: 100 are not enough.
    let tuning = tune(&sandbox, CATALOG, &["--trials", "100"]);
    let slow = &tuning["skus"][2];
    assert_eq!(slow["decision"], "undecided", "{slow}");
    assert!(
        (slow["neighbours"].as_array().unwrap().iter()).any(|n| n["verdict"] == "undecided"),
        "{slow}"
    );
    assert!(tuning["search"]["undecided"].as_u64().unwrap() >= 1);
    let scenario = sandbox.path().join("stack.toml");
    let catalog = sandbox.path().join("skus.csv");
    let table = succeeded(sandbox.oversell(&[
        "tune",
        &scenario.to_string_lossy(),
        "--catalog",
        &catalog.to_string_lossy(),
        "--max",
        "3",
        "--trials",
        "100",
    ]));
    let table = text(&table.stdout);
    assert!(table.contains("undecided (?): "), "{table}");
    assert!(table.contains("SLOW"), "{table}");
}

#[test]
fn merged_shards_write_the_unsharded_results_byte_for_byte() {
    // With a risk cap, the merge runs the account check over the whole catalog.
    let capped = ["--trials", "300", "--seed", "9", "--max-cancel-risk", "0.1"];
    let tuning = merged_equals_whole(&capped);
    assert!(tuning["account"]["marketplaces"].is_array(), "{tuning}");
    merged_equals_whole(&["--trials", "300", "--seed", "9"]);
}

/// Tunes whole, then in 3 shards and merges; the merged files equal the whole ones. Also checks
/// that a changed or missing shard is refused. Returns the whole tuning.
fn merged_equals_whole(flags: &[&str]) -> Value {
    let sandbox = Sandbox::new();
    let tuning = tune(&sandbox, CATALOG, flags);
    let dir = sandbox.path().join("out/skus/tune");
    let files = ["recommendations.csv", "tune.json", "recommendations.png"];
    let whole: Vec<Vec<u8>> = files
        .iter()
        .map(|f| fs::read(dir.join(f)).unwrap())
        .collect();
    fs::remove_dir_all(&dir).unwrap();
    for k in 0..3 {
        let shard = format!("{k}/3");
        let mut args = flags.to_vec();
        args.extend(["--shard", shard.as_str()]);
        let out = tune_text(&sandbox, &args);
        assert!(
            out.starts_with(&format!("tune shard {k}/3: SKUs ")),
            "{out}"
        );
    }
    let shards = sandbox.path().join("out/skus/tune-shards/shards");
    succeeded(sandbox.oversell(&["merge", &shards.to_string_lossy()]));
    for (name, bytes) in files.iter().zip(&whole) {
        assert!(
            fs::read(dir.join(name)).unwrap() == *bytes,
            "{name} differs from the unsharded one"
        );
    }

    // A shard changed after it was written, or missing, is refused.
    let one = shards.join("1-of-3.json");
    let original = fs::read_to_string(&one).unwrap();
    fs::write(
        &one,
        original.replacen("\"trials\":300", "\"trials\":301", 1),
    )
    .unwrap();
    let err = failed_with_2(&sandbox.oversell(&["merge", &shards.to_string_lossy()]));
    assert!(err.contains("1-of-3.json: checksum: "), "{err}");
    fs::remove_file(&one).unwrap();
    let err = failed_with_2(&sandbox.oversell(&["merge", &shards.to_string_lossy()]));
    assert!(err.contains("missing shard 1/3"), "{err}");
    tuning
}

/// `tune` with the stack and catalog already written, its stdout.
fn tune_text(sandbox: &Sandbox, flags: &[&str]) -> String {
    let scenario = sandbox.path().join("stack.toml");
    let catalog = sandbox.path().join("skus.csv");
    let scenario = scenario.to_string_lossy();
    let catalog = catalog.to_string_lossy();
    let mut args = vec!["tune", &scenario, "--catalog", &catalog, "--max", "3"];
    args.extend_from_slice(flags);
    text(&succeeded(sandbox.oversell(&args)).stdout)
}
