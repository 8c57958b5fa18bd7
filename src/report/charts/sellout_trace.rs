//! The demo's traced day of one stack: one SKU's physical stock and every channel's listing of
//! it, zoomed on the minutes around the moment it sold out (30 minutes either side), with the
//! whole day as a small overview on top. Oversells are red crosses; shaded bands are the time a
//! channel listed the SKU while nothing was on the shelf.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, Figure, HouseMesh, plot_err, save};
use crate::analysis::sellout::{SkuTrace, Zoom, value_at};
use crate::analysis::trace::Step;
use crate::report::ResultSet;

/// Height of the title band, pixels.
const TITLE_HEIGHT: u32 = 38;
/// Height of the legend line, pixels.
const LEGEND_HEIGHT: u32 = 26;
/// Height of the day's overview, pixels.
const OVERVIEW_HEIGHT: u32 = 150;
/// Side of a legend swatch, pixels.
const SWATCH: i32 = 20;

/// Channel colours in the traces: blues and purples, so that no channel line is mistaken for
/// the green or red of a stack's outcome.
const CHANNEL_COLORS: [RGBColor; 5] = [
    RGBColor(0, 114, 178),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(120, 94, 160),
    RGBColor(100, 100, 100),
];

/// The colour of channel `c` in the traces.
pub fn channel_color(c: usize) -> RGBColor {
    CHANNEL_COLORS[c % CHANNEL_COLORS.len()]
}

/// The light red of the bands where a channel listed the SKU with nothing on the shelf.
fn exposure_fill() -> ShapeStyle {
    style::ALERT.mix(0.12).filled()
}

/// One stack's traced day, ready to draw.
pub struct SelloutChart<'a> {
    /// Chart title.
    pub title: String,
    /// The traced SKU.
    pub trace: &'a SkuTrace,
    /// What to show.
    pub zoom: Zoom,
}

/// Writes `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn sellout_chart(
    chart: &SelloutChart<'_>,
    set: &mut ResultSet,
    stem: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    save(chart, set, stem)
}

/// A step series between `from` and `to` as line points `(x(time), units)`.
fn points(steps: &[Step], from: f64, to: f64, x: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    let mut out = vec![(x(from), value_at(steps, from) as f64)];
    for step in steps.iter().filter(|s| s.time > from && s.time < to) {
        let previous = out.last().map_or(0.0, |p| p.1);
        out.push((x(step.time), previous));
        out.push((x(step.time), step.value as f64));
    }
    let last = out.last().map_or(0.0, |p| p.1);
    out.push((x(to), last));
    out
}

/// The windows within `[from, to)` in which channel `c` listed at least one unit while the
/// physical stock was 0 or below, seconds.
pub fn exposures(trace: &SkuTrace, c: usize, from: f64, to: f64) -> Vec<(f64, f64)> {
    let mut times: Vec<f64> = trace
        .physical
        .iter()
        .chain(&trace.listed[c])
        .map(|s| s.time)
        .filter(|&t| t > from && t < to)
        .collect();
    times.push(from);
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut windows: Vec<(f64, f64)> = Vec::new();
    for (i, &t) in times.iter().enumerate() {
        let end = times.get(i + 1).copied().unwrap_or(to);
        let exposed = value_at(&trace.physical, t) <= 0 && value_at(&trace.listed[c], t) >= 1;
        if !exposed {
            continue;
        }
        match windows.last_mut() {
            Some(last) if last.1 == t => last.1 = end,
            _ => windows.push((t, end)),
        }
    }
    windows
}

