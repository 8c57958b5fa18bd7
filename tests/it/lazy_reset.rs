//! A trial starts from time 0 however many trials its engine ran before: an engine restores
//! only the SKUs the last trial changed (src/sim/engine/pristine.rs) and learns whether a demand
//! or shrink stream has any arrival from its first draw alone. Each trial run in one engine after
//! others, in a scrambled order, must give the outcome of the same trial in a fresh engine, on
//! catalogs where most SKUs sell nothing and on stacks whose time 0 is not quiet (SKUs out of
//! stock or under their reorder point and low-stock threshold, a bundle, a scheduled order on a
//! SKU that sells little else). Part 1's views that disagree at time 0 (a node's `initial`) are
//! the golden scenarios'. Builds with debug assertions (every test
//! run) also check after each trial that every SKU not noted as changed is exactly at time 0.
//! A trial made in the memory of an outcome handed back (`Engine::recycle`) is the same too.

use oversell::montecarlo::{BLOCK, BLOCK_BYTES, RunConfig, block_len, for_each_trial_in_blocks};
use oversell::scenario::load_file;
use oversell::sim::{Engine, Plan, TrialOutcome};

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

#[test]
fn a_trial_made_in_a_handed_back_outcome_is_the_same_as_in_a_fresh_engine() {
    // A run hands each outcome it is done with back to an engine (`Engine::recycle`), which
    // makes its next outcome in that memory: nothing of the old one may show. Every field of
    // the outcome handed back is set to a value no trial gives, and its vectors have the wrong
    // lengths.
    let toml = FOUR_WEEKS.replacen("horizon = \"28d\"", "horizon = \"4d\"", 1);
    let plan = plan(&toml, SKUS);
    let mut engine = Engine::new(&plan);
    let first = engine.run_trial(2026, 0).expect("no runaway");
    assert!(first.skus.len() > 10, "{} rows", first.skus.len());
    let junk = |o: &TrialOutcome| {
        let mut channels = o.channels.clone();
        channels.iter_mut().for_each(|c| c.penalty = -1.0);
        channels.push(o.channels[0]);
        let mut skus = o.skus.clone();
        skus.iter_mut().for_each(|row| row.oversold = 999);
        TrialOutcome {
            channels,
            links: o.links.iter().chain(&o.links).copied().collect(),
            feeds: Vec::new(),
            queues: o.queues.iter().chain(&o.queues).copied().collect(),
            skus,
            any_exposure_seconds: -1.0,
            first_stockout_seconds: -1.0,
            reconciled_units: 999,
            received_units: 999,
            shrunk_units: 999,
            final_physical: -999,
            events: 999,
            alerts: 999,
            disabled_seconds: -1.0,
            low_stock_alert_seconds: -1.0,
        }
    };
    let mut last = first;
    for trial in [3, 1, 2] {
        engine.recycle(junk(&last));
        let made_in_junk = engine.run_trial(2026, trial).expect("no runaway");
        let fresh = Engine::new(&plan)
            .run_trial(2026, trial)
            .expect("no runaway");
        assert!(
            made_in_junk == fresh,
            "trial {trial} differs in a recycled outcome"
        );
        last = made_in_junk;
    }
}

#[test]
fn a_large_catalog_runs_in_blocks_whose_outcomes_fit_the_memory_bound() {
    // A block's outcomes are alive together; a catalog's has up to one row per SKU.
    let plan = plan(FOUR_WEEKS, SKUS);
    let row = std::mem::size_of::<oversell::sim::SkuOutcome>() as u64;
    for threads in [1, 2, 64] {
        let block = block_len(&plan, threads);
        assert!(block < BLOCK, "{block} trials a block");
        assert!(block * plan.skus() as u64 * row <= BLOCK_BYTES || block == 4 * threads as u64);
        assert!(block >= 4 * threads as u64);
    }
    // Part 1's outcome is small: whole blocks.
    let reference =
        oversell::scenario::load_str("reference.toml", oversell::scenario::BUILTIN_REFERENCE);
    let reference = Plan::new(reference.expect("the built-in reference"));
    assert_eq!(block_len(&reference, 2), BLOCK);
}

#[test]
fn outcomes_are_the_same_for_any_block_length() {
    // Blocks of 5 on 2 threads, each block's outcomes handed back to the engines for the next
    // ones (`Engine::recycle`), against one block: the same outcomes in the same order.
    let toml = FOUR_WEEKS.replacen("horizon = \"28d\"", "horizon = \"2d\"", 1);
    let plan = plan(&toml, SKUS);
    let config = RunConfig {
        trials: 23,
        seed: 7,
        threads: 2,
    };
    let run = |block: u64| {
        let mut outcomes = Vec::new();
        for_each_trial_in_blocks(&plan, config, 0..23, block, &|_| {}, |trial, outcome| {
            outcomes.push((trial, outcome.clone()));
            Ok(())
        })
        .expect("runs");
        outcomes
    };
    let (small, whole) = (run(5), run(BLOCK));
    assert_eq!(small.len(), 23);
    assert!(small == whole, "blocks of 5 differ from one block");
}
