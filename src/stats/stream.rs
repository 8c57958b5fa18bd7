//! Statistics streamed over trials in bounded memory, and mergeable exactly.
//!
//! Every measure keeps its count, an exact sum and sum of squares in fixed point (millionths of
//! the unit, as integers), its exact maximum, and a histogram: exact (one bin per value) for
//! counts of orders and units, and for money, time and ratios a log-bucketed sketch (DDSketch)
//! whose quantiles are within 0.5% of the true order statistic, with each bucket's smallest and
//! largest value kept so that a bucket holding one value is exact. All of these are integers or
//! order-free (min, max), so accumulating in any order, or merging partial results of shards,
//! gives exactly the same numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::summary::{MetricSummary, t_975};

/// Fixed-point scale of sums: values are summed as integer millionths.
const SCALE: f64 = 1e6;
/// Relative accuracy of the quantile sketch.
pub const SKETCH_ACCURACY: f64 = 0.005;

/// A sketch bucket: how many values fell in it, and the smallest and largest of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Values in the bucket.
    pub count: u64,
    /// Smallest value in it.
    pub min: f64,
    /// Largest value in it.
    pub max: f64,
}

/// One measure, streamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueAccumulator {
    /// Values seen.
    n: u64,
    /// Sum of round(value x 10^6); a decimal string in JSON, which every reader keeps exact.
    #[serde(with = "decimal")]
    pub(super) sum: u128,
    /// Sum of round(value x 10^6)^2 (saturating); a decimal string in JSON.
    #[serde(with = "decimal")]
    sum_sq: u128,
    /// Largest value.
    max: f64,
    /// Whether values are whole counts (exact histogram) or reals (sketch).
    exact: bool,
    /// Exact: value -> how many. Sketch: bucket index -> bucket (values > 0).
    bins: BTreeMap<i64, Bucket>,
    /// Sketch: values equal to 0.
    zeros: u64,
}

impl ValueAccumulator {
    /// An empty accumulator; `exact` for whole-number measures.
    pub fn new(exact: bool) -> Self {
        ValueAccumulator {
            n: 0,
            sum: 0,
            sum_sq: 0,
            max: 0.0,
            exact,
            bins: BTreeMap::new(),
            zeros: 0,
        }
    }

    /// Adds one value (>= 0; negative values count as 0).
    pub fn push(&mut self, value: f64) {
        let value = value.max(0.0);
        let fixed = (value * SCALE).round() as u128;
        self.n += 1;
        self.sum += fixed;
        self.sum_sq = self.sum_sq.saturating_add(fixed.saturating_mul(fixed));
        if value > self.max {
            self.max = value;
        }
        let key = if self.exact {
            value.round() as i64
        } else if value == 0.0 {
            self.zeros += 1;
            return;
        } else {
            sketch_index(value)
        };
        let bucket = self.bins.entry(key).or_insert(Bucket {
            count: 0,
            min: value,
            max: value,
        });
        bucket.count += 1;
        bucket.min = bucket.min.min(value);
        bucket.max = bucket.max.max(value);
    }

