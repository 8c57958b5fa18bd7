//! `trials.csv`: one row per trial with every measure of every channel and of all channels.

use anyhow::Context;

use crate::scenario::Scenario;
use crate::sim::outcome::TrialOutcome;
use crate::stats::{Metric, Scope, metric_value};

/// Writes the trials as CSV, one row at a time: a `trial` column (from 0), `<channel>.<metric>`
/// for every channel and metric, `total.<metric>`, `total.reconciled_units` and `events`; then
/// the measures of MODEL.md Part 2: `<scope>.revenue` and `<scope>.cost` for every channel and
/// the total, `<channel>.worst_window_cancel_rate`, and `<link>.polls`, `<link>.requests`,
/// `<link>.api_wait_seconds` for every poll link; `total.alerts`, `total.disabled_seconds` and
/// `total.low_stock_alert_seconds` when the scenario monitors or can disable a webhook. Counts
/// are written as integers, other values with Rust's shortest round-trip formatting.
pub struct TrialsCsv<W: std::io::Write> {
    writer: ::csv::Writer<W>,
    scopes: Vec<Scope>,
    row: Vec<String>,
}

impl<W: std::io::Write> TrialsCsv<W> {
    /// A writer for the trials of `scenario` that has written the header.
    pub fn new(scenario: &Scenario, out: W) -> anyhow::Result<Self> {
        let names: Vec<(String, Scope)> = scenario
            .channels
            .iter()
            .enumerate()
            .map(|(i, channel)| (channel.name.clone(), Scope::Channel(i)))
            .chain(std::iter::once(("total".to_string(), Scope::Total)))
            .collect();
        let mut writer = ::csv::Writer::from_writer(out);
        let mut header = header(&names);
        header.extend(part2_header(scenario));
        writer.write_record(header)?;
        Ok(TrialsCsv {
            writer,
            scopes: names.into_iter().map(|(_, scope)| scope).collect(),
            row: Vec::new(),
        })
    }

    /// Writes the row of trial `index`.
    pub fn write(
        &mut self,
        scenario: &Scenario,
        index: u64,
        trial: &TrialOutcome,
    ) -> anyhow::Result<()> {
        self.row.clear();
        self.row.push(index.to_string());
        for &scope in &self.scopes {
            for m in Metric::ALL {
                self.row
                    .push(format_value(m, metric_value(scenario, trial, scope, m)));
            }
        }
        self.row.push(trial.reconciled_units.to_string());
        self.row.push(trial.events.to_string());
        part2_row(scenario, trial, &mut self.row);
        self.writer.write_record(&self.row)?;
        Ok(())
    }

    /// Flushes and hands back the output.
    pub fn finish(self) -> anyhow::Result<W> {
        self.writer
            .into_inner()
            .map_err(|e| e.into_error())
            .context("finishing the trials CSV")
    }
}

/// All `trials` as CSV in memory (for small runs and tests).
pub fn trials_csv(scenario: &Scenario, trials: &[TrialOutcome]) -> anyhow::Result<Vec<u8>> {
    let mut csv = TrialsCsv::new(scenario, Vec::new())?;
    for (index, trial) in (0u64..).zip(trials) {
        csv.write(scenario, index, trial)?;
    }
    csv.finish()
}

fn header(scopes: &[(String, Scope)]) -> Vec<String> {
    let mut header = vec!["trial".to_string()];
    for (name, _) in scopes {
        header.extend(Metric::ALL.iter().map(|m| format!("{name}.{}", m.name())));
    }
    header.push("total.reconciled_units".to_string());
    header.push("events".to_string());
    header
}

/// The Part 2 columns (see [`TrialsCsv`]).
fn part2_header(scenario: &Scenario) -> Vec<String> {
    let mut header = Vec::new();
    let scopes = scenario.channels.iter().map(|c| c.name.as_str());
    for scope in scopes.chain(["total"]) {
        header.push(format!("{scope}.revenue"));
        header.push(format!("{scope}.cost"));
    }
    for channel in &scenario.channels {
        header.push(format!("{}.worst_window_cancel_rate", channel.name));
    }
    for link in poll_links(scenario) {
        for measure in ["polls", "requests", "api_wait_seconds"] {
            header.push(format!("{}.{measure}", scenario.links[link].name));
        }
    }
    if crate::stats::reports_monitoring(scenario) {
        for measure in ["alerts", "disabled_seconds", "low_stock_alert_seconds"] {
            header.push(format!("total.{measure}"));
        }
    }
    header
}

