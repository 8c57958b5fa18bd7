//! Limits that keep one trial within bounded memory and time. A scenario beyond one fails at load
//! with the key at fault and the limit, instead of exhausting memory, running for days or
//! overflowing a count. Each limit is listed in the README ("Limits").
//!
//! The counts are checked on the file as written, before anything is built from it; the per-trial
//! budgets on the checked scenario, before the engine prepares its plan.

use super::fields::{Check, Invalid, seconds_text};
use super::model::{Peak, Scenario, Transport};
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

/// The expected orders of one trial stay within [`MAX_ORDERS`].
fn orders(s: &Scenario, raw: &RawScenario) -> Check<()> {
    let expected: Vec<f64> = (0..s.channels.len())
        .map(|c| expected_orders(s, c))
        .collect();
    let total: f64 = expected.iter().sum();
    if total <= MAX_ORDERS {
        return Ok(());
    }
    // Point at the channel that contributes most (an infinite total is over the limit too).
    let worst = (0..expected.len())
        .max_by(|&a, &b| expected[a].total_cmp(&expected[b]))
        .unwrap_or(0);
    let name = &s.channels[worst].name;
    let per_day = raw
        .channels
        .get(name)
        .is_some_and(|c| c.orders_per_day.is_some());
    let key = if per_day {
        "orders_per_day"
    } else {
        "orders_per_hour"
    };
    let path = KeyPath::root().key("channels").key(name).key(key);
    Err(Invalid::new(
        &path,
        format!(
            "one trial ({}) would expect {} orders over all channels ({} on this one, with its \
             peaks and hourly profile), beyond the limit of {} per trial: every accepted order \
             is kept in memory while a trial runs; shorten the horizon or lower the rate",
            seconds_text(s.horizon),
            thousands(total),
            thousands(expected[worst]),
            power_of_ten(MAX_ORDERS)
        ),
    ))
}

/// The expected number of demand orders of channel `c` in one trial: its base rate integrated
/// over the horizon, times every covering peak and its hourly profile (as the engine applies
/// them), computed by a sweep over the peak boundaries.
pub(crate) fn expected_orders(s: &Scenario, c: usize) -> f64 {
    let channel = &s.channels[c];
    if channel.orders_per_hour == 0.0 {
        return 0.0;
    }
    // (time, +1 entering / -1 leaving, ln multiplier or None for a zero multiplier)
    let mut edges: Vec<(f64, i32, Option<f64>)> = Vec::new();
    for peak in applying_peaks(s, c) {
        let (from, to) = (peak.window.from, peak.window.to.min(s.horizon));
        if from >= to {
            continue;
        }
        let ln = (peak.multiplier > 0.0).then(|| peak.multiplier.ln());
        edges.push((from, 1, ln));
        edges.push((to, -1, ln));
    }
    edges.sort_by(|a, b| a.0.total_cmp(&b.0));
    let profile = channel.hourly_profile;
    let mass = |a: f64, b: f64| match &profile {
        Some(p) => profile_integral(p, b) - profile_integral(p, a),
        None => b - a,
    };
    let (mut zeros, mut ln_sum, mut at, mut total) = (0i32, 0.0f64, 0.0f64, 0.0f64);
    for (time, step, ln) in edges {
        if zeros == 0 {
            total += ln_sum.exp() * mass(at, time);
        }
        match ln {
            None => zeros += step,
            Some(ln) => ln_sum += f64::from(step) * ln,
        }
        at = time;
    }
    if zeros == 0 {
        total += ln_sum.exp() * mass(at, s.horizon);
    }
    channel.orders_per_hour / HOUR * total
}

/// The integral of an hourly profile from 0 to `t` seconds, in seconds of rate 1.
fn profile_integral(profile: &[f64; 24], t: f64) -> f64 {
    let day: f64 = profile.iter().sum::<f64>() * HOUR;
    let days = (t / 86_400.0).floor();
    let into_day = t - days * 86_400.0;
    let hour = ((into_day / HOUR).floor() as usize).min(23);
    let whole_hours: f64 = profile[..hour].iter().sum::<f64>() * HOUR;
    days * day + whole_hours + (into_day - hour as f64 * HOUR) * profile[hour]
}

