//! Ctrl-C loses nothing: SIGINT to a running `oversell run` or `oversell demo` exits with 130 and
//! leaves the results of an earlier run in the same folder byte for byte, with no temporary file
//! beside them.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::process::{Running, snapshot, wait_until_writing};

const BIN: &str = env!("CARGO_BIN_EXE_oversell");

/// Runs `oversell ARGS --out OUT` to completion.
fn run_to_end(args: &[&str], out: &Path) {
    let output = Command::new(BIN)
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("oversell starts");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn sigint_during_run_keeps_the_previous_results_and_leaves_no_temporary_file() {
    let out = tempfile::tempdir().unwrap();
    run_to_end(&["run", "--trials", "300"], out.path());
    let dir = out.path().join("reference");
    let before = snapshot(&dir);
    for file in ["summary.json", "trials.csv", "run.json"] {
        assert!(
            before.contains_key(Path::new(file)),
            "no {file}: {before:?}"
        );
    }

    // About 10^8 trials: hours of work, so the run is certainly in its trial loop.
    let running = Running::start(&["run", "--trials", "100000000"], out.path());
    wait_until_writing(out.path());
    running.signal(libc::SIGINT);
    let (code, stderr) = running.wait(Duration::from_secs(30));
    assert_eq!(code, Some(130), "stderr: {stderr}");
    assert!(stderr.contains("interrupted"), "stderr: {stderr}");

    let after = snapshot(&dir);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "the folder must hold exactly the earlier files"
    );
    for (file, bytes) in &before {
        assert!(after[file] == *bytes, "{} changed", file.display());
    }
    // Nothing beside the run's folder either.
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
}

#[test]
fn sigint_during_demo_keeps_the_previous_report_and_leaves_no_temporary_file() {
    let out = tempfile::tempdir().unwrap();
    run_to_end(&["demo", "--trials", "20"], out.path());
    let before = snapshot(out.path());
    assert!(
        before.contains_key(Path::new("demo/report.html")),
        "{before:?}"
    );

    let running = Running::start(&["demo", "--trials", "1000000"], out.path());
    std::thread::sleep(Duration::from_secs(1));
    running.signal(libc::SIGINT);
    let (code, stderr) = running.wait(Duration::from_secs(30));
    assert_eq!(code, Some(130), "stderr: {stderr}");

    let after = snapshot(out.path());
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (file, bytes) in &before {
        assert!(after[file] == *bytes, "{} changed", file.display());
    }
}
