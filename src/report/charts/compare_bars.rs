//! The comparison chart of `oversell compare`: one panel per measure (oversold orders, penalty,
//! the share of trials with any oversell, exposure), since their units differ; in each, one bar
//! per scenario in its series colour, with the 95% confidence interval of the mean as a whisker
//! and the mean written above.

use super::style::HouseMesh;
use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, Figure, plot_err, save};
use crate::analysis::compare::{ComparedScenario, Comparison};
use crate::report::ResultSet;
use crate::stats::{Metric, MetricSummary};

/// Height of the title band, pixels.
const TITLE_HEIGHT: u32 = 40;
/// Height of one line of the legend, pixels.
const LEGEND_LINE: u32 = 24;
/// Height of the note under the panels, pixels.
const NOTE_HEIGHT: u32 = 24;
/// Side of a legend swatch, pixels.
const SWATCH: i32 = 14;
/// Share of a scenario's slot that its bar fills.
const BAR_WIDTH: f64 = 0.62;
/// Share of a scenario's slot that a whisker's caps span.
const CAP_WIDTH: f64 = 0.18;
/// Room above the tallest whisker for its label, as a share of the axis.
const HEADROOM: f64 = 1.25;

/// One bar: a scenario's mean of a measure and the 95% CI of that mean, in the panel's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Mean over trials.
    pub mean: f64,
    /// 95% confidence interval of the mean, [low, high].
    pub ci95: [f64; 2],
}

/// One measure: a bar per scenario, in the order of [`CompareBars::scenarios`].
#[derive(Debug, Clone, PartialEq)]
pub struct BarPanel {
    /// What is measured, with its unit ("penalty per trial, USD").
    pub title: String,
    /// Whether the values are percentages (their labels get a "%").
    pub percent: bool,
    /// One bar per scenario.
    pub bars: Vec<Bar>,
}

/// The prepared data of the comparison chart.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareBars {
    /// Chart title.
    pub title: String,
    /// Legend labels, one per scenario; scenario `i` is drawn in series colour `i`.
    pub scenarios: Vec<String>,
    /// The measures, drawn as a grid of panels, row by row.
    pub panels: Vec<BarPanel>,
}

impl CompareBars {
    /// Prepares the chart of `comparison`: oversold orders, penalty (in the first scenario's
    /// currency), P(any oversell) in percent and exposure in minutes, all channels together.
    pub fn from_comparison(comparison: &Comparison) -> CompareBars {
        let currency = comparison.scenarios.first().map_or("USD", |s| s.currency());
        let panel =
            |title: String, percent: bool, pick: &dyn Fn(&ComparedScenario) -> Bar| BarPanel {
                title,
                percent,
                bars: comparison.scenarios.iter().map(pick).collect(),
            };
        let total = |m: Metric, factor: f64| move |s: &ComparedScenario| bar(s.total(m), factor);
        CompareBars {
            title: format!(
                "Scenarios compared on common random numbers ({} trials each)",
                comparison.trials
            ),
            scenarios: comparison
                .scenarios
                .iter()
                .map(|s| s.slug.clone())
                .collect(),
            panels: vec![
                panel(
                    "oversold orders per trial".into(),
                    false,
                    &total(Metric::Oversold, 1.0),
                ),
                panel(
                    format!("penalty per trial, {currency}"),
                    false,
                    &total(Metric::Penalty, 1.0),
                ),
                panel("trials with any oversell, %".into(), true, &|s| {
                    bar(&s.any_oversell, 100.0)
                }),
                panel(
                    "exposure per trial, minutes".into(),
                    false,
                    &total(Metric::ExposureSeconds, 1.0 / 60.0),
                ),
            ],
        }
    }
}

/// The bar of `summary`, in a unit `factor` times the summary's.
fn bar(summary: &MetricSummary, factor: f64) -> Bar {
    Bar {
        mean: summary.mean * factor,
        ci95: [summary.ci95[0] * factor, summary.ci95[1] * factor],
    }
}

/// Writes the comparison chart of `comparison` as `<stem>.png` and `<stem>.svg`; returns both
/// paths.
pub fn compare_chart(
    comparison: &Comparison,
    set: &mut ResultSet,
    stem: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    save(&CompareBars::from_comparison(comparison), set, stem)
}