    /// Adds everything `other` saw.
    pub fn merge(&mut self, other: &ValueAccumulator) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq = self.sum_sq.saturating_add(other.sum_sq);
        self.max = self.max.max(other.max);
        self.zeros += other.zeros;
        for (&key, b) in &other.bins {
            self.bins
                .entry(key)
                .and_modify(|a| {
                    a.count += b.count;
                    a.min = a.min.min(b.min);
                    a.max = a.max.max(b.max);
                })
                .or_insert(*b);
        }
    }

    /// Values seen.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// The histogram as (value, how many) in increasing value: exact values for counts; for
    /// reals, zeros and then one entry per sketch bucket at a value within 0.5% of its members.
    pub fn histogram(&self) -> Vec<(f64, u64)> {
        let mut out = Vec::with_capacity(self.bins.len() + 1);
        if self.zeros > 0 {
            out.push((0.0, self.zeros));
        }
        for (&key, b) in &self.bins {
            let value = if self.exact {
                key as f64
            } else {
                representative(key).clamp(b.min, b.max)
            };
            out.push((value, b.count));
        }
        out
    }

    /// Mean, sd, Student-t 95% interval, quantiles (R type 7 over the histogram) and max.
    pub fn summary(&self) -> MetricSummary {
        let n = self.n;
        if n == 0 {
            return MetricSummary::default();
        }
        let mean = self.sum as f64 / n as f64 / SCALE;
        let sd = if n < 2 {
            0.0
        } else {
            self.variance_fixed().sqrt() / SCALE
        };
        let half = if n < 2 {
            0.0
        } else {
            t_975(n as usize - 1) * sd / (n as f64).sqrt()
        };
        let histogram = self.histogram();
        MetricSummary {
            mean,
            sd,
            ci95: [mean - half, mean + half],
            p50: quantile(&histogram, n, 0.50),
            p90: quantile(&histogram, n, 0.90),
            p99: quantile(&histogram, n, 0.99),
            max: self.max,
        }
    }

    /// The sample variance in fixed-point units squared: exact integer arithmetic while it fits
    /// in 128 bits, else in floating point.
    fn variance_fixed(&self) -> f64 {
        let n = u128::from(self.n);
        let exact = n
            .checked_mul(self.sum_sq)
            .zip(self.sum.checked_mul(self.sum))
            .map(|(a, b)| a.saturating_sub(b));
        let numerator = match exact {
            Some(diff) => diff as f64,
            None => {
                let mean = self.sum as f64 / self.n as f64;
                ((self.sum_sq as f64 - mean * self.sum as f64) * self.n as f64).max(0.0)
            }
        };
        numerator / (self.n as f64 * (self.n - 1) as f64)
    }
}

/// A `u128` as a decimal string: JSON readers other than serde (and serde's own `Value`) hold
/// numbers beyond 2^64 only approximately.
mod decimal {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u128, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|_| D::Error::custom(format!("`{text}` is not a whole number")))
    }
}

/// Exact fixed-point sum of `count` copies of `value`, or `None` on overflow.
fn fixed_times(value: f64, count: u64) -> Option<u128> {
    ((value * SCALE).round() as u128).checked_mul(u128::from(count))
}

impl ValueAccumulator {
    /// Checks that this accumulator could have come from `expected_n` values of a measure that
    /// is `exact` (a count) or not: every histogram count adds up to `n`, every bucket holds
    /// only values of its range, and the sums and maximum lie inside what the histogram allows
    /// (exactly equal for counts). The error names the field at fault.
    pub fn check(&self, exact: bool, expected_n: u64) -> Result<(), String> {
        if self.exact != exact {
            return Err(format!("exact: {} where {exact} was expected", self.exact));
        }
        if self.n != expected_n {
            return Err(format!(
                "n: {} values where the shard ran {expected_n} trials",
                self.n
            ));
        }
        let mut counted = self.zeros;
        let (mut low, mut high, mut low_sq, mut high_sq) = (0u128, 0u128, 0u128, 0u128);
        let mut largest = if self.zeros > 0 { Some(0.0f64) } else { None };
        if exact && self.zeros != 0 {
            return Err(format!("zeros: {} in an exact histogram", self.zeros));
        }
        for (&key, b) in &self.bins {
            let bad = |why: &str| Err(format!("bins[{key}]: {why}"));
            if b.count == 0 || !b.min.is_finite() || !b.max.is_finite() || b.min > b.max {
                return bad("empty, or its min and max are not an increasing pair of numbers");
            }
            let inside = if exact {
                key >= 0 && b.min == key as f64 && b.max == key as f64
            } else {
                b.min > 0.0 && sketch_index(b.min) == key && sketch_index(b.max) == key
            };
            if !inside {
                return bad("its min or max lies outside the bucket");
            }
            counted = counted
                .checked_add(b.count)
                .ok_or("bins: counts overflow")?;
            let overflow = || format!("bins[{key}]: sums overflow");
            low = low
                .checked_add(fixed_times(b.min, b.count).ok_or_else(overflow)?)
                .ok_or_else(overflow)?;
            high = high
                .checked_add(fixed_times(b.max, b.count).ok_or_else(overflow)?)
                .ok_or_else(overflow)?;
            let square = |v: f64| {
                let f = (v * SCALE).round() as u128;
                f.saturating_mul(f).saturating_mul(u128::from(b.count))
            };
            low_sq = low_sq.saturating_add(square(b.min));
            high_sq = high_sq.saturating_add(square(b.max));
            largest = Some(largest.map_or(b.max, |m: f64| m.max(b.max)));
        }
        if counted != self.n {
            return Err(format!(
                "bins: the histogram counts {counted} values, n is {}",
                self.n
            ));
        }
        if self.max != largest.unwrap_or(0.0) {
            return Err(format!(
                "max: {} is not the largest value of the histogram ({})",
                self.max,
                largest.unwrap_or(0.0)
            ));
        }
        if self.sum < low || self.sum > high {
            return Err(format!(
                "sum: {} is outside what the histogram allows ({low} to {high})",
                self.sum
            ));
        }
        if self.sum_sq < low_sq || self.sum_sq > high_sq {
            return Err(format!(
                "sum_sq: {} is outside what the histogram allows ({low_sq} to {high_sq})",
                self.sum_sq
            ));
        }
        Ok(())
    }

