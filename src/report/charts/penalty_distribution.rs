//! What oversells cost per trial: a histogram of the total penalty of a trial, with the mean, its
//! 95% confidence interval, p90 and p99 marked.

use super::style::HouseMesh;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{draw_title, nice_step};
use super::style::{self, Figure, plot_err};
use crate::report::format::{number, number_decimals, percent_label};
use crate::scenario::Scenario;
use crate::stats::{Metric, MetricSummary, RunAccumulator, RunSummary, Scope};

/// About this many buckets between 0 and the largest penalty.
const TARGET_BUCKETS: f64 = 25.0;

/// The prepared data of the penalty histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct PenaltyDistribution {
    /// Chart title.
    pub title: String,
    /// Currency of every amount.
    pub currency: String,
    /// Width of one bucket, currency; bucket `k` holds penalties in `[k w, (k + 1) w)`.
    pub bucket_width: f64,
    /// Share of trials per bucket, percent (they sum to 100).
    pub shares: Vec<f64>,
    /// Share of trials without any penalty, percent: part of the first bucket, drawn apart.
    pub zero_share: f64,
    /// Total penalty per trial over the run (mean, 95% CI, p90, p99, max), currency.
    pub penalty: MetricSummary,
    /// Mean penalty per trial of each channel, in scenario order, currency.
    pub channel_means: Vec<(String, f64)>,
    /// A remark drawn over the chart when every trial had penalty 0.
    pub note: Option<String>,
}

impl PenaltyDistribution {
    /// Prepares the histogram from a run's trials and their summary.
    pub fn from_run(scenario: &Scenario, summary: &RunSummary, stats: &RunAccumulator) -> Self {
        // The streamed histogram: exact at 0, each other bucket within 0.5% of its penalties.
        let penalties = stats.metric(Scope::Total, Metric::Penalty).histogram();
        let penalty = *summary.total.metric(Metric::Penalty);
        let bucket_width = bucket_width(penalty.max);
        let trials = penalties.iter().map(|&(_, t)| t).sum::<u64>().max(1) as f64;
        let zeros: u64 = penalties.iter().filter(|p| p.0 == 0.0).map(|p| p.1).sum();
        let note = (penalty.max <= 0.0).then(|| {
            if summary.total.metric(Metric::Oversold).max == 0.0 {
                "no oversell in any trial".to_string()
            } else {
                "no penalty in any trial: the oversold orders carry penalty 0".to_string()
            }
        });
        PenaltyDistribution {
            title: format!(
                "Penalty cost per trial — {} ({} trials)",
                scenario.name, summary.trials
            ),
            currency: summary.currency.clone(),
            bucket_width,
            shares: shares(&penalties, bucket_width, penalty.max),
            zero_share: zeros as f64 * 100.0 / trials,
            penalty,
            channel_means: (summary.channels.iter())
                .map(|(name, s)| (name.clone(), s.metric(Metric::Penalty).mean))
                .collect(),
            note,
        }
    }
}

/// A nice bucket width giving about [`TARGET_BUCKETS`] buckets up to `max`; 1 when `max` is 0.
fn bucket_width(max: f64) -> f64 {
    if max > 0.0 {
        nice_step(max / TARGET_BUCKETS)
    } else {
        1.0
    }
}

/// Share of trials per bucket of `width` from 0 to `max`, percent, from a histogram of
/// (penalty, trials); all zeros without trials.
fn shares(penalties: &[(f64, u64)], width: f64, max: f64) -> Vec<f64> {
    let buckets = (max.max(0.0) / width).floor() as usize + 1;
    let mut hits = vec![0u64; buckets];
    for &(penalty, trials) in penalties {
        let k = ((penalty.max(0.0) / width).floor() as usize).min(buckets - 1);
        hits[k] += trials;
    }
    let trials = penalties.iter().map(|&(_, t)| t).sum::<u64>().max(1) as f64;
    hits.iter().map(|&h| h as f64 * 100.0 / trials).collect()
}

impl PenaltyDistribution {
    /// Penalty axis: the buckets, and at least ten bucket widths so a lone bar stays narrow.
    fn x_range(&self) -> std::ops::Range<f64> {
        0.0..self.shares.len().max(10) as f64 * self.bucket_width
    }

    /// Share axis, with room above the tallest bar for the p90 and p99 tags.
    fn y_top(&self) -> f64 {
        let tallest = self.shares.iter().copied().fold(0.0, f64::max);
        (tallest * 1.2).clamp(1.0, 112.0)
    }