fn applying_peaks(s: &Scenario, c: usize) -> impl Iterator<Item = &Peak> {
    s.peaks
        .iter()
        .filter(move |p| p.channels.as_ref().is_none_or(|cs| cs.contains(&c)))
}

/// The demand plan (rate segments per channel, each checked against the channel's peaks) stays
/// within [`MAX_SEGMENTS`] and [`MAX_PEAK_CHECKS`].
fn segments(s: &Scenario) -> Check<()> {
    let hours = (s.horizon / HOUR).ceil();
    let (mut segments, mut checks) = (0.0, 0.0);
    for (c, channel) in s.channels.iter().enumerate() {
        let peaks = applying_peaks(s, c).count() as f64;
        let profile_cuts = if channel.hourly_profile.is_some() {
            hours
        } else {
            1.0
        };
        let own = profile_cuts + 2.0 * peaks;
        segments += own;
        checks += own * peaks;
        let path = KeyPath::root().key("channels").key(&channel.name);
        if segments > MAX_SEGMENTS {
            return Err(Invalid::new(
                &path,
                format!(
                    "the demand plan reaches {} rate segments at this channel (per channel: one \
                     per hour of the horizon with an hourly profile, plus two per peak), beyond \
                     the limit of {}; use fewer channels or peaks, a shorter horizon or no \
                     hourly profile",
                    thousands(segments),
                    power_of_ten(MAX_SEGMENTS)
                ),
            ));
        }
        if checks > MAX_PEAK_CHECKS {
            return Err(Invalid::new(
                &path,
                format!(
                    "the demand plan reaches {} segment-peak checks at this channel (its rate \
                     segments times its peaks), beyond the limit of {}; use fewer peaks or \
                     give them a `channels` list",
                    thousands(checks),
                    power_of_ten(MAX_PEAK_CHECKS)
                ),
            ));
        }
    }
    Ok(())
}

fn polls(s: &Scenario) -> Check<()> {
    let counts: Vec<f64> = s
        .links
        .iter()
        .map(|link| match link.transport {
            Transport::Poll { every, .. } => (s.horizon / every).ceil(),
            Transport::Webhook { .. } => 0.0,
        })
        .collect();
    let total: f64 = counts.iter().sum();
    if total <= MAX_POLLS {
        return Ok(());
    }
    let worst = (0..counts.len())
        .max_by(|&a, &b| counts[a].total_cmp(&counts[b]))
        .unwrap_or(0);
    let path = KeyPath::root()
        .key("links")
        .index(worst)
        .key("poll")
        .key("every");
    Err(Invalid::new(
        &path,
        format!(
            "one trial ({}) would poll {} times over all links ({} on this one), beyond the \
             limit of {} polls per trial; poll less often or shorten the horizon",
            seconds_text(s.horizon),
            thousands(total),
            thousands(counts[worst]),
            power_of_ten(MAX_POLLS)
        ),
    ))
}

fn recounts(s: &Scenario) -> Check<()> {
    let Some(reconcile) = s.reconcile else {
        return Ok(());
    };
    let count = if reconcile.first < s.horizon {
        1.0 + ((s.horizon - reconcile.first) / reconcile.every).floor()
    } else {
        0.0
    };
    if count > MAX_RECOUNTS {
        return Err(Invalid::new(
            &KeyPath::root().key("reconcile").key("every"),
            format!(
                "one trial ({}) would recount {} times, beyond the limit of {} recounts per \
                 trial; recount less often or shorten the horizon",
                seconds_text(s.horizon),
                thousands(count),
                power_of_ten(MAX_RECOUNTS)
            ),
        ));
    }
    Ok(())
}

