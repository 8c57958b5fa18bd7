//! MODEL.md Part 2, "Demand that varies from day to day": with `demand_cv = cv` a day's orders
//! are Poisson given a gamma multiplier of mean 1, so a day with mean `m` has variance
//! `m + cv^2 m^2`, and different days are independent. Checked on per-day counts over many
//! trials, within 4 standard errors computed from the run.

use crate::common;

use common::*;
use oversell::scenario::{load_file, load_str};
use oversell::sim::{Engine, Event, Plan};

const DAY: f64 = 86_400.0;

/// Per-day demand arrivals of `trials` traced trials of `toml` (one vector per day).
fn daily_counts(plan: &Plan, days: usize, trials: u64) -> Vec<Vec<f64>> {
    let mut engine = Engine::new(plan);
    let mut counts = vec![Vec::with_capacity(trials as usize); days];
    for trial in 0..trials {
        let mut today = vec![0.0; days];
        engine
            .trace_trial(11, trial, |t, e, _| {
                if matches!(e, Event::Demand { .. }) {
                    today[(t / DAY) as usize] += 1.0;
                }
            })
            .unwrap();
        for (d, n) in today.into_iter().enumerate() {
            counts[d].push(n);
        }
    }
    counts
}

fn shop(cv: &str, extra: &str) -> String {
    format!(
        r#"
name = "cv"
horizon = "3d"
{extra}
[stock]
initial = 100000
{cv}
[channels.shop]
orders_per_day = 20
"#
    )
}

#[test]
fn a_days_variance_is_m_plus_cv2_m2_and_days_are_independent() {
    let plan = Plan::new(load_str("cv.toml", &shop("demand_cv = 0.5", "")).unwrap());
    let days = daily_counts(&plan, 3, 4000);
    let (m, cv) = (20.0, 0.5);
    for (d, counts) in days.iter().enumerate() {
        assert_mean(&format!("day {d} mean"), counts, m);
        assert_variance(&format!("day {d} variance"), counts, m + cv * cv * m * m);
    }
    // One multiplier per day, not per trial: day 0 and day 1 are uncorrelated.
    let products: Vec<f64> = (days[0].iter().zip(&days[1]))
        .map(|(a, b)| (a - m) * (b - m))
        .collect();
    assert_mean("covariance of days 0 and 1", &products, 0.0);
}

#[test]
fn the_multiplier_scales_peaks_too_and_cv_0_is_plain_poisson() {
    // Day 1 runs at twice the rate: its mean is 2m and its variance 2m + cv^2 (2m)^2.
    let peak = "[[peaks]]\nfrom = \"1d\"\nto = \"2d\"\nmultiplier = 2";
    let plan = Plan::new(load_str("cv.toml", &shop("demand_cv = 0.5", peak)).unwrap());
    let days = daily_counts(&plan, 3, 4000);
    assert_mean("peak day mean", &days[1], 40.0);
    assert_variance("peak day variance", &days[1], 40.0 + 0.25 * 1600.0);
    let plain = Plan::new(load_str("cv.toml", &shop("", "")).unwrap());
    let days = daily_counts(&plain, 3, 4000);
    assert_variance("cv 0 variance", &days[0], 20.0);
}

#[test]
fn a_catalogs_demand_cv_column_loads_and_leaves_other_skus_draws_alone() {
    let dir = tempfile::tempdir().unwrap();
    let toml = r#"
name = "cv catalog"
horizon = "3d"
[catalog]
file = "skus.csv"
[stock]
[channels.shop]
"#;
    let path = dir.path().join("s.toml");
    std::fs::write(&path, toml).unwrap();
    let run = |csv: &str| {
        std::fs::write(dir.path().join("skus.csv"), csv).unwrap();
        let plan = Plan::new(load_file(&path).unwrap_or_else(|e| panic!("{e}")));
        let mut engine = Engine::new(&plan);
        (0..200)
            .map(|t| {
                let mut arrivals = [0u32; 2];
                engine
                    .trace_trial(5, t, |_, e, _| {
                        if let Event::Demand { sku, .. } = e {
                            arrivals[*sku as usize] += 1;
                        }
                    })
                    .unwrap();
                arrivals
            })
            .collect::<Vec<_>>()
    };
    let plain = run("sku,orders_per_day,initial\nA,20,1000\nB,20,1000\n");
    let varied = run("sku,orders_per_day,initial,demand_cv\nA,20,1000,\nB,20,1000,1.5\n");
    // A keeps its draws exactly; B's change.
    assert!(plain.iter().zip(&varied).all(|(p, v)| p[0] == v[0]));
    assert!(plain.iter().zip(&varied).any(|(p, v)| p[1] != v[1]));
    let b: Vec<f64> = varied.iter().map(|a| f64::from(a[1])).collect();
    assert_variance("B over 3 days", &b, 60.0 + 3.0 * 2.25 * 400.0);
}
