//! `oversell bench --workload`: the catalog workload measures 2,000 SKUs over four weeks, the
//! tune workload times `tune` of a generated catalog; the default stays the reference stack.

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
        "catalog",
        "--trials",
        "2",
        "--threads",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let benches = &report["workloads"];
    assert_eq!(benches.as_array().map(Vec::len), Some(1));
    assert!(report["tune"].is_null() && report["scaling"].is_null());
    let catalog = &benches[0];
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
        message.contains(
            "--workload catalog: measures a workload of its own and takes no FILE (x.toml)"
        ),
        "{message}"
    );
}

#[test]
fn the_tune_workload_times_tune_and_out_writes_the_measurements() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let output = bench(&[
        "--workload",
        "tune",
        "--trials",
        "3",
        "--threads",
        "2",
        "--format",
        "json",
        "--out",
        out,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["workloads"].as_array().map(Vec::len), Some(0));
    assert!(report["scaling"].is_null());
    let tune = &report["tune"];
    assert_eq!(tune["scenario"], "polling-15m");
    assert_eq!(
        (tune["skus"].as_u64(), tune["values"].as_u64()),
        (Some(40), Some(11))
    );
    assert_eq!(tune["trials_per_value"], 3);
    assert_eq!(tune["parallel"]["threads"], 2);
    // 40 SKUs x 11 values x 3 trials in the time measured.
    let seconds = tune["single"]["seconds"].as_f64().unwrap();
    let rate = tune["single"]["trials_per_second"].as_f64().unwrap();
    assert!((rate * seconds - 1320.0).abs() < 1e-6, "{tune}");
    // The file holds what was printed.
    let written = std::fs::read(dir.path().join("bench/bench.json")).expect("bench.json");
    let written: serde_json::Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(written["tune"]["skus"], 40);
    assert!(!dir.path().join("bench/bench_scaling.png").exists());
}

#[test]
fn without_out_bench_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(["bench", "--trials", "5", "--threads", "1"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("start oversell");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("reference workload"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_tune_workload_takes_no_file() {
    let message = failed_with_2(&bench(&["x.toml", "--workload", "tune"]));
    assert!(message.contains("--workload tune: "), "{message}");
}
