//! Ctrl-C loses nothing: SIGINT to a running `oversell run` or `oversell demo` exits with 130 and
//! leaves the results of an earlier run in the same folder byte for byte, with no temporary file
//! beside them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_oversell");

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
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("oversell starts");
        Running(child)
    }

    fn interrupt(&self) {
        let pid = libc::pid_t::try_from(self.0.id()).expect("a pid");
        // SAFETY: kill(2) with a valid signal number on the process this test started.
        let sent = unsafe { libc::kill(pid, libc::SIGINT) };
        assert_eq!(sent, 0, "SIGINT could not be sent");
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
                "still running {limit:?} after SIGINT"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Waits until `dir` holds the temporary folder of a set being written (the run is in its trial
/// loop, with the signal handlers installed), then a second more.
fn wait_until_writing(dir: &Path) {
    let started = Instant::now();
    loop {
        let staging = std::fs::read_dir(dir)
            .expect("the output folder")
            .any(|entry| {
                let name = entry.expect("an entry").file_name();
                name.to_string_lossy().starts_with(".oversell-tmp-")
            });
        if staging {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never started writing in {}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_secs(1));
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
    running.interrupt();
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
    run_to_end(&["demo", "--trials", "200"], out.path());
    let before = snapshot(out.path());
    assert!(
        before.contains_key(Path::new("demo/report.html")),
        "{before:?}"
    );

    let running = Running::start(&["demo", "--trials", "1000000"], out.path());
    std::thread::sleep(Duration::from_secs(1));
    running.interrupt();
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
