//! Every signal handled, nothing left behind: SIGINT, SIGTERM and SIGHUP stop a command alike
//! (exit 128 + signal, earlier results intact, no temporary left), quickly even when trials are
//! slow; SIGKILL's leftovers are removed by the next run; a closed stdout or a full stderr is no
//! panic.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("a readable file");
                files.insert(path.strip_prefix(dir).unwrap().to_owned(), bytes);
            }
        }
    }
    files
}

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

/// A child process killed (by its id) if the test fails before it has exited.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

impl Running {
    fn start(args: &[&str], out: &Path) -> Running {
        let child = Command::new(BIN)
            .args(args)
            .arg("--out")
            .arg(out)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("oversell starts");
        Running(child)
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.0.id()).expect("a pid");
        // SAFETY: kill(2) with a valid signal number on the process this test started.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0, "signal {signal} could not be sent");
    }

    /// Waits up to `limit` for the exit; returns the exit code and stderr.
    fn wait(mut self, limit: Duration) -> (Option<i32>, String) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().expect("waitable") {
                let mut stderr = String::new();
                if let Some(mut pipe) = self.0.stderr.take() {
                    std::io::Read::read_to_string(&mut pipe, &mut stderr).expect("stderr");
                }
                return (status.code(), stderr);
            }
            assert!(
                started.elapsed() < limit,
                "still running {limit:?} after the signal"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The temporary folders in `dir` (none while it does not exist).
fn temporaries(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with(".oversell-"))
        .collect()
}

/// Waits until `dir` holds the temporary folder of a set being written (the command is in its
/// trial loop, with its signal handlers installed), then a little more.
fn wait_until_writing(dir: &Path) {
    let started = Instant::now();
    while temporaries(dir).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never started writing in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(500));
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
