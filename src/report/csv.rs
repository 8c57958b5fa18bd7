//! `trials.csv`: one row per trial with every measure of every channel and of all channels.

use anyhow::Context;
use serde::{Serialize, Serializer};

use crate::scenario::Scenario;
use crate::sim::outcome::TrialOutcome;
use crate::stats::{Metric, TrialRecord};

/// One row of trials.csv. The header is the same struct with the column names as its cells, so
/// the columns of the header and of every row cannot drift apart.
#[derive(Serialize)]
struct TrialRow<'a, C> {
    /// The trial's index, from 0.
    trial: C,
    /// Per channel in scenario order, then the total: the metrics in [`Metric::ALL`] order.
    scopes: &'a [[C; 11]],
    /// Units corrected by reconciliations.
    reconciled_units: C,
    /// Events the engine handled.
    events: C,
    /// The measures of MODEL.md Part 2 (see [`TrialsCsv`]).
    part2: &'a [C],
}

/// A value of a CSV file, as every CSV of the tool writes it: integers as integers, other
/// numbers with Rust's shortest round-trip formatting (`12`, `12.5`, `0.25`, not the `12.0` of
/// the csv crate's own float formatting), flags as `true`/`false`, a missing value as empty.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// A whole number that may be negative.
    Int(i64),
    /// A count.
    Count(u64),
    /// Any other number.
    Real(f64),
    /// Yes or no.
    Flag(bool),
    /// Text.
    Text(&'a str),
    /// No value.
    Empty,
}

impl Serialize for Cell<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Cell::Int(n) => serializer.serialize_i64(n),
            Cell::Count(n) => serializer.serialize_u64(n),
            Cell::Real(x) => serializer.collect_str(&x),
            Cell::Flag(b) => serializer.serialize_bool(b),
            Cell::Text(text) => serializer.serialize_str(text),
            Cell::Empty => serializer.serialize_str(""),
        }
    }
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<u64> for Cell<'_> {
    fn from(n: u64) -> Self {
        Cell::Count(n)
    }
}

impl From<f64> for Cell<'_> {
    fn from(x: f64) -> Self {
        Cell::Real(x)
    }
}

impl From<bool> for Cell<'_> {
    fn from(b: bool) -> Self {
        Cell::Flag(b)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(text: &'a str) -> Self {
        Cell::Text(text)
    }
}

impl<'a, T: Into<Cell<'a>>> From<Option<T>> for Cell<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

/// A CSV writer for rows serialised from structs whose header is written as a row of names
/// (the same struct with names as cells).
pub(crate) fn row_writer<W: std::io::Write>(out: W) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out)
}

/// Writes the trials as CSV, one row at a time: a `trial` column (from 0), `<channel>.<metric>`
/// for every channel and metric, `total.<metric>`, `total.reconciled_units` and `events`; then
/// the measures of MODEL.md Part 2: `<scope>.revenue` and `<scope>.cost` for every channel and
/// the total, `<channel>.worst_window_cancel_rate`, and `<link>.polls`, `<link>.requests`,
/// `<link>.api_wait_seconds` for every poll link; `total.alerts`, `total.disabled_seconds` and
/// `total.low_stock_alert_seconds` when the scenario monitors or can disable a webhook;
/// `total.shrunk_units` when some SKU shrinks. Counts
/// are written as integers, other values with Rust's shortest round-trip formatting.
pub struct TrialsCsv<W: std::io::Write> {
    writer: ::csv::Writer<W>,
    cells: Vec<[Cell<'static>; 11]>,
    part2: Vec<Cell<'static>>,
}

impl<W: std::io::Write> TrialsCsv<W> {
    /// A writer for the trials of `scenario` that has written the header.
    pub fn new(scenario: &Scenario, out: W) -> anyhow::Result<Self> {
        let names: Vec<[String; 11]> = scenario
            .channels
            .iter()
            .map(|channel| channel.name.as_str())
            .chain(std::iter::once("total"))
            .map(|scope| Metric::ALL.map(|m| format!("{scope}.{}", m.name())))
            .collect();
        let mut writer = row_writer(out);
        writer.serialize(TrialRow {
            trial: "trial",
            scopes: &names
                .iter()
                .map(|n| n.each_ref().map(String::as_str))
                .collect::<Vec<_>>(),
            reconciled_units: "total.reconciled_units",
            events: "events",
            part2: &part2_header(scenario)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        })?;
        Ok(TrialsCsv {
            writer,
            cells: Vec::with_capacity(names.len()),
            part2: Vec::new(),
        })
    }

    /// Writes the row of trial `index`, measured into `record`.
    pub fn write(&mut self, index: u64, record: &TrialRecord) -> anyhow::Result<()> {
        self.cells.clear();
        self.part2.clear();
        let part2 = &record.part2;
        for &(revenue, cost) in &part2.revenue_cost {
            self.part2.extend([Cell::Real(revenue), Cell::Real(cost)]);
        }
        (self.part2).extend(part2.worst_window.iter().map(|&rate| Cell::Real(rate)));
        for &(polls, requests, wait) in &part2.links {
            (self.part2).extend([Cell::Count(polls), Cell::Count(requests), Cell::Real(wait)]);
        }
        if let Some((alerts, disabled, low_stock)) = part2.monitoring {
            (self.part2).extend([
                Cell::Count(alerts),
                Cell::Real(disabled),
                Cell::Real(low_stock),
            ]);
        }
        if let Some(shrunk) = part2.shrunk_units {
            self.part2.push(Cell::Count(shrunk));
        }
        self.cells.extend(record.scopes.iter().map(|scope| {
            Metric::ALL.map(|m| {
                let value = scope.value(m);
                if m.is_count() {
                    // Counts are exact integers in f64.
                    Cell::Count(value as u64)
                } else {
                    Cell::Real(value)
                }
            })
        }));
        self.writer.serialize(TrialRow {
            trial: Cell::Count(index),
            scopes: &self.cells,
            reconciled_units: Cell::Count(record.reconciled_units),
            events: Cell::Count(record.events),
            part2: &self.part2,
        })?;
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
        csv.write(index, &TrialRecord::new(scenario, trial))?;
    }
    csv.finish()
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
    if crate::stats::reports_shrink(scenario) {
        header.push("total.shrunk_units".to_string());
    }
    header
}

pub(crate) fn poll_links(scenario: &Scenario) -> impl Iterator<Item = usize> + '_ {
    (scenario.links.iter().enumerate())
        .filter(|(_, link)| matches!(link.transport, crate::scenario::Transport::Poll { .. }))
        .map(|(l, _)| l)
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
