//! The timeline of one traced trial: physical stock and every channel's listing as step lines,
//! oversells marked, exposure windows shaded, and below them one row of sync deliveries per link.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, Figure, plot_err, save};
use crate::analysis::trace::{Step, Timeline};
use crate::report::ResultSet;

/// Height of one link's row of deliveries, pixels (at most).
const ROW_HEIGHT: u32 = 16;
/// Height of one link's row below which the strip grows rather than the rows shrink, pixels.
const MIN_ROW_HEIGHT: u32 = 11;
/// Height of the x axis under the lowest chart (tick labels and the axis description), pixels.
const X_AXIS_HEIGHT: u32 = 46;
/// Height of one line of the legend, pixels.
const LEGEND_LINE: u32 = 22;
/// Space to the right of the plots, pixels.
const RIGHT_MARGIN: u32 = 24;
/// Space to the left of the label areas, pixels.
const LEFT_MARGIN: u32 = 10;
/// Space between the stock chart and the delivery rows, pixels.
const GAP: u32 = 8;
/// Side of the legend's swatches, pixels.
const SWATCH: i32 = 22;
/// Light red of the exposure bands; overlapping windows of several channels come out darker.
fn exposure_fill() -> ShapeStyle {
    style::ALERT.mix(0.10).filled()
}
/// Grey of the outage bands in the delivery rows.
fn outage_fill() -> ShapeStyle {
    RGBColor(120, 120, 135).mix(0.22).filled()
}
/// Ticks of deliveries that changed nothing (a level equal to the receiver's view).
const STALE_TICK: RGBColor = RGBColor(175, 175, 185);

/// Writes the timeline chart of `timeline` as `<stem>.png` and `<stem>.svg`; returns both paths.
pub fn timeline_chart(
    timeline: &Timeline,
    set: &mut ResultSet,
    stem: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    save(&TimelineChart { timeline }, set, stem)
}

/// The chart of one trial, drawn from a finished `Timeline`.
pub struct TimelineChart<'a> {
    /// What the trial did.
    pub timeline: &'a Timeline,
}

impl Figure for TimelineChart<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        let t = self.timeline;
        let title_height = draw_title(area, &title(t))?;
        let (_, rest) = area.split_vertically(title_height);
        let legend_height = draw_legend(&rest, &legend_items(t))?;
        let (_, rest) = rest.split_vertically(legend_height + 4);
        let (_, height) = rest.dim_in_pixel();
        let rows = t.links.len() as u32;
        let row_height = delivery_row_height(rows, height);
        let strip_height = if rows == 0 {
            0
        } else {
            rows * row_height + X_AXIS_HEIGHT
        };
        let (main, strip) = rest.split_vertically(height - strip_height);
        let link_font = link_font(row_height);
        let widest_link = t
            .links
            .iter()
            .map(|l| text_width(area, &l.name, &link_font))
            .collect::<anyhow::Result<Vec<u32>>>()?
            .into_iter()
            .max()
            .unwrap_or(0);
        let left = widest_link.max(56) + 14;
        draw_stock(&main, t, left, rows == 0)?;
        if rows > 0 {
            draw_deliveries(&strip, t, left, &link_font)?;
        }
        Ok(())
    }
}

/// Height of a link's delivery row, pixels, when `height` is left for the stock and the rows:
/// the rows take about two fifths of it, in rows of 11 to 16 pixels, and never more than half.
fn delivery_row_height(rows: u32, height: u32) -> u32 {
    if rows == 0 {
        return 0;
    }
    let row = ((height * 2 / 5) / rows).clamp(MIN_ROW_HEIGHT, ROW_HEIGHT);
    if rows * row > height / 2 {
        ((height / 2) / rows).max(4)
    } else {
        row
    }
}

/// "<scenario> — trial N: X oversold, penalty Y <currency>".
fn title(t: &Timeline) -> String {
    format!(
        "{} — trial {}: {} oversold, penalty {:.2} {}",
        t.scenario,
        t.trial,
        t.total_oversold(),
        t.total_penalty(),
        t.currency
    )
}

