//! The terminal table of `oversell compare`: one row per scenario, each cell the scenario's mean
//! with its 95% CI half-width and, below it, the paired difference from the first scenario with
//! the 95% CI of that difference.

use comfy_table::{CellAlignment, ColumnConstraint};

use crate::analysis::compare::{ComparedScenario, Comparison};
use crate::stats::{Metric, MetricSummary};

/// U+2212, the minus sign: lines up with "+" where a hyphen would not.
const MINUS: char = '\u{2212}';

/// The comparison as a table for a terminal, at most 120 columns wide, followed by the scenario
/// names and one line on trials, seed and how differences are taken. Ends with a newline.
pub fn comparison_table(comparison: &Comparison) -> String {
    let currency = comparison.scenarios.first().map_or("USD", |s| s.currency());
    let mut table = super::format::table(vec![
        "scenario".to_string(),
        "oversold orders\nmean ± 95% CI\nvs first [95% CI]".to_string(),
        format!("penalty, {currency}\nmean ± 95% CI\nvs first [95% CI]"),
        "P(any oversell)\nshare ± 95% CI\nvs first, pp [95% CI]".to_string(),
        "exposure, min\nmean ± 95% CI\nvs first [95% CI]".to_string(),
    ]);
    for (i, scenario) in comparison.scenarios.iter().enumerate() {
        table.add_row(row(scenario, i == 0));
    }
    // Numbers never wrap; only the scenario slug does.
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
    let mut text = format!("{table}\n");
    for scenario in &comparison.scenarios {
        text.push_str(&format!("{}: {}\n", scenario.slug, scenario.name));
    }
    text.push_str(&format!(
        "{} trials per scenario, seed {}, on common random numbers\n\
         vs first: the difference from {}, trial by trial (paired), with its 95% CI\n",
        comparison.trials,
        comparison.seed,
        comparison.scenarios.first().map_or("-", |s| &s.slug)
    ));
    text
}

fn row(scenario: &ComparedScenario, first: bool) -> Vec<String> {
    let minutes = |s: &MetricSummary| scaled(s, 1.0 / 60.0);
    let percent = |s: &MetricSummary| scaled(s, 100.0);
    let d = scenario.difference.as_ref();
    let below = |difference: Option<String>| {
        if first {
            "baseline".to_string()
        } else {
            difference.unwrap_or_else(|| "-".to_string())
        }
    };
    vec![
        scenario.slug.clone(),
        format!(
            "{}\n{}",
            mean_ci(scenario.total(Metric::Oversold)),
            below(d.map(|d| difference(&d.oversold)))
        ),
        format!(
            "{}\n{}",
            mean_ci(scenario.total(Metric::Penalty)),
            below(d.map(|d| difference(&d.penalty)))
        ),
        format!(
            "{}%\n{}",
            mean_ci(&percent(&scenario.any_oversell)),
            below(d.map(|d| difference(&percent(&d.p_any_oversell))))
        ),
        format!(
            "{}\n{}",
            mean_ci(&minutes(scenario.total(Metric::ExposureSeconds))),
            below(d.map(|d| difference(&minutes(&d.exposure_seconds))))
        ),
    ]
}

/// `s` in another unit: mean and interval multiplied by `factor`.
fn scaled(s: &MetricSummary, factor: f64) -> MetricSummary {
    MetricSummary {
        mean: s.mean * factor,
        sd: s.sd * factor,
        ci95: [s.ci95[0] * factor, s.ci95[1] * factor],
        p50: s.p50 * factor,
        p90: s.p90 * factor,
        p99: s.p99 * factor,
        max: s.max * factor,
    }
}

/// "mean ± half-width", both with the decimals the half-width calls for (without spread, those
/// that show three significant digits of the mean).
pub(crate) fn mean_ci(s: &MetricSummary) -> String {
    let d = decimals(precision_scale(s));
    format!("{:.d$} ± {:.d$}", s.mean, s.ci95_half_width())
}

/// The size of the digits worth showing: the CI half-width, or a tenth of the mean without one.
fn precision_scale(s: &MetricSummary) -> f64 {
    let half = s.ci95_half_width();
    if half > 0.0 {
        half
    } else {
        s.mean.abs() / 10.0
    }
}

/// "−3.21 [−3.40, −3.02]": a signed difference and its 95% CI, with the decimals its width calls
/// for; "0 [0, 0]" for a difference that is exactly 0 in every trial.
fn difference(s: &MetricSummary) -> String {
    if s.mean == 0.0 && s.ci95 == [0.0, 0.0] {
        return "0 [0, 0]".to_string();
    }
    let d = decimals(precision_scale(s));
    format!(
        "{} [{}, {}]",
        signed(s.mean, d, true),
        signed(s.ci95[0], d, false),
        signed(s.ci95[1], d, false)
    )
}

/// `x` with `d` decimals and a true minus sign; with `plus`, positive values get a "+".
fn signed(x: f64, d: usize, plus: bool) -> String {
    let text = format!("{:.d$}", x.abs());
    let zero = text.chars().all(|c| c == '0' || c == '.');
    if x < 0.0 && !zero {
        format!("{MINUS}{text}")
    } else if plus && x > 0.0 && !zero {
        format!("+{text}")
    } else {
        text
    }
}

/// Decimals that show about two significant digits of `scale` (a CI half-width), from 0 to 4.
fn decimals(scale: f64) -> usize {
    if scale.is_nan() || scale <= 0.0 {
        return 0;
    }
    (1.0 - scale.log10().floor()).clamp(0.0, 4.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(mean: f64, lo: f64, hi: f64) -> MetricSummary {
        MetricSummary {
            mean,
            ci95: [lo, hi],
            ..MetricSummary::default()
        }
    }

    #[test]
    fn differences_carry_a_true_minus_and_their_interval() {
        assert_eq!(
            difference(&summary(-3.214, -3.401, -3.027)),
            "−3.21 [−3.40, −3.03]"
        );
        assert_eq!(difference(&summary(12.5, 10.0, 15.0)), "+12.5 [10.0, 15.0]");
        assert_eq!(difference(&summary(0.0, 0.0, 0.0)), "0 [0, 0]");
        assert_eq!(difference(&summary(-0.4, -1.2, 0.4)), "−0.40 [−1.20, 0.40]");
        // A bound that rounds to zero carries no sign.
        assert_eq!(
            difference(&summary(0.5, -0.0001, 1.0)),
            "+0.50 [0.00, 1.00]"
        );
    }

    #[test]
    fn means_show_the_digits_their_interval_supports() {
        assert_eq!(mean_ci(&summary(0.922, 0.881, 0.963)), "0.922 ± 0.041");
        assert_eq!(mean_ci(&summary(24.03, 22.81, 25.25)), "24.0 ± 1.2");
        assert_eq!(mean_ci(&summary(438.2, 433.2, 443.2)), "438.2 ± 5.0");
        assert_eq!(mean_ci(&summary(4381.0, 4331.0, 4431.0)), "4381 ± 50");
        // Without spread, three significant digits of the mean.
        assert_eq!(mean_ci(&summary(2.0, 2.0, 2.0)), "2.00 ± 0.00");
        assert_eq!(mean_ci(&summary(0.0, 0.0, 0.0)), "0 ± 0");
    }

    #[test]
    fn decimals_follow_the_scale() {
        assert_eq!(decimals(0.041), 3);
        assert_eq!(decimals(1.22), 1);
        assert_eq!(decimals(5.0), 1);
        assert_eq!(decimals(50.0), 0);
        assert_eq!(decimals(0.0), 0);
        assert_eq!(decimals(1e-9), 4);
    }
}
