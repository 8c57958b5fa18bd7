//! The charts of `oversell run`: the binary writes them as PNG and SVG next to the summary, and
//! the library prepares their data consistently with the run summary.

use std::fs;
use std::path::Path;
use std::process::Command;

use oversell::montecarlo::{RunConfig, run_trials};
use oversell::report::charts::{OversoldHistogram, PenaltyDistribution};
use oversell::scenario::{BUILTIN_REFERENCE, load_str};
use oversell::sim::Plan;
use oversell::stats::{Metric, RunAccumulator, Scope};

/// The channels of the built-in reference stack, in file order.
const CHANNELS: [&str; 4] = ["shopify", "amazon", "walmart", "pos"];
/// The charts a run writes, by file stem.
const CHARTS: [&str; 2] = ["oversold_histogram", "penalty_distribution"];

/// One channel that sells against its own view, nothing to get out of step: no oversell, and a
/// penalty of 0 in every trial.
const NO_OVERSELL: &str = r#"
name = "Single storefront"
horizon = "24h"
currency = "EUR"
[stock]
initial = 10
[channels.web]
orders_per_hour = 1
"#;

/// Runs `oversell run [file] --trials 500 --out <out>`, asserting success.
fn run(out: &Path, file: Option<&Path>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oversell"));
    command.arg("run");
    if let Some(file) = file {
        command.arg(file);
    }
    let output = command
        .args(["--trials", "500", "--seed", "11", "--out"])
        .arg(out)
        .output()
        .expect("start oversell");
    assert!(
        output.status.success(),
        "oversell run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Checks `<stem>.png`: PNG signature, 1000x560, more than 10 kB, and not blank.
fn check_png(stem: &Path) {
    let path = stem.with_extension("png");
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{}: no PNG signature",
        path.display()
    );
    assert!(
        bytes.len() > 10_000,
        "{}: only {} bytes",
        path.display(),
        bytes.len()
    );
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("decode {}: {e}", path.display()))
        .to_rgb8();
    assert_eq!(image.dimensions(), (1000, 560), "{}", path.display());
    let colours: std::collections::HashSet<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    let inked = image.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    let inked_share = inked as f64 / (1000.0 * 560.0);
    assert!(
        colours.len() > 50 || inked_share > 0.05,
        "{} looks blank: {} colours, {:.1}% non-white",
        path.display(),
        colours.len(),
        inked_share * 100.0
    );
}

/// Checks `<stem>.svg` and returns the text of its `<text>` elements, joined by newlines.
fn svg_texts(stem: &Path) -> String {
    let path = stem.with_extension("svg");
    let svg = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "{} starts with {:?}",
        path.display(),
        &svg[..svg.len().min(40)]
    );
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|element| element.split_once('>'))
        .filter_map(|(_, rest)| rest.split_once("</text>"))
        .map(|(text, _)| text.trim())
        .collect();
    assert!(!texts.is_empty(), "{}: no <text> elements", path.display());
    texts.join("\n")
}

#[test]
fn run_writes_both_charts_as_png_and_svg() {
    let out = tempfile::tempdir().expect("temp dir");
    run(out.path(), None);
    let dir = out.path().join("reference");
    for chart in CHARTS {
        let stem = dir.join(chart);
        check_png(&stem);
        let texts = svg_texts(&stem);
        for channel in CHANNELS {
            assert!(
                texts.contains(channel),
                "{chart}.svg lacks {channel}: {texts}"
            );
        }
        assert!(
            texts.contains("mean"),
            "{chart}.svg lacks \"mean\": {texts}"
        );
        assert!(texts.contains("(500 trials)"), "{chart}.svg title: {texts}");
    }
    let oversold = svg_texts(&dir.join("oversold_histogram"));
    assert!(oversold.contains("all channels"), "{oversold}");
    assert!(
        oversold.contains("oversold orders in one trial"),
        "{oversold}"
    );
    assert!(oversold.contains("share of trials, %"), "{oversold}");
    let penalty = svg_texts(&dir.join("penalty_distribution"));
    assert!(
        penalty.contains("total penalty in one trial, USD"),
        "{penalty}"
    );
    assert!(penalty.contains("USD (95% CI "), "{penalty}");
    assert!(
        penalty.contains("p90 ") && penalty.contains("p99 "),
        "{penalty}"
    );
    assert!(!penalty.contains("no oversell in any trial"), "{penalty}");
}

