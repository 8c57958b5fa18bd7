//! A command's results are one set: it replaces the previous set whole, a destination that
//! cannot take it fails before any work, and results of another scenario file are not replaced
//! without --force.

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::binary::{Sandbox, failed_with_2, succeeded, text};

/// A quick scenario: a few orders a day against a stale feed.
const QUICK: &str = r#"
name = "Quick"
horizon = "2h"

[stock]
initial = 3

[nodes.erp]
record = true

[nodes.shop]
initial = 1000

[channels.shop]
orders_per_hour = 2
cancel_rate_limit = 0.1

[[links]]
name = "feed"
carries = "levels"
from = "erp"
to = "shop"
poll = { every = "15m" }
"#;

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `oversell ARGS` in `dir` (no --out added), killing it after `limit`.
fn oversell_within(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start oversell");
    let started = Instant::now();
    while child.try_wait().expect("waitable").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("oversell {args:?} still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn a_sweep_without_target_leaves_no_target_chart_of_the_one_before() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("quick.toml", QUICK);
    let file = file.to_str().unwrap();
    let vary = "links.feed.poll.every=5m,30m";
    succeeded(sandbox.oversell(&[
        "sweep",
        file,
        "--vary",
        vary,
        "--target",
        "total.oversold.mean<=1",
        "--trials",
        "50",
    ]));
    let sweep = sandbox.path().join("out/quick/sweep");
    assert!(names(&sweep).contains(&"target.png".to_owned()));
    succeeded(sandbox.oversell(&["sweep", file, "--vary", vary, "--trials", "50"]));
    let after = names(&sweep);
    assert!(!after.iter().any(|n| n.starts_with("target")), "{after:?}");
    assert!(after.contains(&"sweep.csv".to_owned()), "{after:?}");
    // Nothing temporary is left beside the results.
    assert_eq!(names(&sandbox.path().join("out")), ["quick"]);
    assert_eq!(names(&sandbox.path().join("out/quick")), ["sweep"]);
}

#[test]
fn a_second_run_replaces_every_file_of_the_first_and_keeps_the_sweep() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("quick.toml", QUICK);
    let file = file.to_str().unwrap();
    succeeded(sandbox.oversell(&["run", file, "--trials", "20"]));
    let dir = sandbox.path().join("out/quick");
    assert!(dir.join("trials.csv").exists());
    succeeded(sandbox.oversell(&[
        "sweep",
        file,
        "--vary",
        "links.feed.poll.every=5m,30m",
        "--trials",
        "20",
    ]));
    succeeded(sandbox.oversell(&["run", file, "--trials", "30", "--no-trials-csv"]));
    let files = names(&dir);
    assert!(!files.contains(&"trials.csv".to_owned()), "{files:?}");
    assert!(files.contains(&"sweep".to_owned()), "{files:?}");
    let summary = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    assert!(summary.contains("\"trials\": 30"), "{summary}");
    let run = std::fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(run.contains("\"trials\": 30"), "{run}");
}

#[test]
fn trials_csv_is_written_up_to_100000_trials_unless_asked() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("quick.toml", QUICK);
    let file = file.to_str().unwrap();
    let dir = sandbox.path().join("out/quick");
    succeeded(sandbox.oversell(&["run", file, "--trials", "100001"]));
    assert!(!dir.join("trials.csv").exists());
    assert!(dir.join("summary.json").exists());
    succeeded(sandbox.oversell(&["run", file, "--trials", "100001", "--trials-csv"]));
    let rows = std::fs::read_to_string(dir.join("trials.csv")).unwrap();
    assert_eq!(rows.lines().count(), 100_002);
    succeeded(sandbox.oversell(&["run", file, "--trials", "10", "--no-trials-csv"]));
    assert!(!dir.join("trials.csv").exists());
    succeeded(sandbox.oversell(&["run", file, "--trials", "10"]));
    assert!(dir.join("trials.csv").exists());
}

#[test]
fn an_out_that_is_a_file_fails_at_once_with_2() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("client.toml", QUICK);
    sandbox.write(
        "skus.csv",
        "sku,initial,orders_per_day,unit_margin\na,3,40,1\n",
    );
    // Hours of work if the destination were checked only at the end.
    let output = oversell_within(
        sandbox.path(),
        &[
            "tune",
            "client.toml",
            "--catalog",
            "skus.csv",
            "--trials",
            "100000000",
            "--out",
            "client.toml",
        ],
        Duration::from_secs(60),
    );
    let err = failed_with_2(&output);
    assert!(err.contains("client.toml is a file, not a folder"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), QUICK);
}

#[test]
fn results_of_another_scenario_file_are_not_replaced_without_force() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path().join("a")).unwrap();
    std::fs::create_dir_all(sandbox.path().join("b")).unwrap();
    sandbox.write("a/client.toml", QUICK);
    let other = QUICK.replace("initial = 3", "initial = 4");
    sandbox.write("b/client.toml", &other);
    succeeded(sandbox.oversell(&["run", "a/client.toml", "--trials", "10"]));
    let summary = sandbox.path().join("out/client/summary.json");
    let before = std::fs::read(&summary).unwrap();
    let output = sandbox.oversell(&["run", "b/client.toml", "--trials", "10"]);
    let err = failed_with_2(&output);
    assert!(err.contains("a/client.toml"), "{err}");
    assert!(err.contains("b/client.toml"), "{err}");
    assert!(err.contains("--out"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&summary).unwrap(), before);
    // A sweep of the other file would sit in the same folder: refused too.
    let err = failed_with_2(&sandbox.oversell(&[
        "sweep",
        "b/client.toml",
        "--vary",
        "links.feed.poll.every=5m,30m",
        "--trials",
        "10",
    ]));
    assert!(err.contains("a/client.toml"), "{err}");
    // The same file edited may replace its own results; another with --force.
    sandbox.write(
        "a/client.toml",
        &QUICK.replace("orders_per_hour = 2", "orders_per_hour = 3"),
    );
    succeeded(sandbox.oversell(&["run", "a/client.toml", "--trials", "10"]));
    succeeded(sandbox.oversell(&["run", "b/client.toml", "--trials", "10", "--force"]));
    let run = text(&std::fs::read(sandbox.path().join("out/client/run.json")).unwrap());
    assert!(run.contains("b/client.toml"), "{run}");
}

#[test]
fn case_variant_names_share_a_folder_and_are_told_apart() {
    let sandbox = Sandbox::new();
    sandbox.write("Ref.toml", QUICK);
    sandbox.write("ref.toml", &QUICK.replace("initial = 3", "initial = 5"));
    succeeded(sandbox.oversell(&["run", "Ref.toml", "--trials", "10"]));
    let err = failed_with_2(&sandbox.oversell(&["run", "ref.toml", "--trials", "10"]));
    assert!(err.contains("Ref.toml"), "{err}");
}

#[test]
fn temporaries_of_a_killed_run_are_removed_by_the_next_one() {
    let sandbox = Sandbox::new();
    let out = sandbox.path().join("out");
    // What SIGKILL leaves: a staged set of a process that is gone (a pid above the kernel's
    // largest), with a half-written file.
    let stale = out.join(".oversell-tmp-4194305-reference");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("trials.csv"), "trial,\n0,").unwrap();
    succeeded(sandbox.oversell(&["run", "--trials", "10"]));
    assert_eq!(names(&out), ["reference"]);
}
