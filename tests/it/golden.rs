//! Numbers stay pinned: the summary of a fixed run of every demo stack is a snapshot, so any
//! change of results (engine, random streams, statistics) shows up as a diff to review. After a
//! deliberate change: `cargo insta review` (or INSTA_UPDATE=always cargo test --test it golden).

use oversell::montecarlo::{RunConfig, for_each_trial};
use oversell::report::summary_json;
use oversell::scenario::builtin::builtin;
use oversell::sim::Plan;
use oversell::stats::RunAccumulator;

fn summary(slug: &str) -> String {
    let scenario = builtin(slug).expect("built in").load().expect("loads");
    summary_of(Plan::new(scenario))
}

fn summary_of(plan: Plan) -> String {
    let config = RunConfig {
        trials: 2_000,
        seed: 2026,
        threads: 2,
    };
    let mut stats = RunAccumulator::new(&plan.scenario);
    for_each_trial(&plan, config, &|_| {}, |_, outcome| {
        stats.push(&plan.scenario, outcome);
        Ok(())
    })
    .expect("runs");
    summary_json(&stats.summary(&plan.scenario, config.seed))
}

#[test]
fn reference_summary_is_pinned() {
    insta::assert_snapshot!("reference", summary("reference"));
}

#[test]
fn demo_stacks_are_pinned() {
    for slug in ["event-driven", "polling-15m", "erp-hourly"] {
        insta::assert_snapshot!(slug, summary(slug));
    }
}

#[test]
fn background_orders_as_events_keep_the_numbers_of_before() {
    // Queues advance in bulk since background orders stopped being events (README,
    // "Performance"); asked for as events, the engine still draws exactly as before, and this
    // snapshot is the reference summary of that time, byte for byte.
    let scenario = builtin("reference")
        .expect("built in")
        .load()
        .expect("loads");
    let plan = Plan::new(scenario).with_background_events();
    insta::assert_snapshot!("reference-background-events", summary_of(plan));
}
