//! A trial starts from time 0 however many trials its engine ran before: an engine restores
//! only the SKUs the last trial changed (src/sim/engine/pristine.rs) and learns whether a demand
//! or shrink stream has any arrival from its first draw alone. Each trial run in one engine after
//! others, in a scrambled order, must give the outcome of the same trial in a fresh engine, on
//! catalogs where most SKUs sell nothing and on stacks whose time 0 is not quiet (SKUs out of
//! stock or under their reorder point and low-stock threshold, a bundle, a scheduled order on a
//! SKU that sells little else). Part 1's views that disagree at time 0 (a node's `initial`) are
//! the golden scenarios'. Builds with debug assertions (every test
//! run) also check after each trial that every SKU not noted as changed is exactly at time 0.

use oversell::scenario::load_file;
use oversell::sim::{Engine, Plan};

const FOUR_WEEKS: &str = include_str!("../../scenarios/catalog/four-weeks.toml");
const SKUS: &str = include_str!("../../scenarios/catalog/skus.csv");

/// Loads `toml` with the catalog `csv` beside it, from a temporary folder.
fn plan(toml: &str, csv: &str) -> Plan {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("skus.csv"), csv).expect("writes the catalog");
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, toml).expect("writes the scenario");
    Plan::new(load_file(&path).unwrap_or_else(|e| panic!("{e}")))
}

/// Runs `trials` in one engine in a scrambled order and each in a fresh engine: the same.
fn assert_trials_independent(plan: &Plan, trials: u64) {
    let mut engine = Engine::new(plan);
    let order = (0..trials).map(|i| (i * 7 + 3) % trials);
    for trial in order {
        let after_others = engine.run_trial(2026, trial).expect("no runaway");
        let fresh = Engine::new(plan)
            .run_trial(2026, trial)
            .expect("no runaway");
        assert!(after_others == fresh, "trial {trial} differs after others");
    }
}

#[test]
fn a_long_tail_catalog_trial_is_the_same_after_other_trials() {
    // Four days of the 2,000-SKU sample: most of the tail sells nothing in a trial.
    let toml = FOUR_WEEKS.replacen("horizon = \"28d\"", "horizon = \"4d\"", 1);
    let plan = plan(&toml, SKUS);
    assert_trials_independent(&plan, 7);
}

#[test]
fn a_trial_that_starts_unquiet_is_the_same_after_other_trials() {
    // The low-stock alert covers 20 days of demand (many SKUs start under it; the tail starts
    // at its reorder point), two SKUs of the tail start out of stock, Amazon's feed syncs what
    // changed, and a scheduled order lands on a SKU of the tail that sells little else.
    let toml = FOUR_WEEKS
        .replacen("horizon = \"28d\"", "horizon = \"3d\"", 1)
        .replacen("sync = \"full\"", "sync = \"changed\"", 1)
        + "\n[monitoring]\nlow_stock_days = 20.0\n\n[[scheduled_orders]]\nat = \"30h\"\n\
           channel = \"walmart\"\nsku = \"TEE-1990\"\nqty = 2\n";
    let csv = SKUS
        .replacen("\nPIN-1988,0.0264,1,", "\nPIN-1988,0.0264,0,", 1)
        .replacen("\nMUG-1993,0.0376,1,", "\nMUG-1993,0.0376,0,", 1);
    assert_ne!(csv, SKUS);
    let plan = plan(&toml, &csv);
    let s = &plan.scenario;
    assert_eq!(s.scheduled_orders.len(), 2, "the scheduled order is read");
    let empty = (s.catalog.skus.iter()).filter(|k| !k.is_bundle() && k.initial == 0);
    assert_eq!(empty.count(), 2);
    assert_trials_independent(&plan, 6);
}

#[test]
fn a_trial_after_a_runaway_is_the_same_as_in_a_fresh_engine() {
    // A trial stopped as a runaway never reaches the horizon, which restores what it changed:
    // the next trial in the same engine must do it. With the event limit near a trial's count,
    // some trials of four days run away and others finish.
    let toml = FOUR_WEEKS
        .replacen("horizon = \"28d\"", "horizon = \"4d\"", 1)
        .replacen("trials = 1000\n", "trials = 1000\nmax_events = 26200\n", 1);
    assert!(toml.contains("max_events = 26200"));
    let plan = plan(&toml, SKUS);
    let mut engine = Engine::new(&plan);
    let (mut ran_away, mut finished) = (0, 0);
    for trial in 0..8 {
        let after_others = engine.run_trial(2026, trial);
        let fresh = Engine::new(&plan).run_trial(2026, trial);
        match (&after_others, &fresh) {
            (Ok(a), Ok(b)) => {
                finished += 1;
                assert!(a == b, "trial {trial} differs after others");
            }
            (Err(_), Err(_)) => ran_away += 1,
            _ => panic!("trial {trial}: a runaway in one engine only"),
        }
    }
    assert!(
        ran_away > 0 && finished > 0,
        "{ran_away} ran away, {finished} finished"
    );
}
