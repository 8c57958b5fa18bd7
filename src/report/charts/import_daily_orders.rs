//! `oversell import`: orders per day over the exports' window, one line per channel, to see
//! trends, gaps in an export and promotions at a glance.

use super::style::HouseMesh;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::draw_title_and_note;
use super::style::{self, Figure, plot_err};
use crate::import::estimate::Fit;
use crate::import::time::add_days;
use crate::report::format::tick;

/// The prepared data of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyOrders {
    /// Chart title.
    pub title: String,
    /// Per channel: its name and its orders on each day of the window.
    pub series: Vec<(String, Vec<u64>)>,
    /// One line under the plot.
    pub note: String,
}

impl DailyOrders {
    /// Prepares the chart of `fit`.
    pub fn from_fit(fit: &Fit) -> Self {
        let last = add_days(fit.first_day, fit.days as i64 - 1);
        DailyOrders {
            title: format!("Orders per day by channel, {} to {last}", fit.first_day),
            series: fit
                .channels
                .iter()
                .map(|c| (c.name.clone(), c.daily.clone()))
                .collect(),
            note: format!(
                "day 0 is {}; an order is one SKU of one order; cancelled, test and \
                 marketplace-fulfilled orders left out",
                fit.first_day
            ),
        }
    }
}

impl Figure for DailyOrders {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let plot = draw_title_and_note(area, &self.title, &self.note)?;
        let days = self.series.iter().map(|(_, d)| d.len()).max().unwrap_or(1);
        let top = self
            .series
            .iter()
            .flat_map(|(_, d)| d.iter().copied())
            .max()
            .unwrap_or(0) as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin(8)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..(days.max(2) - 1) as f64, 0.0..(top * 1.1).max(1.0))
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house()
            .x_desc("day")
            .y_desc("orders per day")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()
            .map_err(plot_err)?;
        for (i, (name, daily)) in self.series.iter().enumerate() {
            let colour = style::series_color(i);
            let points = daily.iter().enumerate().map(|(d, &n)| (d as f64, n as f64));
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(plot_err)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(style::BACKGROUND.mix(0.9))
            .border_style(style::GRID)
            .label_font(style::tick_font())
            .draw()
            .map_err(plot_err)?;
        Ok(())
    }
}