    /// The largest value.
    pub(super) fn largest(&self) -> f64 {
        self.max
    }

    /// How many values were 0.
    pub(super) fn zeros(&self) -> u64 {
        if self.exact {
            self.bins.get(&0).map_or(0, |b| b.count)
        } else {
            self.zeros
        }
    }

    /// How many values were surely, and how many possibly, over `limit` (>= 0): the histogram
    /// holds each bucket's smallest and largest value, not every value.
    pub(super) fn above(&self, limit: f64) -> (u64, u64) {
        let surely = self
            .bins
            .values()
            .filter(|b| b.min > limit)
            .map(|b| b.count);
        let possibly = self
            .bins
            .values()
            .filter(|b| b.max > limit)
            .map(|b| b.count);
        (surely.sum(), possibly.sum())
    }

    /// A lower bound of the sum of the `count` smallest values, fixed point: each bucket's
    /// smallest value for every value in it.
    pub(super) fn smallest_sum(&self, count: u64) -> u128 {
        let mut left = count.saturating_sub(self.zeros());
        let mut sum = 0u128;
        for (&key, b) in &self.bins {
            if left == 0 {
                break;
            }
            if self.exact && key == 0 {
                continue;
            }
            let take = left.min(b.count);
            sum = sum.saturating_add(fixed_times(b.min, take).unwrap_or(u128::MAX));
            left -= take;
        }
        sum
    }

    /// How many values were at least 1 (counts only).
    pub(super) fn at_least_one(&self) -> u64 {
        self.bins.range(1..).map(|(_, b)| b.count).sum()
    }
}

/// The sketch bucket of `value` > 0: `ceil(log_gamma(value))`, gamma = (1 + a) / (1 - a).
fn sketch_index(value: f64) -> i64 {
    (value.ln() / gamma().ln()).ceil() as i64
}

/// A value within the accuracy of every member of bucket `key`.
fn representative(key: i64) -> f64 {
    let g = gamma();
    2.0 * g.powf(key as f64) / (g + 1.0)
}

fn gamma() -> f64 {
    (1.0 + SKETCH_ACCURACY) / (1.0 - SKETCH_ACCURACY)
}