    /// "mean 12.3 USD (95% CI 11.8–12.9)": bounds with the decimals of the mean.
    fn mean_label(&self) -> String {
        let p = &self.penalty;
        let d = number_decimals(p.mean);
        format!(
            "mean {:.d$} {} (95% CI {:.d$}–{:.d$})",
            p.mean, self.currency, p.ci95[0], p.ci95[1]
        )
    }

    /// "mean per trial by channel: web 4.13 · pos 0.18 USD".
    fn channels_label(&self) -> String {
        let parts: Vec<String> = (self.channel_means.iter())
            .map(|(name, mean)| format!("{name} {}", number(*mean)))
            .collect();
        format!(
            "mean penalty per trial by channel: {} {}",
            parts.join(" · "),
            self.currency
        )
    }
}

impl Figure for PenaltyDistribution {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let body = draw_title(area, &self.title)?;
        let (width, height) = body.dim_in_pixel();
        let (key, body) = body.split_vertically(26);
        draw_key(&key, &self.key())?;
        let (plot, footer) = body.split_vertically(height.saturating_sub(26 + 26));
        let footnote = Text::new(
            self.channels_label(),
            (width as i32 / 2, 8),
            style::tick_font().pos(Pos::new(HPos::Center, VPos::Top)),
        );
        footer.draw(&footnote).map_err(plot_err)?;

        let x_name = format!("total penalty in one trial, {}", self.currency);
        let mut chart = ChartBuilder::on(&plot)
            .margin(8)
            .margin_right(24)
            .x_label_area_size(48)
            .y_label_area_size(60)
            .build_cartesian_2d(self.x_range(), 0.0..self.y_top())
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house()
            .disable_x_mesh()
            .x_desc(x_name)
            .y_desc("share of trials, %")
            .x_label_formatter(&|x| number(*x))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(plot_err)?;

        self.draw_bars(&chart)?;
        match &self.note {
            Some(note) => draw_note(&plot, note),
            None => self.draw_markers(&chart),
        }
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// How a key entry shows its mark.
#[derive(Debug, Clone, Copy)]
enum Swatch {
    /// A filled square.
    Fill(RGBColor),
    /// The mean: a line on its confidence band.
    MeanBand,
    /// A quantile: a dashed line.
    Dashed,
}

fn bar_color() -> RGBColor {
    style::ALERT
}

/// `color` blended two parts in three with white: a pale but opaque shade.
fn pale(color: RGBColor) -> RGBColor {
    let blend = |c: u8| ((u16::from(c) + 2 * 255) / 3) as u8;
    RGBColor(blend(color.0), blend(color.1), blend(color.2))
}

fn band_style() -> ShapeStyle {
    style::INK.mix(0.22).filled()
}

impl PenaltyDistribution {
    /// The key above the plot, so it never covers a bar or a marker.
    fn key(&self) -> Vec<(Swatch, String)> {
        let mut key = Vec::new();
        if self.zero_share < 100.0 {
            key.push((Swatch::Fill(bar_color()), "share of trials".to_string()));
        }
        if self.zero_share > 0.0 {
            let zero = format!(
                "no penalty (0 {}): {}",
                self.currency,
                percent_label(self.zero_share)
            );
            key.push((Swatch::Fill(pale(bar_color())), zero));
        }
        if self.note.is_none() {
            let p = &self.penalty;
            key.push((Swatch::MeanBand, self.mean_label()));
            for (name, value) in [("p90", p.p90), ("p99", p.p99)] {
                let text = format!("{name} {} {}", number(value), self.currency);
                key.push((Swatch::Dashed, text));
            }
        }
        key
    }

    fn draw_bars<DB: DrawingBackend>(&self, chart: &Chart<'_, DB>) -> anyhow::Result<()> {
        let w = self.bucket_width;
        let bar = bar_color().filled();
        // The first bar starts above the trials without any penalty, drawn below it in a pale
        // shade.
        let bars = self.shares.iter().enumerate().map(|(k, &share)| {
            let (left, bottom) = (k as f64 * w, if k == 0 { self.zero_share } else { 0.0 });
            Rectangle::new([(left + 0.06 * w, bottom), (left + 0.94 * w, share)], bar)
        });
        let area = chart.plotting_area();
        for bar in bars {
            area.draw(&bar).map_err(plot_err)?;
        }
        let pale = pale(bar_color()).filled();
        let zeros = Rectangle::new([(0.06 * w, 0.0), (0.94 * w, self.zero_share)], pale);
        area.draw(&zeros).map_err(plot_err)
    }

