//! The cancel rate over a sliding window (MODEL.md Part 2, "Cancel rate over a window"): judged
//! at `t = window, window + 1d, ...` while `t <= horizon`, over the orders accepted in
//! `[t - window, t)`; once over `[0, horizon)` when the window is longer than the horizon.

const DAY: f64 = 86_400.0;

/// The highest windowed cancel rate. `accepted` and `oversold` are the acceptance times of the
/// channel's accepted and oversold orders, each in increasing order; a rate with nothing
/// accepted is 0.
pub fn worst_window_rate(accepted: &[f64], oversold: &[f64], window: f64, horizon: f64) -> f64 {
    if window > horizon {
        return rate(oversold.len(), accepted.len());
    }
    // Two pointers per list: the window's start and end only move forward.
    let (mut a0, mut a1, mut o0, mut o1) = (0, 0, 0, 0);
    let mut worst: f64 = 0.0;
    let mut j = 0u64;
    loop {
        let t = window + j as f64 * DAY;
        if t > horizon {
            break;
        }
        let from = t - window;
        while a1 < accepted.len() && accepted[a1] < t {
            a1 += 1;
        }
        while a0 < a1 && accepted[a0] < from {
            a0 += 1;
        }
        while o1 < oversold.len() && oversold[o1] < t {
            o1 += 1;
        }
        while o0 < o1 && oversold[o0] < from {
            o0 += 1;
        }
        worst = worst.max(rate(o1 - o0, a1 - a0));
        j += 1;
    }
    worst
}

fn rate(oversold: usize, accepted: usize) -> f64 {
    if accepted == 0 {
        0.0
    } else {
        oversold as f64 / accepted as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_slide_by_a_day() {
        let h = 10.0 * DAY;
        // One order a day at noon; days 2 and 3 oversold.
        let accepted: Vec<f64> = (0..10).map(|d| (d as f64 + 0.5) * DAY).collect();
        let oversold = [2.5 * DAY, 3.5 * DAY];
        // A 2-day window: judged at 2d..10d; [2d, 4d) holds both oversells of 2 orders.
        assert_eq!(worst_window_rate(&accepted, &oversold, 2.0 * DAY, h), 1.0);
        // A 7-day window: [0, 7d) holds 2 of 7.
        assert_eq!(
            worst_window_rate(&accepted, &oversold, 7.0 * DAY, h),
            2.0 / 7.0
        );
        // Longer than the horizon: once, over everything.
        assert_eq!(worst_window_rate(&accepted, &oversold, 30.0 * DAY, h), 0.2);
        // The horizon itself: judged once at t = horizon.
        assert_eq!(worst_window_rate(&accepted, &oversold, h, h), 0.2);
        assert_eq!(worst_window_rate(&[], &[], DAY, h), 0.0);
    }
}
