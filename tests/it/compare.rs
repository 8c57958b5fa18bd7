//! `oversell compare`: the library function on common random numbers, and the binary driven as a
//! user would (stdout, files written, exit codes).

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::binary::{succeeded, text};
use oversell::analysis::compare::{Comparison, compare_sources};
use oversell::montecarlo::RunConfig;
use oversell::scenario::Source;
use oversell::stats::{Metric, MetricSummary};
use serde_json::Value;
use tempfile::TempDir;

fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"))
}

fn source(name: &str) -> Source {
    Source::load(Some(&scenario_path(name))).unwrap_or_else(|e| panic!("{e}"))
}

fn compare(names: &[&str], trials: u64) -> Comparison {
    let sources: Vec<Source> = names.iter().map(|n| source(n)).collect();
    let config = RunConfig {
        trials,
        seed: 2026,
        threads: 2,
    };
    compare_sources(&sources, config, &|_| {}).expect("the comparison runs")
}

/// Runs `oversell ARGS...` in `dir`, with stdin closed.
fn oversell(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("start oversell")
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
    let comparison = compare(&["polling-15m", "polling-15m"], 300);
    let [first, second] = &comparison.scenarios[..] else {
        panic!("two scenarios expected");
    };
    assert!(first.difference.is_none());
    assert_eq!(first.summary, second.summary);
    let d = second.difference.expect("a difference from the first");
    for (name, s) in [
        ("oversold", d.oversold),
        ("penalty", d.penalty),
        ("exposure_seconds", d.exposure_seconds),
        ("p_any_oversell", d.p_any_oversell),
    ] {
        assert_eq!(s.mean, 0.0, "{name}");
        assert_eq!(s.sd, 0.0, "{name}");
        assert_eq!(s.ci95, [0.0, 0.0], "{name}");
        assert_eq!(s.max, 0.0, "{name}");
    }
    // The scenario does oversell, so zero differences are not zero values.
    assert!(first.total(Metric::Oversold).mean > 0.3);
}

/// The half-width of a 95% CI of `b - a` from two independent runs.
fn unpaired_half_width(a: &MetricSummary, b: &MetricSummary) -> f64 {
    a.ci95_half_width().hypot(b.ci95_half_width())
}

#[test]
fn common_random_numbers_narrow_the_interval_of_the_difference() {
    let comparison = compare(&["event-driven", "polling-15m"], 2000);
    let (a, b) = (&comparison.scenarios[0], &comparison.scenarios[1]);
    let d = b.difference.expect("a difference from the first");

    // The paired mean difference is the difference of the means.
    let mean_gap = b.total(Metric::Oversold).mean - a.total(Metric::Oversold).mean;
    assert!((d.oversold.mean - mean_gap).abs() < 1e-9);
    assert!(d.oversold.ci95[0] > 0.5, "polling oversells more: {d:?}");

    // Both stacks oversell in the trials where demand runs the stock out early, so their
    // oversells and penalties are correlated and the paired interval is narrower (about 15% here).
    // Exposure is not compared: it is set by poll phases and latencies, which the two stacks
    // draw for different links, so it is barely correlated between them.
    for (name, metric, paired) in [
        ("oversold", Metric::Oversold, &d.oversold),
        ("penalty", Metric::Penalty, &d.penalty),
    ] {
        let unpaired = unpaired_half_width(a.total(metric), b.total(metric));
        assert!(
            paired.ci95_half_width() < unpaired,
            "{name}: paired ±{} vs unpaired ±{unpaired}",
            paired.ci95_half_width()
        );
    }
    let unpaired = unpaired_half_width(&a.any_oversell, &b.any_oversell);
    assert!(d.p_any_oversell.ci95_half_width() < unpaired);
}

#[test]
fn json_lists_the_scenarios_in_order_and_matches_comparison_json() {
    let dir = TempDir::new().expect("a temporary folder");
    let names = ["erp-hourly", "event-driven", "polling-15m"];
    let mut args = vec!["compare"];
    let paths: Vec<PathBuf> = names.iter().map(|n| scenario_path(n)).collect();
    args.extend(paths.iter().map(|p| path_arg(p)));
    args.extend(["--trials", "200", "--threads", "2", "--format", "json"]);
    args.extend(["--out", "results"]);
    let output = succeeded(oversell(dir.path(), &args));

    let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(json["trials"], 200);
    assert_eq!(json["seed"], 2026);
    let scenarios = json["scenarios"].as_array().expect("a list of scenarios");
    let slugs: Vec<&str> = scenarios
        .iter()
        .map(|s| s["slug"].as_str().expect("a slug"))
        .collect();
    assert_eq!(slugs, names);
    assert!(scenarios[0]["difference"].is_null());
    for s in scenarios {
        assert!(!s["description"].as_str().unwrap().is_empty());
        assert_eq!(s["summary"]["trials"], 200);
    }
    // erp-hourly is the baseline: event-driven oversells fewer, with a CI below 0.
    let d = &scenarios[1]["difference"]["oversold"];
    assert!(d["mean"].as_f64().unwrap() < 0.0, "{d}");
    assert!(d["ci95"][1].as_f64().unwrap() < 0.0, "{d}");

    let written = fs::read(dir.path().join("results/compare/comparison.json"))
        .expect("comparison.json is written");
    assert_eq!(written, output.stdout);
}

