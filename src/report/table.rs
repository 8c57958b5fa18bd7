//! The terminal summary: one row per channel and one for all channels together.

use comfy_table::{CellAlignment, ColumnConstraint};

use super::format::{number, percent};
use crate::dist::format_seconds;
use crate::stats::{Metric, MetricSummary, RunSummary, ScopeSummary};

/// The run summary for a terminal: first the cost per year and the account-level cancel risk of
/// every channel with a limit, then the table (at most 120 columns wide), the API use of poll
/// links that waited for tokens and the feed queues, and one line with the trials, seed and
/// horizon. Ends with a newline.
pub fn summary_table(summary: &RunSummary) -> String {
    let mut text = lead(summary);
    text.push_str(&channel_table(summary));
    text.push_str(&api_and_feeds(summary));
    text.push_str(&format!(
        "{} trials, seed {}, horizon {}\n",
        summary.trials,
        summary.seed,
        format_seconds(summary.horizon_seconds)
    ));
    text
}

/// "cost per year: ..." and one line per channel with a cancel-rate limit.
fn lead(summary: &RunSummary) -> String {
    let cost = &summary.total.extras.cost;
    let per_year = summary.total.extras.per_year;
    let revenue = summary.total.extras.revenue.mean;
    let share = if revenue > 0.0 {
        format!(", {} of revenue", percent(cost.mean / revenue))
    } else {
        String::new()
    };
    let mut text = format!(
        "cost per year: {} {} ± {} (penalty + lost margin, all channels{share})\n",
        number(cost.mean * per_year),
        summary.currency,
        number(cost.ci95_half_width() * per_year),
    );
    let judged: Vec<_> = (summary.channels.iter())
        .filter_map(|(name, scope)| {
            let limit = scope.extras.cancel_rate_limit?;
            let p = scope.p_cancel_rate_over_limit?;
            let window = window_name(
                scope.extras.cancel_rate_window_seconds?,
                summary.horizon_seconds,
            );
            let judgement = format!(
                "{window}, limit {}: {} of trials over",
                percent(limit),
                percent(p)
            );
            // A long channel name puts the judgement on a line of its own (120 columns).
            let width = name.chars().count() + judgement.chars().count() + 4;
            let gap = if width > usize::from(super::format::TABLE_WIDTH) {
                "\n    "
            } else {
                " "
            };
            Some(format!("  {name}:{gap}{judgement}\n"))
        })
        .collect();
    if !judged.is_empty() {
        text.push_str("account cancel risk, P(worst-window cancel rate over the limit):\n");
        text.extend(judged);
    }
    text
}

/// "7-day window", "12h window", "1-day window (the whole horizon)".
fn window_name(window: f64, horizon: f64) -> String {
    let days = window / 86_400.0;
    let length = if days.fract() == 0.0 {
        format!("{days:.0}-day window")
    } else {
        format!("{} window", format_seconds(window))
    };
    if window >= horizon {
        format!("{length} (the whole horizon)")
    } else {
        length
    }
}

/// One line per poll link that waited for API tokens and per feed queue; empty otherwise.
fn api_and_feeds(summary: &RunSummary) -> String {
    let mut text = String::new();
    for (name, link) in &summary.links {
        if link.api_wait_seconds.max <= 0.0 {
            continue;
        }
        let polls = link.polls.mean;
        let per_poll = if polls > 0.0 {
            link.api_wait_seconds.mean / polls
        } else {
            0.0
        };
        text.push_str(&format!(
            "API {name}: {} polls, {} requests, {} waiting for tokens a trial ({} a poll)\n",
            number(polls),
            number(link.requests.mean),
            duration(link.api_wait_seconds.mean),
            duration(per_poll),
        ));
    }
    for (name, feed) in &summary.feeds {
        text.push_str(&format!(
            "feeds {name}: {} items a trial, each waited {} for the feed queue (mean; p99 over \
             trials {})\n",
            number(feed.items.mean),
            duration(feed.mean_wait_seconds.mean),
            duration(feed.mean_wait_seconds.p99),
        ));
    }
    text
}

/// A duration: seconds with about three digits under a minute, "1h 2m 3s" above.
fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{}s", number(seconds))
    } else {
        format_seconds(seconds)
    }
}

/// The table: one row per channel and one for all channels together. Ends with a newline.
fn channel_table(summary: &RunSummary) -> String {
    let mut table = super::format::table(vec![
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
    let shrink = (summary.total.extras.shrunk_units.as_ref()).map_or_else(String::new, |s| {
        format!(
            "units lost to shrink {} ± {} a trial (mean ± 95% CI), found only by a recount\n",
            number(s.mean),
            number(s.ci95_half_width())
        )
    });
    format!("{table}\n{monitoring}{shrink}")
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
    fn leads_with_cost_per_year_and_account_cancel_risk() {
        let trials = [
            outcome(
                [(8, 2, 3, 12.5, 60.0), (4, 0, 1, 0.0, 30.0)],
                90.0,
                500.0,
                7,
            ),
            outcome([(6, 0, 0, 0.0, 0.0), (2, 0, 0, 0.0, 0.0)], 0.0, 86_400.0, 1),
        ];
        let text = summary_table(&summarize_run(&scenario(Some(0.1), None), 7, &trials));
        let lines: Vec<&str> = text.lines().collect();
        // Cost = penalty 6.25 + lost margin 4 units x 4 USD / 2 trials = 14.25 a day, x 365.
        assert!(
            lines[0].starts_with("cost per year: 5201 USD ± "),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines[1],
            "account cancel risk, P(worst-window cancel rate over the limit):"
        );
        assert_eq!(
            lines[2],
            "  web: 1-day window (the whole horizon), limit 10.0%: 50.0% of trials over"
        );
        assert!(lines[3].starts_with('┌'), "{text}");
        assert!(!text.contains("feeds "), "{text}");
    }

    #[test]
    fn feed_queues_and_api_waits_get_a_line() {
        let mut s = scenario(Some(0.1), None);
        s.nodes[1].feeds = Some(crate::scenario::Feeds {
            service: crate::dist::Dist::Fixed(60.0),
            per_item: crate::dist::Dist::Fixed(0.0),
            servers: 1,
        });
        let mut trial = outcome(
            [(8, 2, 3, 12.5, 60.0), (4, 0, 1, 0.0, 30.0)],
            90.0,
            500.0,
            7,
        );
        trial.feeds = vec![
            Default::default(),
            crate::sim::outcome::FeedOutcome {
                items: 4,
                wait_seconds: 600.0,
            },
        ];
        let text = summary_table(&summarize_run(&s, 7, &[trial]));
        assert!(
            text.contains("feeds pos: 4 items a trial, each waited 2m 30s for the feed queue"),
            "{text}"
        );
        assert_eq!(window_name(7.0 * 86_400.0, 28.0 * 86_400.0), "7-day window");
        assert_eq!(window_name(43_200.0, 86_400.0), "12h window");
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
