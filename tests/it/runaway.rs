//! A stack that never settles stops at `max_events` with an error naming the scenario and what
//! kept it busy, instead of running forever or eating memory.

use crate::common::binary::{Sandbox, succeeded, text};

fn run(toml: &str) -> (Option<i32>, String) {
    let sandbox = Sandbox::new();
    let file = sandbox.write("loop.toml", toml);
    let output = sandbox.oversell(&["run", file.to_str().unwrap(), "--trials", "4"]);
    (output.status.code(), text(&output.stderr))
}

#[test]
fn a_ring_of_level_webhooks_that_never_settles_is_stopped() {
    // Three systems pass their views round a ring, one second a hop. Two sales half a second
    // apart set two different values circulating, each overwriting the other, for ever.
    let mut toml = String::from(
        r#"
name = "ring"
horizon = "1d"
[monte_carlo]
max_events = 20000
[stock]
initial = 10
[nodes.a]
[nodes.b]
[nodes.c]
[channels.a]
orders_per_hour = 0
[[scheduled_orders]]
at = "1h"
channel = "a"
qty = 1
[[scheduled_orders]]
at = "3600.5s"
channel = "a"
qty = 1
"#,
    );
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a")] {
        toml.push_str(&format!(
            "[[links]]\nname = \"{from}-to-{to}\"\ncarries = \"levels\"\nfrom = \"{from}\"\nto = \"{to}\"\nwebhook = {{ latency = \"1s\" }}\n"
        ));
    }
    let (code, stderr) = run(&toml);
    assert_eq!(code, Some(2), "{stderr}");
    for needle in [
        "scenario `ring`",
        "20000 events",
        "max_events",
        "a-to-b",
        "b-to-c",
        "c-to-a",
    ] {
        assert!(stderr.contains(needle), "no `{needle}` in: {stderr}");
    }
}

#[test]
fn an_extreme_order_rate_is_stopped_naming_the_channel() {
    let toml = r#"
name = "flood"
horizon = "1h"
[monte_carlo]
max_events = 5000
[stock]
initial = 1000000
[channels.firehose]
orders_per_hour = 100000
"#;
    // Refused at load, as `check` refuses it: 100,000 expected orders cannot fit 5,000 events.
    let (code, stderr) = run(toml);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("channels.firehose.orders_per_hour: one trial (1h) would process about"),
        "{stderr}"
    );
    assert!(
        stderr.contains("beyond monte_carlo.max_events = 5000"),
        "{stderr}"
    );
}

#[test]
fn the_reference_stack_stays_far_below_the_default_limit() {
    succeeded(Sandbox::new().oversell(&["run", "--trials", "50", "--format", "json"]));
}