fn text_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle<'_>,
) -> anyhow::Result<u32> {
    Ok(area.estimate_text_size(text, font).map_err(plot_err)?.0)
}

/// Draws the title centred, shrunk to fit the width or else split over two lines at the dash;
/// returns the height it took, pixels.
fn draw_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
) -> anyhow::Result<u32> {
    let (width, _) = area.dim_in_pixel();
    let room = width.saturating_sub(2 * RIGHT_MARGIN);
    let font = |size: u32| (style::FONT, size).into_font().color(&style::INK);
    let mut lines = vec![text.to_string()];
    let mut size = style::TITLE_SIZE;
    while text_width(area, text, &font(size))? > room && size > 18 {
        size -= 1;
    }
    if text_width(area, text, &font(size))? > room {
        size = 18;
        if let Some((name, rest)) = text.split_once(" — ") {
            lines = vec![name.to_string(), rest.to_string()];
        }
    }
    let line_height = size + 8;
    for (i, line) in lines.iter().enumerate() {
        let style = font(size).pos(Pos::new(HPos::Center, VPos::Top));
        let y = 8 + i as u32 * line_height;
        area.draw_text(line, &style, ((width / 2) as i32, y as i32))
            .map_err(plot_err)?;
    }
    Ok(10 + lines.len() as u32 * line_height)
}

/// One entry of the legend: its swatch and its text.
enum Swatch {
    Line(RGBColor, u32),
    Cross,
    Band(ShapeStyle),
    Tick,
}

fn legend_items(t: &Timeline) -> Vec<(Swatch, String)> {
    let mut items = vec![(Swatch::Line(style::TRUTH, 3), "physical stock".to_string())];
    for (i, name) in t.channels.iter().enumerate() {
        items.push((
            Swatch::Line(style::series_color(i), 2),
            format!("listed: {name}"),
        ));
    }
    items.push((Swatch::Cross, "oversell".to_string()));
    items.push((
        Swatch::Band(exposure_fill()),
        "exposed (listed, no stock)".to_string(),
    ));
    if !t.links.is_empty() {
        items.push((
            Swatch::Tick,
            "sync delivery (pale: level unchanged)".to_string(),
        ));
        if t.links.iter().any(|l| !l.outages.is_empty()) {
            items.push((Swatch::Band(outage_fill()), "link down".to_string()));
        }
    }
    items
}

/// Draws the legend in centred lines across the top; returns the height it took, pixels.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Swatch, String)],
) -> anyhow::Result<u32> {
    let (width, _) = area.dim_in_pixel();
    let font = style::tick_font();
    let gap = 8;
    let spacing = 20;
    let room = width as i32 - 2 * RIGHT_MARGIN as i32;
    // Lay the items out in lines of (item, x offset within the line), each with its width.
    let mut lines: Vec<(Vec<(usize, i32)>, i32)> = vec![(Vec::new(), 0)];
    for (i, (_, text)) in items.iter().enumerate() {
        let w = SWATCH + gap + text_width(area, text, &font)? as i32;
        let (line, used) = lines.last_mut().expect("one line at least");
        if line.is_empty() {
            line.push((i, 0));
            *used = w;
        } else if *used + spacing + w <= room {
            line.push((i, *used + spacing));
            *used += spacing + w;
        } else {
            lines.push((vec![(i, 0)], w));
        }
    }
    for (row, (line, used)) in lines.iter().enumerate() {
        let left = (width as i32 - used) / 2;
        let y = (row as u32 * LEGEND_LINE + LEGEND_LINE / 2) as i32;
        for &(i, x) in line {
            let (swatch, text) = &items[i];
            draw_swatch(area, swatch, left + x, y)?;
            let style = font.pos(Pos::new(HPos::Left, VPos::Center));
            area.draw_text(text, &style, (left + x + SWATCH + gap, y))
                .map_err(plot_err)?;
        }
    }
    Ok(lines.len() as u32 * LEGEND_LINE)
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: &Swatch,
    x: i32,
    y: i32,
) -> anyhow::Result<()> {
    let result = match swatch {
        Swatch::Line(color, width) => area.draw(&PathElement::new(
            vec![(x, y), (x + SWATCH, y)],
            color.stroke_width(*width),
        )),
        Swatch::Cross => area.draw(&Cross::new(
            (x + SWATCH / 2, y),
            5,
            style::ALERT.stroke_width(2),
        )),
        Swatch::Band(fill) => area.draw(&Rectangle::new([(x, y - 7), (x + SWATCH, y + 7)], *fill)),
        Swatch::Tick => area.draw(&PathElement::new(
            vec![(x + SWATCH / 2, y - 6), (x + SWATCH / 2, y + 6)],
            style::INK.stroke_width(1),
        )),
    };
    result.map_err(plot_err)
}