impl Figure for CompareBars {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let (title, rest) = area.split_vertically(TITLE_HEIGHT);
        draw_centred(&title, &self.title, style::title_font())?;
        let legend_height = self.draw_legend(&rest)?;
        let (_, rest) = rest.split_vertically(legend_height);
        let (_, height) = rest.dim_in_pixel();
        let (grid, note) = rest.split_vertically(height.saturating_sub(NOTE_HEIGHT));
        draw_centred(
            &note,
            "bar: mean per trial, all channels together · whisker: 95% confidence interval of the mean",
            style::tick_font(),
        )?;
        let (rows, cols) = grid_shape(self.panels.len());
        let cells = grid.split_evenly((rows, cols));
        for (panel, cell) in self.panels.iter().zip(&cells) {
            draw_panel(panel, cell)?;
        }
        Ok(())
    }
}

/// Draws `text` in the middle of `area`.
fn draw_centred<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: TextStyle<'_>,
) -> anyhow::Result<()> {
    let (w, h) = area.dim_in_pixel();
    let font = font.pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(text, (w as i32 / 2, h as i32 / 2), font))
        .map_err(plot_err)
}

impl CompareBars {
    /// Draws a swatch and the label of every scenario, centred lines wrapped to the width of
    /// `area`; returns the height used, pixels.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> anyhow::Result<u32> {
        let font = style::label_font();
        let (width, _) = area.dim_in_pixel();
        let gap = 28;
        // Each item: swatch, 6 px, label; items `gap` apart.
        let mut lines: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
        let mut used = 0;
        for (i, label) in self.scenarios.iter().enumerate() {
            let text_width = area.estimate_text_size(label, &font).map_err(plot_err)?.0 as i32;
            let item = SWATCH + 6 + text_width;
            let line = lines.last_mut().expect("there is always a line");
            if !line.is_empty() && used + gap + item > width as i32 - 40 {
                lines.push(Vec::new());
                used = 0;
            }
            let line = lines.last_mut().expect("there is always a line");
            used += if line.is_empty() { item } else { gap + item };
            line.push((i, item));
        }
        let label_font = font.pos(Pos::new(HPos::Left, VPos::Center));
        for (row, line) in lines.iter().enumerate() {
            let total: i32 =
                line.iter().map(|(_, w)| w).sum::<i32>() + gap * (line.len() as i32 - 1);
            let mut x = (width as i32 - total) / 2;
            let y = row as i32 * LEGEND_LINE as i32 + LEGEND_LINE as i32 / 2;
            for &(i, item) in line {
                let colour = style::series_color(i);
                area.draw(&Rectangle::new(
                    [(x, y - SWATCH / 2), (x + SWATCH, y + SWATCH / 2)],
                    colour.filled(),
                ))
                .map_err(plot_err)?;
                let label = &self.scenarios[i];
                area.draw(&Text::new(
                    label.as_str(),
                    (x + SWATCH + 6, y),
                    label_font.clone(),
                ))
                .map_err(plot_err)?;
                x += item + gap;
            }
        }
        Ok(lines.len() as u32 * LEGEND_LINE + 6)
    }
}

/// Rows and columns for `panels` panels: two columns (one for a single panel).
fn grid_shape(panels: usize) -> (usize, usize) {
    let cols = panels.clamp(1, 2);
    (panels.div_ceil(cols).max(1), cols)
}

/// The top of a panel's value axis: room above the highest whisker for its label.
fn y_top(panel: &BarPanel) -> f64 {
    let highest = panel
        .bars
        .iter()
        .map(|b| b.ci95[1].max(b.mean))
        .fold(0.0, f64::max);
    if highest > 0.0 {
        highest * HEADROOM
    } else {
        1.0
    }
}

