//! Limits that keep one trial within bounded memory and time. A scenario beyond one fails at load
//! with the key at fault and the limit, instead of exhausting memory, running for days or
//! overflowing a count. Each limit is listed in the README ("Limits").
//!
//! The counts are checked on the file as written, before anything is built from it; the per-trial
//! budgets on the checked scenario, before the engine prepares its plan.

use super::fields::{Check, Invalid, seconds_text};
use super::model::Scenario;
use super::path::KeyPath;
use super::raw::RawScenario;
use crate::dist::{Dist, QtyDist};

/// The longest horizon, seconds: 10 years of 365.25 days (`"3652d 12h"`).
pub(crate) const MAX_HORIZON: f64 = 10.0 * 365.25 * 86_400.0;
/// The most channels in one scenario.
pub(crate) const MAX_CHANNELS: usize = 10_000;
/// The most links in one scenario.
pub(crate) const MAX_LINKS: usize = 10_000;
/// The most demand peaks in one scenario.
pub(crate) const MAX_PEAKS: usize = 1_000;
/// The largest stock quantity (units) anywhere, in absolute value: far from the 9.2e18 at which
/// the engine's 64-bit counts would overflow.
pub(crate) const MAX_UNITS: i64 = 1_000_000_000_000_000;
/// The largest money amount (penalty parameter, unit margin).
pub(crate) const MAX_AMOUNT: f64 = 1e12;
/// The widest log-normal amount: its 95th percentile at most this many times its median, so that
/// no draw overflows.
pub(crate) const MAX_LOGNORMAL_SPREAD: f64 = 1e6;
/// Expected orders per trial, over all channels. Accepted orders are kept while a trial runs, so
/// this bounds a worker's memory (about 16 bytes per order plus 4 per node it reaches).
pub(crate) const MAX_ORDERS: f64 = 1e7;
/// Polls per trial, over all poll links. With the other budgets below, this keeps one trial to
/// some tens of millions of events: seconds, not hours.
pub(crate) const MAX_POLLS: f64 = 1e7;
/// Recounts (reconciliations) per trial.
pub(crate) const MAX_RECOUNTS: f64 = 1e7;
/// Expected background orders per trial, over all processing nodes.
pub(crate) const MAX_BACKGROUND: f64 = 1e7;
/// Demand rate segments over all channels (24 bytes each, built once per run).
pub(crate) const MAX_SEGMENTS: f64 = 1e7;
/// Rate segments times the peaks each is checked against, over all channels.
pub(crate) const MAX_PEAK_CHECKS: f64 = 1e9;

/// Retries of one webhook (the engine counts attempts in 16 bits).
pub(crate) const MAX_RETRIES: usize = 1_000;
/// The most scheduled orders in one scenario.
pub(crate) const MAX_SCHEDULED_ORDERS: usize = 50_000;
/// The most fixed receipts in one scenario.
pub(crate) const MAX_RECEIPTS: usize = 50_000;
/// The longest name (scenario, channel, node, link), characters: names head charts and columns.
pub(crate) const MAX_NAME_CHARS: usize = 200;
/// The largest mean of a `geometric(mean)` order quantity, units: its draws then never come near
/// the 4,294,967,295 units an order can hold (the chance is below 10^-180).
pub(crate) const MAX_GEOMETRIC_MEAN: f64 = 1e7;
/// The largest hourly-profile multiplier.
pub(crate) const MAX_PROFILE_FACTOR: f64 = 1e6;
/// The channel name reserved for the columns of all channels together (`total.*`).
pub(crate) const RESERVED_CHANNEL: &str = "total";

const HOUR: f64 = 3600.0;

/// Checks the sizes of the file's lists before anything is built from them.
pub(crate) fn counts(raw: &RawScenario) -> Check<()> {
    let root = KeyPath::root();
    if let Some(name) = raw.channels.keys().nth(MAX_CHANNELS) {
        return Err(too_many(
            root.key("channels").key(name),
            raw.channels.len(),
            "channels",
            MAX_CHANNELS,
        ));
    }
    if raw.links.len() > MAX_LINKS {
        let path = root.key("links").index(MAX_LINKS);
        return Err(too_many(path, raw.links.len(), "links", MAX_LINKS));
    }
    if raw.peaks.len() > MAX_PEAKS {
        let path = root.key("peaks").index(MAX_PEAKS);
        return Err(too_many(path, raw.peaks.len(), "peaks", MAX_PEAKS));
    }
    let scheduled = raw.scheduled_orders.len();
    if scheduled > MAX_SCHEDULED_ORDERS {
        let path = root.key("scheduled_orders").index(MAX_SCHEDULED_ORDERS);
        return Err(too_many(
            path,
            scheduled,
            "scheduled orders",
            MAX_SCHEDULED_ORDERS,
        ));
    }
    if let Some(stock) = &raw.stock
        && stock.receipts.len() > MAX_RECEIPTS
    {
        let path = root.key("stock").key("receipts").index(MAX_RECEIPTS);
        return Err(too_many(
            path,
            stock.receipts.len(),
            "receipts",
            MAX_RECEIPTS,
        ));
    }
    names(raw)?;
    profiles(raw)
}

