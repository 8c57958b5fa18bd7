//! The terminal summary: one row per channel and one for all channels together.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table};

use super::format::{number, percent};
use crate::dist::format_seconds;
use crate::stats::{Metric, MetricSummary, RunSummary, ScopeSummary};

/// Widest table, in terminal columns: long channel names wrap rather than widen it.
const MAX_WIDTH: u16 = 120;

/// The run summary as a table for a terminal, at most 120 columns wide, followed by one line with
/// the trials, seed and horizon. Ends with a newline.
pub fn summary_table(summary: &RunSummary) -> String {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        // A fixed width, not the terminal's, so the text is the same wherever it is printed.
        .set_width(MAX_WIDTH)
        .set_header(vec![
            "channel".to_string(),
            "oversold\nmean ± 95% CI\np50 / p90 / p99".to_string(),
            format!(
                "penalty, {}\nmean ± 95% CI\np50 / p90 / p99",
                summary.currency
            ),
            "accepted\nmean".to_string(),
            "withheld\nmean".to_string(),
            "exposure\nmean".to_string(),
            "P(any\noversell)".to_string(),
            "P(cancel rate\nover limit)".to_string(),
        ]);
    for (name, scope) in &summary.channels {
        table.add_row(row(name, scope));
    }
    table.add_row(row("all channels", &summary.total));
    // Numbers never wrap; only the channel name does.
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
    let monitoring = summary
        .total
        .extras
        .monitoring
        .as_ref()
        .map_or_else(String::new, |m| {
            format!(
                "lag alerts {} a trial, webhooks deleted {:.1} min a trial, first low-stock \
                 alert at {} (mean)\n",
                number(m.alerts.mean),
                m.disabled_seconds.mean / 60.0,
                format_seconds(m.low_stock_alert_seconds.mean)
            )
        });
    format!(
        "{table}\n{monitoring}{} trials, seed {}, horizon {}\n",
        summary.trials,
        summary.seed,
        format_seconds(summary.horizon_seconds)
    )
}

fn row(name: &str, scope: &ScopeSummary) -> Vec<String> {
    vec![
        name.to_string(),
        with_quantiles(scope.metric(Metric::Oversold)),
        with_quantiles(scope.metric(Metric::Penalty)),
        number(scope.metric(Metric::Accepted).mean),
        number(scope.metric(Metric::RejectedWithheld).mean),
        format!(
            "{:.1} min",
            scope.metric(Metric::ExposureSeconds).mean / 60.0
        ),
        percent(scope.p_any_oversell),
        scope
            .p_cancel_rate_over_limit
            .map_or_else(|| "-".to_string(), percent),
    ]
}

/// "mean ± half-width" over "p50 / p90 / p99".
fn with_quantiles(s: &MetricSummary) -> String {
    format!(
        "{} ± {}\n{} / {} / {}",
        number(s.mean),
        number(s.ci95_half_width()),
        number(s.p50),
        number(s.p90),
        number(s.p99)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summarize_run;
    use crate::stats::test_fixtures::{outcome, scenario};

    #[test]
    fn table_rows_and_footer() {
        let trials = [
            outcome(
                [(8, 2, 3, 12.5, 60.0), (4, 0, 1, 0.0, 30.0)],
                90.0,
                500.0,
                7,
            ),
            outcome([(6, 0, 0, 0.0, 0.0), (2, 0, 0, 0.0, 0.0)], 0.0, 86_400.0, 1),
        ];
        let summary = summarize_run(&scenario(Some(0.1), None), 7, &trials);
        let text = summary_table(&summary);
        assert!(text.contains("penalty, USD"));
        let line = |start: &str| {
            text.lines()
                .find(|l| l.contains(start))
                .unwrap_or_else(|| panic!("no row {start}"))
                .to_string()
        };
        let web = line("│ web");
        // 1 oversold on average, 1 minute of exposure, oversold in half the trials.
        assert!(web.contains("1 ± "), "{web}");
        assert!(web.contains("0.5 min"), "{web}");
        assert!(web.contains("50.0%"), "{web}");
        let pos = line("│ pos");
        assert!(pos.trim_end().ends_with("- │"), "{pos}");
        let total = line("│ all channels");
        assert!(total.contains("0.8 min"), "{total}");
        assert!(text.ends_with("2 trials, seed 7, horizon 1d\n"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 120));
    }

    #[test]
    fn long_channel_names_stay_within_120_columns() {
        let trials = [outcome(
            [(8, 2, 3, 1234.5, 60.0), (4, 0, 1, 0.0, 30.0)],
            90.0,
            500.0,
            7,
        )];
        let mut summary = summarize_run(&scenario(Some(0.1), None), 7, &trials);
        let (_, web) = summary.channels.shift_remove_index(0).unwrap();
        let long = "shopify_storefront_north_america_wholesale_portal";
        summary.channels.insert(long.to_string(), web);
        let text = summary_table(&summary);
        assert!(text.contains("shopify"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
    }
}
