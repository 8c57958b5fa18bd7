//! A measure against a varied key, from `oversell sweep`: the mean as a line with markers and its
//! 95% confidence interval as a band, one line per value of the other varied keys; with a target,
//! its threshold as a dashed line and the boundary found as a dashed vertical.

use super::style::HouseMesh;
use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::draw_title_and_note;
use super::style::{self, Figure, plot_err, save};
use crate::analysis::boundary::{Outcome, Probe, TargetResult};
use crate::analysis::edit::KeyKind;
use crate::analysis::sweep::{Sweep, SweepPoint};
use crate::report::ResultSet;
use crate::report::format::tick;
use crate::stats::{Metric, MetricSummary};

/// One point of a line: x in the axis unit, the mean and its 95% interval in the measure's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Position on the x axis.
    pub x: f64,
    /// The mean (or the measure) there.
    pub y: f64,
    /// Its 95% confidence interval, where one is known.
    pub band: Option<[f64; 2]>,
}

/// One line of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveSeries {
    /// Legend label; empty for the only line.
    pub label: String,
    /// Points, ascending in x.
    pub points: Vec<CurvePoint>,
}

/// The prepared data of one sweep chart.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepCurve {
    /// Chart title.
    pub title: String,
    /// X axis description, with its unit.
    pub x_label: String,
    /// Y axis description, with its unit.
    pub y_label: String,
    /// The lines; line `i` in series colour `i`.
    pub series: Vec<CurveSeries>,
    /// A target's threshold, in the y unit.
    pub threshold: Option<f64>,
    /// The boundary value found, in the x unit, and its label.
    pub boundary: Option<(f64, String)>,
    /// One line under the plot.
    pub note: String,
}

/// The unit the x axis of a key is drawn in: a divisor of the key's values and its name.
fn x_unit(kind: KeyKind, largest: f64) -> (f64, &'static str) {
    match kind {
        KeyKind::Duration if largest >= 7_200.0 => (3_600.0, "hours"),
        KeyKind::Duration if largest >= 120.0 => (60.0, "minutes"),
        KeyKind::Duration => (1.0, "seconds"),
        _ => (1.0, ""),
    }
}

/// Writes the sweep's charts into `dir`: `oversold`, `penalty` and, when channels have limits,
/// `cancel_risk`, against the first varied key; with a target, `target`. Returns the paths.
pub fn sweep_charts(sweep: &Sweep, set: &mut ResultSet) -> anyhow::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for (stem, curve) in sweep_curves(sweep) {
        paths.extend(save(&curve, set, stem)?);
    }
    Ok(paths)
}

/// The charts of a sweep and their file stems.
pub fn sweep_curves(sweep: &Sweep) -> Vec<(&'static str, SweepCurve)> {
    let mean = |m: Metric| move |p: &SweepPoint| band(p.summary.total.metric(m), 1.0);
    let mut curves = vec![
        (
            "oversold",
            curve(
                sweep,
                "Oversold orders per trial",
                "oversold orders per trial, all channels",
                &mean(Metric::Oversold),
            ),
        ),
        (
            "penalty",
            curve(
                sweep,
                "Penalty per trial",
                &format!("penalty per trial, {}", sweep.currency),
                &mean(Metric::Penalty),
            ),
        ),
    ];
    if sweep
        .points
        .iter()
        .all(|p| p.summary.total.p_cancel_rate_over_limit.is_some())
    {
        curves.push((
            "cancel_risk",
            curve(
                sweep,
                "Trials with a channel over its cancel-rate limit",
                "P(cancel rate over limit), any channel, %",
                &|p: &SweepPoint| {
                    let share = p.summary.total.p_cancel_rate_over_limit.unwrap_or(0.0);
                    let ci = p.p_cancel_rate_over_limit_ci95.unwrap_or([share, share]);
                    (share * 100.0, Some([ci[0] * 100.0, ci[1] * 100.0]))
                },
            ),
        ));
    }
    curves.extend(wait_curves(sweep));
    if let Some(target) = &sweep.target {
        curves.push(("target", target_curve(sweep, target)));
    }
    curves
}