impl SelloutChart<'_> {
    fn highest(&self, from: f64, to: f64) -> f64 {
        let t = self.trace;
        let series = std::iter::once(&t.physical).chain(&t.listed);
        let top = series
            .map(|steps| {
                let inside = steps.iter().filter(|s| s.time > from && s.time < to);
                inside
                    .map(|s| s.value)
                    .chain(std::iter::once(value_at(steps, from)))
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
            .max(1);
        (top + (top / 10).max(1)) as f64
    }

    fn draw_overview<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> anyhow::Result<()> {
        let (t, z) = (self.trace, self.zoom);
        let hours = |time: f64| (time - z.day_from) / 3600.0;
        let top = self.highest(z.day_from, z.day_to);
        let mut chart = ChartBuilder::on(area)
            .margin_left(10)
            .margin_right(24)
            .margin_top(4)
            .x_label_area_size(26)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..hours(z.day_to), 0.0..top)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house()
            .x_labels(13)
            .y_labels(3)
            .x_label_formatter(&|h| format!("{:02}:00", *h as u32))
            .y_label_formatter(&|u| format!("{u:.0}"))
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(hours(z.from), 0.0), (hours(z.to), top)],
                RGBColor(120, 120, 135).mix(0.18).filled(),
            )))
            .map_err(plot_err)?;
        for (c, steps) in t.listed.iter().enumerate() {
            let line = points(steps, z.day_from, z.day_to, hours);
            chart
                .draw_series(LineSeries::new(line, channel_color(c).stroke_width(1)))
                .map_err(plot_err)?;
        }
        let line = points(&t.physical, z.day_from, z.day_to, hours);
        chart
            .draw_series(LineSeries::new(line, style::TRUTH.stroke_width(2)))
            .map_err(plot_err)?;
        let crosses = t.oversells_in(z.day_from, z.day_to).map(|o| {
            Cross::new(
                (hours(o.time), o.listed as f64),
                3,
                style::ALERT.stroke_width(2),
            )
        });
        chart.draw_series(crosses).map_err(plot_err)?;
        let base = area.get_base_pixel();
        let (x, y) = chart.backend_coord(&(hours(z.to), top));
        let note = style::tick_font().pos(Pos::new(HPos::Left, VPos::Top));
        area.draw_text("zoomed below", &note, (x - base.0 + 4, y - base.1 + 2))
            .map_err(plot_err)?;
        Ok(())
    }

    fn draw_zoom<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let (t, z) = (self.trace, self.zoom);
        let minutes = |time: f64| (time - z.sellout) / 60.0;
        let top = self.highest(z.from, z.to);
        let floor = -top / 30.0;
        let mut chart = ChartBuilder::on(area)
            .margin_left(10)
            .margin_right(24)
            .margin_top(14)
            .x_label_area_size(46)
            .y_label_area_size(60)
            .build_cartesian_2d(minutes(z.from)..minutes(z.to), floor..top)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .house()
            .x_labels(13)
            .y_labels(8)
            .x_label_formatter(&|m| format!("{:+.0}", m).replace("+0", "0"))
            .y_label_formatter(&|u| {
                if *u >= 0.0 {
                    format!("{u:.0}")
                } else {
                    String::new()
                }
            })
            .x_desc("minutes from the moment the last unit sold")
            .y_desc("units")
            .draw()
            .map_err(plot_err)?;
        let bands = (0..t.listed.len())
            .flat_map(|c| exposures(t, c, z.from, z.to))
            .map(|(a, b)| {
                Rectangle::new([(minutes(a), floor), (minutes(b), top)], exposure_fill())
            });
        chart.draw_series(bands).map_err(plot_err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, floor), (0.0, top)],
                style::INK.mix(0.5).stroke_width(1),
            )))
            .map_err(plot_err)?;
        for (c, steps) in t.listed.iter().enumerate() {
            let line = points(steps, z.from, z.to, minutes);
            chart
                .draw_series(LineSeries::new(line, channel_color(c).stroke_width(2)))
                .map_err(plot_err)?;
        }
        let line = points(&t.physical, z.from, z.to, minutes);
        chart
            .draw_series(LineSeries::new(line, style::TRUTH.stroke_width(3)))
            .map_err(plot_err)?;
        let crosses = t.oversells_in(z.from, z.to).map(|o| {
            Cross::new(
                (minutes(o.time), o.listed as f64),
                7,
                style::ALERT.stroke_width(3),
            )
        });
        chart.draw_series(crosses).map_err(plot_err)?;
        let base = area.get_base_pixel();
        let (x, y) = chart.backend_coord(&(0.0, top));
        let note = style::tick_font().pos(Pos::new(HPos::Left, VPos::Top));
        area.draw_text("sold out", &note, (x - base.0 + 4, y - base.1 + 2))
            .map_err(plot_err)?;
        Ok(())
    }

    fn draw_legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let font = style::tick_font();
        let mut items: Vec<(Option<RGBColor>, String)> =
            vec![(Some(style::TRUTH), "on the shelf".to_owned())];
        for (c, name) in self.trace.channels.iter().enumerate() {
            items.push((Some(channel_color(c)), format!("listed on {name}")));
        }
        items.push((None, "oversell".to_owned()));
        let widths = items
            .iter()
            .map(|(_, text)| area.estimate_text_size(text, &font).map(|(w, _)| w as i32))
            .collect::<Result<Vec<_>, _>>()
            .map_err(plot_err)?;
        let spacing = 22;
        let total: i32 =
            widths.iter().map(|w| w + SWATCH + 6).sum::<i32>() + spacing * (items.len() as i32 - 1);
        let (width, _) = area.dim_in_pixel();
        let mut x = (width as i32 - total) / 2;
        let y = LEGEND_HEIGHT as i32 / 2;
        for ((color, text), w) in items.iter().zip(widths) {
            match color {
                Some(color) => area.draw(&PathElement::new(
                    vec![(x, y), (x + SWATCH, y)],
                    color.stroke_width(3),
                )),
                None => area.draw(&Cross::new(
                    (x + SWATCH / 2, y),
                    5,
                    style::ALERT.stroke_width(2),
                )),
            }
            .map_err(plot_err)?;
            let style = font.pos(Pos::new(HPos::Left, VPos::Center));
            area.draw_text(text, &style, (x + SWATCH + 6, y))
                .map_err(plot_err)?;
            x += SWATCH + 6 + w + spacing;
        }
        Ok(())
    }
}

