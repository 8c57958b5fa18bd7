//! Every scenario shipped in `scenarios/` loads, says what it shows, and runs; the ready-made
//! stacks share their demand (common random numbers) and rank as their descriptions promise.

use std::path::{Path, PathBuf};

use oversell::montecarlo::{RunConfig, run_trials};
use oversell::scenario::{Scenario, load_file};
use oversell::sim::{Plan, TrialOutcome};

const TRIALS: u64 = 200;

/// The scenario files shipped with the crate, sorted by name.
fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
}

fn load(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"));
    load_file(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn run(scenario: Scenario) -> (Scenario, Vec<TrialOutcome>) {
    let plan = Plan::new(scenario);
    let config = RunConfig {
        trials: TRIALS,
        seed: 2026,
        threads: 2,
    };
    let outcomes = run_trials(&plan, config, &|_| {}).expect("the trials run");
    (plan.scenario, outcomes)
}

fn total_oversold(outcomes: &[TrialOutcome]) -> u64 {
    outcomes
        .iter()
        .flat_map(|t| &t.channels)
        .map(|c| c.oversold)
        .sum()
}

fn channel(scenario: &Scenario, name: &str) -> usize {
    scenario
        .channels
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("{}: no channel {name}", scenario.name))
}

#[test]
fn every_scenario_loads_describes_itself_and_runs() {
    let files = scenario_files();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "black-friday",
        "erp-hourly",
        "event-driven",
        "fulfillment-trigger",
        "polling-15m",
        "reference",
        "safety-stock",
        "unidirectional",
    ] {
        assert!(names.iter().any(|n| n == expected), "no {expected}.toml");
    }
    for file in &files {
        let scenario = load_file(file).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !scenario.description.trim().is_empty(),
            "{}: empty description",
            file.display()
        );
        let (scenario, outcomes) = run(scenario);
        assert_eq!(outcomes.len() as u64, TRIALS, "{}", file.display());
        for trial in &outcomes {
            assert_eq!(trial.channels.len(), scenario.channels.len());
            let arrivals: u64 = trial.channels.iter().map(|c| c.arrivals).sum();
            assert!(arrivals > 0, "{}: a trial without orders", file.display());
        }
    }
}

#[test]
fn stacks_share_their_channels_and_demand() {
    let names = [
        "event-driven",
        "polling-15m",
        "erp-hourly",
        "unidirectional",
        "fulfillment-trigger",
        "safety-stock",
    ];
    let runs: Vec<_> = names.iter().map(|n| run(load(n))).collect();
    let (first, first_outcomes) = &runs[0];
    for (scenario, outcomes) in &runs[1..] {
        assert_eq!(scenario.stock.initial, 60, "{}", scenario.name);
        assert_eq!(scenario.horizon, 86_400.0, "{}", scenario.name);
        for name in ["shopify", "amazon", "walmart", "pos"] {
            let (a, b) = (channel(first, name), channel(scenario, name));
            let (ca, cb) = (&first.channels[a], &scenario.channels[b]);
            assert_eq!(ca.orders_per_hour, cb.orders_per_hour, "{name}");
            assert_eq!(ca.qty, cb.qty, "{name}");
            assert_eq!(ca.penalty, cb.penalty, "{name}");
            assert_eq!(ca.cancel_rate_limit, cb.cancel_rate_limit, "{name}");
            // Common random numbers: trial i draws the same orders on a channel of the same name.
            for (ta, tb) in first_outcomes.iter().zip(outcomes) {
                assert_eq!(
                    ta.channels[a].arrivals, tb.channels[b].arrivals,
                    "{}: {name}",
                    scenario.name
                );
            }
        }
    }
}

#[test]
fn event_driven_oversells_less_than_polling_and_polling_less_than_hourly_erp() {
    let event_driven = total_oversold(&run(load("event-driven")).1);
    let polling = total_oversold(&run(load("polling-15m")).1);
    let hourly = total_oversold(&run(load("erp-hourly")).1);
    // Over 2000 trials the means are about 0.18, 0.92 and 2.85 oversold orders per trial.
    assert!(
        2 * event_driven < polling,
        "event-driven {event_driven} vs polling {polling}"
    );
    assert!(2 * polling < hourly, "polling {polling} vs hourly {hourly}");
}

#[test]
fn every_catalog_scenario_loads_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("catalog");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["four-weeks", "small"]);
    // Each catalog is its ranked SKUs plus one gift set (GIFT-MUG-CANDLE).
    for (file, skus) in files.iter().zip([2_001, 21]) {
        let scenario = load_file(file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scenario.catalog.skus.len(), skus, "{}", file.display());
        assert!(!scenario.description.trim().is_empty());
        let plan = Plan::new(scenario);
        let config = RunConfig {
            trials: 4,
            seed: 2026,
            threads: 2,
        };
        let outcomes = run_trials(&plan, config, &|_| {}).expect("the trials run");
        for trial in &outcomes {
            let accepted: u64 = trial.channels.iter().map(|c| c.accepted).sum();
            assert!(accepted > 1_000, "{}: {accepted} orders", file.display());
            let revenue: f64 = trial.channels.iter().map(|c| c.revenue).sum();
            assert!(revenue > 0.0);
        }
    }
}