/// A step series as line points in hours, carried on to the horizon.
fn step_points(steps: &[Step], horizon_hours: f64) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(2 * steps.len() + 1);
    for step in steps {
        let hours = step.time / 3600.0;
        if let Some(&(_, previous)) = points.last() {
            points.push((hours, previous));
        }
        points.push((hours, step.value as f64));
    }
    if let Some(&(_, last)) = points.last() {
        points.push((horizon_hours, last));
    }
    points
}

/// Whole units only; no label under 0 or between units.
fn units_label(units: &f64) -> String {
    if *units >= 0.0 && (units - units.round()).abs() < 1e-9 {
        format!("{units:.0}")
    } else {
        String::new()
    }
}

fn hours_label(hours: &f64) -> String {
    if (hours - hours.round()).abs() < 1e-9 {
        format!("{hours:.0}")
    } else {
        format!("{hours:.1}")
    }
}

/// The physical stock, the listings, oversells and exposure windows; with the x axis labelled
/// when nothing is drawn under it.
fn draw_stock<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    t: &Timeline,
    left: u32,
    x_axis: bool,
) -> anyhow::Result<()> {
    let horizon = t.horizon / 3600.0;
    let highest = t
        .listed
        .iter()
        .flatten()
        .chain(&t.physical)
        .map(|s| s.value)
        .max()
        .unwrap_or(0)
        .max(1);
    let top = (highest + (highest / 12).max(1)) as f64;
    // A little room under 0, so lines at 0 stay clear of the axis.
    let floor = -top / 40.0;
    let mut chart = ChartBuilder::on(area)
        .margin_right(RIGHT_MARGIN)
        .margin_left(LEFT_MARGIN)
        .margin_top(6)
        .margin_bottom(if x_axis { 0 } else { GAP })
        .y_label_area_size(left)
        .x_label_area_size(if x_axis { X_AXIS_HEIGHT } else { 0 })
        .build_cartesian_2d(0.0..horizon, floor..top)
        .map_err(plot_err)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(13)
        .y_labels(8)
        .max_light_lines(0)
        .bold_line_style(style::GRID)
        .axis_style(style::INK)
        .label_style(style::tick_font())
        .axis_desc_style(style::label_font())
        .x_label_formatter(&hours_label)
        .y_label_formatter(&units_label)
        .y_desc("units");
    if x_axis {
        mesh.x_desc("time, hours");
    }
    mesh.draw().map_err(plot_err)?;

    let bands = t.exposures.iter().flatten().map(|w| {
        Rectangle::new(
            [(w.from / 3600.0, floor), (w.to / 3600.0, top)],
            exposure_fill(),
        )
    });
    chart.draw_series(bands).map_err(plot_err)?;
    for (i, steps) in t.listed.iter().enumerate() {
        chart
            .draw_series(LineSeries::new(
                step_points(steps, horizon),
                style::series_color(i).stroke_width(2),
            ))
            .map_err(plot_err)?;
    }
    // The truth on top: a listing shows where it differs from it.
    chart
        .draw_series(LineSeries::new(
            step_points(&t.physical, horizon),
            style::TRUTH.stroke_width(3),
        ))
        .map_err(plot_err)?;
    let crosses = t.oversells.iter().map(|o| {
        Cross::new(
            (o.time / 3600.0, o.listed as f64),
            6,
            style::ALERT.stroke_width(3),
        )
    });
    chart.draw_series(crosses).map_err(plot_err)?;
    Ok(())
}