impl Figure for SelloutChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let (width, _) = area.dim_in_pixel();
        let title = style::title_font().pos(Pos::new(HPos::Center, VPos::Top));
        area.draw_text(&self.title, &title, ((width / 2) as i32, 8))
            .map_err(plot_err)?;
        let (_, rest) = area.split_vertically(TITLE_HEIGHT);
        let (legend, rest) = rest.split_vertically(LEGEND_HEIGHT);
        self.draw_legend(&legend)?;
        let (overview, zoom) = rest.split_vertically(OVERVIEW_HEIGHT);
        self.draw_overview(&overview)?;
        self.draw_zoom(&zoom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace() -> SkuTrace {
        let step = |time, value| Step { time, value };
        SkuTrace {
            trial: 0,
            sku: 0,
            sku_name: "TEE".to_owned(),
            channels: vec!["shopify".to_owned()],
            horizon: 86_400.0,
            physical: vec![step(0.0, 3), step(100.0, 0), step(400.0, 5)],
            listed: vec![vec![step(0.0, 3), step(200.0, 0), step(400.0, 5)]],
            oversells: Vec::new(),
            sellouts: vec![100.0],
        }
    }

    #[test]
    fn a_channel_is_exposed_while_it_lists_with_nothing_on_the_shelf() {
        assert_eq!(exposures(&trace(), 0, 0.0, 1000.0), vec![(100.0, 200.0)]);
        assert_eq!(exposures(&trace(), 0, 150.0, 1000.0), vec![(150.0, 200.0)]);
    }

    #[test]
    fn points_hold_each_value_until_the_next_step() {
        let t = trace();
        let line = points(&t.physical, 50.0, 150.0, |s| s);
        assert_eq!(
            line,
            vec![(50.0, 3.0), (100.0, 3.0), (100.0, 0.0), (150.0, 0.0)]
        );
    }
}
