//! The chart of `oversell tune`: the recommended safety stock of each SKU against its velocity,
//! one labelled marker per SKU (SKUs at the same spot share a label); a SKU whose recommendation
//! could not meet the cancel-rate cap is drawn in the alert colour.

use super::style::HouseMesh;
use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::draw_title_and_note;
use super::style::{self, Figure, plot_err, save};
use crate::analysis::tune::Tuning;
use crate::report::ResultSet;
use crate::report::format::tick;

/// One marker: SKUs with the same velocity and recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuMark {
    /// Orders per day.
    pub velocity: f64,
    /// Recommended value, units.
    pub recommended: i64,
    /// The SKUs at this spot, comma-separated.
    pub label: String,
    /// Whether every SKU here meets the cancel-rate cap (true without a cap).
    pub meets_cap: bool,
}

/// The prepared data of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneChart {
    /// Chart title.
    pub title: String,
    /// Y axis description.
    pub y_label: String,
    /// The largest value tried (the top of the y axis).
    pub max: i64,
    /// The markers.
    pub marks: Vec<SkuMark>,
    /// One line under the plot.
    pub note: String,
}

impl TuneChart {
    /// Prepares the chart of `tuning`.
    pub fn from_tuning(tuning: &Tuning) -> TuneChart {
        let mut marks: Vec<SkuMark> = Vec::new();
        // (velocity bits, value) -> index in `marks`: a catalog of 10,000 SKUs stays linear.
        let mut spots = std::collections::HashMap::new();
        for r in &tuning.skus {
            let meets = r.meets_risk_cap != Some(false);
            let spot = (r.orders_per_day.to_bits(), r.recommended);
            match spots.get(&spot).map(|&i: &usize| &mut marks[i]) {
                Some(m) => {
                    m.label.push_str(&format!(", {}", r.sku));
                    m.meets_cap &= meets;
                }
                None => {
                    spots.insert(spot, marks.len());
                    marks.push(SkuMark {
                        velocity: r.orders_per_day,
                        recommended: r.recommended,
                        label: r.sku.clone(),
                        meets_cap: meets,
                    })
                }
            }
        }
        let knob = tuning.knob.key();
        TuneChart {
            title: format!("Recommended {knob} against velocity — {}", tuning.scenario),
            y_label: format!(
                "recommended {knob} on {}, units",
                tuning.channels.join(", ")
            ),
            max: tuning.max,
            marks,
            note: format!(
                "each SKU: the {knob} from 0 to {} with the least expected penalty + lost margin{} \
                 (up to {} trials per value, common random numbers)",
                tuning.max,
                tuning.max_cancel_risk.map_or(String::new(), |p| format!(
                    " among those with P(over limit) <= {p}"
                )),
                tuning.trials
            ),
        }
    }
}

/// Writes the chart of `tuning` as `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn tune_chart(
    tuning: &Tuning,
    set: &mut ResultSet,
    stem: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    save(&TuneChart::from_tuning(tuning), set, stem)
}

/// Markers beyond which none is labelled.
const MAX_LABELLED: usize = 60;

/// Vertical distance between stacked labels, pixels.
const LABEL_STEP: i32 = 15;

impl Figure for TuneChart {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let plot = draw_title_and_note(area, &self.title, &self.note)?;
        let y_range = -0.4..self.y_top();
        let mut builder = ChartBuilder::on(&plot);
        builder
            .margin(8)
            .margin_right(28)
            .x_label_area_size(48)
            .y_label_area_size(56);
        let (slowest, fastest) = self.velocity_range();
        // Velocities spanning a decade or more are spread out on a log axis.
        if slowest > 0.0 && fastest / slowest >= 10.0 {
            let x = (slowest / 1.3..fastest * 1.5).log_scale();
            let mut chart = builder.build_cartesian_2d(x, y_range).map_err(plot_err)?;
            self.draw_on(
                &mut chart,
                &plot,
                "velocity, orders per day (all channels, log scale)",
            )
        } else {
            let mut chart = builder
                .build_cartesian_2d(0.0..(fastest * 1.15).max(1.0), y_range)
                .map_err(plot_err)?;
            self.draw_on(&mut chart, &plot, "velocity, orders per day (all channels)")
        }
    }
}

impl TuneChart {
    fn velocity_range(&self) -> (f64, f64) {
        self.marks.iter().fold((f64::INFINITY, 0.0), |(lo, hi), m| {
            (lo.min(m.velocity), hi.max(m.velocity))
        })
    }

    /// The top of the value axis: room above the largest recommendation (at least 3 units).
    fn y_top(&self) -> f64 {
        let highest = self.marks.iter().map(|m| m.recommended).max().unwrap_or(0);
        (highest.max(2) + 1) as f64 + 0.2
    }