fn link_font(row_height: u32) -> TextStyle<'static> {
    let size = style::TICK_SIZE.min(row_height.saturating_sub(2)).max(6);
    (style::FONT, size).into_font().color(&style::INK)
}

/// One row per link (the first on top): its outages shaded and a tick per delivery; the x axis
/// in hours underneath.
fn draw_deliveries<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    t: &Timeline,
    left: u32,
    font: &TextStyle<'_>,
) -> anyhow::Result<()> {
    let horizon = t.horizon / 3600.0;
    let rows = t.links.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .margin_right(RIGHT_MARGIN)
        .margin_left(LEFT_MARGIN)
        .y_label_area_size(left)
        .x_label_area_size(X_AXIS_HEIGHT)
        .build_cartesian_2d(0.0..horizon, 0.0..rows)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_labels(13)
        .y_labels(0)
        .disable_y_mesh()
        .max_light_lines(0)
        .bold_line_style(style::GRID)
        .axis_style(style::INK)
        .label_style(style::tick_font())
        .axis_desc_style(style::label_font())
        .x_label_formatter(&hours_label)
        .x_desc("time, hours")
        .draw()
        .map_err(plot_err)?;
    // Row `l` spans [bottom(l), bottom(l) + 1).
    let bottom = |l: usize| rows - 1.0 - l as f64;
    let outages = t.links.iter().enumerate().flat_map(|(l, link)| {
        link.outages.iter().map(move |w| {
            let to = (w.to / 3600.0).min(horizon);
            Rectangle::new(
                [(w.from / 3600.0, bottom(l)), (to, bottom(l) + 1.0)],
                outage_fill(),
            )
        })
    });
    chart.draw_series(outages).map_err(plot_err)?;
    let separators = (1..t.links.len()).map(|l| {
        PathElement::new(
            vec![(0.0, l as f64), (horizon, l as f64)],
            style::GRID.stroke_width(1),
        )
    });
    chart.draw_series(separators).map_err(plot_err)?;
    let ticks = t.deliveries.iter().map(|d| {
        let x = d.time / 3600.0;
        let (inset, color) = if d.news {
            (0.15, style::INK)
        } else {
            (0.32, STALE_TICK)
        };
        let y = bottom(d.link);
        PathElement::new(vec![(x, y + inset), (x, y + 1.0 - inset)], color)
    });
    chart.draw_series(ticks).map_err(plot_err)?;

    // Link names, right-aligned in the label area beside their rows.
    let base = area.get_base_pixel();
    let style = font.pos(Pos::new(HPos::Right, VPos::Center));
    for (l, link) in t.links.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, bottom(l) + 0.5));
        let at = (x - base.0 - 6, y - base.1);
        area.draw_text(&link.name, &style, at).map_err(plot_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_become_a_staircase_to_the_horizon() {
        let steps = [
            Step {
                time: 0.0,
                value: 5,
            },
            Step {
                time: 3600.0,
                value: 3,
            },
        ];
        assert_eq!(
            step_points(&steps, 2.0),
            vec![(0.0, 5.0), (1.0, 5.0), (1.0, 3.0), (2.0, 3.0)]
        );
        assert!(step_points(&[], 2.0).is_empty());
    }

    #[test]
    fn delivery_rows_share_the_height() {
        assert_eq!(delivery_row_height(0, 400), 0);
        assert_eq!(delivery_row_height(6, 400), 16);
        assert_eq!(delivery_row_height(16, 400), 11);
        assert_eq!(delivery_row_height(40, 400), 5);
    }

    #[test]
    fn hour_labels() {
        assert_eq!(hours_label(&12.0), "12");
        assert_eq!(hours_label(&1.5), "1.5");
        assert_eq!(units_label(&20.0), "20");
        assert_eq!(units_label(&2.5), "");
        assert_eq!(units_label(&-1.0), "");
    }
}
