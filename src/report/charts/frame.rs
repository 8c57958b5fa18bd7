//! The frame every chart shares: its title (fitted to the width), a note along the bottom, and
//! the steps of its axes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{self, plot_err};

/// Draws `title` across the top of `area` and `note` centred along its bottom; returns the area
/// between them.
pub(crate) fn draw_title_and_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    note: &str,
) -> anyhow::Result<DrawingArea<DB, Shift>> {
    const NOTE_HEIGHT: u32 = 26;
    let body = draw_title(area, title)?;
    let (width, height) = body.dim_in_pixel();
    let (plot, footer) = body.split_vertically(height.saturating_sub(NOTE_HEIGHT));
    // A long note is drawn smaller, down to `NOTE_MIN_SIZE`, so that it stays within the width.
    let mut size = style::TICK_SIZE;
    while size > NOTE_MIN_SIZE && !fits_width(&footer, note, size)? {
        size -= 1;
    }
    let anchor = Pos::new(HPos::Center, VPos::Top);
    let font = (style::FONT, size)
        .into_font()
        .color(&style::INK)
        .pos(anchor);
    footer
        .draw(&Text::new(note, (width as i32 / 2, 6), font))
        .map_err(plot_err)?;
    Ok(plot)
}

/// The smallest size a chart's note is drawn at.
const NOTE_MIN_SIZE: u32 = 9;

/// Whether `text` at font size `size` fits across `area`, less a margin of 12 pixels each side.
fn fits_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    size: u32,
) -> anyhow::Result<bool> {
    let room = area.dim_in_pixel().0.saturating_sub(24);
    let font = (style::FONT, size).into_text_style(area);
    Ok(area.estimate_text_size(text, &font).map_err(plot_err)?.0 <= room)
}

/// Draws `title` across the top of `area` and returns the area below it. Long titles (scenario
/// names can be long) are drawn smaller, down to the axis-label size, then cut with "…" at the
/// longest prefix that fits, found by bisection: O(n log n) in the title's length, not O(n^2).
pub(crate) fn draw_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
) -> anyhow::Result<DrawingArea<DB, Shift>> {
    let room = area.dim_in_pixel().0.saturating_sub(24);
    let fits = |text: &str, size: u32| fits_width(area, text, size);
    let chars: Vec<char> = title.chars().collect();
    // No glyph is narrower than a pixel: more characters than pixels of room never fit, so
    // nothing longer is ever measured.
    let longest = chars.len().min(room as usize + 1);
    let cut = |keep: usize| -> String {
        if keep == chars.len() {
            title.to_owned()
        } else {
            let kept: String = chars[..keep].iter().collect();
            format!("{}…", kept.trim_end())
        }
    };
    let candidate = cut(longest);
    let mut size = style::TITLE_SIZE;
    while size > style::LABEL_SIZE && !fits(&candidate, size)? {
        size -= 1;
    }
    let text = if fits(&candidate, size)? {
        candidate
    } else {
        // The longest prefix that fits: `low` fits (or is 0), `high` does not.
        let (mut low, mut high) = (0, longest);
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            if fits(&cut(mid), size)? {
                low = mid;
            } else {
                high = mid;
            }
        }
        cut(low)
    };
    let font = (style::FONT, size).into_font().color(&style::INK);
    area.titled(&text, font).map_err(plot_err)
}

/// The smallest "nice" step (1, 2, 2.5 or 5 times a power of ten) of at least `raw` (> 0).
pub(crate) fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of the title `draw_title` draws for `title` in an SVG 640 pixels wide.
    fn drawn_title(title: &str) -> String {
        style::register_fonts();
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (640, 200)).into_drawing_area();
            draw_title(&area, title).unwrap();
        }
        let start = svg.find("<text").expect("a title");
        let text = &svg[start..];
        let text = &text[text.find('>').unwrap() + 1..text.find("</text>").unwrap()];
        text.trim().to_owned()
    }

    #[test]
    fn a_long_note_is_drawn_smaller_to_fit() {
        style::register_fonts();
        let size_of = |note: &str| {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (640, 300)).into_drawing_area();
                draw_title_and_note(&area, "Title", note).unwrap();
            }
            let at = svg.rfind("font-size=\"").expect("the note's text") + 11;
            let size = &svg[at..at + svg[at..].find('"').unwrap()];
            size.parse::<f64>().unwrap()
        };
        // The SVG gives sizes in its own unit: compare a long note's with a short one's.
        let short = size_of("A short note");
        assert_eq!(short, size_of("Another short note"));
        let long = size_of(&"a note of some length; ".repeat(5));
        let least = short * NOTE_MIN_SIZE as f64 / style::TICK_SIZE as f64;
        assert!(
            long < short && long >= least - 1e-9,
            "{long} against {short}"
        );
    }

    #[test]
    fn long_titles_are_cut_in_linear_time() {
        assert_eq!(drawn_title("Short title"), "Short title");
        let started = std::time::Instant::now();
        let cut = drawn_title(&"Long name ".repeat(10_000));
        assert!(
            started.elapsed().as_secs_f64() < 2.0,
            "{:?}",
            started.elapsed()
        );
        assert!(cut.ends_with('…') && cut.starts_with("Long name"), "{cut}");
        assert!(cut.chars().count() < 200, "{cut}");
        // The longest prefix that fits: one more word does not.
        let title = "word ".repeat(60);
        let cut = drawn_title(&title);
        assert!(cut.ends_with('…'), "{cut}");
        let kept = cut.trim_end_matches('…').trim_end().len();
        assert!(kept > 40 && kept < title.len(), "{cut}");
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(2.1), 2.5);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.4), 10.0);
        assert_eq!(nice_step(0.031), 0.05);
        assert_eq!(nice_step(120.0), 200.0);
    }
}
