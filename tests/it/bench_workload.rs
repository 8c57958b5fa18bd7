//! `oversell bench --workload`: the catalog workload measures 2,000 SKUs over four weeks; the
//! default stays the reference stack.

use crate::common;

use std::process::{Command, Output, Stdio};

use common::binary::{failed_with_2, text};

/// `oversell ARGS` (bench writes nothing, so it takes no `--out`).
fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oversell"))
        .arg("bench")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("start oversell")
}

#[test]
fn the_catalog_workload_runs_the_four_week_catalog() {
    let output = bench(&[
        "--workload",
        "all",
        "--trials",
        "2",
        "--threads",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let benches: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let [reference, catalog] = [&benches[0], &benches[1]];
    assert_eq!(reference["workload"], "reference");
    assert_eq!(reference["skus"], 1);
    assert_eq!(catalog["workload"], "catalog");
    // 2,000 SKUs and one gift set drawing on two of them.
    assert_eq!(catalog["skus"], 2001);
    assert_eq!(catalog["horizon_seconds"], 28.0 * 86_400.0);
    assert_eq!(catalog["parallel"]["trials"], 2);
    // About 39,000 accepted orders a trial: far more arrive than a reference day's 110.
    assert!(
        catalog["single"]["orders"].as_u64().unwrap() > 60_000,
        "{catalog}"
    );
}

#[test]
fn the_catalog_workload_takes_no_file() {
    let output = bench(&["x.toml", "--workload", "catalog"]);
    let message = failed_with_2(&output);
    assert!(
        message.contains("--workload catalog: measures scenarios/catalog/four-weeks.toml and takes no FILE (x.toml)"),
        "{message}"
    );
}
