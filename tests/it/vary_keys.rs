//! `sweep --vary` with several keys moved together, and grids refused before they are built.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const REFERENCE: &str = include_str!("../../scenarios/reference.toml");

fn oversell(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("start oversell")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_pattern_moves_every_feed_together_and_the_target_answers_for_the_stack() {
    let sandbox = tempfile::tempdir().unwrap();
    let dir = sandbox.path();
    std::fs::write(dir.join("stack.toml"), REFERENCE).unwrap();
    let output = oversell(
        dir,
        &[
            "sweep",
            "stack.toml",
            "--vary",
            "links.*-feed.poll.every=5m,30m,2h",
            "--target",
            "total.oversold.mean<=1000",
            "--trials",
            "30",
            "--format",
            "json",
            "--out",
            "out",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let sweep: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let vary = &sweep["vary"][0];
    assert_eq!(vary["path"], "links.*-feed.poll.every");
    assert_eq!(
        vary["keys"],
        serde_json::json!([
            "links.amazon-feed.poll.every",
            "links.walmart-feed.poll.every"
        ])
    );
    // Both feeds slow down together: the polls per hour of each follow the grid value.
    for point in sweep["points"].as_array().unwrap() {
        let every = point["values"][0].as_f64().unwrap();
        for link in point["polling"]["links"].as_array().unwrap() {
            if link["link"].as_str().unwrap().ends_with("-feed") {
                let per_hour = link["polls_per_hour"].as_f64().unwrap();
                assert!((per_hour - 3600.0 / every).abs() < 1e-9, "{link}");
            }
        }
    }
    assert!(sweep["target"].is_object(), "{}", sweep["target"]);
}

#[test]
fn a_grid_of_three_thousand_value_ranges_is_refused_at_once() {
    let sandbox = tempfile::tempdir().unwrap();
    let dir = sandbox.path();
    std::fs::write(dir.join("stack.toml"), REFERENCE).unwrap();
    let output = oversell(
        dir,
        &[
            "sweep",
            "stack.toml",
            "--vary",
            "channels.amazon.buffer=0..1000",
            "--vary",
            "channels.walmart.buffer=0..1000",
            "--vary",
            "channels.shopify.buffer=0..1000",
            "--out",
            "out",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    assert!(
        err.contains("1000 x 1000 x 1000 values make 1000000000 grid points, too many"),
        "{err}"
    );
    assert!(!dir.join("out").exists());
    // The grid was never built: no child of this test process grew past 300 MB (a billion
    // points took gigabytes).
    let peak_kb = {
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: getrusage writes into the struct we own.
        assert_eq!(
            unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) },
            0
        );
        usage.ru_maxrss
    };
    assert!(peak_kb < 300_000, "a child reached {peak_kb} kB");
}

#[test]
fn no_match_names_the_pattern_and_close_keys() {
    let sandbox = tempfile::tempdir().unwrap();
    let dir = sandbox.path();
    std::fs::write(dir.join("stack.toml"), REFERENCE).unwrap();
    let output = oversell(
        dir,
        &[
            "sweep",
            "stack.toml",
            "--vary",
            "links.*.pol.every=5m",
            "--out",
            "out",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output.stderr);
    assert!(
        err.contains("--vary links.*.pol.every=5m: `links.*.pol.every` matches no key of the scenario; the closest are `links."),
        "{err}"
    );
}