/// Quantile `p` of `n` values given as an increasing histogram: linear interpolation between the
/// order statistics at ranks floor(h) and floor(h) + 1, h = (n - 1) p (R type 7).
fn quantile(histogram: &[(f64, u64)], n: u64, p: f64) -> f64 {
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as u64;
    let hi = (lo + 1).min(n - 1);
    let at = |rank: u64| {
        let mut seen = 0;
        for &(value, count) in histogram {
            seen += count;
            if rank < seen {
                return value;
            }
        }
        histogram.last().map_or(0.0, |b| b.0)
    };
    let (a, b) = (at(lo), at(hi));
    a + (h - lo as f64) * (b - a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summarize;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn accumulate(values: &[f64], exact: bool) -> ValueAccumulator {
        let mut acc = ValueAccumulator::new(exact);
        values.iter().for_each(|&v| acc.push(v));
        acc
    }

    #[test]
    fn counts_are_summarised_exactly() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let values: Vec<f64> = (0..5_000)
            .map(|_| f64::from(rng.random_range(0..40u32)))
            .collect();
        let streamed = accumulate(&values, true).summary();
        let exact = summarize(&values);
        assert_eq!(streamed.mean, exact.mean);
        assert!((streamed.sd - exact.sd).abs() < 1e-12 * exact.sd);
        assert_eq!(
            [streamed.p50, streamed.p90, streamed.p99, streamed.max],
            [exact.p50, exact.p90, exact.p99, exact.max]
        );
    }

    #[test]
    fn real_quantiles_are_within_the_sketch_accuracy() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let values: Vec<f64> = (0..20_000)
            .map(|_| {
                if rng.random::<f64>() < 0.3 {
                    0.0
                } else {
                    (rng.random::<f64>() * 8.0).exp()
                }
            })
            .collect();
        let streamed = accumulate(&values, false).summary();
        let exact = summarize(&values);
        assert!((streamed.mean - exact.mean).abs() <= 1e-6 * (1.0 + exact.mean));
        assert!((streamed.sd - exact.sd).abs() <= 1e-6 * exact.sd);
        for (s, e) in [
            (streamed.p50, exact.p50),
            (streamed.p90, exact.p90),
            (streamed.p99, exact.p99),
        ] {
            assert!((s - e).abs() <= SKETCH_ACCURACY * e, "{s} vs {e}");
        }
        assert_eq!(streamed.max, exact.max);
    }

    #[test]
    fn a_bucket_of_one_value_is_exact() {
        // Fixed penalties of 30 per oversell: totals 0, 30, 60 are reported exactly.
        let values: Vec<f64> = (0..1000).map(|i| f64::from(i % 3) * 30.0).collect();
        let s = accumulate(&values, false).summary();
        assert_eq!([s.p50, s.p90, s.max], [30.0, 60.0, 60.0]);
    }

    #[test]
    fn check_accepts_what_push_made_and_refuses_edits() {
        let values: Vec<f64> = (0..500).map(|i| f64::from(i % 7) * 1.25).collect();
        let sketch = accumulate(&values, false);
        assert_eq!(sketch.check(false, 500), Ok(()));
        assert!(sketch.check(true, 500).unwrap_err().starts_with("exact"));
        assert!(sketch.check(false, 499).unwrap_err().starts_with("n: 500"));
        let mut edited = sketch.clone();
        edited.max = 1e6;
        assert!(
            edited
                .check(false, 500)
                .unwrap_err()
                .starts_with("max: 1000000")
        );
        let mut edited = sketch.clone();
        edited.sum += 5_000_000_000;
        assert!(edited.check(false, 500).unwrap_err().starts_with("sum: "));
        let counts = accumulate(&[0.0, 3.0, 3.0, 9.0], true);
        assert_eq!(counts.check(true, 4), Ok(()));
        let mut edited = counts.clone();
        edited.sum += 1;
        assert!(edited.check(true, 4).unwrap_err().starts_with("sum: "));
        let mut edited = counts;
        edited.bins.get_mut(&3).unwrap().count += 500;
        assert!(edited.check(true, 4).unwrap_err().starts_with("bins: "));
    }

    #[test]
    fn merging_halves_equals_one_pass_exactly() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let values: Vec<f64> = (0..3_001).map(|_| rng.random::<f64>() * 1e4).collect();
        let whole = accumulate(&values, false);
        let mut merged = accumulate(&values[1_234..], false);
        merged.merge(&accumulate(&values[..1_234], false));
        assert_eq!(
            serde_json::to_string(&whole.summary()).unwrap(),
            serde_json::to_string(&merged.summary()).unwrap()
        );
        assert_eq!(whole, merged);
    }
}
