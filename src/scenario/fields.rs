//! Reading single values: numbers in range, durations, distributions, quantities, windows.
//! Each check names what it expected and what it found; the caller's key path says where.

use toml::Value;

use super::model::Window;
use super::path::KeyPath;
use super::raw::RawWindow;
use crate::dist::{Dist, QtyDist, parse_duration};

/// A value that fails validation, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Invalid {
    pub path: KeyPath,
    pub message: String,
}

impl Invalid {
    pub(crate) fn new(path: &KeyPath, message: impl Into<String>) -> Self {
        Self {
            path: path.clone(),
            message: message.into(),
        }
    }
}

/// The result of one check.
pub(crate) type Check<T> = Result<T, Invalid>;

const DURATION: &str = "a duration like \"90s\", \"15m\", \"1h\" or \"2d\"";

/// `value`, or an error saying the key is missing and what it should hold.
pub(crate) fn required<T>(value: Option<T>, path: &KeyPath, expected: &str) -> Check<T> {
    value.ok_or_else(|| Invalid::new(path, format!("is missing; expected {expected}")))
}

/// A finite number of at least `min`.
pub(crate) fn at_least(value: f64, min: f64, path: &KeyPath) -> Check<f64> {
    if !value.is_finite() {
        return Err(Invalid::new(
            path,
            format!("expected a finite number, found {value}"),
        ));
    }
    if value < min {
        return Err(Invalid::new(
            path,
            format!("expected a number of at least {min}, found {value}"),
        ));
    }
    Ok(value)
}

/// A finite number in `[min, max]`; `what` names it ("a probability").
pub(crate) fn between(value: f64, min: f64, max: f64, what: &str, path: &KeyPath) -> Check<f64> {
    if !(min..=max).contains(&value) {
        return Err(Invalid::new(
            path,
            format!("expected {what} from {min} to {max}, found {value}"),
        ));
    }
    Ok(value)
}

/// A whole number of at least `min`.
pub(crate) fn count(value: i64, min: i64, path: &KeyPath) -> Check<i64> {
    if value < min {
        return Err(Invalid::new(
            path,
            format!("expected a whole number of at least {min}, found {value}"),
        ));
    }
    Ok(value)
}

/// A plain duration (a moment or an interval), seconds.
pub(crate) fn duration(value: &Value, path: &KeyPath) -> Check<f64> {
    let text = duration_text(value, path)?;
    parse_duration(text).map_err(|e| Invalid::new(path, format!("expected {DURATION}: {e}")))
}

/// A plain duration above 0, seconds; `zero` says why 0 is refused.
pub(crate) fn positive_duration(value: &Value, zero: &str, path: &KeyPath) -> Check<f64> {
    let seconds = duration(value, path)?;
    if seconds <= 0.0 {
        return Err(Invalid::new(
            path,
            format!("{zero}; expected a duration above 0 like \"15m\""),
        ));
    }
    Ok(seconds)
}

/// A duration or a distribution of durations, seconds.
pub(crate) fn duration_dist(value: &Value, path: &KeyPath) -> Check<Dist> {
    let text = duration_text(value, path)?;
    Dist::parse_duration(text).map_err(|e| Invalid::new(path, e))
}

fn duration_text<'a>(value: &'a Value, path: &KeyPath) -> Check<&'a str> {
    match value {
        Value::String(text) => Ok(text),
        Value::Integer(_) | Value::Float(_) => Err(Invalid::new(
            path,
            format!(
                "expected {DURATION}, found the number {value}; write the unit, like \"{value}s\""
            ),
        )),
        other => Err(Invalid::new(
            path,
            format!("expected {DURATION}, found {}", describe(other)),
        )),
    }
}

/// An amount of money: a number (fixed) or a distribution string.
pub(crate) fn amount_dist(value: &Value, path: &KeyPath) -> Check<Dist> {
    match value {
        Value::Integer(n) => Ok(Dist::Fixed(at_least(*n as f64, 0.0, path)?)),
        Value::Float(x) => Ok(Dist::Fixed(at_least(*x, 0.0, path)?)),
        Value::String(text) => Dist::parse_amount(text).map_err(|e| Invalid::new(path, e)),
        other => Err(Invalid::new(
            path,
            format!(
                "expected a number or a distribution like \"uniform(8, 15)\", found {}",
                describe(other)
            ),
        )),
    }
}

