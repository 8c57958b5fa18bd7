//! The keys `--vary` can set, and what each holds: whole numbers, numbers or durations.

use super::input::parse_probability;
use crate::dist::{format_seconds, parse_duration};

/// What a key holds, which decides how values are read, written and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// A whole number (`buffer`, `initial`).
    Integer,
    /// Any finite number (`orders_per_day`, `penalty`).
    Number,
    /// A plain duration, written like `15m`; held in seconds.
    Duration,
    /// A probability from 0 to 1, written `0.05` or `5%`.
    Probability,
}

impl KeyKind {
    /// What values of this kind look like, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            KeyKind::Integer => "whole numbers",
            KeyKind::Number => "numbers",
            KeyKind::Duration => "durations like 90s, 15m, 1h",
            KeyKind::Probability => "probabilities like 0.05 or 5%",
        }
    }

    /// Reads one value as written on the command line or in a catalog.
    pub fn parse(self, text: &str) -> Result<f64, String> {
        let text = text.trim();
        match self {
            KeyKind::Integer => text
                .parse::<i64>()
                .map(|n| n as f64)
                .map_err(|_| format!("`{text}` is not a whole number")),
            KeyKind::Number => match text.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(format!("`{text}` is not a number")),
            },
            KeyKind::Duration => {
                if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    return Err(format!(
                        "`{text}` has no unit; write it like {text}s or {text}m"
                    ));
                }
                parse_duration(text)
            }
            KeyKind::Probability => parse_probability(text),
        }
    }

    /// A value as the user would write it: `15m`, `3`, `0.05`.
    pub fn label(self, value: f64) -> String {
        match self {
            KeyKind::Integer => format!("{}", value.round() as i64),
            KeyKind::Number | KeyKind::Probability => format!("{value}"),
            KeyKind::Duration => format_seconds(value),
        }
    }

    /// Whether values between two valid ones make sense (not for whole numbers).
    pub fn is_continuous(self) -> bool {
        !matches!(self, KeyKind::Integer)
    }

    /// The TOML value written for `value`. Durations are rounded to the second.
    pub(super) fn item(self, value: f64) -> toml_edit::Value {
        match self {
            KeyKind::Integer => toml_edit::Value::from(value.round() as i64),
            KeyKind::Number | KeyKind::Probability => toml_edit::Value::from(value),
            KeyKind::Duration => toml_edit::Value::from(format_seconds(value)),
        }
    }
}

/// How a segment of a key pattern matches.
#[derive(Debug, Clone, Copy)]
pub(super) enum Part {
    /// Exactly this key.
    Lit(&'static str),
    /// A channel by name.
    Channel,
    /// A node by name (declared, or a channel's own node).
    Node,
    /// A link by name, or by its index in `[[links]]`.
    Link,
    /// An element of the named array, by index.
    Index(&'static str),
}

use Part::{Channel, Index, Link, Lit, Node};

/// Every key that can be varied, and what it holds.
#[rustfmt::skip]
pub(super) const KEYS: &[(&[Part], KeyKind)] = &[
    (&[Lit("horizon")], KeyKind::Duration),
    (&[Lit("stock"), Lit("initial")], KeyKind::Integer),
    (&[Lit("stock"), Lit("unit_margin")], KeyKind::Number),
    (&[Lit("stock"), Lit("reorder"), Lit("point")], KeyKind::Integer),
    (&[Lit("stock"), Lit("reorder"), Lit("qty")], KeyKind::Integer),
    (&[Lit("stock"), Lit("reorder"), Lit("lead_time")], KeyKind::Duration),
    (&[Lit("stock"), Lit("receipts"), Index("stock.receipts"), Lit("at")], KeyKind::Duration),
    (&[Lit("stock"), Lit("receipts"), Index("stock.receipts"), Lit("qty")], KeyKind::Integer),
    (&[Lit("nodes"), Node, Lit("initial")], KeyKind::Integer),
    (&[Lit("nodes"), Node, Lit("api_limit_per_hour")], KeyKind::Number),
    (&[Lit("nodes"), Node, Lit("processing"), Lit("service")], KeyKind::Duration),
    (&[Lit("nodes"), Node, Lit("processing"), Lit("servers")], KeyKind::Integer),
    (&[Lit("nodes"), Node, Lit("processing"), Lit("background_per_hour")], KeyKind::Number),
    (&[Lit("channels"), Channel, Lit("orders_per_hour")], KeyKind::Number),
    (&[Lit("channels"), Channel, Lit("orders_per_day")], KeyKind::Number),
    (&[Lit("channels"), Channel, Lit("qty")], KeyKind::Integer),
    (&[Lit("channels"), Channel, Lit("buffer")], KeyKind::Integer),
    (&[Lit("channels"), Channel, Lit("list_percent")], KeyKind::Number),
    (&[Lit("channels"), Channel, Lit("out_of_stock_at")], KeyKind::Integer),
    (&[Lit("channels"), Channel, Lit("max_listed")], KeyKind::Integer),
    (&[Lit("channels"), Channel, Lit("penalty")], KeyKind::Number),
    (&[Lit("channels"), Channel, Lit("cancel_rate_limit")], KeyKind::Probability),
    (&[Lit("links"), Link, Lit("poll"), Lit("every")], KeyKind::Duration),
    (&[Lit("links"), Link, Lit("poll"), Lit("phase")], KeyKind::Duration),
    (&[Lit("links"), Link, Lit("poll"), Lit("latency")], KeyKind::Duration),
    (&[Lit("links"), Link, Lit("poll"), Lit("requests_per_poll")], KeyKind::Number),
    (&[Lit("links"), Link, Lit("webhook"), Lit("latency")], KeyKind::Duration),
    (&[Lit("links"), Link, Lit("webhook"), Lit("drop")], KeyKind::Probability),
    (&[Lit("peaks"), Index("peaks"), Lit("from")], KeyKind::Duration),
    (&[Lit("peaks"), Index("peaks"), Lit("to")], KeyKind::Duration),
    (&[Lit("peaks"), Index("peaks"), Lit("multiplier")], KeyKind::Number),
    (&[Lit("scheduled_orders"), Index("scheduled_orders"), Lit("at")], KeyKind::Duration),
    (&[Lit("scheduled_orders"), Index("scheduled_orders"), Lit("qty")], KeyKind::Integer),
    (&[Lit("reconcile"), Lit("every")], KeyKind::Duration),
    (&[Lit("reconcile"), Lit("first")], KeyKind::Duration),
];
