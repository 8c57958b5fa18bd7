//! Inputs that cannot run away, driven through the binary: each is refused at once with exit 2
//! and a message naming the file (and line and key, where there is one) and the limit.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const REFERENCE: &str = include_str!("../../scenarios/reference.toml");

fn oversell(args: &[&str], dir: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_oversell"));
    command.args(args);
    if args[0] != "check" {
        command.arg("--out").arg(dir.join("out"));
    }
    let output = command
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run oversell");
    (output, started.elapsed())
}

/// Asserts exit 2 with every part of `says` on stderr. `_seconds` is what a person would wait
/// for the refusal at most; it is not asserted, since a busy machine makes wall-clock checks
/// flaky (the caps themselves are what keep the refusal quick).
fn refused(args: &[&str], dir: &Path, _seconds: f64, says: &[&str]) {
    let (output, _took) = oversell(args, dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    for part in says {
        assert!(stderr.contains(part), "{args:?}: `{part}` not in: {stderr}");
    }
}

fn edited(old: &str, new: &str) -> String {
    assert_eq!(REFERENCE.matches(old).count(), 1, "{old}");
    REFERENCE.replacen(old, new, 1)
}

#[test]
fn endless_files_are_refused_at_their_cap() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        &["check", "/dev/zero"],
        dir.path(),
        5.0,
        &["/dev/zero: the scenario is larger than 4 MiB"],
    );
    refused(
        &["run", "/dev/zero"],
        dir.path(),
        5.0,
        &["larger than 4 MiB"],
    );
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, REFERENCE).unwrap();
    refused(
        &["tune", scenario.to_str().unwrap(), "--catalog", "/dev/zero"],
        dir.path(),
        10.0,
        &["/dev/zero: the catalog is larger than 64 MiB"],
    );
}

#[test]
fn check_refuses_what_run_would_stop_at() {
    let dir = tempfile::tempdir().unwrap();
    // A poll every 9 ms: 9.6 million polls a day.
    let fast = edited(
        "every = \"1h\", latency = \"2m\", phase = \"10m\"",
        "every = \"9ms\", latency = \"2m\", phase = \"1ms\"",
    );
    std::fs::write(dir.path().join("fast.toml"), fast).unwrap();
    refused(
        &["check", "fast.toml"],
        dir.path(),
        5.0,
        &[
            "fast.toml:",
            "links[5].poll.every",
            "beyond monte_carlo.max_events = 10000000",
        ],
    );
    // Ten years of 2,650 orders a day: 9.7 million orders.
    let long = edited("horizon = \"24h\"", "horizon = \"3652d 12h\"")
        .replace("orders_per_day = 30", "orders_per_day = 2_650");
    std::fs::write(dir.path().join("long.toml"), long).unwrap();
    refused(
        &["check", "long.toml"],
        dir.path(),
        5.0,
        &[
            "channels.amazon.orders_per_day",
            "beyond monte_carlo.max_events",
        ],
    );
}

#[test]
fn a_long_name_is_refused_before_any_chart_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let long = edited(
        "name = \"Shopify hub, 15-minute marketplace polling, hourly ERP\"",
        &format!("name = \"{}\"", "n".repeat(100_000)),
    );
    std::fs::write(dir.path().join("long.toml"), long).unwrap();
    refused(
        &["run", "long.toml", "--trials", "100"],
        dir.path(),
        5.0,
        &["long.toml:6:8: name: the scenario's name of 100,000 characters"],
    );
}

#[test]
fn a_channel_name_with_a_newline_or_called_total_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, says) in [
        ("\"p\\nos\"", "may not hold control characters"),
        ("total", "`total` is reserved"),
    ] {
        let text = edited("[channels.pos]", &format!("[channels.{name}]"));
        std::fs::write(dir.path().join("c.toml"), text).unwrap();
        refused(
            &["run", "c.toml", "--trials", "10"],
            dir.path(),
            5.0,
            &[says],
        );
    }
}
