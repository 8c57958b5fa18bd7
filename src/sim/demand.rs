//! Demand as a Poisson process with a piecewise-constant rate: the channel's base rate times every
//! peak covering the moment times the hourly profile. Arrivals are drawn by inverting the
//! integrated rate, which is exact for piecewise-constant rates.

use crate::scenario::Scenario;

const HOUR: f64 = 3600.0;

/// A stretch `[start, end)` of constant demand rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// Orders per second.
    pub rate: f64,
}

/// The rate of channel `c` over `[0, horizon)`, as consecutive segments.
pub fn rate_segments(scenario: &Scenario, c: usize) -> Vec<Segment> {
    let channel = &scenario.channels[c];
    let horizon = scenario.horizon;
    let peaks: Vec<_> = scenario
        .peaks
        .iter()
        .filter(|p| p.channels.as_ref().is_none_or(|cs| cs.contains(&c)))
        .collect();
    let mut cuts = vec![0.0, horizon];
    for p in &peaks {
        cuts.extend([p.window.from, p.window.to]);
    }
    if channel.hourly_profile.is_some() {
        let hours = (horizon / HOUR).ceil() as u64;
        cuts.extend((1..hours).map(|h| h as f64 * HOUR));
    }
    cuts.retain(|&t| (0.0..=horizon).contains(&t));
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let base = channel.orders_per_hour / HOUR;
    cuts.windows(2)
        .map(|w| {
            let (start, end) = (w[0], w[1]);
            let mut rate = base;
            for p in &peaks {
                if p.window.contains(start) {
                    rate *= p.multiplier;
                }
            }
            if let Some(profile) = &channel.hourly_profile {
                rate *= profile[((start / HOUR).floor() as u64 % 24) as usize];
            }
            Segment { start, end, rate }
        })
        .collect()
}

/// The expected number of arrivals over the horizon: the integral of the rate (the engine's
/// first-draw limits; tests compare the loader's estimate with it).
pub fn expected_arrivals(segments: &[Segment]) -> f64 {
    segments.iter().map(|s| s.rate * (s.end - s.start)).sum()
}

/// The first time after `t` at which the integrated rate has grown by `need` (a unit-exponential
/// draw), starting the search at segment `*cursor` and leaving the cursor at the segment found.
/// `None` when that time is at or beyond the horizon.
#[inline]
pub fn next_arrival(
    segments: &[Segment],
    cursor: &mut usize,
    t: f64,
    mut need: f64,
) -> Option<f64> {
    let horizon = segments.last()?.end;
    while let Some(s) = segments.get(*cursor) {
        let from = t.max(s.start);
        let available = s.rate * (s.end - from);
        if need < available {
            // Rounding may land exactly on the segment's end; never beyond it.
            let at = (from + need / s.rate).min(s.end);
            return (at < horizon).then_some(at);
        }
        need -= available;
        *cursor += 1;
    }
    None
}

/// Seconds in a day, the period of `demand_cv`'s multipliers.
pub const DAY: f64 = 86_400.0;

/// As [`next_arrival`], for a rate that is also multiplied by `days[d]` over day `d`
/// (`[d * 24h, (d + 1) * 24h)`): the search goes through each segment day by day, so arrivals
/// stay those of the exact non-homogeneous Poisson process.
#[inline]
pub fn next_arrival_daily(
    segments: &[Segment],
    cursor: &mut usize,
    t: f64,
    mut need: f64,
    days: &[f64],
) -> Option<f64> {
    let horizon = segments.last()?.end;
    let mut from = t;
    while let Some(s) = segments.get(*cursor) {
        from = from.max(s.start);
        while from < s.end {
            let day = (from / DAY).floor();
            let end = ((day + 1.0) * DAY).min(s.end);
            let rate = s.rate * days.get(day as usize).copied().unwrap_or(0.0);
            let available = rate * (end - from);
            if need < available {
                let at = (from + need / rate).min(end);
                return (at < horizon).then_some(at);
            }
            need -= available;
            from = end;
        }
        *cursor += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_arrival_crosses_segments() {
        let segs = [
            Segment {
                start: 0.0,
                end: 10.0,
                rate: 0.0,
            },
            Segment {
                start: 10.0,
                end: 20.0,
                rate: 1.0,
            },
            Segment {
                start: 20.0,
                end: 30.0,
                rate: 2.0,
            },
        ];
        let mut cursor = 0;
        assert_eq!(next_arrival(&segs, &mut cursor, 0.0, 4.0), Some(14.0));
        assert_eq!(cursor, 1);
        assert_eq!(next_arrival(&segs, &mut cursor, 14.0, 8.0), Some(21.0));
        assert_eq!(cursor, 2);
        assert_eq!(next_arrival(&segs, &mut cursor, 21.0, 18.0), None);
        assert_eq!(expected_arrivals(&segs), 30.0);
    }

    #[test]
    fn next_arrival_daily_scales_each_day() {
        let segs = [Segment {
            start: 0.0,
            end: 3.0 * DAY,
            rate: 1.0 / DAY,
        }];
        let days = [2.0, 0.0, 0.5];
        let mut cursor = 0;
        // Day 0 holds 2 units of need, day 1 none, day 2 half a unit.
        assert_eq!(
            next_arrival_daily(&segs, &mut cursor, 0.0, 1.0, &days),
            Some(0.5 * DAY)
        );
        assert_eq!(
            next_arrival_daily(&segs, &mut cursor, 0.5 * DAY, 1.25, &days),
            Some(2.5 * DAY)
        );
        assert_eq!(
            next_arrival_daily(&segs, &mut cursor, 2.5 * DAY, 0.5, &days),
            None
        );
    }
}
