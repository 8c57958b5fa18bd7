//! The one place for chart style: size, palette, fonts, and saving a figure as PNG and SVG.
//!
//! Text is drawn with DejaVu Sans embedded in the binary (plotters' `ab_glyph` feature), so no
//! fontconfig or system font is needed to build or run.

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::{Context, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::ResultSet;

/// Chart size in pixels (width, height).
pub const SIZE: (u32, u32) = (1000, 560);
/// The font family every chart uses.
pub const FONT: &str = "sans-serif";
/// Title text size, pixels.
pub const TITLE_SIZE: u32 = 24;
/// Axis label size, pixels.
pub const LABEL_SIZE: u32 = 16;
/// Tick and legend text size, pixels.
pub const TICK_SIZE: u32 = 13;
/// Background.
pub const BACKGROUND: RGBColor = WHITE;
/// Text and axes.
pub const INK: RGBColor = RGBColor(40, 40, 48);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(225, 225, 232);
/// Physical stock and other "truth" lines.
pub const TRUTH: RGBColor = RGBColor(20, 20, 20);
/// Oversells and penalties.
pub const ALERT: RGBColor = RGBColor(214, 39, 40);

/// One colour per series (channel or scenario), colour-blind-safe (Okabe-Ito).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(100, 100, 100),
];

/// The colour of series `i`.
pub fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Registers the embedded font once per process.
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and valid; a failure here would be a build defect.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// A chart that can draw itself on any plotters backend.
pub trait Figure {
    /// Draws the whole chart on `area` (already filled with the background).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()>;
}

/// Turns a plotters error (which is not `'static`) into an `anyhow` error.
pub fn plot_err<E: std::fmt::Display>(error: E) -> anyhow::Error {
    anyhow!("drawing a chart: {error}")
}

/// Draws `figure` and writes `<stem>.svg` and `<stem>.png` into `set`; returns both paths.
pub fn save(figure: &impl Figure, set: &mut ResultSet, stem: &str) -> anyhow::Result<Vec<PathBuf>> {
    register_fonts();
    let svg_name = Path::new(stem).with_extension("svg");
    let png_name = Path::new(stem).with_extension("png");

    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        area.fill(&BACKGROUND).map_err(plot_err)?;
        figure.draw(&area)?;
        area.present().map_err(plot_err)?;
    }
    let svg_path = set.write(&svg_name, svg.as_bytes())?;

    let (w, h) = SIZE;
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        area.fill(&BACKGROUND).map_err(plot_err)?;
        figure.draw(&area)?;
        area.present().map_err(plot_err)?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, w, h, image::ColorType::Rgb8)
        .with_context(|| format!("encoding {}", png_name.display()))?;
    let png_path = set.write(&png_name, &png)?;
    Ok(vec![png_path, svg_path])
}

use image::ImageEncoder;

/// A title style.
pub fn title_font() -> TextStyle<'static> {
    (FONT, TITLE_SIZE).into_font().color(&INK)
}

/// An axis-label style.
pub fn label_font() -> TextStyle<'static> {
    (FONT, LABEL_SIZE).into_font().color(&INK)
}

/// The house style of a chart's axes and grid, set up once for every chart: grid lines in
/// [`GRID`] at the labelled ticks only, axes and tick labels in [`INK`], axis names in
/// [`label_font`]. Each chart then adds its own labels, formatters and names:
/// `chart.configure_mesh().house().x_desc(..)...draw()`.
pub trait HouseMesh {
    /// Applies the house style.
    fn house(&mut self) -> &mut Self;
}

impl<X, Y, DB> HouseMesh for plotters::chart::MeshStyle<'_, '_, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged<ValueType: std::fmt::Debug>,
    Y: plotters::coord::ranged1d::Ranged<ValueType: std::fmt::Debug>,
    DB: DrawingBackend,
{
    fn house(&mut self) -> &mut Self {
        self.bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(INK)
            .label_style(tick_font())
            .axis_desc_style(label_font())
    }
}

/// A tick and legend style.
pub fn tick_font() -> TextStyle<'static> {
    (FONT, TICK_SIZE).into_font().color(&INK)
}

/// Colours by outcome, best first: green through amber to red (the demo ranks its stacks by
/// cost and keeps each stack's colour in every chart and table).
const OUTCOME_STOPS: [RGBColor; 5] = [
    RGBColor(0, 158, 115),
    RGBColor(140, 180, 50),
    RGBColor(230, 159, 0),
    RGBColor(225, 100, 20),
    RGBColor(214, 39, 40),
];

/// The colour of the `rank`-th best of `count` outcomes (rank 0 the best): green for the best,
/// red for the worst, the stops between spread evenly.
pub fn outcome_color(rank: usize, count: usize) -> RGBColor {
    if count <= 1 {
        return OUTCOME_STOPS[0];
    }
    let at = rank.min(count - 1) as f64 / (count - 1) as f64 * (OUTCOME_STOPS.len() - 1) as f64;
    let lo = at.floor() as usize;
    let hi = (lo + 1).min(OUTCOME_STOPS.len() - 1);
    let f = at - lo as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (OUTCOME_STOPS[lo], OUTCOME_STOPS[hi]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// `color` as CSS, "rgb(r, g, b)".
pub fn css(color: RGBColor) -> String {
    format!("rgb({}, {}, {})", color.0, color.1, color.2)
}
