//! What `oversell sweep` prints and writes: the results table, the target's answer in words, the
//! polling-cost table, and the same figures as JSON and CSV.

use comfy_table::{CellAlignment, ColumnConstraint, Table};

use serde::Serialize;

use super::compare_table::mean_ci;
use super::csv::{Cell, row_writer};
use super::format::{number, percent, significant, significant_digits};
use crate::analysis::boundary::{Outcome, Probe, TargetResult};
use crate::analysis::edit::KeyKind;
use crate::analysis::sweep::{Sweep, SweepPoint};
use crate::stats::Metric;

/// The sweep as pretty-printed JSON with a trailing newline.
pub fn sweep_json(sweep: &Sweep) -> String {
    crate::report::pretty_json(sweep)
}

/// The results table, the run settings, the target's answer and the polling-cost table, for a
/// terminal. Ends with a newline.
pub fn sweep_table(sweep: &Sweep) -> String {
    let mut text = format!("{}\n{}\n", sweep.scenario, results_table(sweep));
    text.push_str(&format!(
        "{} trials per value, seed {}, on common random numbers (every value sees the same orders)\n",
        sweep.trials, sweep.seed
    ));
    if let Some(target) = &sweep.target {
        text.push_str(&target_answer(sweep, target));
        text.push('\n');
    }
    text.push_str(&polling_cost(sweep));
    text
}

fn new_table(header: Vec<String>) -> Table {
    super::format::table(header)
}

