//! The per-SKU and total outputs of shrink and the low-stock alert (issue 12), read from what
//! `oversell run` writes: `skus.csv`, `summary.json`, `trials.csv` and the table. Scheduled orders
//! give exactly known alert times; shrink is held against its closed form and against the same
//! trials run through the library.

use crate::common;

use common::binary::{Sandbox, succeeded, text};
use common::*;

/// The value of `column` in every row of the CSV `text`, by the row's first cell.
fn csv_column(text: &str, column: &str) -> Vec<(String, String)> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let at = (header.iter().position(|h| *h == column))
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[0].to_string(), cells[at].to_string())
        })
        .collect()
}

fn json(path: &std::path::Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("JSON")
}

/// Three SKUs expecting 24 units a day on `kiosk`, whose buffer rejects every order, so only the
/// scheduled orders on `shop` move the record's view. `low_stock_days = 0.25`: the threshold is
/// 6 units. A falls 10 -> 8 -> 6 at 3h, B 20 -> 5 at 5h, C never (horizon 12h).
const LOW_STOCK: &str = r#"
name = "low stock per sku"
horizon = "12h"
[catalog]
file = "skus.csv"
[stock]
price = 1
[nodes.hub]
record = true
[channels.shop]
node = "hub"
share = 0
[channels.kiosk]
node = "hub"
[monitoring]
low_stock_days = 0.25
[[scheduled_orders]]
at = "1h"
channel = "shop"
sku = "A"
qty = 2
[[scheduled_orders]]
at = "3h"
channel = "shop"
sku = "A"
qty = 2
[[scheduled_orders]]
at = "5h"
channel = "shop"
sku = "B"
qty = 15
"#;

const LOW_STOCK_SKUS: &str = "sku,orders_per_day,initial,share_kiosk,buffer_kiosk\n\
                              A,24,10,1,1000\nB,24,20,1,1000\nC,24,50,1,1000\n";

#[test]
fn skus_csv_gives_each_skus_low_stock_alert_time() {
    let sandbox = Sandbox::new();
    sandbox.write("skus.csv", LOW_STOCK_SKUS);
    let file = sandbox.write("low.toml", LOW_STOCK);
    succeeded(sandbox.oversell(&["run", file.to_str().unwrap(), "--trials", "5"]));
    let out = sandbox.path().join("out/low");
    let skus = std::fs::read_to_string(out.join("skus.csv")).expect("skus.csv");
    let alerts = csv_column(&skus, "low_stock_alert_seconds");
    let expected = [
        ("A", 3.0 * 3600.0),
        ("B", 5.0 * 3600.0),
        ("C", 12.0 * 3600.0),
    ];
    assert_eq!(alerts.len(), 3, "{skus}");
    for ((sku, cell), (name, seconds)) in alerts.iter().zip(expected) {
        assert_eq!(sku, name);
        assert_eq!(cell.parse::<f64>().expect(cell), seconds, "{sku}\n{skus}");
    }
    // No SKU shrinks: the column is there, empty.
    assert!(
        csv_column(&skus, "shrunk_units")
            .iter()
            .all(|(_, c)| c.is_empty())
    );
    let summary = json(&out.join("summary.json"));
    assert_eq!(summary["total"]["low_stock_alert_seconds"]["max"], 10_800.0);
    assert!(summary["total"].get("shrunk_units").is_none(), "{summary}");
}

/// Shrink 2 and 0.5 units a day from 5 and 3 units over 3 days, no demand.
const SHRINK: &str = r#"
name = "shrink per sku"
horizon = "3d"
[catalog]
file = "skus.csv"
[stock]
price = 1
[channels.shop]
"#;

const SHRINK_SKUS: &str = "sku,orders_per_day,initial,shrink_per_day\n\
                           FAST,0,5,2\nSLOW,0,3,0.5\nNONE,0,4,\n";

