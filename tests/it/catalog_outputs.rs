//! What a catalog run, sweep and tune tell a user (issue 11): the table leads with cost per year
//! and the account-level cancel risk, feed queues and API waits reach the outputs. Driven through
//! the binary on scenarios/catalog/small.toml with a few trials.

use crate::common;

use common::binary::{Sandbox, succeeded, text};

fn small() -> String {
    format!(
        "{}/scenarios/catalog/small.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn json(path: &std::path::Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("JSON")
}

#[test]
fn run_table_leads_with_cost_per_year_and_cancel_risk_and_feeds_reach_summary_json() {
    let sandbox = Sandbox::new();
    let out = succeeded(sandbox.oversell(&["run", &small(), "--trials", "8", "--seed", "3"]));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[1].starts_with("cost per year: "), "{stdout}");
    assert!(lines[1].contains(" USD ± "), "{stdout}");
    assert!(
        stdout.contains("  amazon: 7-day window, limit 2.5%: "),
        "{stdout}"
    );
    assert!(
        stdout.contains("  walmart: 30-day window (the whole horizon), limit 2.0%: "),
        "{stdout}"
    );
    assert!(stdout.contains("feeds amazon: "), "{stdout}");
    let summary = json(&sandbox.path().join("out/small/summary.json"));
    let amazon = &summary["feeds"]["amazon"];
    // Every 15 minutes a batch for 28 days, less the polls that found nothing changed.
    let items = amazon["items"]["mean"]
        .as_f64()
        .expect("feeds.amazon.items.mean");
    assert!(items > 2_000.0 && items <= 2_688.0, "{items}");
    let wait = amazon["mean_wait_seconds"]["mean"]
        .as_f64()
        .expect("a mean wait");
    assert!(wait > 0.0, "{wait}");
    assert!(amazon["wait_seconds"]["p99"].as_f64().is_some());
    assert!(summary["feeds"].get("shopify").is_none(), "{summary}");
    let per_year = summary["total"]["cost"]["mean_per_year"].as_f64().unwrap();
    assert!(
        stdout.contains(&format!("cost per year: {:.0} USD", per_year)),
        "{stdout}"
    );
}

#[test]
fn sweep_over_a_catalog_shows_api_wait_and_feed_backlog() {
    let sandbox = Sandbox::new();
    let out = succeeded(sandbox.oversell(&[
        "sweep",
        &small(),
        "--vary",
        "links.amazon-feed.poll.every=2m,15m",
        "--trials",
        "2",
    ]));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("API wait"), "{stdout}");
    assert!(stdout.contains("feed wait"), "{stdout}");
    let csv = std::fs::read_to_string(sandbox.path().join("out/small/sweep/sweep.csv"))
        .expect("sweep.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let wait = column("amazon.feeds.mean_wait_seconds.mean");
    let api = column("amazon-feed.api_wait_seconds.mean");
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            l.split(',')
                .skip(1)
                .map(|c| c.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    // Columns after the first (the label) shift by one.
    let (fast, slow) = (&rows[0], &rows[1]);
    assert!(fast[api - 1] >= 0.0 && slow[api - 1] >= 0.0);
    // Polling Amazon's feed every 2 minutes floods its one feed server (a 3-minute median file):
    // items wait far longer than at 15 minutes.
    assert!(
        fast[wait - 1] > 10.0 * slow[wait - 1],
        "{} vs {}",
        fast[wait - 1],
        slow[wait - 1]
    );
    let json = json(&sandbox.path().join("out/small/sweep/sweep.json"));
    assert!(
        json["points"][0]["summary"]["links"]["amazon-feed"]["api_wait_seconds"]["mean"]
            .as_f64()
            .is_some()
    );
}
