//! `oversell import`: how far each SKU's demand is from Poisson. Each SKU is a point at its mean
//! daily orders and its dispersion index (variance over mean of its daily counts): Poisson demand
//! sits around 1; demand whose days vary by a factor of coefficient of variation `cv` sits around
//! `1 + cv^2 m`, drawn dashed for a few values of `cv`.

use super::style::HouseMesh;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::draw_title_and_note;
use super::style::{self, Figure, plot_err};
use crate::import::estimate::{CvBasis, Fit};
use crate::report::format::tick;

/// The `cv` values drawn as reference curves.
const REFERENCE_CV: [f64; 3] = [0.25, 0.5, 1.0];

/// One SKU.
#[derive(Debug, Clone, PartialEq)]
pub struct DispersionPoint {
    /// Mean orders per day (over the days its counts cover).
    pub mean: f64,
    /// Variance over mean of its daily counts.
    pub dispersion: f64,
    /// Whether its `demand_cv` was estimated (else written as 0 for want of evidence).
    pub estimated: bool,
}

/// The prepared data of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispersion {
    /// Chart title.
    pub title: String,
    /// One point per SKU with orders.
    pub points: Vec<DispersionPoint>,
    /// One line under the plot.
    pub note: String,
}

impl Dispersion {
    /// Prepares the chart of `fit`.
    pub fn from_fit(fit: &Fit) -> Self {
        Dispersion {
            title: "Day-to-day variability: each SKU against Poisson".to_string(),
            points: fit
                .skus
                .iter()
                .filter(|s| s.daily_mean > 0.0)
                .map(|s| DispersionPoint {
                    mean: s.daily_mean,
                    dispersion: s.dispersion,
                    estimated: s.cv_basis == CvBasis::Estimated,
                })
                .collect(),
            note: "dispersion = variance / mean of daily orders; Poisson ≈ 1, dashed: 1 + cv²·m; \
                   hollow: too little evidence, demand_cv written as 0"
                .to_string(),
        }
    }
}

impl Figure for Dispersion {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let plot = draw_title_and_note(area, &self.title, &self.note)?;
        let lo = self
            .points
            .iter()
            .map(|p| p.mean)
            .fold(f64::INFINITY, f64::min);
        let hi = self.points.iter().map(|p| p.mean).fold(0.0, f64::max);
        let (lo, hi) = if lo.is_finite() && hi > 0.0 {
            (lo / 1.5, hi * 1.5)
        } else {
            (0.1, 10.0)
        };
        let top = self.points.iter().map(|p| p.dispersion).fold(2.0, f64::max) * 1.1;
        let mut chart = ChartBuilder::on(&plot)
            .margin(8)
            .margin_right(24)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..top)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house()
            .x_desc("mean orders per day (log scale)")
            .y_desc("dispersion index (variance / mean)")
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(LineSeries::new(
                [(lo, 1.0), (hi, 1.0)],
                style::TRUTH.stroke_width(2),
            ))
            .map_err(plot_err)?;
        for (i, cv) in REFERENCE_CV.iter().enumerate() {
            let curve: Vec<(f64, f64)> = (0..=60)
                .map(|k| lo * (hi / lo).powf(f64::from(k) / 60.0))
                .map(|m| (m, 1.0 + cv * cv * m))
                .filter(|(_, d)| *d <= top)
                .collect();
            let colour = style::series_color(i + 1);
            let end = curve.last().copied();
            chart
                .draw_series(DashedLineSeries::new(curve, 6, 4, colour.stroke_width(1)))
                .map_err(plot_err)?;
            // The curve's name where it leaves the plot (the top or the right edge).
            if let Some(end) = end {
                let tag = style::tick_font()
                    .color(&colour)
                    .pos(Pos::new(HPos::Right, VPos::Bottom));
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at(end) + Text::new(format!("cv {cv}"), (-4, -3), tag),
                    ))
                    .map_err(plot_err)?;
            }
        }
        let colour = style::series_color(0);
        chart
            .draw_series(self.points.iter().map(|p| {
                let style = if p.estimated {
                    colour.filled()
                } else {
                    colour.stroke_width(1)
                };
                Circle::new((p.mean, p.dispersion), 4, style)
            }))
            .map_err(plot_err)?;
        Ok(())
    }
}