fn draw_panel<DB: DrawingBackend>(
    panel: &BarPanel,
    cell: &DrawingArea<DB, Shift>,
) -> anyhow::Result<()> {
    let slots = panel.bars.len().max(1) as f64;
    let top = y_top(panel);
    let mut chart = ChartBuilder::on(cell)
        .caption(&panel.title, style::label_font())
        .margin(10)
        .margin_right(18)
        .x_label_area_size(0)
        .y_label_area_size(52)
        .build_cartesian_2d(0.0..slots, 0.0..top)
        .map_err(plot_err)?;
    let axis_decimals = decimals(top / 10.0);
    chart
        .configure_mesh()
        .house()
        .disable_x_mesh()
        .y_labels(6)
        .y_label_formatter(&|y| tick_label(*y, axis_decimals))
        .draw()
        .map_err(plot_err)?;

    let bars = panel.bars.iter().enumerate().map(|(i, b)| {
        let centre = i as f64 + 0.5;
        let half = BAR_WIDTH / 2.0;
        let colour = style::series_color(i);
        Rectangle::new(
            [(centre - half, 0.0), (centre + half, b.mean.max(0.0))],
            colour.filled(),
        )
    });
    chart.draw_series(bars).map_err(plot_err)?;

    for (i, b) in panel.bars.iter().enumerate() {
        let centre = i as f64 + 0.5;
        let (low, high) = (b.ci95[0].max(0.0), b.ci95[1].max(0.0));
        let cap = CAP_WIDTH / 2.0;
        let whisker = style::INK.stroke_width(1);
        let lines = [
            vec![(centre, low), (centre, high)],
            vec![(centre - cap, low), (centre + cap, low)],
            vec![(centre - cap, high), (centre + cap, high)],
        ];
        chart
            .draw_series(lines.into_iter().map(|l| PathElement::new(l, whisker)))
            .map_err(plot_err)?;
    }

    let above = style::tick_font().pos(Pos::new(HPos::Center, VPos::Bottom));
    let labels = panel.bars.iter().enumerate().map(|(i, b)| {
        let at = (i as f64 + 0.5, b.ci95[1].max(b.mean).max(0.0));
        let text = value_label(b.mean, panel.percent);
        EmptyElement::at(at) + Text::new(text, (0, -5), above.clone())
    });
    chart.draw_series(labels).map_err(plot_err)?;

    // The x axis is not drawn (scenarios are told apart by colour): mark the zero line.
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (slots, 0.0)],
            style::INK.stroke_width(1),
        )))
        .map_err(plot_err)?;
    Ok(())
}

/// A bar's label: about three significant digits, whole numbers without decimals; a percentage
/// that would round to 0% or 100% but is not says so.
fn value_label(value: f64, percent: bool) -> String {
    if percent && value > 99.95 && value < 100.0 {
        return ">99.9%".to_string();
    }
    if percent && value > 0.0 && value < 0.05 {
        return "<0.1%".to_string();
    }
    let d = if value.fract() == 0.0 {
        0
    } else {
        decimals(value.abs() / 100.0)
    };
    let suffix = if percent { "%" } else { "" };
    format!("{value:.d$}{suffix}")
}

/// A value-axis tick: at most `decimals` decimals, trailing zeros dropped ("2.50" -> "2.5").
fn tick_label(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Decimals that show one significant digit of `scale`, from 0 to 4.
fn decimals(scale: f64) -> usize {
    if scale.is_nan() || scale <= 0.0 {
        return 0;
    }
    (-scale.log10().floor()).clamp(0.0, 4.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(bars: &[(f64, f64, f64)]) -> BarPanel {
        BarPanel {
            title: "oversold orders per trial".into(),
            percent: false,
            bars: bars
                .iter()
                .map(|&(mean, lo, hi)| Bar {
                    mean,
                    ci95: [lo, hi],
                })
                .collect(),
        }
    }

    #[test]
    fn labels_have_about_three_significant_digits() {
        assert_eq!(value_label(0.9223, false), "0.922");
        assert_eq!(value_label(24.03, false), "24.0");
        assert_eq!(value_label(438.2, false), "438");
        assert_eq!(value_label(3.0, false), "3");
        assert_eq!(value_label(61.64, true), "61.6%");
        assert_eq!(value_label(0.0, true), "0%");
        assert_eq!(value_label(100.0, true), "100%");
        assert_eq!(value_label(99.967, true), ">99.9%");
        assert_eq!(value_label(0.03, true), "<0.1%");
    }

    #[test]
    fn the_axis_leaves_room_above_the_highest_whisker() {
        assert_eq!(
            y_top(&panel(&[(1.0, 0.8, 1.2), (2.0, 1.8, 2.4)])),
            2.4 * HEADROOM
        );
        assert_eq!(y_top(&panel(&[(0.0, 0.0, 0.0)])), 1.0);
    }

    #[test]
    fn panels_go_two_a_row() {
        assert_eq!(grid_shape(4), (2, 2));
        assert_eq!(grid_shape(3), (2, 2));
        assert_eq!(grid_shape(1), (1, 1));
    }

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(tick_label(3.0, 2), "3");
        assert_eq!(tick_label(2.5, 2), "2.5");
        assert_eq!(tick_label(0.25, 2), "0.25");
        assert_eq!(tick_label(40.0, 0), "40");
    }

    #[test]
    fn decimals_of_a_scale() {
        assert_eq!(decimals(0.2), 1);
        assert_eq!(decimals(0.05), 2);
        assert_eq!(decimals(20.0), 0);
        assert_eq!(decimals(0.0), 0);
    }
}
