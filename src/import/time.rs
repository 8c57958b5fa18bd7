//! Order times as exports write them, and the local wall clock they are counted in.
//!
//! Shopify writes `2025-10-07 09:50:26 +0200` (the shop's offset), Amazon ISO 8601 with an offset
//! or `Z`, other tools anything from that to a bare `2025-10-07 09:50`. A time keeps the wall clock
//! and the offset it was written with; `--tz` moves every time with an offset into one zone, and
//! without it each time counts in the offset it was written with.

use jiff::civil::{Date, DateTime};
use jiff::fmt::temporal::Pieces;
use jiff::tz::{Offset, TimeZone};

/// The forms accepted, for messages.
pub const ACCEPTED: &str = "`2025-10-07 09:50:26 +0200`, `2025-10-07T07:50:26Z`, \
                            `2025-10-07T09:50:26+02:00`, `2025-10-07 09:50` or `2025-10-07`";

/// A time read from a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Written {
    /// The wall clock as written.
    pub civil: DateTime,
    /// The offset written with it, if any.
    pub offset: Option<Offset>,
    /// False for a date without a time of day.
    pub has_time: bool,
}

/// Reads a time cell in any of the [`ACCEPTED`] forms.
pub fn parse(text: &str) -> Result<Written, String> {
    let text = text.trim();
    let fail = || format!("expected a time like {ACCEPTED}, found `{text}`");
    if let Ok(tm) = jiff::fmt::strtime::parse("%Y-%m-%d %H:%M:%S %z", text) {
        let civil = tm.to_datetime().map_err(|_| fail())?;
        return Ok(Written {
            civil,
            offset: tm.offset(),
            has_time: true,
        });
    }
    let pieces = Pieces::parse(text).map_err(|_| fail())?;
    let has_time = pieces.time().is_some();
    let civil = pieces.date().to_datetime(pieces.time().unwrap_or_default());
    Ok(Written {
        civil,
        offset: pieces.to_numeric_offset(),
        has_time,
    })
}

/// The wall clock at which `civil` written with `offset` happened in `tz`: a time written with an
/// offset is moved into `tz`; one without (or without `tz`) is kept as written.
pub fn local(civil: DateTime, offset: Option<Offset>, tz: Option<&TimeZone>) -> DateTime {
    match (offset, tz) {
        (Some(offset), Some(tz)) => match offset.to_timestamp(civil) {
            Ok(instant) => tz.to_datetime(instant),
            Err(_) => civil,
        },
        _ => civil,
    }
}

/// Reads `--tz`: an IANA name (`Europe/Berlin`), `UTC`, or a fixed offset (`+02:00`, `-0500`).
pub fn parse_tz(text: &str) -> Result<TimeZone, String> {
    let text = text.trim();
    if text.starts_with(['+', '-']) {
        let tm = jiff::fmt::strtime::parse("%z", text.replace(':', ""))
            .map_err(|_| format!("`{text}` is not an offset like +02:00"))?;
        return tm
            .offset()
            .map(TimeZone::fixed)
            .ok_or_else(|| format!("`{text}` is not an offset like +02:00"));
    }
    TimeZone::get(text).map_err(|_| {
        format!("`{text}` is not a time zone: give an IANA name like Europe/Berlin, UTC, or an offset like +02:00")
    })
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    from.until(to).map_or(0, |span| i64::from(span.get_days()))
}

/// The date `days` after `from`.
pub fn add_days(from: Date, days: i64) -> Date {
    from.checked_add(jiff::Span::new().days(days))
        .unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_forms_exports_write() {
        let shopify = parse("2025-10-07 09:50:26 +0200").unwrap();
        assert_eq!(shopify.civil, date(2025, 10, 7).at(9, 50, 26, 0));
        assert_eq!(shopify.offset, Some(Offset::from_hours(2).unwrap()));
        let amazon = parse("2025-10-07T07:50:26Z").unwrap();
        assert_eq!(amazon.offset, Some(Offset::UTC));
        let iso = parse("2025-10-07T07:50:26-07:00").unwrap();
        assert_eq!(iso.offset, Some(Offset::from_hours(-7).unwrap()));
        let naive = parse("2025-10-07 09:50").unwrap();
        assert_eq!((naive.offset, naive.has_time), (None, true));
        let day = parse("2025-10-07").unwrap();
        assert!(!day.has_time);
        let error = parse("10/07/2025").unwrap_err();
        assert!(error.contains("found `10/07/2025`"), "{error}");
    }

    #[test]
    fn a_zone_moves_times_with_an_offset_only() {
        let berlin = parse_tz("Europe/Berlin").unwrap();
        let utc = parse("2025-10-07T07:50:26Z").unwrap();
        assert_eq!(
            local(utc.civil, utc.offset, Some(&berlin)),
            date(2025, 10, 7).at(9, 50, 26, 0)
        );
        let naive = parse("2025-10-07 09:50").unwrap();
        assert_eq!(local(naive.civil, naive.offset, Some(&berlin)), naive.civil);
        let minus5 = parse_tz("-05:00").unwrap();
        assert_eq!(
            local(utc.civil, utc.offset, Some(&minus5)),
            date(2025, 10, 7).at(2, 50, 26, 0)
        );
        assert!(parse_tz("Mars/Olympus").is_err());
        let utc = parse_tz("UTC").unwrap();
        assert_eq!(utc.to_offset(jiff::Timestamp::UNIX_EPOCH), Offset::UTC);
        let india = parse_tz("+0530").unwrap();
        assert_eq!(
            india.to_offset(jiff::Timestamp::UNIX_EPOCH),
            Offset::from_seconds(5 * 3600 + 1800).unwrap()
        );
        assert_eq!(days_between(date(2025, 12, 30), date(2026, 1, 2)), 3);
        assert_eq!(add_days(date(2025, 12, 30), 3), date(2026, 1, 2));
    }
}
