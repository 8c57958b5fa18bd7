//! The sequential paired test of `oversell tune`: when a comparison between neighbouring knob
//! values is decided.
//!
//! **Sequential test.** A pair is looked at after `first_look` trials, then at twice as many, and
//! so on up to the trial cap (`looks` looks in all). At each look it is decided when at least
//! [`MIN_NONZERO`] differences are non-zero and `|mean(d)| / (sd(d) / sqrt(n)) > z`, the two-sided
//! normal critical value of `alpha_per_test = (1 - confidence) / (looks * tests)`, where `tests`
//! is the number of comparisons a SKU could make (`max` neighbour pairs, plus `max + 1` risk tests
//! under a cap). By the union bound (Bonferroni) over every look of every comparison, the chance
//! that any decision about a SKU is wrong is at most `1 - confidence`, however the search chose
//! which pairs to look at. A pair not decided at the cap is undecided.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// Non-zero paired differences needed before a comparison is decided: below this, the normal
/// approximation of the mean of mostly-zero differences is not trusted.
pub const MIN_NONZERO: u64 = 10;

/// Trials of the first look of the sequential test.
pub const FIRST_LOOK: u64 = 100;

/// The sequential test's settings, the same for every SKU.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sequential {
    /// Confidence of the decisions about one SKU together, e.g. 0.95.
    pub confidence: f64,
    /// Trials of the first look; each later look doubles it, up to `cap`.
    pub first_look: u64,
    /// Trials per value at most (`--trials`).
    pub cap: u64,
    /// Looks per comparison.
    pub looks: u64,
    /// Comparisons a SKU could make (the level is split over them).
    pub tests: u64,
    /// Two-sided level of each single look: (1 - confidence) / (looks * tests).
    pub alpha_per_test: f64,
    /// The critical |z| of `alpha_per_test`.
    pub z: f64,
    /// Non-zero differences needed before a decision.
    pub min_nonzero: u64,
}

impl Sequential {
    /// The settings for a trial cap, a largest value and whether risks are tested too.
    pub fn new(confidence: f64, cap: u64, max: i64, capped_risk: bool) -> Sequential {
        let first_look = FIRST_LOOK.min(cap).max(1);
        let looks = look_points(first_look, cap).len() as u64;
        let max = max.max(1) as u64;
        let tests = if capped_risk { 2 * max + 1 } else { max };
        let alpha_per_test = (1.0 - confidence) / (looks * tests) as f64;
        let normal = Normal::standard();
        Sequential {
            confidence,
            first_look,
            cap,
            looks,
            tests,
            alpha_per_test,
            z: normal.inverse_cdf(1.0 - alpha_per_test / 2.0),
            min_nonzero: MIN_NONZERO,
        }
    }

    /// The trial counts at which a comparison is looked at.
    pub fn looks(&self) -> Vec<u64> {
        look_points(self.first_look, self.cap)
    }
}

fn look_points(first: u64, cap: u64) -> Vec<u64> {
    let mut points = Vec::new();
    let mut n = first;
    while n < cap {
        points.push(n);
        n = n.saturating_mul(2);
    }
    points.push(cap);
    points
}

/// What a comparison of `value` with `value + 1` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// `value + 1` costs less.
    Cheaper,
    /// `value + 1` costs more.
    Dearer,
    /// Not decided at the trial cap.
    Undecided,
}

/// One comparison between a recommendation and a neighbour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeighbourTest {
    /// The neighbour's value.
    pub value: i64,
    /// `cost` (the neighbour costs more: the recommendation wins), `risk` (the neighbour is over
    /// the risk cap), `undecided`, or `lost` (the neighbour was decided cheaper; only where the
    /// cap or a fallback overrode the search).
    pub verdict: String,
    /// Mean paired cost difference, neighbour minus recommendation, currency per trial (for a
    /// risk test: the neighbour's P(cancel rate over limit) minus the cap).
    pub difference: f64,
    /// The test statistic at the last look.
    pub z: f64,
    /// Trials of the last look.
    pub trials: u64,
}

/// A pair's test result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PairTest {
    pub(super) verdict: Verdict,
    /// Mean of `cost(v + 1) - cost(v)`.
    pub(super) mean: f64,
    pub(super) z: f64,
    pub(super) trials: u64,
}

impl PairTest {
    /// Whether the step up is taken not to lower the cost (decided dearer, or undecided with a
    /// mean at or above 0).
    pub(super) fn not_cheaper(&self) -> bool {
        match self.verdict {
            Verdict::Dearer => true,
            Verdict::Cheaper => false,
            Verdict::Undecided => self.mean >= 0.0,
        }
    }
}

pub(super) fn neighbour(
    value: i64,
    verdict: &'static str,
    difference: f64,
    t: PairTest,
) -> NeighbourTest {
    NeighbourTest {
        value,
        verdict: verdict.to_owned(),
        difference,
        z: t.z,
        trials: t.trials,
    }
}

/// The paired test of `high - low` on equal-length trial costs.
pub(super) fn paired(low: &[f64], high: &[f64], seq: &Sequential) -> PairTest {
    let n = low.len();
    let diffs = || low.iter().zip(high).map(|(l, h)| h - l);
    let mean = diffs().sum::<f64>() / n as f64;
    let nonzero = diffs().filter(|d| *d != 0.0).count() as u64;
    let var = if n > 1 {
        diffs().map(|d| (d - mean) * (d - mean)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    let se = (var / n as f64).sqrt();
    let z = if se > 0.0 {
        mean / se
    } else if mean != 0.0 {
        mean.signum() * f64::INFINITY
    } else {
        0.0
    };
    let verdict = if nonzero < seq.min_nonzero || z.abs() <= seq.z {
        Verdict::Undecided
    } else if z < 0.0 {
        Verdict::Cheaper
    } else {
        Verdict::Dearer
    };
    PairTest {
        verdict,
        mean,
        z: if z.is_finite() {
            z
        } else {
            mean.signum() * 1e9
        },
        trials: n as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_double_up_to_the_cap_and_split_the_level() {
        let seq = Sequential::new(0.95, 10_000, 10, false);
        assert_eq!(seq.looks(), [100, 200, 400, 800, 1600, 3200, 6400, 10_000]);
        assert_eq!(seq.tests, 10);
        assert!((seq.alpha_per_test - 0.05 / 80.0).abs() < 1e-15);
        // Phi^-1(1 - 0.05 / 160) = 3.42.
        assert!((seq.z - 3.4205).abs() < 1e-3, "{}", seq.z);
        assert_eq!(Sequential::new(0.95, 50, 3, true).looks(), [50]);
    }

    #[test]
    fn a_clear_paired_difference_is_decided_and_noise_is_not() {
        let seq = Sequential::new(0.95, 1000, 10, false);
        let low: Vec<f64> = (0..400).map(|i| (i % 7) as f64).collect();
        let high: Vec<f64> = low.iter().map(|c| c + 0.5).collect();
        assert_eq!(paired(&low, &high, &seq).verdict, Verdict::Dearer);
        assert_eq!(paired(&high, &low, &seq).verdict, Verdict::Cheaper);
        // Differences of +-1 in turn: mean 0.
        let wobble: Vec<f64> = (0..400)
            .map(|i| low[i] + if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        assert_eq!(paired(&low, &wobble, &seq).verdict, Verdict::Undecided);
        // Too few non-zero differences, however consistent.
        let mut few = low.clone();
        for c in few.iter_mut().take(5) {
            *c += 3.0;
        }
        assert_eq!(paired(&low, &few, &seq).verdict, Verdict::Undecided);
    }
}