/// Names that fit a chart title and a CSV column: at most [`MAX_NAME_CHARS`] characters, no
/// control characters (a newline in a channel name would split a CSV row), and no channel
/// called `total`.
fn names(raw: &RawScenario) -> Check<()> {
    let root = KeyPath::root();
    if let Some(name) = &raw.name {
        name_rule(name, "the scenario's name", &root.key("name"))?;
    }
    for (name, channel) in &raw.channels {
        let path = root.key("channels").key(name);
        name_rule(name, "a channel name", &path)?;
        if name == RESERVED_CHANNEL {
            return Err(Invalid::new(
                &path,
                "`total` is reserved for all channels together (the `total.*` columns); \
                 rename the channel",
            ));
        }
        if let Some(node) = &channel.node {
            name_rule(node, "a node name", &path.key("node"))?;
        }
    }
    for name in raw.nodes.keys() {
        name_rule(name, "a node name", &root.key("nodes").key(name))?;
    }
    for (i, link) in raw.links.iter().enumerate() {
        if let Some(name) = &link.name {
            name_rule(name, "a link name", &root.key("links").index(i).key("name"))?;
        }
    }
    Ok(())
}

fn name_rule(name: &str, what: &str, path: &KeyPath) -> Check<()> {
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(Invalid::new(
            path,
            format!(
                "{what} of {} characters is longer than the limit of {MAX_NAME_CHARS}; put \
                 the details in `description`",
                thousands(chars as f64)
            ),
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(Invalid::new(
            path,
            format!(
                "{what} may not hold control characters (found {:?}): names head CSV columns \
                 and chart titles",
                c
            ),
        ));
    }
    Ok(())
}

/// Hourly-profile multipliers no larger than [`MAX_PROFILE_FACTOR`], so that the expected
/// orders stay a number the order budget can judge.
fn profiles(raw: &RawScenario) -> Check<()> {
    let root = KeyPath::root();
    let scenario = raw
        .hourly_profile
        .as_deref()
        .map(|p| (p, root.key("hourly_profile")));
    let channels = raw.channels.iter().filter_map(|(name, c)| {
        let path = root.key("channels").key(name).key("hourly_profile");
        c.hourly_profile.as_deref().map(|p| (p, path))
    });
    for (profile, path) in scenario.into_iter().chain(channels) {
        if let Some(hour) = profile.iter().position(|&f| f > MAX_PROFILE_FACTOR) {
            return Err(Invalid::new(
                &path.index(hour),
                format!(
                    "{} is beyond the limit of {} for an hourly multiplier; the profile is \
                     relative, so scale all 24 values down",
                    short(profile[hour]),
                    power_of_ten(MAX_PROFILE_FACTOR)
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn too_many(path: KeyPath, found: usize, what: &str, max: usize) -> Invalid {
    Invalid::new(
        &path,
        format!(
            "too many {what}: {} (at most {}); split the scenario into several files",
            thousands(found as f64),
            thousands(max as f64)
        ),
    )
}

/// A horizon no longer than [`MAX_HORIZON`].
pub(crate) fn horizon(seconds: f64, path: &KeyPath) -> Check<f64> {
    if seconds > MAX_HORIZON {
        return Err(Invalid::new(
            path,
            format!(
                "a horizon of {} is longer than the limit of 10 years (\"3652d 12h\"); a trial covers \
                 one horizon, so simulate a shorter span",
                seconds_text(seconds)
            ),
        ));
    }
    Ok(seconds)
}

/// Checks the quantities, amounts and per-trial budgets of a checked scenario; `raw` is the file
/// it came from (for the key that was written).
pub(crate) fn scenario(s: &Scenario, raw: &RawScenario) -> Check<()> {
    units(s)?;
    amounts(s)?;
    quantities(s)?;
    orders(s, raw)?;
    segments(s)?;
    polls(s)?;
    recounts(s)?;
    background(s)
}

/// A stock quantity within `±MAX_UNITS`.
fn unit_count(value: i64, path: &KeyPath) -> Check<()> {
    if value.unsigned_abs() > MAX_UNITS.unsigned_abs() {
        return Err(Invalid::new(
            path,
            format!(
                "{value} units is beyond the limit of ±{} units for any stock quantity; \
                 count in larger units (cases, pallets)",
                power_of_ten(MAX_UNITS as f64)
            ),
        ));
    }
    Ok(())
}

fn units(s: &Scenario) -> Check<()> {
    let stock = KeyPath::root().key("stock");
    unit_count(s.stock.initial, &stock.key("initial"))?;
    let mut reachable = s.stock.initial;
    for (i, receipt) in s.stock.receipts.iter().enumerate() {
        let path = stock.key("receipts").index(i).key("qty");
        unit_count(receipt.qty, &path)?;
        reachable += receipt.qty;
        if reachable > MAX_UNITS {
            return Err(Invalid::new(
                &path,
                format!(
                    "with this receipt the stock could reach {reachable} units, beyond the limit \
                     of {}; count in larger units (cases, pallets)",
                    power_of_ten(MAX_UNITS as f64)
                ),
            ));
        }
    }
    if let Some(reorder) = &s.stock.reorder {
        unit_count(reorder.point, &stock.key("reorder").key("point"))?;
        unit_count(reorder.qty, &stock.key("reorder").key("qty"))?;
    }
    for node in &s.nodes {
        if let Some(initial) = node.initial {
            let path = KeyPath::root().key("nodes").key(&node.name).key("initial");
            unit_count(initial, &path)?;
        }
    }
    for channel in &s.channels {
        let path = KeyPath::root().key("channels").key(&channel.name);
        unit_count(channel.buffer, &path.key("buffer"))?;
        for (key, value) in [
            ("out_of_stock_at", channel.out_of_stock_at),
            ("max_listed", channel.max_listed),
        ] {
            if let Some(value) = value {
                unit_count(value, &path.key(key))?;
            }
        }
    }
    Ok(())
}

/// Order quantities whose draws fit an order: a geometric mean up to [`MAX_GEOMETRIC_MEAN`].
fn quantities(s: &Scenario) -> Check<()> {
    for channel in &s.channels {
        if let QtyDist::Geometric { mean, .. } = channel.qty
            && mean > MAX_GEOMETRIC_MEAN
        {
            let path = KeyPath::root()
                .key("channels")
                .key(&channel.name)
                .key("qty");
            return Err(Invalid::new(
                &path,
                format!(
                    "a geometric mean of {} units is beyond the limit of {} units per \
                     order: larger draws would not fit an order (at most 4,294,967,295 units); \
                     count in larger units (cases, pallets)",
                    short(mean),
                    power_of_ten(MAX_GEOMETRIC_MEAN)
                ),
            ));
        }
    }
    Ok(())
}

/// A number for messages: as written below 10^15, else in scientific notation (`1e300`).
fn short(value: f64) -> String {
    if value.abs() >= 1e15 {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

fn amounts(s: &Scenario) -> Check<()> {
    let margin_path = KeyPath::root().key("stock").key("unit_margin");
    if s.stock.unit_margin > MAX_AMOUNT {
        return Err(amount_too_large(s.stock.unit_margin, &margin_path));
    }
    for channel in &s.channels {
        let path = KeyPath::root()
            .key("channels")
            .key(&channel.name)
            .key("penalty");
        amount(&channel.penalty, &path)?;
    }
    Ok(())
}

/// A money distribution whose parameters are at most [`MAX_AMOUNT`] and whose draws stay finite.
fn amount(dist: &Dist, path: &KeyPath) -> Check<()> {
    let largest = match *dist {
        Dist::Fixed(x) | Dist::Exp(x) => x,
        Dist::Uniform(a, b) | Dist::Normal(a, b) => a.max(b),
        Dist::LogNormal { mu, sigma } => {
            let spread = (sigma * 1.644_853_626_951_472_2).exp();
            if spread > MAX_LOGNORMAL_SPREAD {
                return Err(Invalid::new(
                    path,
                    format!(
                        "the 95th percentile is {} times the median, beyond the limit of {}: \
                         draws this spread out can overflow",
                        thousands(spread),
                        power_of_ten(MAX_LOGNORMAL_SPREAD)
                    ),
                ));
            }
            (mu + sigma * 1.644_853_626_951_472_2).exp()
        }
    };
    if largest > MAX_AMOUNT {
        return Err(amount_too_large(largest, path));
    }
    Ok(())
}

fn amount_too_large(value: f64, path: &KeyPath) -> Invalid {
    Invalid::new(
        path,
        format!(
            "{value} is beyond the limit of {} for a money amount (sums over orders and \
             trials must stay exact and finite)",
            power_of_ten(MAX_AMOUNT)
        ),
    )
}

/// A limit that is a power of ten, for messages: `10^7`.
fn power_of_ten(limit: f64) -> String {
    format!("10^{}", limit.log10().round())
}

/// A count for messages: `12,345,678` below 10^15, else in scientific notation.
pub(crate) fn thousands(value: f64) -> String {
    if !value.is_finite() || value >= 1e15 {
        return format!("{value:.3e}");
    }
    let digits = (value.round() as u64).to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

mod budgets;

pub(crate) use budgets::expected_orders;
use budgets::{background, orders, polls, recounts, segments};

#[cfg(test)]
mod tests;
