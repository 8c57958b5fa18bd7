//! How many orders a trial oversells: per channel and for all channels together, the share of
//! trials with 0, 1, 2, ... oversold orders, one small panel each, the mean marked.

use super::style::HouseMesh;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{draw_title, nice_step};
use super::style::{self, Figure, plot_err};
use crate::report::format::{number, percent_label};
use crate::scenario::Scenario;
use crate::stats::{Metric, RunAccumulator, RunSummary, Scope};

/// Above this many distinct counts, counts are grouped into buckets of a nice width.
const MAX_BUCKETS: u64 = 30;

/// A range of oversold counts drawn as one bar: `lo..=hi` orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountBucket {
    /// Smallest count in the bucket, orders.
    pub lo: u64,
    /// Largest count in the bucket, orders.
    pub hi: u64,
}

/// One panel: a channel, or all channels together.
#[derive(Debug, Clone, PartialEq)]
pub struct OversoldPanel {
    /// Channel name, or "all channels".
    pub name: String,
    /// Bar colour.
    pub color: RGBAColor,
    /// The bars, from count 0 up to the largest count: shared by the channel panels, so they
    /// compare at a glance; the all-channels panel has its own (its counts are larger).
    pub buckets: Vec<CountBucket>,
    /// Share of trials per bucket, percent (they sum to 100).
    pub shares: Vec<f64>,
    /// Mean oversold orders per trial (from the run summary), orders.
    pub mean: f64,
    /// Share of trials with at least one oversold order, percent.
    pub any_oversell: f64,
}

/// The prepared data of the oversold-orders histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct OversoldHistogram {
    /// Chart title.
    pub title: String,
    /// One panel per channel in scenario order, then all channels together (left out when there
    /// is only one channel, as it would repeat that channel).
    pub panels: Vec<OversoldPanel>,
}

impl OversoldHistogram {
    /// Prepares the histogram from a run's trials and their summary.
    pub fn from_run(scenario: &Scenario, summary: &RunSummary, stats: &RunAccumulator) -> Self {
        let channels: Vec<Vec<(u64, u64)>> = (0..scenario.channels.len())
            .map(|i| oversold_counts(stats, Scope::Channel(i)))
            .collect();
        let channel_buckets = buckets_up_to(channels.iter().flatten().map(|&(v, _)| v).max());
        let mut panels: Vec<OversoldPanel> = (scenario.channels.iter().zip(&channels))
            .enumerate()
            .map(|(i, (channel, counts))| {
                let color = style::series_color(i).to_rgba();
                let buckets = channel_buckets.clone();
                panel(
                    summary,
                    Scope::Channel(i),
                    &channel.name,
                    color,
                    buckets,
                    counts,
                )
            })
            .collect();
        if panels.len() > 1 {
            let total = oversold_counts(stats, Scope::Total);
            let buckets = buckets_up_to(total.iter().map(|&(v, _)| v).max());
            let color = style::INK.mix(0.75);
            panels.push(panel(
                summary,
                Scope::Total,
                "all channels",
                color,
                buckets,
                &total,
            ));
        }
        OversoldHistogram {
            title: format!(
                "Oversold orders per trial — {} ({} trials)",
                scenario.name, summary.trials
            ),
            panels,
        }
    }
}

fn panel(
    summary: &RunSummary,
    scope: Scope,
    name: &str,
    color: RGBAColor,
    buckets: Vec<CountBucket>,
    counts: &[(u64, u64)],
) -> OversoldPanel {
    let of = summary.scope(scope);
    OversoldPanel {
        name: name.to_string(),
        color,
        shares: shares(counts, &buckets),
        buckets,
        mean: of.map_or(0.0, |s| s.metric(Metric::Oversold).mean),
        any_oversell: of.map_or(0.0, |s| s.p_any_oversell * 100.0),
    }
}

/// The exact histogram of oversold orders per trial: (orders, trials).
fn oversold_counts(stats: &RunAccumulator, scope: Scope) -> Vec<(u64, u64)> {
    (stats
        .metric(scope, Metric::Oversold)
        .histogram()
        .into_iter())
    .map(|(value, trials)| (value as u64, trials))
    .collect()
}