fn part2_row(scenario: &Scenario, trial: &TrialOutcome, row: &mut Vec<String>) {
    let (mut revenue, mut cost) = (0.0, 0.0);
    for channel in &trial.channels {
        let channel_cost = channel.penalty + channel.lost_margin;
        row.push(channel.revenue.to_string());
        row.push(channel_cost.to_string());
        revenue += channel.revenue;
        cost += channel_cost;
    }
    row.push(f64::to_string(&revenue));
    row.push(f64::to_string(&cost));
    for channel in &trial.channels {
        row.push(channel.worst_window_cancel_rate.to_string());
    }
    for l in poll_links(scenario) {
        let link = &trial.links[l];
        row.push(link.polls.to_string());
        row.push(link.requests.to_string());
        row.push(link.api_wait_seconds.to_string());
    }
    if crate::stats::reports_monitoring(scenario) {
        row.push(trial.alerts.to_string());
        row.push(trial.disabled_seconds.to_string());
        row.push(trial.low_stock_alert_seconds.to_string());
    }
}

fn poll_links(scenario: &Scenario) -> impl Iterator<Item = usize> + '_ {
    (scenario.links.iter().enumerate())
        .filter(|(_, link)| matches!(link.transport, crate::scenario::Transport::Poll { .. }))
        .map(|(l, _)| l)
}

fn format_value(m: Metric, value: f64) -> String {
    if m.is_count() {
        // Counts are exact integers in f64.
        (value as u64).to_string()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::test_fixtures::{outcome, scenario};

    #[test]
    fn header_and_rows() {
        let s = scenario(Some(0.1), None);
        let trials = [
            outcome(
                [(8, 2, 3, 12.5, 60.0), (4, 0, 1, 0.0, 30.0)],
                90.0,
                500.0,
                7,
            ),
            outcome([(6, 0, 0, 0.0, 0.0), (2, 0, 0, 0.0, 0.0)], 0.0, 86_400.0, 1),
        ];
        let text = String::from_utf8(trials_csv(&s, &trials).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let metrics = "arrivals,accepted,fulfilled,oversold,rejected_withheld,rejected_stockout,\
                       penalty,lost_margin,cancel_rate,exposure_seconds,first_stockout_seconds";
        let prefixed = |scope: &str| {
            metrics
                .split(',')
                .map(|m| format!("{scope}.{m}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let expected = format!(
            "trial,{},{},{},total.reconciled_units,events,web.revenue,web.cost,pos.revenue,\
             pos.cost,total.revenue,total.cost,web.worst_window_cancel_rate,\
             pos.worst_window_cancel_rate",
            prefixed("web"),
            prefixed("pos"),
            prefixed("total")
        );
        assert_eq!(lines[0], expected);
        assert_eq!(lines[0].split(',').count(), 1 + 3 * 11 + 2 + 8);
        // web: 11 arrivals, 8 accepted, 6 fulfilled, 2 oversold, 3 withheld, 0 stockout,
        // penalty 12.5, lost margin 12, cancel rate 0.25, exposure 60, first stockout 500.
        assert!(
            lines[1].starts_with("0,11,8,6,2,3,0,12.5,12,0.25,60,500,"),
            "{}",
            lines[1]
        );
        // ... reconciled 7, 100 events; revenue 0 and cost 12.5 + 12 on web, 0 + 4 on pos.
        assert!(
            lines[1].ends_with(",7,100,0,24.5,0,4,0,28.5,0.25,0"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].starts_with("1,6,6,6,0,0,0,0,0,0,0,86400,"),
            "{}",
            lines[2]
        );
        let total_cancel_rate = lines[1].split(',').nth(1 + 2 * 11 + 8).unwrap();
        assert_eq!(total_cancel_rate, (2.0f64 / 12.0).to_string());
    }
}
