//! The sweep charts of a catalog stack with API buckets and feed queues: `api_wait` and
//! `feed_wait` are drawn beside `oversold`; a stack without either draws neither.

use crate::common;

use common::binary::{Sandbox, succeeded, text};

fn scenario(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_catalog_sweep_charts_api_wait_and_feed_backlog_beside_oversells() {
    let sandbox = Sandbox::new();
    let out = succeeded(sandbox.oversell(&[
        "sweep",
        &scenario("scenarios/catalog/small.toml"),
        "--vary",
        "links.*-feed.poll.every=5m,30m",
        "--trials",
        "2",
    ]));
    let stdout = text(&out.stdout);
    let dir = sandbox.path().join("out/small/sweep");
    for stem in ["oversold", "api_wait", "feed_wait"] {
        for ext in ["png", "svg"] {
            let path = dir.join(format!("{stem}.{ext}"));
            assert!(path.is_file(), "{}: {stdout}", path.display());
        }
        assert!(stdout.contains(&format!("{stem}.png")), "{stdout}");
    }
    let svg = std::fs::read_to_string(dir.join("feed_wait.svg")).expect("feed_wait.svg");
    assert!(
        svg.contains("Feed backlog: wait of an item"),
        "feed_wait.svg"
    );
    assert!(
        svg.contains("hours an item waits in the feed queue"),
        "feed_wait.svg"
    );
    let svg = std::fs::read_to_string(dir.join("api_wait.svg")).expect("api_wait.svg");
    assert!(
        svg.contains("seconds a poll waits for API tokens"),
        "api_wait.svg"
    );
}

#[test]
fn a_stack_without_buckets_or_feeds_draws_no_wait_charts() {
    let sandbox = Sandbox::new();
    succeeded(sandbox.oversell(&[
        "sweep",
        &scenario("scenarios/polling-15m.toml"),
        "--vary",
        "links.amazon-feed.poll.every=5m,15m",
        "--trials",
        "20",
    ]));
    let dir = sandbox.path().join("out/polling-15m/sweep");
    assert!(dir.join("oversold.png").is_file());
    assert!(!dir.join("api_wait.png").exists());
    assert!(!dir.join("feed_wait.png").exists());
}