/// Buckets covering `0..=max` (just 0 without trials): one per count up to [`MAX_BUCKETS`]
/// counts, else of a nice width.
fn buckets_up_to(max: Option<u64>) -> Vec<CountBucket> {
    let distinct = max.unwrap_or(0) + 1;
    let width = if distinct <= MAX_BUCKETS {
        1
    } else {
        nice_step(distinct as f64 / MAX_BUCKETS as f64).ceil() as u64
    };
    (0..distinct.div_ceil(width))
        .map(|k| CountBucket {
            lo: k * width,
            hi: k * width + width - 1,
        })
        .collect()
}

/// Share of trials in each bucket, percent, from a histogram of (count, trials); all zeros
/// without trials.
fn shares(histogram: &[(u64, u64)], buckets: &[CountBucket]) -> Vec<f64> {
    let mut hits = vec![0u64; buckets.len()];
    let width = buckets.first().map_or(1, |b| b.hi - b.lo + 1);
    for &(count, trials) in histogram {
        let k = ((count / width) as usize).min(hits.len().saturating_sub(1));
        hits[k] += trials;
    }
    let trials = histogram.iter().map(|&(_, t)| t).sum::<u64>().max(1) as f64;
    hits.iter().map(|&h| h as f64 * 100.0 / trials).collect()
}

impl OversoldPanel {
    /// Count axis: half a count beyond the outer buckets, so bars sit centred on their counts;
    /// at least 0 to 4, so that one or two bars do not fill a whole panel.
    fn x_range(&self) -> std::ops::Range<f64> {
        let last = self.buckets.last().map_or(0, |b| b.hi).max(4);
        -0.5..last as f64 + 0.5
    }

    fn bucket_width(&self) -> u64 {
        self.buckets.first().map_or(1, |b| b.hi - b.lo + 1)
    }
}

impl OversoldHistogram {
    /// Share axis, shared by all panels, with room above the tallest bar for its label.
    fn y_top(&self) -> f64 {
        let tallest = (self.panels.iter())
            .flat_map(|p| p.shares.iter().copied())
            .fold(0.0, f64::max);
        (tallest * 1.18).clamp(1.0, 112.0)
    }
}

/// Count-axis tick labels: whole counts only (a fraction of an order means nothing).
fn whole_counts(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        String::new()
    }
}

impl Figure for OversoldHistogram {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let body = draw_title(area, &self.title)?;
        let (_, height) = body.dim_in_pixel();
        let (body, footer) = body.split_vertically(height.saturating_sub(46));
        let (side, grid) = body.split_horizontally(30);
        draw_axis_names(&side, &footer)?;
        let (rows, cols) = grid_shape(self.panels.len());
        for (panel, cell) in self.panels.iter().zip(grid.split_evenly((rows, cols))) {
            self.draw_panel(panel, &cell)?;
        }
        Ok(())
    }
}

/// Rows and columns for `panels` small multiples: up to three columns.
fn grid_shape(panels: usize) -> (usize, usize) {
    let cols = panels.clamp(1, 3);
    (panels.div_ceil(cols).max(1), cols)
}

/// The axis names shared by all panels, the count below (with a key to the marks) and the
/// share (rotated) on the left.
fn draw_axis_names<DB: DrawingBackend>(
    side: &DrawingArea<DB, Shift>,
    footer: &DrawingArea<DB, Shift>,
) -> anyhow::Result<()> {
    let top_centre = Pos::new(HPos::Center, VPos::Top);
    let (w, _) = footer.dim_in_pixel();
    let lines = [
        ("oversold orders in one trial", style::label_font(), 2),
        (
            "bars: share of trials with that many oversold orders · dashed line: mean per trial · \
             P(≥1): share of trials with any oversell",
            style::tick_font(),
            26,
        ),
    ];
    for (text, font, y) in lines {
        let text = Text::new(text, (w as i32 / 2, y), font.pos(top_centre));
        footer.draw(&text).map_err(plot_err)?;
    }
    let (w, h) = side.dim_in_pixel();
    let y_name = style::label_font()
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let text = Text::new("share of trials, %", (w as i32 / 2, h as i32 / 2), y_name);
    side.draw(&text).map_err(plot_err)
}