/// Keeps every column from wrapping its cells (headers are wrapped by hand) and right-aligns
/// the columns after the first `keys`.
fn align(table: &mut Table, keys: usize) {
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_constraint(ColumnConstraint::ContentWidth);
        if i >= keys {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn results_table(sweep: &Sweep) -> String {
    let limited = sweep
        .points
        .iter()
        .all(|p| p.summary.total.p_cancel_rate_over_limit.is_some());
    let api = sweep.points.iter().any(|p| !p.polling.nodes.is_empty());
    let mut header: Vec<String> = sweep.vary.iter().map(|v| wrap_path(&v.path)).collect();
    header.extend([
        "oversold\nmean ± 95% CI".to_owned(),
        format!("penalty, {}\nmean ± 95% CI", sweep.currency),
        format!("lost\nmargin,\n{}", sweep.currency),
        "P(any\noversell)".to_owned(),
    ]);
    if limited {
        header.push("P(cancel\nrate over\nlimit)".to_owned());
    }
    if let Some(target) = &sweep.target {
        let condition = target.expr[target.measure.len()..].trim();
        header.push(format!(
            "target\n{}\n{condition}",
            wrap_path(&target.measure)
        ));
    }
    if api {
        header.push("API\nlimit".to_owned());
    }
    let waits = sweep.points.iter().any(|p| {
        !p.summary.feeds.is_empty()
            || p.summary
                .links
                .values()
                .any(|l| l.api_wait_seconds.max > 0.0)
    });
    if waits {
        header.push("API wait\na poll".to_owned());
        header.push("feed wait\nan item\n(worst node)".to_owned());
    }
    let mut table = new_table(header);
    for point in &sweep.points {
        let mut row = result_row(point, limited, api);
        if waits {
            row.extend(wait_cells(point));
        }
        table.add_row(row);
    }
    align(&mut table, sweep.vary.len());
    table.to_string()
}

fn result_row(point: &SweepPoint, limited: bool, api: bool) -> Vec<String> {
    let total = &point.summary.total;
    let mut row = point.labels.clone();
    row.extend([
        mean_ci(total.metric(Metric::Oversold)),
        mean_ci(total.metric(Metric::Penalty)),
        number(total.metric(Metric::LostMargin).mean),
        percent(total.p_any_oversell),
    ]);
    if limited {
        row.push(
            total
                .p_cancel_rate_over_limit
                .map_or("-".to_owned(), percent),
        );
    }
    if let Some(probe) = &point.target {
        row.push(format!(
            "{} {}",
            significant(probe.measured),
            if probe.meets { "✓" } else { "✗" }
        ));
    }
    if api {
        let over = point.polling.over_limit();
        row.push(if over.is_empty() {
            "ok".to_owned()
        } else {
            format!("OVER {}", over.join(", "))
        });
    }
    row
}

/// The mean API wait of one poll over every poll link, and the worst node's mean feed wait of
/// one item, as durations.
fn wait_cells(point: &SweepPoint) -> [String; 2] {
    let links = point.summary.links.values();
    let polls: f64 = links.clone().map(|l| l.polls.mean).sum();
    let wait: f64 = links.map(|l| l.api_wait_seconds.mean).sum();
    let per_poll = if polls > 0.0 { wait / polls } else { 0.0 };
    let feed = (point.summary.feeds.values())
        .map(|f| f.mean_wait_seconds.mean)
        .fold(0.0, f64::max);
    [per_poll, feed].map(|s| {
        if s < 60.0 {
            format!("{}s", number(s))
        } else {
            crate::dist::format_seconds(s)
        }
    })
}

/// Widest line of a key path in a table header, characters.
const PATH_WIDTH: usize = 16;

/// A dotted key path broken after dots into lines of at most [`PATH_WIDTH`] characters (a
/// longer part stays whole).
fn wrap_path(path: &str) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for (i, part) in path.split('.').enumerate() {
        let piece = if i == 0 {
            part.to_owned()
        } else {
            format!(".{part}")
        };
        let line = lines.last_mut().expect("there is always a line");
        if !line.is_empty() && line.chars().count() + piece.chars().count() > PATH_WIDTH {
            lines.push(piece);
        } else {
            line.push_str(&piece);
        }
    }
    lines.join("\n")
}

/// `x` with as many digits as it takes not to read as `threshold` when it is not.
fn near(x: f64, threshold: f64) -> String {
    let mut digits = 4;
    loop {
        let text = significant_digits(x, digits);
        if digits >= 12 || x == threshold || text.parse::<f64>() != Ok(threshold) {
            return text;
        }
        digits += 1;
    }
}

/// "0.0496 (95% CI 0.0455 to 0.0541)" or "0.0496".
fn measured(p: &Probe, threshold: f64) -> String {
    match p.ci95 {
        Some([lo, hi]) => format!(
            "{} (95% CI {} to {})",
            near(p.measured, threshold),
            significant(lo),
            significant(hi)
        ),
        None => near(p.measured, threshold),
    }
}

/// The target's answer in words.
pub fn target_answer(sweep: &Sweep, target: &TargetResult) -> String {
    let path = &sweep.vary[0].path;
    let expr = &target.expr;
    let mut text = match target.outcome {
        Outcome::Largest | Outcome::Smallest => {
            let (found, failing) = (
                target.boundary.as_ref().expect("a boundary was found"),
                target.failing.as_ref().expect("a failing value was found"),
            );
            let which = if target.outcome == Outcome::Largest {
                "largest"
            } else {
                "smallest"
            };
            let steps = match target.refinement.len() {
                0 => "adjacent values, nothing between them to try".to_owned(),
                n => format!("after {n} bisection steps"),
            };
            let mut text = format!(
                "target {expr}: the {which} {path} that meets it is {} ({} there: {}; {} at {}, \
                 which fails; {steps})",
                found.label,
                target.measure,
                measured(found, target.threshold),
                near(failing.measured, target.threshold),
                failing.label,
            );
            let has_intervals = target.grid.iter().all(|p| p.ci95.is_some());
            let bracket = |p: &Probe| p.value == found.value || p.value == failing.value;
            match &target.plausible {
                // Already said: the two values around the boundary are both clear.
                Some([low, high]) if bracket(low) && bracket(high) => {}
                Some([low, high]) => text.push_str(&format!(
                    "\nthe 95% confidence intervals place the boundary between {} and {} (the \
                     nearest values tried that meet, or fail, the target over their whole \
                     interval)",
                    low.label, high.label
                )),
                None if has_intervals => text.push_str(
                    "\nthe 95% confidence intervals cannot place the boundary: no value tried \
                     meets, or fails, the target over its whole interval on both sides; more \
                     trials would narrow it",
                ),
                None => {}
            }
            text
        }
        Outcome::NoneMeet => {
            let closest = target.closest.as_ref().expect("a grid value");
            format!(
                "target {expr}: no value of {path} in the grid meets it; the closest is {}, with \
                 {} = {}",
                closest.label,
                target.measure,
                measured(closest, target.threshold)
            )
        }
        Outcome::AllMeet => {
            let closest = target.closest.as_ref().expect("a grid value");
            format!(
                "target {expr}: every value of {path} in the grid meets it (the closest to failing \
                 is {}, with {}); the boundary lies beyond the grid",
                closest.label,
                measured(closest, target.threshold)
            )
        }
        Outcome::NotMonotone => {
            let meeting: Vec<&str> = target
                .grid
                .iter()
                .filter(|p| p.meets)
                .map(|p| p.label.as_str())
                .collect();
            format!(
                "target {expr}: it holds at {} of {path} but not at every value in between, so \
                 there is no single boundary; more trials or a finer grid would tell",
                meeting.join(", ")
            )
        }
    };
    if !target.meets_again.is_empty() {
        text.push_str(&format!(
            "\nnote: it holds again at {} past the boundary: the measure is noisy here; more \
             trials would settle it",
            target.meets_again.join(", ")
        ));
    }
    text
}

/// The polling cost: a table per grid point when it changes along the grid, else one line;
/// nothing without poll links.
fn polling_cost(sweep: &Sweep) -> String {
    let Some(first) = sweep.points.first() else {
        return String::new();
    };
    if first.polling.links.is_empty() {
        return String::new();
    }
    let title = "polling cost per hour (polls hit the API of the link's `from` node)";
    if sweep.points.iter().all(|p| p.polling == first.polling) {
        let mut parts: Vec<String> = first
            .polling
            .links
            .iter()
            .map(|l| {
                format!(
                    "{} {} · {}",
                    l.link,
                    number(l.polls_per_hour),
                    number(l.requests_per_hour)
                )
            })
            .collect();
        parts.extend(first.polling.nodes.iter().map(|n| {
            format!(
                "{} API {} of {}{}",
                n.node,
                number(n.requests_per_hour),
                number(n.limit_per_hour),
                if n.over { " OVER" } else { "" }
            )
        }));
        return format!(
            "\n{title}, the same at every value (polls · requests): {}\n",
            parts.join("; ")
        );
    }
    format!("\n{title}\n{}\n", polling_table(sweep, first))
}

/// Polls and requests per hour of every poll link, and each limited node's use, per grid point.
fn polling_table(sweep: &Sweep, first: &SweepPoint) -> String {
    let mut header: Vec<String> = sweep.vary.iter().map(|v| wrap_path(&v.path)).collect();
    header.extend(
        first
            .polling
            .links
            .iter()
            .map(|l| format!("{}\npolls · req", l.link)),
    );
    header.extend(
        first
            .polling
            .nodes
            .iter()
            .map(|n| format!("{} API\nlimit {}", n.node, number(n.limit_per_hour))),
    );
    let mut table = new_table(header);
    for point in &sweep.points {
        let mut row = point.labels.clone();
        row.extend(point.polling.links.iter().map(|l| {
            format!(
                "{} · {}",
                number(l.polls_per_hour),
                number(l.requests_per_hour)
            )
        }));
        row.extend(point.polling.nodes.iter().map(|n| {
            let flag = if n.over { " OVER" } else { "" };
            format!("{}{flag}", number(n.requests_per_hour))
        }));
        table.add_row(row);
    }
    align(&mut table, sweep.vary.len());
    table.to_string()
}

/// One row of sweep.csv; the header is the same struct with the column names as cells.
#[derive(Serialize)]
struct SweepRow<'a, C> {
    /// Per varied key: its value as written, and in seconds for a duration.
    vary: &'a [C],
    /// Mean and 95% interval of the total oversold, penalty and lost margin.
    totals: [C; 9],
    p_any_oversell: C,
    p_cancel_rate_over_limit: C,
    /// Per channel: oversold and penalty means, and the cancel-rate risk.
    channels: &'a [[C; 3]],
    /// Per poll link: polls and requests per hour, and the mean API wait a trial, seconds.
    links: &'a [[C; 3]],
    /// Per node with a feed queue: items a trial and the mean wait of one item, seconds.
    feeds: &'a [[C; 2]],
    /// Per limited node: requests per hour, the limit, and whether it is over it.
    nodes: &'a [[C; 3]],
    /// With a target: what was measured, and whether it meets the target.
    target: &'a [C],
}

