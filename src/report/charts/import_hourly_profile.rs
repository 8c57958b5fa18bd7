//! `oversell import`: the hourly profile of each channel, each hour's orders over the day's
//! average (the `hourly_profile` written to the scenario), with the flat day of a profile-free
//! scenario dashed at 1.

use super::style::HouseMesh;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::frame::draw_title_and_note;
use super::style::{self, Figure, plot_err};
use crate::import::estimate::Fit;
use crate::report::format::tick;

/// The prepared data of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlyProfile {
    /// Chart title.
    pub title: String,
    /// Per channel with times of day: its name and its 24 multipliers, hour 0 first.
    pub series: Vec<(String, [f64; 24])>,
    /// One line under the plot.
    pub note: String,
}

impl HourlyProfile {
    /// Prepares the chart of `fit`; `zone` names the clock the hours are in.
    pub fn from_fit(fit: &Fit, zone: &str) -> Self {
        HourlyProfile {
            title: "Orders by hour of the day (hourly_profile)".to_string(),
            series: fit
                .channels
                .iter()
                .filter_map(|c| c.profile.map(|p| (c.name.clone(), p)))
                .collect(),
            note: format!("hours in {zone}; 1 = the day's average hour"),
        }
    }
}

impl Figure for HourlyProfile {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let plot = draw_title_and_note(area, &self.title, &self.note)?;
        let top = self
            .series
            .iter()
            .flat_map(|(_, p)| p.iter().copied())
            .fold(1.0, f64::max);
        let mut chart = ChartBuilder::on(&plot)
            .margin(8)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..24.0, 0.0..top * 1.1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house()
            .x_desc("hour of the day")
            .y_desc("orders over the average hour")
            .x_labels(13)
            .x_label_formatter(&|x| format!("{:02}h", *x as u32))
            .y_label_formatter(&|y| tick(*y))
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, 1.0), (24.0, 1.0)],
                6,
                4,
                style::INK.mix(0.6).stroke_width(1),
            ))
            .map_err(plot_err)?;
        for (i, (name, profile)) in self.series.iter().enumerate() {
            let colour = style::series_color(i);
            // A step per hour: the profile is constant within each hour.
            let steps = profile
                .iter()
                .enumerate()
                .flat_map(|(h, &v)| [(h as f64, v), (h as f64 + 1.0, v)]);
            chart
                .draw_series(LineSeries::new(steps, colour.stroke_width(2)))
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
