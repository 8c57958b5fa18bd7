//! `oversell import`: the spread of velocities, every SKU's orders per day from fastest to
//! slowest (a log axis when they span a decade or more), to see how much of the demand the head of
//! the catalog carries.

use super::style::HouseMesh;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::frame::draw_title_and_note;
use super::style::{self, Figure, plot_err};
use crate::import::estimate::Fit;
use crate::report::format::tick;

/// The prepared data of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct VelocitySpread {
    /// Chart title.
    pub title: String,
    /// Orders per day of every SKU, fastest first.
    pub velocities: Vec<f64>,
    /// One line under the plot.
    pub note: String,
}

impl VelocitySpread {
    /// Prepares the chart of `fit`.
    pub fn from_fit(fit: &Fit) -> Self {
        let mut velocities: Vec<f64> = fit.skus.iter().map(|s| s.orders_per_day).collect();
        velocities.sort_by(|a, b| b.total_cmp(a));
        let total: f64 = velocities.iter().sum();
        let head = velocities.len().div_ceil(5);
        let head_share = velocities[..head].iter().sum::<f64>() / total.max(f64::MIN_POSITIVE);
        let median = velocities.get(velocities.len() / 2).copied().unwrap_or(0.0);
        VelocitySpread {
            title: format!("Velocity of each of {} SKUs", velocities.len()),
            note: format!(
                "median {} orders/day; the fastest {head} SKU(s) (20%) carry {:.0}% of orders",
                tick(median),
                100.0 * head_share
            ),
            velocities,
        }
    }
}

impl Figure for VelocitySpread {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let plot = draw_title_and_note(area, &self.title, &self.note)?;
        let n = self.velocities.len().max(1) as f64;
        let fastest = self.velocities.first().copied().unwrap_or(1.0).max(1e-3);
        let slowest = self
            .velocities
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(fastest, f64::min);
        let mut builder = ChartBuilder::on(&plot);
        builder
            .margin(8)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(64);
        let x = 0.5..n + 0.5;
        if fastest / slowest >= 10.0 {
            let y = (slowest / 1.5..fastest * 1.5).log_scale();
            let mut chart = builder.build_cartesian_2d(x, y).map_err(plot_err)?;
            self.draw_on(&mut chart, "orders per day (log scale)")
        } else {
            let mut chart = builder
                .build_cartesian_2d(x, 0.0..fastest * 1.1)
                .map_err(plot_err)?;
            self.draw_on(&mut chart, "orders per day")
        }
    }
}

impl VelocitySpread {
    fn draw_on<DB: DrawingBackend, Y: Ranged<ValueType = f64> + ValueFormatter<f64>>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
        y_label: &str,
    ) -> anyhow::Result<()> {
        chart
            .configure_mesh()
            .house()
            .x_desc("SKUs, fastest first")
            .y_desc(y_label)
            .x_labels(self.velocities.len().clamp(2, 12) + 1)
            // Ranks are whole numbers: ticks between them stay blank.
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-6 && *x >= 1.0 {
                    tick(x.round())
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| tick(*y))
            .draw()
            .map_err(plot_err)?;
        let colour = style::series_color(0);
        let points: Vec<(f64, f64)> = self
            .velocities
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(i, &v)| (i as f64 + 1.0, v))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), colour.stroke_width(1)))
            .map_err(plot_err)?;
        chart
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, colour.filled())),
            )
            .map_err(plot_err)?;
        Ok(())
    }
}