    fn draw_markers<DB: DrawingBackend>(&self, chart: &Chart<'_, DB>) -> anyhow::Result<()> {
        let p = self.penalty;
        let top = self.y_top();
        let area = chart.plotting_area();
        let ci = Rectangle::new([(p.ci95[0], 0.0), (p.ci95[1], top)], band_style());
        area.draw(&ci).map_err(plot_err)?;
        let mean = PathElement::new(
            vec![(p.mean, 0.0), (p.mean, top)],
            style::INK.stroke_width(2),
        );
        area.draw(&mean).map_err(plot_err)?;
        let quantiles = [("p90", p.p90, 1), ("p99", p.p99, 2)];
        for (name, value, row) in quantiles {
            let dashed = style::INK.stroke_width(1);
            let marker = DashedPathElement::new(vec![(value, 0.0), (value, top)], 5, 4, dashed);
            area.draw(&marker).map_err(plot_err)?;
            draw_tag(chart, name, value, row)?;
        }
        draw_tag(chart, "mean", p.mean, 0)
    }
}

/// Draws `entries` centred in one row (two if they do not fit) across `strip`.
fn draw_key<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    entries: &[(Swatch, String)],
) -> anyhow::Result<()> {
    let font = style::tick_font().pos(Pos::new(HPos::Left, VPos::Center));
    let (width, height) = strip.dim_in_pixel();
    let (swatch, gap) = (14, 22);
    let mut widths = Vec::with_capacity(entries.len());
    for (_, text) in entries {
        let (w, _) = strip.estimate_text_size(text, &font).map_err(plot_err)?;
        widths.push(swatch + 6 + w as i32);
    }
    let total = widths.iter().sum::<i32>() + gap * (widths.len() as i32 - 1).max(0);
    let mut x = ((width as i32 - total) / 2).max(4);
    let y = height as i32 / 2;
    for ((mark, text), w) in entries.iter().zip(widths) {
        draw_swatch(strip, *mark, (x, y))?;
        let label = Text::new(text.as_str(), (x + swatch + 6, y), font.clone());
        strip.draw(&label).map_err(plot_err)?;
        x += w + gap;
    }
    Ok(())
}

fn draw_swatch<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> anyhow::Result<()> {
    let result = match swatch {
        Swatch::Fill(color) => strip.draw(&Rectangle::new(
            [(x, y - 6), (x + 14, y + 6)],
            color.filled(),
        )),
        Swatch::MeanBand => {
            let band = Rectangle::new([(x + 2, y - 7), (x + 12, y + 7)], band_style());
            strip.draw(&band).and_then(|_| {
                let line = PathElement::new(
                    vec![(x + 7, y - 7), (x + 7, y + 7)],
                    style::INK.stroke_width(2),
                );
                strip.draw(&line)
            })
        }
        Swatch::Dashed => {
            let dashed = style::INK.stroke_width(1);
            strip.draw(&DashedPathElement::new(
                vec![(x, y), (x + 14, y)],
                3,
                2,
                dashed,
            ))
        }
    };
    result.map_err(plot_err)
}

/// A tag beside the top of the marker line at `x`, on text row `row` (0 at the top), so that
/// the tags of close markers stack instead of colliding.
fn draw_tag<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    text: &'static str,
    x: f64,
    row: i32,
) -> anyhow::Result<()> {
    let top = chart.y_range().end;
    let font = style::tick_font().pos(Pos::new(HPos::Left, VPos::Top));
    let tag = EmptyElement::at((x, top)) + Text::new(text, (5, 4 + 16 * row), font);
    chart.plotting_area().draw(&tag).map_err(plot_err)
}

/// A remark in the middle of the plot (used when there is nothing to mark).
fn draw_note<DB: DrawingBackend>(plot: &DrawingArea<DB, Shift>, note: &str) -> anyhow::Result<()> {
    let (w, h) = plot.dim_in_pixel();
    let font = style::label_font().pos(Pos::new(HPos::Center, VPos::Center));
    plot.draw(&Text::new(note, (w as i32 / 2, h as i32 / 3), font))
        .map_err(plot_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_bucket_widths() {
        assert_eq!(bucket_width(250.0), 10.0);
        assert_eq!(bucket_width(74.0), 5.0);
        assert_eq!(bucket_width(1.0), 0.05);
        assert_eq!(bucket_width(0.0), 1.0);
    }

    #[test]
    fn shares_cover_zero_to_max() {
        // Width 10: 0 and 9.99 in the first bucket, 30 (the max) in the fourth.
        let shares = shares(&[(0.0, 1), (9.99, 1), (10.0, 1), (30.0, 1)], 10.0, 30.0);
        assert_eq!(shares, [50.0, 25.0, 0.0, 25.0]);
    }

    #[test]
    fn all_zero_penalties_give_one_full_bucket() {
        assert_eq!(shares(&[(0.0, 7)], 1.0, 0.0), [100.0]);
        assert_eq!(shares(&[], 1.0, 0.0), [0.0]);
    }
}