#[test]
fn a_run_without_any_penalty_says_so() {
    let out = tempfile::tempdir().expect("temp dir");
    let file = out.path().join("single.toml");
    fs::write(&file, NO_OVERSELL).expect("write scenario");
    run(out.path(), Some(&file));
    let dir = out.path().join("single");
    for chart in CHARTS {
        check_png(&dir.join(chart));
    }
    let penalty = svg_texts(&dir.join("penalty_distribution"));
    assert!(penalty.contains("no oversell in any trial"), "{penalty}");
    assert!(penalty.contains("no penalty (0 EUR): 100%"), "{penalty}");
    assert!(penalty.contains("web"), "{penalty}");
    // Nothing to mark: no mean line or quantiles over a single bar at 0.
    assert!(!penalty.contains("95% CI"), "{penalty}");
    let oversold = svg_texts(&dir.join("oversold_histogram"));
    assert!(oversold.contains("web · mean 0 · P(≥1) 0%"), "{oversold}");
    assert!(oversold.contains("100%"), "{oversold}");
    // One channel: an "all channels" panel would repeat it.
    assert!(!oversold.contains("all channels"), "{oversold}");
}

#[test]
fn prepared_data_agrees_with_the_summary() {
    let scenario = load_str("reference.toml", BUILTIN_REFERENCE).expect("reference loads");
    let plan = Plan::new(scenario.clone());
    let config = RunConfig {
        trials: 2000,
        seed: 5,
        threads: 2,
    };
    let outcomes = run_trials(&plan, config, &|_| {}).expect("run");
    let mut stats = RunAccumulator::new(&scenario);
    outcomes.iter().for_each(|t| stats.push(&scenario, t));
    let summary = stats.summary(&scenario, config.seed);

    let oversold = OversoldHistogram::from_run(&scenario, &summary, &stats);
    let names: Vec<&str> = oversold.panels.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["shopify", "amazon", "walmart", "pos", "all channels"]
    );
    let scopes = (0..4).map(Scope::Channel).chain([Scope::Total]);
    for (panel, scope) in oversold.panels.iter().zip(scopes) {
        let sum: f64 = panel.shares.iter().sum();
        assert!(
            (sum - 100.0).abs() < 1e-9,
            "{}: shares sum to {sum}",
            panel.name
        );
        let of = summary.metric(scope, Metric::Oversold).unwrap();
        assert_eq!(panel.mean, of.mean, "{}", panel.name);
        // Buckets of one count each here: the histogram's own mean is the summary's mean, and
        // its last bucket is the largest count.
        assert!(panel.buckets.iter().all(|b| b.lo == b.hi), "{}", panel.name);
        let mean: f64 = (panel.buckets.iter().zip(&panel.shares))
            .map(|(b, share)| b.lo as f64 * share / 100.0)
            .sum();
        assert!(
            (mean - of.mean).abs() < 1e-9,
            "{}: {mean} vs {}",
            panel.name,
            of.mean
        );
        let zero = 100.0 - summary.scope(scope).unwrap().p_any_oversell * 100.0;
        assert!((panel.shares[0] - zero).abs() < 1e-9, "{}", panel.name);
    }
    let total = oversold.panels.last().unwrap();
    let largest = summary.total.metric(Metric::Oversold).max;
    assert_eq!(total.buckets.last().unwrap().hi as f64, largest);
    assert!(*total.shares.last().unwrap() > 0.0);

    let penalty = PenaltyDistribution::from_run(&scenario, &summary, &stats);
    assert_eq!(penalty.currency, "USD");
    assert_eq!(penalty.penalty, *summary.total.metric(Metric::Penalty));
    let sum: f64 = penalty.shares.iter().sum();
    assert!((sum - 100.0).abs() < 1e-9, "penalty shares sum to {sum}");
    // Every oversold order of the reference carries a penalty above 0, so the trials without
    // a penalty are exactly those without an oversell.
    let no_oversell = 100.0 - summary.total.p_any_oversell * 100.0;
    assert!((penalty.zero_share - no_oversell).abs() < 1e-9);
    assert!(penalty.shares[0] >= penalty.zero_share);
    // The buckets reach the largest penalty and not a bucket further.
    let w = penalty.bucket_width;
    let max = penalty.penalty.max;
    assert!((penalty.shares.len() - 1) as f64 * w <= max && max < penalty.shares.len() as f64 * w);
    assert!(penalty.note.is_none());
    let means: Vec<&str> = penalty
        .channel_means
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(means, CHANNELS);
}
