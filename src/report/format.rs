//! How every report writes a number: tables, charts, the HTML report and the sweep's sentences.
//!
//! One place, so the same figure reads the same in the terminal, on a chart and in the HTML.

/// A number with about three significant digits; whole numbers without decimals.
pub(crate) fn number(x: f64) -> String {
    let d = if x.fract() == 0.0 {
        0
    } else {
        number_decimals(x)
    };
    format!("{x:.d$}")
}

/// The decimals that give a number of the size of `x` about three significant digits.
pub(crate) fn number_decimals(x: f64) -> usize {
    let magnitude = x.abs();
    if magnitude >= 100.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else if magnitude >= 1.0 {
        2
    } else {
        3
    }
}

/// An axis tick: [`number`] with trailing zeros dropped ("0.800" -> "0.8").
pub(crate) fn tick(x: f64) -> String {
    trim_zeros(number(x))
}

/// About four significant digits, trailing zeros dropped.
pub(crate) fn significant(x: f64) -> String {
    significant_digits(x, 4)
}

/// `digits` significant digits (no more than 12 decimals), trailing zeros dropped.
pub(crate) fn significant_digits(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let d = (digits - 1 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    trim_zeros(format!("{x:.d$}"))
}

/// `text` without the trailing zeros of its decimals (and without a bare trailing point).
fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A share in [0, 1] as a percentage with one decimal; shares that would round to 0% or 100% but
/// are not say so: "50.0%", "<0.1%", ">99.9%".
pub(crate) fn percent(share: f64) -> String {
    if share > 0.0 && share < 0.0005 {
        "<0.1%".to_string()
    } else if share < 1.0 && share > 0.9995 {
        ">99.9%".to_string()
    } else {
        format!("{:.1}%", share * 100.0)
    }
}

/// A value already in percent (0 to 100) as a short bar label: "31%", "4.2%", "<0.1%".
pub(crate) fn percent_label(percent: f64) -> String {
    if percent == 0.0 {
        "0%".to_string()
    } else if percent > 0.0 && percent < 0.05 {
        "<0.1%".to_string()
    } else if percent >= 10.0 {
        format!("{percent:.0}%")
    } else {
        format!("{percent:.1}%")
    }
}

/// Widest table the tool prints, in terminal columns: a fixed width, not the terminal's, so the
/// text is the same wherever it is printed.
pub(crate) const TABLE_WIDTH: u16 = 120;

/// Every table the tool prints starts here: condensed UTF-8 borders, columns fitted into
/// [`TABLE_WIDTH`], and `header`.
pub(crate) fn table<T: Into<comfy_table::Cell>>(
    header: impl IntoIterator<Item = T>,
) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_width(TABLE_WIDTH)
        .set_header(header);
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(1234.56), "1235");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(8.264), "8.26");
        assert_eq!(number(2.1659), "2.17");
        assert_eq!(number(0.01234), "0.012");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(250.0), "250");
        assert_eq!(tick(0.8), "0.8");
        assert_eq!(tick(250.0), "250");
    }

    #[test]
    fn significant_digits_drop_trailing_zeros() {
        assert_eq!(significant(0.049_612), "0.04961");
        assert_eq!(significant(12.3456), "12.35");
        assert_eq!(significant(2500.0), "2500");
        assert_eq!(significant(0.0), "0");
    }

    #[test]
    fn percents_and_labels() {
        assert_eq!(percent(0.5), "50.0%");
        assert_eq!(percent(0.0001), "<0.1%");
        assert_eq!(percent(0.9999), ">99.9%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent_label(31.46), "31%");
        assert_eq!(percent_label(4.22), "4.2%");
        assert_eq!(percent_label(0.02), "<0.1%");
        assert_eq!(percent_label(0.0), "0%");
    }
}