/// Units per order: an integer or a quantity distribution string, never 0 units.
pub(crate) fn quantity(value: &Value, path: &KeyPath) -> Check<QtyDist> {
    let qty = match value {
        Value::Integer(n) => u32::try_from(count(*n, 1, path)?)
            .map(QtyDist::Fixed)
            .map_err(|_| Invalid::new(path, format!("quantity {n} is too large")))?,
        Value::String(text) => QtyDist::parse(text).map_err(|e| Invalid::new(path, e))?,
        other => {
            return Err(Invalid::new(
                path,
                format!(
                    "expected a whole number of units, \"uniform(a, b)\" or \"geometric(mean)\", \
                     found {}",
                    describe(other)
                ),
            ));
        }
    };
    match qty {
        QtyDist::Fixed(0) | QtyDist::Uniform(0, _) => Err(Invalid::new(
            path,
            "an order has at least 1 unit; found a quantity that can be 0",
        )),
        qty => Ok(qty),
    }
}

/// 24 non-negative multipliers, one per hour of the day.
pub(crate) fn hourly_profile(values: &[f64], path: &KeyPath) -> Check<[f64; 24]> {
    let profile: [f64; 24] = values.try_into().map_err(|_| {
        Invalid::new(
            path,
            format!(
                "expected 24 values (one per hour, from 00:00), found {}",
                values.len()
            ),
        )
    })?;
    for (hour, &factor) in profile.iter().enumerate() {
        at_least(factor, 0.0, &path.index(hour))?;
    }
    Ok(profile)
}

/// A `{ from, to }` window with `to` after `from`.
pub(crate) fn window(raw: &RawWindow, path: &KeyPath) -> Check<Window> {
    let from = duration(
        required(raw.from.as_ref(), &path.key("from"), DURATION)?,
        &path.key("from"),
    )?;
    let to_path = path.key("to");
    let to = duration(required(raw.to.as_ref(), &to_path, DURATION)?, &to_path)?;
    window_order(from, to, &to_path)?;
    Ok(Window { from, to })
}

/// Refuses a window `[from, to)` that is empty or reversed.
pub(crate) fn window_order(from: f64, to: f64, to_path: &KeyPath) -> Check<()> {
    let (f, t) = (seconds_text(from), seconds_text(to));
    if to < from {
        return Err(Invalid::new(
            to_path,
            format!("the window ends before it starts: `to` ({t}) must be after `from` ({f})"),
        ));
    }
    if to == from {
        return Err(Invalid::new(
            to_path,
            format!("the window is empty: `to` ({t}) must be after `from` ({f})"),
        ));
    }
    Ok(())
}

/// Seconds as the user may have written them (`18h`, `90s`).
pub(crate) fn seconds_text(seconds: f64) -> String {
    crate::dist::format_seconds(seconds)
}

/// What a TOML value is, for "found ..." in messages.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("the string {text:?}"),
        Value::Integer(n) => format!("the number {n}"),
        Value::Float(x) => format!("the number {x}"),
        Value::Boolean(b) => format!("the boolean {b}"),
        Value::Datetime(d) => format!("the date-time {d}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Table(_) => "a table".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> KeyPath {
        KeyPath::root().key("x")
    }

    #[test]
    fn a_bare_number_as_a_duration_asks_for_a_unit() {
        let e = duration(&Value::Integer(90), &path()).unwrap_err();
        assert!(
            e.message.contains("write the unit, like \"90s\""),
            "{}",
            e.message
        );
        assert_eq!(duration(&Value::String("15m".into()), &path()), Ok(900.0));
    }

    #[test]
    fn quantities_and_amounts() {
        assert_eq!(quantity(&Value::Integer(6), &path()), Ok(QtyDist::Fixed(6)));
        assert!(quantity(&Value::Integer(0), &path()).is_err());
        assert!(quantity(&Value::Float(1.5), &path()).is_err());
        assert_eq!(
            amount_dist(&Value::Integer(30), &path()),
            Ok(Dist::Fixed(30.0))
        );
        assert!(amount_dist(&Value::Float(f64::NAN), &path()).is_err());
    }
}