fn background(s: &Scenario) -> Check<()> {
    let hours = s.horizon / HOUR;
    let mut total = 0.0;
    for node in &s.nodes {
        let Some(processing) = &node.processing else {
            continue;
        };
        total += processing.background_per_hour * hours;
        if total > MAX_BACKGROUND {
            let path = KeyPath::root()
                .key("nodes")
                .key(&node.name)
                .key("processing")
                .key("background_per_hour");
            return Err(Invalid::new(
                &path,
                format!(
                    "one trial ({}) would expect {} background orders over all nodes, beyond \
                     the limit of {} per trial; lower the rate or shorten the horizon",
                    seconds_text(s.horizon),
                    thousands(total),
                    power_of_ten(MAX_BACKGROUND)
                ),
            ));
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::testing::{assert_error, edited};
    use crate::scenario::load_str;
    use crate::sim::Plan;
    use crate::sim::demand::expected_arrivals;

    #[test]
    fn limits_print_as_powers_of_ten() {
        assert_eq!(power_of_ten(MAX_ORDERS), "10^7");
        assert_eq!(power_of_ten(MAX_PEAK_CHECKS), "10^9");
        assert_eq!(power_of_ten(MAX_AMOUNT), "10^12");
        assert_eq!(power_of_ten(MAX_UNITS as f64), "10^15");
        assert_eq!(power_of_ten(MAX_LOGNORMAL_SPREAD), "10^6");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(f64::INFINITY), "inf");
        assert_eq!(thousands(2e20), "2.000e20");
    }

    #[test]
    fn expected_orders_match_the_engine_s_rate_segments() {
        let profile = format!(
            "hourly_profile = [{}]\n",
            (0..24)
                .map(|h| format!("{}.5", h % 5))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let peaks = "[[peaks]]\nfrom = \"2h 30m\"\nto = \"40h\"\nmultiplier = 3\n\n\
                     [[peaks]]\nfrom = \"30h\"\nto = \"50h\"\nmultiplier = 0.5\n\n\
                     [[peaks]]\nfrom = \"45h\"\nto = \"46h\"\nmultiplier = 0\n\n[[peaks]]";
        let text = edited(&[
            ("horizon = \"24h\"", "horizon = \"2d 7h 20m\""),
            ("currency = \"USD\"\n", &profile),
            ("[[peaks]]", peaks),
        ]);
        let s = load_str("s.toml", &text).unwrap();
        let plan = Plan::new(s.clone());
        for c in 0..s.channels.len() {
            let engine = expected_arrivals(&plan.segments[c]);
            let ours = expected_orders(&s, c);
            assert!(
                (ours - engine).abs() <= 1e-9 * engine,
                "channel {c}: {ours} vs {engine}"
            );
        }
    }

    #[test]
    fn a_horizon_over_ten_years_is_refused_and_ten_years_loads() {
        assert_error(
            &[("horizon = \"24h\"", "horizon = \"36525d\"")],
            "horizon",
            "horizon = \"36525d\"",
            "longer than the limit of 10 years",
        );
        // Ten years load: the reference's rates give about 0.3 million orders per trial, and
        // with its background orders about 12.8 million events, so max_events is raised.
        let text = edited(&[
            ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
            ("seed = 2026", "seed = 2026\nmax_events = 20_000_000"),
        ]);
        assert_eq!(load_str("s.toml", &text).unwrap().horizon, MAX_HORIZON);
    }

    #[test]
    fn more_than_ten_thousand_channels_are_refused() {
        // Every extra channel names a node that does not exist: the count is refused first, so
        // nothing was checked or built channel by channel (an order, not a stopwatch, shows it).
        let many: String = (0..=MAX_CHANNELS)
            .map(|i| format!("[channels.c{i}]\nnode = \"nowhere\"\norders_per_day = 0\n"))
            .collect();
        let text = edited(&[(
            "[[links]]\nname = \"amazon-feed\"",
            &format!("{many}[[links]]\nname = \"amazon-feed\""),
        )]);
        let e = load_str("s.toml", &text).unwrap_err();
        // The reference's four channels come first: c9996 is the 10,001st.
        assert_eq!(e.key, "channels.c9996", "{e}");
        assert!(
            e.message
                .contains("too many channels: 10,005 (at most 10,000)"),
            "{e}"
        );
    }

    #[test]
    fn more_than_ten_thousand_links_are_refused() {
        // The reference has 6 links.
        let many = "[[links]]\n".repeat(MAX_LINKS - 5);
        let text = edited(&[("[[peaks]]", &format!("{many}[[peaks]]"))]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.key, "links[10000]", "{e}");
        assert!(
            e.message
                .contains("too many links: 10,001 (at most 10,000)"),
            "{e}"
        );
    }

    #[test]
    fn long_names_and_names_with_control_characters_are_refused() {
        let long = "x".repeat(10_000);
        assert_error(
            &[(
                "name = \"Shopify hub, 15-minute marketplace polling, hourly ERP\"",
                &format!("name = \"{long}\""),
            )],
            "name",
            "name = \"xxx",
            "the scenario's name of 10,000 characters is longer than the limit of 200",
        );
        // 200 characters load.
        let text = edited(&[(
            "name = \"Shopify hub, 15-minute marketplace polling, hourly ERP\"",
            &format!("name = \"{}\"", "é".repeat(200)),
        )]);
        assert!(load_str("s.toml", &text).is_ok());
        assert_error(
            &[("[channels.pos]", "[channels.\"p\\nos\"]")],
            "channels.\"p\\nos\"",
            "[channels.\"p",
            "a channel name may not hold control characters (found '\\n')",
        );
        assert_error(
            &[("[nodes.walmart]", "[nodes.\"wal\\tmart\"]")],
            "nodes.\"wal\\tmart\"",
            "[nodes.\"wal",
            "a node name may not hold control characters",
        );
        assert_error(
            &[("name = \"amazon-feed\"", "name = \"amazon\\u0000feed\"")],
            "links[0].name",
            "name = \"amazon\\u0000",
            "a link name may not hold control characters",
        );
    }

    #[test]
    fn a_channel_called_total_is_refused() {
        assert_error(
            &[("[channels.pos]", "[channels.total]")],
            "channels.total",
            "[channels.total]",
            "`total` is reserved for all channels together",
        );
    }

    #[test]
    fn a_geometric_quantity_beyond_ten_million_is_refused() {
        assert_error(
            &[("qty = \"geometric(1.2)\"", "qty = \"geometric(1e300)\"")],
            "channels.amazon.qty",
            "qty = \"geometric(1e300)\"",
            "a geometric mean of 1e300 units is beyond the limit of 10^7 units per order",
        );
        let text = edited(&[("qty = \"geometric(1.2)\"", "qty = \"geometric(1e7)\"")]);
        assert!(load_str("s.toml", &text).is_ok());
    }

    #[test]
    fn a_huge_hourly_multiplier_is_named_not_blamed_on_the_rate() {
        let profile = |big: &str| {
            let mut values = vec!["1"; 24];
            values[5] = big;
            format!(
                "currency = \"USD\"\nhourly_profile = [{}]\n",
                values.join(", ")
            )
        };
        assert_error(
            &[("currency = \"USD\"\n", &profile("1e308"))],
            "hourly_profile[5]",
            "hourly_profile = [",
            "1e308 is beyond the limit of 10^6 for an hourly multiplier",
        );
    }

    #[test]
    fn too_many_scheduled_orders_or_receipts_are_refused() {
        let many = "[[scheduled_orders]]\nchannel = \"pos\"\nat = \"1h\"\nqty = 1\n"
            .repeat(MAX_SCHEDULED_ORDERS);
        let text = edited(&[(
            "[[scheduled_orders]]",
            &format!("{many}[[scheduled_orders]]"),
        )]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.key, "scheduled_orders[50000]", "{e}");
        assert!(e.message.contains("too many scheduled orders"), "{e}");
        let receipts = vec!["{ at = \"1h\", qty = 1 }"; MAX_RECEIPTS + 1].join(", ");
        let text = edited(&[(
            "receipts = [{ at = \"30h\", qty = 40 }]",
            &format!("receipts = [{receipts}]"),
        )]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.key, "stock.receipts[50000]", "{e}");
    }

    #[test]
    fn more_than_a_thousand_retries_are_refused() {
        let retries = vec!["\"1s\""; 1001].join(", ");
        let text = format!(
            "name = \"r\"\nhorizon = \"1d\"\n[stock]\ninitial = 1\n[nodes.a]\n[nodes.b]\n\
             [channels.a]\norders_per_hour = 1\n[[links]]\ncarries = \"levels\"\nfrom = \"a\"\n\
             to = \"b\"\nwebhook = {{ retries = [{retries}] }}\n"
        );
        let error = crate::scenario::load_str("r.toml", &text).unwrap_err();
        assert_eq!(error.key, "links[0].webhook.retries[1000]", "{error}");
        assert!(error.message.contains("too many retries"), "{error}");
    }

    #[test]
    fn more_than_a_thousand_peaks_are_refused() {
        let many = "[[peaks]]\nfrom = \"1h\"\nto = \"2h\"\nmultiplier = 2\n".repeat(MAX_PEAKS);
        let text = edited(&[(
            "[[scheduled_orders]]",
            &format!("{many}[[scheduled_orders]]"),
        )]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.key, "peaks[1000]", "{e}");
        assert!(
            e.message.contains("too many peaks: 1,001 (at most 1,000)"),
            "{e}"
        );
    }

    #[test]
    fn stock_quantities_beyond_10_to_the_15_are_refused() {
        assert_error(
            &[("initial = 60", "initial = 1_000_000_000_000_001")],
            "stock.initial",
            "initial = 1_000_000_000_000_001",
            "beyond the limit of ±10^15 units",
        );
        assert_error(
            &[(
                "[nodes.walmart]",
                "[nodes.walmart]\ninitial = -9_000_000_000_000_000_000",
            )],
            "nodes.walmart.initial",
            "initial = -9_000",
            "-9000000000000000000 units is beyond the limit",
        );
        assert_error(
            &[("buffer = 2", "buffer = 9223372036854775807")],
            "channels.amazon.buffer",
            "buffer = 9223372036854775807",
            "beyond the limit of ±10^15 units",
        );
        assert_error(
            &[(
                "# reorder = { point = 12, qty = 48,",
                "reorder = { point = 12, qty = 2_000_000_000_000_000,",
            )],
            "stock.reorder.qty",
            "reorder = {",
            "beyond the limit",
        );
        assert_error(
            &[("initial = 60", "initial = 999_999_999_999_990")],
            "stock.receipts[0].qty",
            "receipts = [",
            "the stock could reach 1000000000000030 units",
        );
    }

    #[test]
    fn a_billion_units_run() {
        let text = edited(&[("initial = 60", "initial = 1_000_000_000")]);
        let s = load_str("s.toml", &text).unwrap();
        let plan = Plan::new(s);
        let outcome = crate::sim::Engine::new(&plan).run_trial(1, 0).unwrap();
        let fulfilled: u64 = outcome.channels.iter().map(|c| c.fulfilled).sum();
        assert!(fulfilled > 0);
        assert_eq!(outcome.channels.iter().map(|c| c.oversold).sum::<u64>(), 0);
        assert!(outcome.final_physical > 999_999_000);
    }

    #[test]
    fn absurd_money_amounts_are_refused() {
        assert_error(
            &[("penalty = 30.0", "penalty = 1e300")],
            "channels.walmart.penalty",
            "penalty = 1e300",
            "beyond the limit of 10^12 for a money amount",
        );
        assert_error(
            &[("unit_margin = 14.0", "unit_margin = 1e13")],
            "stock.unit_margin",
            "unit_margin = 1e13",
            "beyond the limit of 10^12",
        );
        assert_error(
            &[("penalty = 30.0", "penalty = \"lognormal(0.000001, 1000)\"")],
            "channels.walmart.penalty",
            "lognormal(0.000001, 1000)",
            "times the median, beyond the limit of 10^6",
        );
        // A wide but sane log-normal loads.
        let text = edited(&[("penalty = 30.0", "penalty = \"lognormal(10, 5000)\"")]);
        assert!(load_str("s.toml", &text).is_ok());
    }

    #[test]
    fn more_than_ten_million_expected_orders_are_refused() {
        // 30 per day over 10 years is about 110,000 orders; a million a day is 3.65e9.
        assert_error(
            &[
                ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
                ("orders_per_day = 30", "orders_per_day = 1_000_000"),
            ],
            "channels.amazon.orders_per_day",
            "orders_per_day = 1_000_000",
            "would expect 3,652,",
        );
        // A peak multiplier counts: 5,000 per hour for 22 hours and x1000 for 2 hours is 10.1
        // million.
        assert_error(
            &[
                ("orders_per_hour = 0.5", "orders_per_hour = 5000"),
                (
                    "multiplier = 4\nchannels = [\"shopify\", \"amazon\"]",
                    "multiplier = 1000",
                ),
            ],
            "channels.pos.orders_per_hour",
            "orders_per_hour = 5000",
            "beyond the limit of 10^7 per trial",
        );
        // An overflowing product of peaks is over the limit, not a silent infinity.
        let peak = "[[peaks]]\nfrom = \"1h\"\nto = \"2h\"\nmultiplier = 1e300\n";
        let text = edited(&[(
            "[[scheduled_orders]]",
            &format!("{peak}{peak}[[scheduled_orders]]"),
        )]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert!(e.message.contains("would expect inf orders"), "{e}");
    }

    #[test]
    fn polls_recounts_and_background_have_budgets() {
        assert_error(
            &[
                ("horizon = \"24h\"", "horizon = \"365d 6h\""),
                (
                    "every = \"1h\", latency = \"2m\", phase = \"10m\"",
                    "every = \"100ms\", latency = \"2m\", phase = \"10ms\"",
                ),
            ],
            "links[5].poll.every",
            "every = \"100ms\"",
            "would poll 315,",
        );
        assert_error(
            &[(
                "first = \"23h\"\nevery = \"24h\"",
                "first = \"23h\"\nevery = \"1us\"",
            )],
            "reconcile.every",
            "every = \"1us\"",
            "beyond the limit of 10^7 recounts per trial",
        );
        assert_error(
            &[
                ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
                ("background_per_hour = 50", "background_per_hour = 5000"),
            ],
            "nodes.erp.processing.background_per_hour",
            "processing = {",
            "beyond the limit of 10^7 per trial",
        );
        // 3.6 million polls in a day are allowed: bounded time, no memory.
        let text = edited(&[(
            "every = \"1h\", latency = \"2m\", phase = \"10m\"",
            "every = \"25ms\", latency = \"2m\", phase = \"10ms\"",
        )]);
        assert!(load_str("s.toml", &text).is_ok());
    }

    #[test]
    fn the_demand_plan_has_a_budget() {
        let profile = format!("hourly_profile = [{}]\n", ["1"; 24].join(", "));
        let channels: String = (0..200)
            .map(|i| format!("[channels.c{i}]\nnode = \"erp\"\norders_per_day = 0.001\n"))
            .collect();
        let text = edited(&[
            ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
            ("currency = \"USD\"\n", &profile),
            (
                "[[links]]\nname = \"amazon-feed\"",
                &format!("{channels}[[links]]\nname = \"amazon-feed\""),
            ),
        ]);
        let e = load_str("s.toml", &text).unwrap_err();
        // 87,660 hourly segments per channel: the 115th channel (c110) crosses 10^7.
        assert_eq!(e.key, "channels.c110", "{e}");
        assert!(e.message.contains("rate segments"), "{e}");
        // 1,000 peaks (multiplier 1: no extra orders) on channels with 87,660 hourly segments.
        let peaks = "[[peaks]]\nfrom = \"1h\"\nto = \"2h\"\nmultiplier = 1\n".repeat(999);
        let channels: String = (0..20)
            .map(|i| format!("[channels.c{i}]\nnode = \"erp\"\norders_per_day = 0.001\n"))
            .collect();
        let text = edited(&[
            ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
            ("currency = \"USD\"\n", &profile),
            (
                "[[links]]\nname = \"amazon-feed\"",
                &format!("{channels}[[links]]\nname = \"amazon-feed\""),
            ),
            (
                "[[scheduled_orders]]",
                &format!("{peaks}[[scheduled_orders]]"),
            ),
        ]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.key, "channels.c7", "{e}");
        // The checks are counted, not made: 12 channels (the reference's four, then c0..c7),
        // each of 87,660 hourly segments plus two per peak, times its peaks: 1,000 on shopify
        // and amazon (the reference's own peak names them), 999 on the ten others.
        // 2 x 89,660 x 1,000 + 10 x 89,658 x 999 = 1,075,003,420.
        assert!(
            e.message
                .contains("reaches 1,075,003,420 segment-peak checks"),
            "{e}"
        );
    }
}