impl OversoldHistogram {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &OversoldPanel,
        cell: &DrawingArea<DB, Shift>,
    ) -> anyhow::Result<()> {
        let caption = format!(
            "{} · mean {} · P(≥1) {}",
            panel.name,
            number(panel.mean),
            percent_label(panel.any_oversell)
        );
        let top = self.y_top();
        let mut chart = ChartBuilder::on(cell)
            .caption(caption, style::label_font())
            .margin(8)
            .margin_right(14)
            .x_label_area_size(22)
            .y_label_area_size(40)
            .build_cartesian_2d(panel.x_range(), 0.0..top)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house()
            .disable_x_mesh()
            .y_labels(5)
            .x_labels(7)
            .x_label_formatter(&whole_counts)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(plot_err)?;

        let gap = 0.12 * panel.bucket_width() as f64;
        let bars = (panel.buckets.iter().zip(&panel.shares)).map(|(b, &share)| {
            let (left, right) = (b.lo as f64 - 0.5 + gap, b.hi as f64 + 0.5 - gap);
            Rectangle::new([(left, 0.0), (right, share)], panel.color.filled())
        });
        chart.draw_series(bars).map_err(plot_err)?;

        let line = style::INK.stroke_width(2);
        let mean = DashedLineSeries::new([(panel.mean, 0.0), (panel.mean, top)], 6, 4, line);
        chart.draw_series(mean).map_err(plot_err)?;
        draw_share_labels(panel, &chart)
    }
}

/// The share above each bar, on a white box so the mean line passes behind it; none at all
/// when some label would be wider than its bar (they would run into each other).
fn draw_share_labels<DB: DrawingBackend>(
    panel: &OversoldPanel,
    chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> anyhow::Result<()> {
    let area = chart.plotting_area();
    let font = style::tick_font().pos(Pos::new(HPos::Center, VPos::Bottom));
    let span = chart.x_range().end - chart.x_range().start;
    let bar_pixels = area.dim_in_pixel().0 as f64 * panel.bucket_width() as f64 / span;
    let mut labels = Vec::new();
    for (bucket, &share) in panel.buckets.iter().zip(&panel.shares) {
        if share > 0.0 {
            let text = percent_label(share);
            let (w, h) = area.estimate_text_size(&text, &font).map_err(plot_err)?;
            if f64::from(w + 4) > bar_pixels {
                return Ok(());
            }
            let centre = (bucket.lo + bucket.hi) as f64 / 2.0;
            labels.push((text, centre, share, w as i32 / 2 + 2, h as i32 + 4));
        }
    }
    for (text, centre, share, half_width, height) in labels {
        let label = EmptyElement::at((centre, share))
            + Rectangle::new(
                [(-half_width, -height), (half_width, -1)],
                style::BACKGROUND.filled(),
            )
            + Text::new(text, (0, -2), font.clone());
        area.draw(&label).map_err(plot_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bucket_per_count_up_to_thirty() {
        let buckets = buckets_up_to(Some(4));
        assert_eq!(buckets.len(), 5);
        assert_eq!(buckets[4], CountBucket { lo: 4, hi: 4 });
        assert_eq!(buckets_up_to(Some(29)).len(), 30);
        assert_eq!(buckets_up_to(None), [CountBucket { lo: 0, hi: 0 }]);
    }

    #[test]
    fn large_counts_are_bucketed() {
        // 31 distinct counts: width 2, 16 buckets, the last holding 30 (and 31).
        let buckets = buckets_up_to(Some(30));
        assert_eq!(buckets.len(), 16);
        assert_eq!(buckets[15], CountBucket { lo: 30, hi: 31 });
        // 1000 distinct counts: width 50, 20 buckets.
        let buckets = buckets_up_to(Some(999));
        assert_eq!(buckets.len(), 20);
        assert_eq!(buckets[1], CountBucket { lo: 50, hi: 99 });
    }

    #[test]
    fn shares_are_percent_of_trials() {
        let buckets = buckets_up_to(Some(30));
        let shares = shares(&[(0, 1), (1, 2), (30, 1)], &buckets);
        assert_eq!(shares[0], 75.0);
        assert_eq!(shares[15], 25.0);
        assert_eq!(shares.iter().sum::<f64>(), 100.0);
        assert!(super::shares(&[], &buckets).iter().all(|s| *s == 0.0));
    }

    #[test]
    fn grid_shapes() {
        assert_eq!(grid_shape(1), (1, 1));
        assert_eq!(grid_shape(3), (1, 3));
        assert_eq!(grid_shape(5), (2, 3));
        assert_eq!(grid_shape(9), (3, 3));
    }
}
