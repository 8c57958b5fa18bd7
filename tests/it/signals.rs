//! Every signal handled, nothing left behind: SIGINT, SIGTERM and SIGHUP stop a command alike
//! (exit 128 + signal, earlier results intact, no temporary left), quickly even when trials are
//! slow; SIGKILL's leftovers are removed by the next run; a closed stdout or a full stderr is no
//! panic.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::process::{Running, snapshot, temporaries, wait_until_writing};

const BIN: &str = env!("CARGO_BIN_EXE_oversell");

/// About 30 ms per trial with an optimised build (a million orders and 86 400 polls a day):
/// a block of 4096 trials takes minutes on one thread.
const SLOW: &str = r#"
name = "Slow"
horizon = "24h"

[monte_carlo]
max_events = 100000000

[stock]
initial = 1000000000

[nodes.erp]
record = true

[nodes.shop]
initial = 1000000000

[channels.shop]
orders_per_hour = 40000

[[links]]
name = "feed"
carries = "levels"
from = "erp"
to = "shop"
poll = { every = "1s" }
"#;

fn oversell(args: &[&str], out: &Path) -> std::process::Output {
    let output = Command::new(BIN)
        .args(args)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("oversell starts");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs the reference to the end, then again for hours, sends `signal`, and checks the exit
/// code, that the first results are intact and that nothing temporary is left.
fn signal_during_run_keeps_the_previous_results(signal: libc::c_int, code: i32, name: &str) {
    let out = tempfile::tempdir().unwrap();
    oversell(&["run", "--trials", "200"], out.path());
    let before = snapshot(out.path());

    let running = Running::start(&["run", "--trials", "100000000"], out.path());
    wait_until_writing(out.path());
    running.signal(signal);
    let (exit, stderr) = running.wait(Duration::from_secs(30));
    assert_eq!(exit, Some(code), "stderr: {stderr}");
    assert!(
        stderr.contains(&format!("interrupted by {name}")),
        "{stderr}"
    );

    assert_eq!(snapshot(out.path()), before, "the earlier results changed");
    assert!(temporaries(out.path()).is_empty());
}

#[test]
fn sigterm_stops_a_run_like_ctrl_c_with_143() {
    signal_during_run_keeps_the_previous_results(libc::SIGTERM, 143, "SIGTERM");
}

#[test]
fn sighup_stops_a_run_like_ctrl_c_with_129() {
    signal_during_run_keeps_the_previous_results(libc::SIGHUP, 129, "SIGHUP");
}

#[test]
fn ctrl_c_takes_effect_within_a_trial_or_two_even_when_trials_are_slow() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("slow.toml");
    std::fs::write(&file, SLOW).unwrap();
    let out = dir.path().join("out");
    let args = ["run", file.to_str().unwrap(), "--threads", "1"];
    let running = Running::start(&args, &out);
    wait_until_writing(&out);
    let sent = Instant::now();
    running.signal(libc::SIGINT);
    // Between blocks of 4096 trials, this took minutes; per trial, well under a second (the
    // bound leaves room for a busy machine).
    let (code, stderr) = running.wait(Duration::from_secs(20));
    assert_eq!(code, Some(130), "stderr: {stderr}");
    assert!(sent.elapsed() < Duration::from_secs(20));
    assert!(temporaries(&out).is_empty());
    assert!(!out.join("slow").exists());
}

#[test]
fn the_temporaries_of_a_killed_run_are_removed_by_the_next_run() {
    let out = tempfile::tempdir().unwrap();
    let running = Running::start(&["run", "--trials", "100000000"], out.path());
    wait_until_writing(out.path());
    running.signal(libc::SIGKILL);
    let (code, _) = running.wait(Duration::from_secs(30));
    assert_eq!(code, None, "killed by a signal");
    let left = temporaries(out.path());
    assert_eq!(left.len(), 1, "SIGKILL leaves its staging folder: {left:?}");

    oversell(&["run", "--trials", "20"], out.path());
    assert!(temporaries(out.path()).is_empty());
    assert!(out.path().join("reference/summary.json").exists());
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_results_written() {
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["run", "--trials", "50", "--out"])
        .arg(out.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("oversell starts");
    // The reader goes away before anything is printed, as `| head -0` would.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert!(out.path().join("reference/summary.json").exists());
}

#[test]
fn a_full_stderr_is_no_panic() {
    let full = File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = Command::new(BIN)
        .args(["run", "no-such-file.toml"])
        .stdin(Stdio::null())
        .stderr(full)
        .output()
        .expect("oversell starts");
    assert_eq!(output.status.code(), Some(2));
    let full = File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = Command::new(BIN)
        .args(["check", "no-such-file.toml"])
        .stdin(Stdio::null())
        .stderr(full)
        .output()
        .expect("oversell starts");
    assert_eq!(output.status.code(), Some(2));
}
