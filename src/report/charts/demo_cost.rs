//! The demo's cost chart: one horizontal bar per stack, its mean cost per year (cancelled
//! orders and lost sales, estimated) with the 95% confidence interval as a whisker, each bar in
//! its stack's outcome colour (best green, worst red), the best on top.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, Figure, HouseMesh, plot_err, save};
use crate::report::ResultSet;

/// Share of a stack's row that its bar fills.
const BAR_HEIGHT: f64 = 0.56;
/// Share of a stack's row that a whisker's caps span.
const CAP_HEIGHT: f64 = 0.22;

/// One stack's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct CostBar {
    /// Stack name.
    pub name: String,
    /// Mean cost per year, currency.
    pub mean: f64,
    /// 95% confidence interval of that mean, currency per year.
    pub ci95: [f64; 2],
    /// The bar's colour.
    pub color: RGBColor,
    /// The label written beside the whisker ("$24,300").
    pub label: String,
}

/// The prepared cost chart: bars top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct CostChart {
    /// Chart title.
    pub title: String,
    /// The x axis description ("USD per year").
    pub axis: String,
    /// One bar per stack, drawn top to bottom.
    pub bars: Vec<CostBar>,
}

/// Writes `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn cost_chart(
    chart: &CostChart,
    set: &mut ResultSet,
    stem: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    save(chart, set, stem)
}

/// "12k", "1.5M", "800": a compact money tick.
fn compact(x: f64) -> String {
    let a = x.abs();
    if a >= 1e6 {
        format!("{}M", trim(x / 1e6))
    } else if a >= 1e3 {
        format!("{}k", trim(x / 1e3))
    } else {
        trim(x)
    }
}

fn trim(x: f64) -> String {
    let text = format!("{x:.1}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

impl Figure for CostChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let rows = self.bars.len().max(1) as f64;
        let widest = self
            .bars
            .iter()
            .map(|b| b.ci95[1].max(b.mean))
            .fold(0.0, f64::max)
            .max(1.0);
        let label_room = self
            .bars
            .iter()
            .map(|b| area.estimate_text_size(&b.name, &style::label_font()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(plot_err)?
            .into_iter()
            .map(|(w, _)| w)
            .max()
            .unwrap_or(0);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, style::title_font())
            .margin(16)
            .margin_right(40)
            .x_label_area_size(48)
            .y_label_area_size(label_room + 16)
            .build_cartesian_2d(0.0..widest * 1.22, 0.0..rows)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(8)
            .x_label_formatter(&|x| compact(*x))
            .x_desc(&self.axis)
            .draw()
            .map_err(plot_err)?;
        // Row `i` (from the top) spans [top(i) - 1, top(i)).
        let centre = |i: usize| rows - i as f64 - 0.5;
        for (i, bar) in self.bars.iter().enumerate() {
            let y = centre(i);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (0.0, y - BAR_HEIGHT / 2.0),
                        (bar.mean, y + BAR_HEIGHT / 2.0),
                    ],
                    bar.color.filled(),
                )))
                .map_err(plot_err)?;
            let [lo, hi] = bar.ci95;
            let whisker = style::INK.stroke_width(2);
            let caps = [lo, hi].map(|x| {
                PathElement::new(
                    vec![(x, y - CAP_HEIGHT / 2.0), (x, y + CAP_HEIGHT / 2.0)],
                    whisker,
                )
            });
            chart
                .draw_series(
                    std::iter::once(PathElement::new(vec![(lo, y), (hi, y)], whisker)).chain(caps),
                )
                .map_err(plot_err)?;
            let (x, py) = chart.backend_coord(&(hi.max(bar.mean), y));
            let base = area.get_base_pixel();
            let value = style::label_font().pos(Pos::new(HPos::Left, VPos::Center));
            area.draw_text(&bar.label, &value, (x - base.0 + 8, py - base.1))
                .map_err(plot_err)?;
            let (x0, _) = chart.backend_coord(&(0.0, y));
            let name = style::label_font().pos(Pos::new(HPos::Right, VPos::Center));
            area.draw_text(&bar.name, &name, (x0 - base.0 - 10, py - base.1))
                .map_err(plot_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_ticks() {
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(12_000.0), "12k");
        assert_eq!(compact(1_500_000.0), "1.5M");
        assert_eq!(compact(250.0), "250");
    }
}