#[test]
fn flags_override_the_first_scenarios_monte_carlo_settings() {
    let dir = TempDir::new().expect("a temporary folder");
    let with = |trials: u64, seed: u64| {
        let text = fs::read_to_string(scenario_path("event-driven")).unwrap();
        text.replace("trials = 10000", &format!("trials = {trials}"))
            .replace("seed = 2026", &format!("seed = {seed}"))
    };
    fs::write(dir.path().join("a.toml"), with(120, 11)).unwrap();
    fs::write(dir.path().join("b.toml"), with(7, 99)).unwrap();
    let args = ["compare", "a.toml", "b.toml", "--format", "json"];
    let json: Value = serde_json::from_slice(&succeeded(oversell(dir.path(), &args)).stdout)
        .expect("stdout is JSON");
    // The first file's settings apply to both; b's own [monte_carlo] is ignored.
    assert_eq!(
        (json["trials"].clone(), json["seed"].clone()),
        (120.into(), 11.into())
    );
    for s in json["scenarios"].as_array().unwrap() {
        assert_eq!(s["summary"]["trials"], 120);
        assert_eq!(s["summary"]["seed"], 11);
    }
    // Same stack, same seed: a and b are the same experiment.
    assert_eq!(
        json["scenarios"][1]["difference"]["oversold"]["ci95"][1],
        0.0
    );

    let args = [
        "compare", "a.toml", "b.toml", "--format", "json", "--seed", "3",
    ];
    let json: Value = serde_json::from_slice(&succeeded(oversell(dir.path(), &args)).stdout)
        .expect("stdout is JSON");
    assert_eq!(json["seed"], 3);
}

#[test]
fn the_table_shows_every_scenario_with_its_paired_difference() {
    let dir = TempDir::new().expect("a temporary folder");
    let (a, b) = (scenario_path("event-driven"), scenario_path("polling-15m"));
    let args = [
        "compare",
        path_arg(&a),
        path_arg(&b),
        "--trials",
        "300",
        "--out",
        "out",
    ];
    let stdout = text(&succeeded(oversell(dir.path(), &args)).stdout);
    assert!(stdout.contains("penalty, USD"), "{stdout}");
    let first = stdout.find("│ event-driven").expect("an event-driven row");
    let second = stdout.find("│ polling-15m").expect("a polling-15m row");
    assert!(first < second, "{stdout}");
    assert!(stdout.contains("baseline"), "{stdout}");
    // polling-15m oversells more: a positive difference with a bracketed interval.
    let difference_line = stdout[second..].lines().nth(1).expect("a difference line");
    assert!(difference_line.contains("┆ +"), "{difference_line}");
    assert!(difference_line.contains('['), "{difference_line}");
    assert!(
        stdout.contains("300 trials per scenario, seed 2026"),
        "{stdout}"
    );
    assert!(stdout.lines().all(|l| l.chars().count() <= 120), "{stdout}");
}

#[test]
fn the_chart_is_written_as_png_and_svg() {
    let dir = TempDir::new().expect("a temporary folder");
    let names = ["event-driven", "polling-15m", "erp-hourly"];
    let paths: Vec<PathBuf> = names.iter().map(|n| scenario_path(n)).collect();
    let mut args = vec!["compare"];
    args.extend(paths.iter().map(|p| path_arg(p)));
    args.extend(["--trials", "200", "--out", "out"]);
    let stdout = text(&succeeded(oversell(dir.path(), &args)).stdout);
    let folder = dir.path().join("out").join("compare");
    assert!(stdout.contains("compare.png"), "{stdout}");

    let png = fs::read(folder.join("compare.png")).expect("compare.png is written");
    let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .expect("compare.png is a valid PNG");
    assert_eq!((image.width(), image.height()), (1000, 560));
    // Not a blank canvas: the bars bring colour.
    let rgb = image.to_rgb8();
    assert!(rgb.pixels().any(|p| p.0 != [255, 255, 255]));

    let svg = fs::read_to_string(folder.join("compare.svg")).expect("compare.svg is written");
    assert!(svg.trim_start().starts_with("<svg"), "{}", &svg[..80]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for name in names {
        assert!(svg.contains(name), "the legend names {name}");
    }
    assert!(svg.contains("oversold orders per trial"));
}

#[test]
fn a_bad_file_among_the_inputs_exits_2_naming_it() {
    let dir = TempDir::new().expect("a temporary folder");
    let good = scenario_path("event-driven");
    let bad_text = fs::read_to_string(&good)
        .unwrap()
        .replace("orders_per_day = 30", "orders_per_day = -30");
    fs::write(dir.path().join("broken.toml"), bad_text).unwrap();
    for args in [
        ["compare", path_arg(&good), "broken.toml"],
        ["compare", path_arg(&good), "missing.toml"],
    ] {
        let output = oversell(dir.path(), &args);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(args[2]), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        // Nothing ran, so nothing was written.
        assert!(!dir.path().join("out").exists());
    }
}