/// Beside the oversells, where polls wait for API tokens or marketplaces queue feed files: the
/// mean API wait of one poll (all poll links) and the mean feed wait of one item at the node
/// that waits longest, with its 95% interval. Polling faster stops helping where these climb.
fn wait_curves(sweep: &Sweep) -> Vec<(&'static str, SweepCurve)> {
    let points = &sweep.points;
    let api = (points.iter()).any(|p| {
        p.summary
            .links
            .values()
            .any(|l| l.api_wait_seconds.max > 0.0)
    });
    let feeds = points.iter().any(|p| !p.summary.feeds.is_empty());
    let mut curves = Vec::new();
    if api || feeds {
        curves.push((
            "api_wait",
            curve(
                sweep,
                "API wait of a poll",
                "seconds a poll waits for API tokens (mean, all poll links)",
                &|p: &SweepPoint| {
                    let links = p.summary.links.values();
                    let polls: f64 = links.clone().map(|l| l.polls.mean).sum();
                    let wait: f64 = links.map(|l| l.api_wait_seconds.mean).sum();
                    (if polls > 0.0 { wait / polls } else { 0.0 }, None)
                },
            ),
        ));
    }
    if feeds {
        let worst = |p: &SweepPoint| {
            (p.summary.feeds.values())
                .map(|f| &f.mean_wait_seconds)
                .max_by(|a, b| a.mean.total_cmp(&b.mean))
                .map(|s| band(s, 1.0 / 3_600.0))
                .unwrap_or((0.0, None))
        };
        curves.push((
            "feed_wait",
            curve(
                sweep,
                "Feed backlog: wait of an item",
                "hours an item waits in the feed queue (mean, slowest node)",
                &worst,
            ),
        ));
    }
    curves
}

/// A measure at one point: its mean and, where known, its 95% confidence interval.
type Measured = (f64, Option<[f64; 2]>);

/// `(mean, 95% CI)` of a summary, times `factor`.
fn band(s: &MetricSummary, factor: f64) -> Measured {
    (
        s.mean * factor,
        Some([s.ci95[0] * factor, s.ci95[1] * factor]),
    )
}

/// A chart of `measure` against the first varied key, one line per combination of the others.
fn curve(
    sweep: &Sweep,
    what: &str,
    y_label: &str,
    measure: &dyn Fn(&SweepPoint) -> Measured,
) -> SweepCurve {
    let first = &sweep.vary[0];
    let (divisor, unit) = x_unit(first.kind, first.values.iter().copied().fold(0.0, f64::max));
    let mut series: Vec<CurveSeries> = Vec::new();
    for point in &sweep.points {
        let label: Vec<String> = sweep.vary[1..]
            .iter()
            .zip(&point.labels[1..])
            .map(|(v, l)| format!("{} = {l}", v.path))
            .collect();
        let label = label.join(", ");
        let (y, band) = measure(point);
        let at = CurvePoint {
            x: point.values[0] / divisor,
            y,
            band,
        };
        match series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.push(at),
            None => series.push(CurveSeries {
                label,
                points: vec![at],
            }),
        }
    }
    for s in &mut series {
        s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    SweepCurve {
        title: format!("{what} against {} — {}", first.path, sweep.scenario),
        x_label: axis_label(&first.path, unit),
        y_label: y_label.to_owned(),
        series,
        threshold: None,
        boundary: None,
        note: format!(
            "line: mean over {} trials per value, on common random numbers · band: 95% confidence interval",
            sweep.trials
        ),
    }
}

/// The target's measure at every value tried (grid and bisection), its threshold and boundary.
fn target_curve(sweep: &Sweep, target: &TargetResult) -> SweepCurve {
    let first = &sweep.vary[0];
    let (divisor, unit) = x_unit(first.kind, first.values.iter().copied().fold(0.0, f64::max));
    let mut probes: Vec<&Probe> = target.grid.iter().chain(&target.refinement).collect();
    probes.sort_by(|a, b| a.value.total_cmp(&b.value));
    let points = probes
        .iter()
        .map(|p| CurvePoint {
            x: p.value / divisor,
            y: p.measured,
            band: p.ci95,
        })
        .collect();
    let boundary = match target.outcome {
        Outcome::Largest | Outcome::Smallest => target
            .boundary
            .as_ref()
            .map(|b| (b.value / divisor, b.label.clone())),
        _ => None,
    };
    SweepCurve {
        title: format!("Target {} against {}", target.expr, first.path),
        x_label: axis_label(&first.path, unit),
        y_label: target.measure.clone(),
        series: vec![CurveSeries {
            label: String::new(),
            points,
        }],
        threshold: Some(target.threshold),
        boundary,
        note: match target.refinement.len() {
            0 => format!(
                "grid values, {} trials each on common random numbers · band: 95% confidence interval",
                sweep.trials
            ),
            n => format!(
                "grid values and {n} bisection steps, {} trials each on common random numbers · band: 95% confidence interval",
                sweep.trials
            ),
        },
    }
}

fn axis_label(path: &str, unit: &str) -> String {
    if unit.is_empty() {
        path.to_owned()
    } else {
        format!("{path}, {unit}")
    }
}

