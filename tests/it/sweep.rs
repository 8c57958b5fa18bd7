//! `oversell sweep` driven as a user would: the target search lands where a closed form says it
//! must, the files and formats are what the README promises, and mistakes in `--vary` and
//! `--target` exit with code 2 and a message naming the fault.

use crate::common;

use std::fs;

use common::binary::{Sandbox, failed_with_2, succeeded, text};
use serde_json::Value;

/// A channel that sells against a view nobody corrects until the first poll: the physical
/// stock is 0 and the shop's view starts at a million, so every order before the first poll of
/// the feed is oversold, and none after it (the feed brings the record's view, 0). The first
/// poll comes at a phase uniform in [0, T), so E[oversold] = λ·T/2 with λ = 6 orders an hour.
const STALE_FEED: &str = r#"
name = "Stale feed"
horizon = "12h"

[stock]
initial = 0

[nodes.erp]
record = true

[nodes.shop]
initial = 1000000

[channels.shop]
orders_per_hour = 6

[[links]]
name = "feed"
carries = "levels"
from = "erp"
to = "shop"
poll = { every = "15m" }
"#;

/// λ of [`STALE_FEED`], orders per second.
const RATE: f64 = 6.0 / 3600.0;

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn the_largest_poll_interval_meeting_a_mean_target_is_where_lambda_t_over_2_meets_it() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("stale.toml", STALE_FEED);
    let threshold = 1.0;
    let target = format!("total.oversold.mean<={threshold}");
    let out = succeeded(sandbox.oversell(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "links.feed.poll.every=5m,10m,30m,1h",
        "--target",
        &target,
        "--trials",
        "4000",
        "--seed",
        "11",
        "--format",
        "json",
    ]));
    let sweep: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let result = &sweep["target"];
    assert_eq!(result["outcome"], "largest", "{result}");

    // Every grid point's mean agrees with λT/2 within 4 standard errors.
    for point in sweep["points"].as_array().unwrap() {
        let every = number(&point["values"][0]);
        let oversold = &point["summary"]["total"]["oversold"];
        let (mean, ci) = (number(&oversold["mean"]), &oversold["ci95"]);
        let se = (number(&ci[1]) - number(&ci[0])) / (2.0 * 1.96);
        let expected = RATE * every / 2.0;
        assert!(
            (mean - expected).abs() <= 4.0 * se,
            "every {every} s: mean {mean} vs {expected} (se {se})"
        );
    }

    // The boundary T* = 2X/λ. The found value can miss it by the noise of the mean there,
    // se(T*), over the slope of the mean, λ/2 per second, plus the bisection's last step.
    let exact = 2.0 * threshold / RATE;
    let found = &result["boundary"];
    let value = number(&found["value"]);
    let ci = &found["ci95"];
    let se = (number(&ci[1]) - number(&ci[0])) / (2.0 * 1.96);
    let step = (number(&result["failing"]["value"]) - value).abs();
    let tolerance = 4.0 * se / (RATE / 2.0) + step + 1.0;
    assert!(
        (value - exact).abs() <= tolerance,
        "boundary {value} s vs exact {exact} s (tolerance {tolerance} s, se {se})"
    );
    // Eight halvings of the 10m..30m bracket.
    assert_eq!(result["refinement"].as_array().unwrap().len(), 8);
    assert!(step <= 1200.0 / 256.0 + 1.0, "last bisection step {step} s");
    assert_eq!(found["meets"], true);
    assert_eq!(result["failing"]["meets"], false);

    // The files the README lists.
    let dir = sandbox.path().join("out/stale/sweep");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "oversold.png",
            "oversold.svg",
            "penalty.png",
            "penalty.svg",
            "sweep.csv",
            "sweep.json",
            "target.png",
            "target.svg"
        ]
    );
    let written: Value =
        serde_json::from_slice(&fs::read(dir.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(written, sweep);
}

#[test]
fn the_table_names_the_boundary_and_flags_polling_over_an_api_limit() {
    let sandbox = Sandbox::new();
    let limited = STALE_FEED
        .replace(
            "[nodes.erp]\nrecord = true",
            "[nodes.erp]\nrecord = true\napi_limit_per_hour = 10",
        )
        .replace(
            "poll = { every = \"15m\" }",
            "poll = { every = \"15m\", requests_per_poll = 2 }",
        );
    let file = sandbox.write("stale.toml", &limited);
    let out = succeeded(sandbox.oversell(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "links.feed.poll.every=5m,10m,30m",
        "--target",
        "total.oversold.mean<=1",
        "--trials",
        "500",
    ]));
    let table = text(&out.stdout);
    assert!(
        table.contains(
            "target total.oversold.mean<=1: the largest links.feed.poll.every that meets it is"
        ),
        "{table}"
    );
    // 5m: 12 polls an hour, 24 requests, over the erp's 10; 30m: 2 polls, 4 requests.
    let row = |label: &str| {
        table
            .lines()
            .filter(|l| l.starts_with(&format!("│ {label} ")))
            .collect::<Vec<_>>()
    };
    let five = row("5m");
    assert!(five[0].contains("OVER erp"), "{table}");
    assert!(
        five[1].contains("12 · 24") && five[1].contains("24 OVER"),
        "{table}"
    );
    let thirty = row("30m");
    assert!(thirty[0].trim_end().ends_with("ok │"), "{table}");
    assert!(thirty[1].contains("2 · 4"), "{table}");

    let csv = fs::read_to_string(sandbox.path().join("out/stale/sweep/sweep.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for column in [
        "links.feed.poll.every",
        "links.feed.poll.every_seconds",
        "total.oversold.mean",
        "feed.polls_per_hour",
        "feed.requests_per_hour",
        "erp.api_requests_per_hour",
        "erp.over_api_limit",
        "target.meets",
    ] {
        assert!(header.contains(&column), "no {column} in {header:?}");
    }
    let first: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let at = |name: &str| first[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(at("links.feed.poll.every"), "5m");
    assert_eq!(at("links.feed.poll.every_seconds"), "300");
    assert_eq!(at("feed.requests_per_hour"), "24");
    assert_eq!(at("erp.over_api_limit"), "true");
}

#[test]
fn a_target_met_nowhere_or_everywhere_is_said_plainly() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("stale.toml", STALE_FEED);
    let run = |target: &str| {
        text(
            &succeeded(sandbox.oversell(&[
                "sweep",
                file.to_str().unwrap(),
                "--vary",
                "links.feed.poll.every=10m,20m",
                "--target",
                target,
                "--trials",
                "300",
            ]))
            .stdout,
        )
    };
    let none = run("total.oversold.mean<=0.1");
    assert!(
        none.contains("no value of links.feed.poll.every in the grid meets it; the closest is 10m"),
        "{none}"
    );
    let all = run("total.oversold.mean<=50");
    assert!(
        all.contains("every value of links.feed.poll.every in the grid meets it"),
        "{all}"
    );
}

#[test]
fn a_two_key_grid_runs_every_combination_on_the_same_orders() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("stale.toml", STALE_FEED);
    let out = succeeded(sandbox.oversell(&[
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "links.feed.poll.every=10m,30m",
        "--vary",
        "channels.shop.orders_per_hour=3,6",
        "--trials",
        "200",
        "--format",
        "csv",
    ]));
    let csv = text(&out.stdout);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{csv}");
    let keys: Vec<String> = rows
        .iter()
        .map(|r| r.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(keys, ["10m,600,3", "10m,600,6", "30m,1800,3", "30m,1800,6"]);
    assert!(sandbox.path().join("out/stale/sweep/oversold.png").exists());
}

#[test]
fn mistakes_in_vary_and_target_exit_2_naming_the_fault() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("stale.toml", STALE_FEED);
    let file = file.to_str().unwrap();
    let sweep = |extra: &[&str]| {
        let mut args = vec!["sweep", file, "--trials", "10"];
        args.extend_from_slice(extra);
        failed_with_2(&sandbox.oversell(&args))
    };
    let cases: [(&[&str], &str); 9] = [
        (
            &["--vary", "links.feeds.poll.every=1m"],
            "error: --vary links.feeds.poll.every=1m: no link is called `feeds`; the links are `feed`",
        ),
        (
            &["--vary", "links.feed.poll.every"],
            "error: --vary links.feed.poll.every: expected PATH=VALUES",
        ),
        (
            &["--vary", "channels.shop.buffer=1,two"],
            "error: --vary channels.shop.buffer=1,two: `two` is not a whole number; \
             `channels.shop.buffer` takes whole numbers",
        ),
        (
            &["--vary", "links.feed.poll.every=0s,5m"],
            "error: --vary links.feed.poll.every=0s,5m: at 0s: links[0].poll.every: a zero poll \
             interval would poll without end",
        ),
        (
            &["--vary", "channels.shop.colour=1"],
            "error: --vary channels.shop.colour=1: `channels.shop.colour` is not a numeric or \
             duration key",
        ),
        (
            &[
                "--vary",
                "channels.shop.buffer=0..=2",
                "--target",
                "total.oversold.mean<=one",
            ],
            "error: --target total.oversold.mean<=one: `one` is not a number",
        ),
        (
            &[
                "--vary",
                "channels.shop.buffer=0..=2",
                "--target",
                "total.oversold.mean=1",
            ],
            "error: --target total.oversold.mean=1: expected MEASURE OP NUMBER",
        ),
        (
            &[
                "--vary",
                "channels.shop.buffer=0..=2",
                "--target",
                "channels.shop.p_cancel_rate_over_limit<=0.1",
            ],
            "error: --target channels.shop.p_cancel_rate_over_limit<=0.1: `shop` has no \
             cancel_rate_limit",
        ),
        (
            &[
                "--vary",
                "channels.shop.buffer=0..=2",
                "--vary",
                "links.feed.poll.every=1m,2m",
                "--target",
                "total.oversold.mean<=1",
            ],
            "give one --vary",
        ),
    ];
    for (args, says) in cases {
        let err = sweep(args);
        assert!(err.contains(says), "{args:?}: `{says}` not in:\n{err}");
    }
    // Nothing was written for a refused sweep.
    assert!(!sandbox.path().join("out").exists());
}