/// The totals in [`SweepRow::totals`].
const TOTALS: [Metric; 3] = [Metric::Oversold, Metric::Penalty, Metric::LostMargin];

/// One row per grid point: the varied values, the totals, each channel's oversold, penalty and
/// cancel-rate risk, each poll link's cost, each limited node's use, and the target.
pub fn sweep_csv(sweep: &Sweep) -> anyhow::Result<Vec<u8>> {
    let mut writer = row_writer(Vec::new());
    let Some(first) = sweep.points.first() else {
        return Ok(writer.into_inner()?);
    };
    let mut vary = Vec::new();
    for v in &sweep.vary {
        vary.push(v.path.clone());
        if v.kind == KeyKind::Duration {
            vary.push(format!("{}_seconds", v.path));
        }
    }
    let totals: Vec<String> = TOTALS
        .iter()
        .flat_map(|m| ["mean", "ci95_low", "ci95_high"].map(|s| format!("total.{}.{s}", m.name())))
        .collect();
    let channels: Vec<[String; 3]> = first
        .summary
        .channels
        .keys()
        .map(|name| {
            ["oversold.mean", "penalty.mean", "p_cancel_rate_over_limit"]
                .map(|s| format!("{name}.{s}"))
        })
        .collect();
    let links: Vec<[String; 3]> = first
        .polling
        .links
        .iter()
        .map(|l| {
            [
                "polls_per_hour",
                "requests_per_hour",
                "api_wait_seconds.mean",
            ]
            .map(|s| format!("{}.{s}", l.link))
        })
        .collect();
    let feeds: Vec<[String; 2]> = (first.summary.feeds.keys())
        .map(|n| ["feeds.items.mean", "feeds.mean_wait_seconds.mean"].map(|s| format!("{n}.{s}")))
        .collect();
    let nodes: Vec<[String; 3]> = first
        .polling
        .nodes
        .iter()
        .map(|n| {
            [
                "api_requests_per_hour",
                "api_limit_per_hour",
                "over_api_limit",
            ]
            .map(|s| format!("{}.{s}", n.node))
        })
        .collect();
    let target: &[&str] = if sweep.target.is_some() {
        &["target.measured", "target.meets"]
    } else {
        &[]
    };
    writer.serialize(SweepRow {
        vary: &names(&vary),
        totals: std::array::from_fn(|i| totals[i].as_str()),
        p_any_oversell: "total.p_any_oversell",
        p_cancel_rate_over_limit: "total.p_cancel_rate_over_limit",
        channels: &channels
            .iter()
            .map(|c| c.each_ref().map(String::as_str))
            .collect::<Vec<_>>(),
        links: &links
            .iter()
            .map(|c| c.each_ref().map(String::as_str))
            .collect::<Vec<_>>(),
        feeds: &feeds
            .iter()
            .map(|c| c.each_ref().map(String::as_str))
            .collect::<Vec<_>>(),
        nodes: &nodes
            .iter()
            .map(|c| c.each_ref().map(String::as_str))
            .collect::<Vec<_>>(),
        target,
    })?;
    for point in &sweep.points {
        write_point(&mut writer, sweep, point)?;
    }
    Ok(writer.into_inner()?)
}

