//! Every scenario in a subfolder of `scenarios/` (the failure stories of issue 12 and the sample
//! catalogs) loads, says what it shows, and runs briefly; each broken stack is worse than its
//! fixed one by more than four standard errors of the paired difference, on common random
//! numbers (duplicate deliveries, the exception the README reports, cost nothing measurable);
//! each pair of files differs only in the key the story is about.

use std::path::{Path, PathBuf};

use oversell::montecarlo::{RunConfig, run_trials};
use oversell::scenario::{Publishes, Scenario, Transport, load_file};
use oversell::sim::{Plan, TrialOutcome};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The `.toml` files of every subfolder of `scenarios/`, sorted by path.
fn subfolder_scenarios() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let dir = scenarios_dir();
    for folder in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let folder = folder.expect("a folder entry").path();
        if !folder.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("a folder entry").path();
            if path.extension().is_some_and(|ext| ext == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn load(relative: &str) -> Scenario {
    load_file(&scenarios_dir().join(relative)).unwrap_or_else(|e| panic!("{e}"))
}

fn run(scenario: Scenario, trials: u64) -> Vec<TrialOutcome> {
    let plan = Plan::new(scenario);
    let config = RunConfig {
        trials,
        seed: 2026,
        threads: 2,
    };
    run_trials(&plan, config, &|_| {}).expect("the trials run")
}

fn oversold(trial: &TrialOutcome) -> f64 {
    trial.channels.iter().map(|c| c.oversold as f64).sum()
}

/// Mean and standard error of `worse - better`, trial by trial (common random numbers).
fn paired_difference(worse: &[TrialOutcome], better: &[TrialOutcome]) -> (f64, f64) {
    assert_eq!(worse.len(), better.len());
    let d: Vec<f64> = worse
        .iter()
        .zip(better)
        .map(|(w, b)| oversold(w) - oversold(b))
        .collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn mean(outcomes: &[TrialOutcome], measure: impl Fn(&TrialOutcome) -> f64) -> f64 {
    outcomes.iter().map(measure).sum::<f64>() / outcomes.len() as f64
}

#[test]
fn every_scenario_in_a_subfolder_loads_describes_itself_and_runs() {
    let files = subfolder_scenarios();
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(scenarios_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(
        names,
        [
            "catalog/four-weeks.toml",
            "catalog/small.toml",
            "demand-cv/steady.toml",
            "demand-cv/variable.toml",
            "demo/erp-hourly.toml",
            "demo/event-driven.toml",
            "demo/on-hand.toml",
            "demo/polling-15m.toml",
            "demo/polling-safety-stock.toml",
            "duplicates/once.toml",
            "duplicates/twice.toml",
            "on-hand-vs-available/available.toml",
            "on-hand-vs-available/on-hand.toml",
            "silent-webhook-death/daily-recount.toml",
            "silent-webhook-death/lag-alert.toml",
            "silent-webhook-death/no-monitoring.toml",
        ]
    );
    for file in &files {
        let scenario = load_file(file).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            scenario.description.trim().len() > 200,
            "{}: a description a sales engineer can read aloud",
            file.display()
        );
        let channels = scenario.channels.len();
        let outcomes = run(scenario, 2);
        assert_eq!(outcomes.len(), 2);
        for trial in &outcomes {
            assert_eq!(trial.channels.len(), channels);
            let accepted: u64 = trial.channels.iter().map(|c| c.accepted).sum();
            assert!(accepted > 50, "{}: {accepted} orders", file.display());
        }
    }
}

/// `a` with `b`'s name, description and the fields `same` copies over equals `b`.
fn differ_only_in(a: &Scenario, b: &Scenario, same: impl Fn(&mut Scenario, &Scenario)) {
    let mut a = a.clone();
    a.name.clone_from(&b.name);
    a.description.clone_from(&b.description);
    same(&mut a, b);
    assert_eq!(&a, b);
}

#[test]
fn on_hand_and_available_differ_only_in_what_the_feeds_publish() {
    let available = load("on-hand-vs-available/available.toml");
    let on_hand = load("on-hand-vs-available/on-hand.toml");
    assert!(available.stock.ship_after.is_some());
    let publishing = |s: &Scenario, p: Publishes| {
        s.links
            .iter()
            .filter(|l| l.publishes == p)
            .map(|l| l.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        publishing(&on_hand, Publishes::OnHand),
        ["amazon-feed", "walmart-feed"]
    );
    assert!(publishing(&available, Publishes::OnHand).is_empty());
    differ_only_in(&available, &on_hand, |a, b| {
        for (la, lb) in a.links.iter_mut().zip(&b.links) {
            la.publishes = lb.publishes;
        }
    });
}

#[test]
fn publishing_on_hand_oversells_more_than_publishing_available() {
    let available = run(load("on-hand-vs-available/available.toml"), 400);
    let on_hand = run(load("on-hand-vs-available/on-hand.toml"), 400);
    for (a, b) in available.iter().zip(&on_hand) {
        let arrivals = |t: &TrialOutcome| t.channels.iter().map(|c| c.arrivals).sum::<u64>();
        assert_eq!(arrivals(a), arrivals(b), "common random numbers");
    }
    let (diff, se) = paired_difference(&on_hand, &available);
    // Over 2,000 trials: 15.6 oversold orders a day publishing on-hand, 0.9 publishing available.
    assert!(diff > 4.0 * se, "on-hand - available = {diff} (SE {se})");
    assert!(diff > 8.0, "on-hand - available = {diff}");
}

#[test]
fn the_webhook_death_variants_differ_only_in_monitoring_and_recount() {
    let none = load("silent-webhook-death/no-monitoring.toml");
    let alert = load("silent-webhook-death/lag-alert.toml");
    let recount = load("silent-webhook-death/daily-recount.toml");
    assert!((none.monitoring.is_none() && none.reconcile.is_none()));
    let monitoring = alert
        .monitoring
        .as_ref()
        .expect("lag-alert has [monitoring]");
    assert_eq!(monitoring.lag_alert, Some(900.0));
    assert!(alert.reconcile.is_none() && recount.monitoring.is_none());
    assert_eq!(
        recount.reconcile.as_ref().map(|r| (r.first, r.every)),
        Some((23.0 * 3600.0, 86_400.0))
    );
    differ_only_in(&none, &alert, |a, b| a.monitoring.clone_from(&b.monitoring));
    differ_only_in(&none, &recount, |a, b| a.reconcile.clone_from(&b.reconcile));
}

#[test]
fn a_lag_alert_saves_most_of_what_a_dead_subscription_oversells() {
    let trials = 200;
    let none = run(load("silent-webhook-death/no-monitoring.toml"), trials);
    let alert = run(load("silent-webhook-death/lag-alert.toml"), trials);
    let recount = run(load("silent-webhook-death/daily-recount.toml"), trials);
    // Over 2,000 trials of four days: about 67 (no monitoring), 23 (recount) and 8.8 (alert).
    let (saved_by_alert, se) = paired_difference(&none, &alert);
    assert!(saved_by_alert > 4.0 * se, "{saved_by_alert} (SE {se})");
    let (saved_by_recount, se) = paired_difference(&none, &recount);
    assert!(saved_by_recount > 4.0 * se, "{saved_by_recount} (SE {se})");
    let (alert_over_recount, se) = paired_difference(&recount, &alert);
    assert!(
        alert_over_recount > 4.0 * se,
        "{alert_over_recount} (SE {se})"
    );
    // Unwatched, the subscription dies once and stays deleted to the horizon (about 72 hours);
    // watched, the alert fires during the outage and the fixes bring it back within hours.
    let deleted_hours = |o: &[TrialOutcome]| mean(o, |t| t.disabled_seconds) / 3600.0;
    assert!(deleted_hours(&none) > 60.0, "{}", deleted_hours(&none));
    assert!(deleted_hours(&alert) < 8.0, "{}", deleted_hours(&alert));
    assert_eq!(mean(&none, |t| t.alerts as f64), 0.0);
    let alerts = mean(&alert, |t| t.alerts as f64);
    assert!((1.0..4.0).contains(&alerts), "{alerts} alerts a trial");
}

#[test]
fn the_sample_catalogs_hold_a_gift_set_and_shrink() {
    for (file, skus) in [
        ("catalog/small.toml", 21),
        ("catalog/four-weeks.toml", 2_001),
    ] {
        let scenario = load(file);
        let catalog = &scenario.catalog.skus;
        assert_eq!(catalog.len(), skus, "{file}");
        let gift = catalog.last().expect("a gift set");
        assert_eq!(gift.name, "GIFT-MUG-CANDLE");
        let components: Vec<(&str, i64)> = gift
            .components
            .iter()
            .map(|&(k, units)| (catalog[k].name.as_str(), units))
            .collect();
        assert_eq!(components, [("MUG-0003", 1), ("CANDLE-0006", 1)], "{file}");
        assert_eq!((gift.initial, gift.shrink_per_day), (0, 0.0));
        assert!(gift.reorder.is_none());
        for sku in &catalog[..skus - 1] {
            assert!(sku.components.is_empty(), "{}", sku.name);
            // 0.5% to 2.5% of its orders a day, rounded to 4 decimals.
            let (rate, per_day) = (sku.shrink_per_day, sku.orders_per_day);
            assert!(rate <= 0.025 * per_day + 5e-5 + 1e-12, "{}", sku.name);
            assert!(rate >= 0.005 * per_day - 5e-5 - 1e-12, "{}", sku.name);
        }
        assert!(scenario.stock.ship_after.is_some(), "{file}");
    }
    let small = run(load("catalog/small.toml"), 4);
    for trial in &small {
        // 20 SKUs shrink about 10 units a day together, over 28 days (while in stock).
        assert!(trial.shrunk_units > 150, "{} units", trial.shrunk_units);
    }
}

/// The `duplicate` of every webhook of `scenario`, in link order (`None` for a poll).
fn duplicates(scenario: &Scenario) -> Vec<Option<f64>> {
    (scenario.links.iter())
        .map(|l| match l.transport {
            Transport::Webhook { duplicate, .. } => Some(duplicate),
            Transport::Poll { .. } => None,
        })
        .collect()
}

#[test]
fn the_duplicate_pair_differs_only_in_duplicate_and_is_not_ordered() {
    let once = load("duplicates/once.toml");
    let twice = load("duplicates/twice.toml");
    let levels = |s: &Scenario| {
        (s.links.iter().zip(duplicates(s)))
            .filter(|(l, _)| l.name.starts_with("erp-to-"))
            .map(|(l, d)| (l.ordered, d))
            .collect::<Vec<_>>()
    };
    assert_eq!(levels(&once), [(false, Some(0.0)); 3]);
    assert_eq!(levels(&twice), [(false, Some(0.1)); 3]);
    differ_only_in(&once, &twice, |a, b| {
        for (la, lb) in a.links.iter_mut().zip(&b.links) {
            if let (
                Transport::Webhook { duplicate: da, .. },
                Transport::Webhook { duplicate: db, .. },
            ) = (&mut la.transport, &lb.transport)
            {
                *da = *db;
            }
        }
    });
}

#[test]
fn duplicate_deliveries_happen_but_cost_nothing_measurable() {
    let once = run(load("duplicates/once.toml"), 400);
    let twice = run(load("duplicates/twice.toml"), 400);
    // One level message in ten is written twice: more events, the same orders.
    let events = |o: &[TrialOutcome]| mean(o, |t| t.events as f64);
    assert!(
        events(&twice) > events(&once) + 5.0,
        "{} vs {}",
        events(&twice),
        events(&once)
    );
    // Over 2,000 trials: 0.235 oversold a day once, 0.234 twice, -0.001 [-0.016, 0.015].
    let (diff, se) = paired_difference(&twice, &once);
    assert!(
        diff.abs() < 4.0 * se + 0.02,
        "twice - once = {diff} (SE {se})"
    );
}

#[test]
fn the_demand_cv_pair_differs_only_in_demand_cv() {
    let steady = load("demand-cv/steady.toml");
    let variable = load("demand-cv/variable.toml");
    assert_eq!(steady.stock.demand_cv, 0.0);
    assert_eq!(variable.stock.demand_cv, 0.4);
    assert!(steady.stock.reorder.is_some());
    assert_eq!(steady.horizon, 14.0 * 86_400.0);
    differ_only_in(&steady, &variable, |a, b| {
        a.stock.demand_cv = b.stock.demand_cv;
        for (ka, kb) in a.catalog.skus.iter_mut().zip(&b.catalog.skus) {
            ka.demand_cv = kb.demand_cv;
        }
    });
}

#[test]
fn day_to_day_variation_empties_a_shelf_sized_for_the_average_day() {
    let trials = 200;
    let steady = run(load("demand-cv/steady.toml"), trials);
    let variable = run(load("demand-cv/variable.toml"), trials);
    // Over 2,000 trials of two weeks: 0.036 oversold with Poisson demand, 1.21 with cv 0.4; the
    // shelf runs dry in 4% and 69% of the runs.
    let (diff, se) = paired_difference(&variable, &steady);
    assert!(diff > 4.0 * se, "variable - steady = {diff} (SE {se})");
    assert!(diff > 0.6, "variable - steady = {diff}");
    let horizon = 14.0 * 86_400.0;
    let dry = |o: &[TrialOutcome]| mean(o, |t| f64::from(t.first_stockout_seconds < horizon));
    assert!(dry(&steady) < 0.15, "{}", dry(&steady));
    assert!(dry(&variable) > 0.5, "{}", dry(&variable));
}