    fn draw_on<DB: DrawingBackend, X: Ranged<ValueType = f64> + ValueFormatter<f64>>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<X, RangedCoordf64>>,
        plot: &DrawingArea<DB, Shift>,
        x_label: &str,
    ) -> anyhow::Result<()> {
        let y_labels = (self.y_top().ceil() as usize + 1).min(12);
        chart
            .configure_mesh()
            .house()
            .x_desc(x_label)
            .y_desc(self.y_label.as_str())
            .x_labels(12)
            .y_labels(y_labels)
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| {
                // Only whole units are values.
                if (y - y.round()).abs() < 1e-9 && *y >= 0.0 {
                    format!("{}", y.round() as i64)
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(plot_err)?;
        let font = style::tick_font();
        // Labels go above their marker, one step higher while they would overlap one already
        // placed at the same height.
        let mut placed: Vec<(i32, i32, i32)> = Vec::new();
        let mut order: Vec<&SkuMark> = self.marks.iter().collect();
        order.sort_by(|a, b| a.velocity.total_cmp(&b.velocity));
        if order.len() > MAX_LABELLED {
            // A large catalog: markers only, labels would cover the plot.
            for mark in order {
                let colour = if mark.meets_cap {
                    style::series_color(0)
                } else {
                    style::ALERT
                };
                let at = (mark.velocity, mark.recommended as f64);
                chart
                    .draw_series(std::iter::once(Circle::new(at, 3, colour.filled())))
                    .map_err(plot_err)?;
            }
            return Ok(());
        }
        for mark in order {
            let colour = if mark.meets_cap {
                style::series_color(0)
            } else {
                style::ALERT
            };
            let at = (mark.velocity, mark.recommended as f64);
            let (px, py) = chart.backend_coord(&at);
            let text_width = plot
                .estimate_text_size(&mark.label, &font)
                .map_err(plot_err)?
                .0 as i32;
            let (left, right) = (px - text_width / 2, px + text_width / 2);
            let mut level = 0;
            while placed
                .iter()
                .any(|&(l, r, y)| y == py - level * LABEL_STEP && l < right + 6 && left < r + 6)
            {
                level += 1;
            }
            placed.push((left, right, py - level * LABEL_STEP));
            let label_font = font.pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(at)
                        + Circle::new((0, 0), 6, colour.filled())
                        + Text::new(mark.label.clone(), (0, -9 - level * LABEL_STEP), label_font),
                ))
                .map_err(plot_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tune::{Knob, KnobOutcome, Recommendation};

    fn recommendation(
        sku: &str,
        velocity: f64,
        recommended: i64,
        meets: Option<bool>,
    ) -> Recommendation {
        let at = KnobOutcome {
            value: recommended,
            oversold: 0.0,
            penalty: 0.0,
            lost_margin: 0.0,
            cost: 0.0,
            p_cancel_rate_over_limit: None,
            trials: 10,
        };
        Recommendation {
            sku: sku.into(),
            orders_per_day: velocity,
            initial: 5,
            recommended,
            at_recommended: at.clone(),
            at_zero: at.clone(),
            saving: 0.0,
            meets_risk_cap: meets,
            note: None,
            decision: crate::analysis::tune::Decision::Decided,
            screen_bound: None,
            neighbours: Vec::new(),
            trials: 10,
            curve: vec![at],
        }
    }

    #[test]
    fn skus_at_the_same_spot_share_a_marker() {
        let tuning = Tuning {
            scenario: "Stack".into(),
            file: String::new(),
            catalog: String::new(),
            knob: Knob::Buffer,
            channels: vec!["amazon".into(), "walmart".into()],
            max: 4,
            max_cancel_risk: Some(0.05),
            trials: 10,
            seed: 1,
            currency: "USD".into(),
            search: crate::analysis::tune::SearchReport::fixture(),
            skus: vec![
                recommendation("A", 2.0, 0, Some(true)),
                recommendation("B", 2.0, 0, Some(false)),
                recommendation("C", 30.0, 2, Some(true)),
            ],
            account: None,
        };
        let chart = TuneChart::from_tuning(&tuning);
        assert_eq!(chart.marks.len(), 2);
        assert_eq!(chart.marks[0].label, "A, B");
        assert!(!chart.marks[0].meets_cap);
        assert!(chart.marks[1].meets_cap);
        assert_eq!(chart.velocity_range(), (2.0, 30.0));
        // Room above the highest recommendation, and at least 3 units.
        assert_eq!(chart.y_top(), 3.2);
        assert!(chart.y_label.contains("amazon, walmart"));
    }
}