fn names(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

fn write_point(
    writer: &mut csv::Writer<Vec<u8>>,
    sweep: &Sweep,
    point: &SweepPoint,
) -> anyhow::Result<()> {
    let mut vary = Vec::new();
    for ((v, label), value) in sweep.vary.iter().zip(&point.labels).zip(&point.values) {
        vary.push(Cell::Text(label));
        if v.kind == KeyKind::Duration {
            vary.push(Cell::Real(*value));
        }
    }
    let total = &point.summary.total;
    let totals: Vec<Cell> = TOTALS
        .iter()
        .flat_map(|&m| {
            let s = total.metric(m);
            [s.mean, s.ci95[0], s.ci95[1]].map(Cell::Real)
        })
        .collect();
    let channels: Vec<[Cell; 3]> = point
        .summary
        .channels
        .values()
        .map(|channel| {
            [
                channel.metric(Metric::Oversold).mean.into(),
                channel.metric(Metric::Penalty).mean.into(),
                channel.p_cancel_rate_over_limit.into(),
            ]
        })
        .collect();
    let links: Vec<[Cell; 3]> = point
        .polling
        .links
        .iter()
        .map(|l| {
            let wait = (point.summary.links.get(&l.link)).map(|s| s.api_wait_seconds.mean);
            [
                l.polls_per_hour.into(),
                l.requests_per_hour.into(),
                wait.into(),
            ]
        })
        .collect();
    let feeds: Vec<[Cell; 2]> = (point.summary.feeds.values())
        .map(|f| [f.items.mean.into(), f.mean_wait_seconds.mean.into()])
        .collect();
    let nodes: Vec<[Cell; 3]> = point
        .polling
        .nodes
        .iter()
        .map(|n| {
            [
                n.requests_per_hour.into(),
                n.limit_per_hour.into(),
                n.over.into(),
            ]
        })
        .collect();
    let target: Vec<Cell> = point
        .target
        .iter()
        .flat_map(|probe| [probe.measured.into(), probe.meets.into()])
        .collect();
    writer.serialize(SweepRow {
        vary: &vary,
        totals: std::array::from_fn(|i| totals[i]),
        p_any_oversell: total.p_any_oversell.into(),
        p_cancel_rate_over_limit: total.p_cancel_rate_over_limit.into(),
        channels: &channels,
        links: &links,
        feeds: &feeds,
        nodes: &nodes,
        target: &target,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_wrap_at_dots() {
        assert_eq!(
            wrap_path("links.amazon-feed.poll.every"),
            "links\n.amazon-feed\n.poll.every"
        );
        assert_eq!(
            wrap_path("channels.amazon.p_cancel_rate_over_limit"),
            "channels.amazon\n.p_cancel_rate_over_limit"
        );
        assert_eq!(wrap_path("stock.initial"), "stock.initial");
    }

    #[test]
    fn near_thresholds() {
        assert_eq!(near(25.0003, 25.0), "25.0003");
        assert_eq!(near(25.0, 25.0), "25");
    }
}