impl SweepCurve {
    fn x_range(&self) -> std::ops::Range<f64> {
        let xs = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.x));
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        if !lo.is_finite() {
            return 0.0..1.0;
        }
        let pad = if hi > lo { (hi - lo) * 0.04 } else { 1.0 };
        (lo - pad)..(hi + pad)
    }

    fn y_range(&self) -> std::ops::Range<f64> {
        let ys = self.series.iter().flat_map(|s| {
            s.points.iter().flat_map(|p| {
                [
                    p.y,
                    p.band.map_or(p.y, |b| b[1]),
                    p.band.map_or(p.y, |b| b[0]),
                ]
            })
        });
        let (lo, hi) = ys
            .chain(self.threshold)
            .fold((0.0_f64, 0.0_f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
        let top = if hi > 0.0 { hi * 1.12 } else { 1.0 };
        lo..top
    }
}

impl Figure for SweepCurve {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let plot = draw_title_and_note(area, &self.title, &self.note)?;
        let (x_range, y_range) = (self.x_range(), self.y_range());
        let mut chart = ChartBuilder::on(&plot)
            .margin(8)
            .margin_right(28)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range.clone(), y_range.clone())
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()
            .map_err(plot_err)?;

        for (i, series) in self.series.iter().enumerate() {
            let colour = style::series_color(i);
            let upper: Vec<(f64, f64)> = series
                .points
                .iter()
                .filter_map(|p| p.band.map(|b| (p.x, b[1])))
                .collect();
            let lower = series
                .points
                .iter()
                .rev()
                .filter_map(|p| p.band.map(|b| (p.x, b[0])));
            if upper.len() > 1 {
                let outline: Vec<(f64, f64)> = upper.iter().copied().chain(lower).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        outline,
                        colour.mix(0.2).filled(),
                    )))
                    .map_err(plot_err)?;
            }
            let line = series.points.iter().map(|p| (p.x, p.y));
            let drawn = chart
                .draw_series(LineSeries::new(line, colour.stroke_width(2)))
                .map_err(plot_err)?;
            if !series.label.is_empty() {
                drawn.label(series.label.as_str()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            }
            chart
                .draw_series(
                    series
                        .points
                        .iter()
                        .map(|p| Circle::new((p.x, p.y), 3, colour.filled())),
                )
                .map_err(plot_err)?;
        }
        let alert = style::ALERT.stroke_width(1);
        if let Some(threshold) = self.threshold {
            let ends = [(x_range.start, threshold), (x_range.end, threshold)];
            chart
                .draw_series(DashedLineSeries::new(ends, 6, 4, alert))
                .map_err(plot_err)?;
            let tag = style::tick_font()
                .color(&style::ALERT)
                .pos(Pos::new(HPos::Right, VPos::Bottom));
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x_range.end, threshold))
                        + Text::new(format!("target {}", tick(threshold)), (-4, -3), tag),
                ))
                .map_err(plot_err)?;
        }
        if let Some((x, label)) = &self.boundary {
            let ends = [(*x, y_range.start), (*x, y_range.end)];
            chart
                .draw_series(DashedLineSeries::new(ends, 6, 4, alert))
                .map_err(plot_err)?;
            let tag = style::tick_font()
                .color(&style::ALERT)
                .pos(Pos::new(HPos::Left, VPos::Top));
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((*x, y_range.end))
                        + Text::new(format!("boundary {label}"), (5, 4), tag),
                ))
                .map_err(plot_err)?;
        }
        if self.series.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(style::BACKGROUND.mix(0.9))
                .border_style(style::GRID)
                .label_font(style::tick_font())
                .draw()
                .map_err(plot_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_drawn_in_a_readable_unit() {
        assert_eq!(x_unit(KeyKind::Duration, 3_600.0), (60.0, "minutes"));
        assert_eq!(x_unit(KeyKind::Duration, 86_400.0), (3_600.0, "hours"));
        assert_eq!(x_unit(KeyKind::Duration, 90.0), (1.0, "seconds"));
        assert_eq!(x_unit(KeyKind::Integer, 90.0), (1.0, ""));
    }

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(tick(0.8), "0.8");
        assert_eq!(tick(1.0), "1");
        assert_eq!(tick(0.025), "0.025");
        assert_eq!(tick(250.0), "250");
    }

    #[test]
    fn the_value_axis_includes_the_threshold_and_the_bands() {
        let curve = SweepCurve {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            series: vec![CurveSeries {
                label: String::new(),
                points: vec![
                    CurvePoint {
                        x: 1.0,
                        y: 2.0,
                        band: Some([1.5, 2.5]),
                    },
                    CurvePoint {
                        x: 5.0,
                        y: 3.0,
                        band: Some([2.0, 4.0]),
                    },
                ],
            }],
            threshold: Some(10.0),
            boundary: None,
            note: String::new(),
        };
        let y = curve.y_range();
        assert_eq!(y.start, 0.0);
        assert!((y.end - 11.2).abs() < 1e-12);
        let x = curve.x_range();
        assert!((x.start - (1.0 - 0.16)).abs() < 1e-12 && (x.end - 5.16).abs() < 1e-12);
    }
}