#[test]
fn shrunk_units_reach_summary_trials_csv_skus_csv_and_the_table() {
    let trials = 4_000;
    let sandbox = Sandbox::new();
    sandbox.write("skus.csv", SHRINK_SKUS);
    let file = sandbox.write("shrink.toml", SHRINK);
    let file = file.to_str().unwrap();
    let run = succeeded(sandbox.oversell(&["run", file, "--trials", "4000", "--seed", "5"]));
    let stdout = text(&run.stdout);
    let out = sandbox.path().join("out/shrink");

    // The same trials through the library: per SKU, E[min(Poisson(rate x 3 d), initial)].
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("skus.csv"), SHRINK_SKUS).unwrap();
    std::fs::write(dir.path().join("s.toml"), SHRINK).unwrap();
    let scenario = oversell::scenario::load_file(&dir.path().join("s.toml")).unwrap();
    let plan = oversell::sim::Plan::new(scenario);
    let config = oversell::montecarlo::RunConfig {
        trials,
        seed: 5,
        threads: 2,
    };
    let outcomes = oversell::montecarlo::run_trials(&plan, config, &|_| {}).unwrap();
    let lost = |k: u32| -> Vec<f64> {
        (outcomes.iter())
            .map(|t| {
                let row = t.skus.iter().find(|r| r.sku == k);
                row.map_or(0.0, |r| r.shrunk_units as f64)
            })
            .collect()
    };
    let (fast, slow) = (lost(0), lost(1));
    assert_mean("FAST units shrunk", &fast, poisson_min_mean(6.0, 5));
    assert_mean("SLOW units shrunk", &slow, poisson_min_mean(1.5, 3));
    let total: Vec<f64> = outcomes.iter().map(|t| t.shrunk_units as f64).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;

    let skus = std::fs::read_to_string(out.join("skus.csv")).expect("skus.csv");
    let cells = csv_column(&skus, "shrunk_units");
    let cell = |i: usize| {
        cells[i]
            .1
            .parse::<f64>()
            .unwrap_or_else(|e| panic!("{e}\n{skus}"))
    };
    assert!((cell(0) - mean(&fast)).abs() < 1e-12, "{skus}");
    assert!((cell(1) - mean(&slow)).abs() < 1e-12, "{skus}");
    assert_eq!(cell(2), 0.0, "{skus}");
    // Without monitoring the low-stock column is empty.
    let low = csv_column(&skus, "low_stock_alert_seconds");
    assert!(low.iter().all(|(_, c)| c.is_empty()), "{skus}");

    let summary = json(&out.join("summary.json"));
    let shrunk = &summary["total"]["shrunk_units"];
    let json_mean = shrunk["mean"].as_f64().expect("total.shrunk_units.mean");
    assert!((json_mean - mean(&total)).abs() < 1e-9, "{shrunk}");
    assert!((json_mean - mean(&fast) - mean(&slow)).abs() < 1e-9);
    assert_eq!(
        shrunk["max"].as_f64(),
        Some(8.0),
        "at most 5 + 3 units can go"
    );
    for key in ["sd", "ci95", "p50", "p90", "p99"] {
        assert!(!shrunk[key].is_null(), "{key} in {shrunk}");
    }
    assert!(summary["channels"]["shop"].get("shrunk_units").is_none());

    let rows = std::fs::read_to_string(out.join("trials.csv")).expect("trials.csv");
    let column = csv_column(&rows, "total.shrunk_units");
    assert_eq!(column.len(), trials as usize);
    let by_trial: Vec<f64> = column.iter().map(|(_, c)| c.parse().unwrap()).collect();
    assert_eq!(by_trial, total, "trials.csv holds each trial's units");

    // About 4.3 + 1.2 units: "units lost to shrink 5.5x ± 0.0x a trial ...".
    let line = (stdout.lines())
        .find(|l| l.starts_with("units lost to shrink "))
        .unwrap_or_else(|| panic!("a shrink line in\n{stdout}"));
    let shown: f64 = line["units lost to shrink ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((shown - json_mean).abs() < 0.01, "{line} vs {json_mean}");
}
