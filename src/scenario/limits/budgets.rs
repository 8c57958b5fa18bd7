//! The per-trial budgets: the expected orders, schedule segments, polls, recounts and background
//! orders of one trial stay within what the engine is sized for.

use super::{
    HOUR, MAX_BACKGROUND, MAX_ORDERS, MAX_PEAK_CHECKS, MAX_POLLS, MAX_RECOUNTS, MAX_SEGMENTS,
    power_of_ten, thousands,
};
use crate::scenario::fields::{Check, Invalid, seconds_text};
use crate::scenario::model::{Peak, Scenario, Transport};
use crate::scenario::path::KeyPath;
use crate::scenario::raw::RawScenario;

/// The expected orders of one trial stay within [`MAX_ORDERS`].
pub(super) fn orders(s: &Scenario, raw: &RawScenario) -> Check<()> {
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
pub(super) fn segments(s: &Scenario) -> Check<()> {
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

pub(super) fn polls(s: &Scenario) -> Check<()> {
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

pub(super) fn recounts(s: &Scenario) -> Check<()> {
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

pub(super) fn background(s: &Scenario) -> Check<()> {
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
