//! `oversell bench --workload scaling`: the cost of one trial against the number of trials, the
//! size of the catalog (same total demand) and the horizon, one panel each, log-log.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{draw_title, draw_title_and_note};
use super::style::{self, Figure, HouseMesh, plot_err};
use crate::report::format::{significant, tick};

/// One measured point: `x` (trials, SKUs or days) and the cost of a trial there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostPoint {
    /// Trials, SKUs or days.
    pub x: f64,
    /// Wall-clock time of one trial, milliseconds.
    pub ms_per_trial: f64,
}

/// One panel: a series of points and what its axis counts.
#[derive(Debug, Clone, PartialEq)]
pub struct CostPanel {
    /// Panel title.
    pub title: String,
    /// The x axis's name.
    pub x_label: String,
    /// The points, by increasing `x`.
    pub points: Vec<CostPoint>,
}

/// The prepared data of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchScaling {
    /// Chart title.
    pub title: String,
    /// The panels, left to right.
    pub panels: Vec<CostPanel>,
    /// One line under the plots.
    pub note: String,
}

impl Figure for BenchScaling {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let plot = draw_title_and_note(area, &self.title, &self.note)?;
        let columns = self.panels.len().max(1);
        for (i, (panel, cell)) in self
            .panels
            .iter()
            .zip(plot.split_evenly((1, columns)))
            .enumerate()
        {
            draw_panel(panel, &cell, style::series_color(i))?;
        }
        Ok(())
    }
}

/// A log range around `values` (all > 0), padded so that the points sit inside the frame.
fn log_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (low, high) = values
        .filter(|v| *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !low.is_finite() {
        return 0.1..10.0;
    }
    // At least a factor of 10 top to bottom, so that a flat series looks flat.
    let middle = (low * high).sqrt();
    // Room on each side for the value written centred over the first and last points.
    let half = (high / low).sqrt().max(10f64.sqrt()) * 1.7;
    middle / half..middle * half
}

fn draw_panel<DB: DrawingBackend>(
    panel: &CostPanel,
    area: &DrawingArea<DB, Shift>,
    colour: RGBColor,
) -> anyhow::Result<()> {
    let body = draw_title(area, &panel.title)?;
    let x = log_range(panel.points.iter().map(|p| p.x));
    let y = log_range(panel.points.iter().map(|p| p.ms_per_trial));
    let mut chart = ChartBuilder::on(&body)
        .margin(8)
        .margin_right(16)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(x.log_scale(), y.log_scale())
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .house()
        .x_desc(panel.x_label.as_str())
        .y_desc("ms per trial")
        .x_labels(4)
        .y_labels(5)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(plot_err)?;
    let points: Vec<(f64, f64)> = panel.points.iter().map(|p| (p.x, p.ms_per_trial)).collect();
    chart
        .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
        .map_err(plot_err)?;
    chart
        .draw_series(points.iter().map(|&p| Circle::new(p, 4, colour.filled())))
        .map_err(plot_err)?;
    let label_font = style::tick_font().pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(
            points
                .iter()
                .map(|&(x, y)| Text::new(significant(y), (x, y * 1.12), label_font.clone())),
        )
        .map_err(plot_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_series_spans_a_decade() {
        let r = log_range([2.0, 2.2].into_iter());
        assert!(r.end / r.start >= 10.0, "{r:?}");
        assert!(r.start < 2.0 && r.end > 2.2);
        let wide = log_range([1.0, 1000.0].into_iter());
        assert!(wide.start < 1.0 && wide.end > 1000.0);
    }

    #[test]
    fn the_chart_draws() {
        let chart = BenchScaling {
            title: "Cost of one trial".to_owned(),
            panels: vec![CostPanel {
                title: "against trials".to_owned(),
                x_label: "trials".to_owned(),
                points: vec![
                    CostPoint {
                        x: 1000.0,
                        ms_per_trial: 0.05,
                    },
                    CostPoint {
                        x: 10000.0,
                        ms_per_trial: 0.048,
                    },
                ],
            }],
            note: "note".to_owned(),
        };
        style::register_fonts();
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, style::SIZE).into_drawing_area();
            chart.draw(&area).unwrap();
            area.present().unwrap();
        }
        assert!(svg.contains("ms per trial"), "{svg}");
        assert!(svg.contains("against trials"));
    }
}
