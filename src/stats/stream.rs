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

use super::catalog::{Part2Accumulator, SkuSummary};
use super::metric::{Metric, Scope, has_limit};
use super::record::{ScopeRecord, TrialRecord};
use super::run::{RunSummary, ScopeSummary};
use super::summary::{MetricSummary, t_975};
use crate::scenario::Scenario;
use crate::sim::outcome::TrialOutcome;

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
    sum: u128,
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

    /// How many values were at least 1 (counts only).
    fn at_least_one(&self) -> u64 {
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

/// One scope (a channel, or all channels together), streamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeAccumulator {
    /// One per metric, in [`Metric::ALL`] order.
    metrics: Vec<ValueAccumulator>,
    /// Trials with at least one oversold order.
    any_oversell: u64,
    /// Trials over the cancel-rate limit.
    over_limit: u64,
}

impl ScopeAccumulator {
    fn new() -> Self {
        ScopeAccumulator {
            metrics: Metric::ALL
                .iter()
                .map(|m| ValueAccumulator::new(m.is_count()))
                .collect(),
            any_oversell: 0,
            over_limit: 0,
        }
    }

    fn push(&mut self, record: &ScopeRecord) {
        for (value, acc) in record.values.iter().zip(&mut self.metrics) {
            acc.push(*value);
        }
        if record.value(Metric::Oversold) >= 1.0 {
            self.any_oversell += 1;
        }
        if record.over_limit == Some(true) {
            self.over_limit += 1;
        }
    }

    /// Adds one trial given as its values in [`Metric::ALL`] order; `over`: whether its
    /// cancel rate was over the limit (`None` without one).
    fn push_values(&mut self, values: &[f64], over: Option<bool>) {
        for (acc, &value) in self.metrics.iter_mut().zip(values) {
            acc.push(value);
        }
        if values[Metric::Oversold.index()] >= 1.0 {
            self.any_oversell += 1;
        }
        if over == Some(true) {
            self.over_limit += 1;
        }
    }

    fn merge(&mut self, other: &ScopeAccumulator) {
        for (a, b) in self.metrics.iter_mut().zip(&other.metrics) {
            a.merge(b);
        }
        self.any_oversell += other.any_oversell;
        self.over_limit += other.over_limit;
    }

    fn summary(&self, trials: u64, limit: bool) -> ScopeSummary {
        let share = |k: u64| {
            if trials == 0 {
                0.0
            } else {
                k as f64 / trials as f64
            }
        };
        ScopeSummary {
            metrics: std::array::from_fn(|i| self.metrics[i].summary()),
            reconciled_units: None,
            p_any_oversell: share(self.any_oversell),
            p_cancel_rate_over_limit: limit.then(|| share(self.over_limit)),
            extras: Default::default(),
        }
    }
}

impl ScopeAccumulator {
    /// See [`RunAccumulator::check`]; `limit`: whether the scope has a cancel-rate limit.
    fn check(&self, trials: u64, limit: bool) -> Result<(), String> {
        if self.metrics.len() != Metric::ALL.len() {
            return Err(format!(
                "metrics: {} measures where there are {}",
                self.metrics.len(),
                Metric::ALL.len()
            ));
        }
        for (m, acc) in Metric::ALL.iter().zip(&self.metrics) {
            acc.check(m.is_count(), trials)
                .map_err(|e| format!("metrics[{}] ({}).{e}", m.index(), m.name()))?;
        }
        let oversold = self.metrics[Metric::Oversold.index()].at_least_one();
        if self.any_oversell != oversold {
            return Err(format!(
                "any_oversell: {} trials where the oversold histogram has {oversold}",
                self.any_oversell
            ));
        }
        if self.over_limit > trials || (!limit && self.over_limit != 0) {
            return Err(format!(
                "over_limit: {} trials over a cancel-rate limit (of {trials}{})",
                self.over_limit,
                if limit { "" } else { ", without a limit" }
            ));
        }
        Ok(())
    }
}

/// Everything a run keeps about its trials: memory does not grow with the number of trials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunAccumulator {
    /// Trials seen.
    trials: u64,
    /// One per channel, in scenario order.
    channels: Vec<ScopeAccumulator>,
    /// All channels together.
    total: ScopeAccumulator,
    /// Units corrected by reconciliations.
    reconciled_units: ValueAccumulator,
    /// The measures of MODEL.md Part 2.
    part2: Part2Accumulator,
}

impl RunAccumulator {
    /// An empty accumulator for `scenario`.
    pub fn new(scenario: &Scenario) -> Self {
        RunAccumulator {
            trials: 0,
            channels: scenario
                .channels
                .iter()
                .map(|_| ScopeAccumulator::new())
                .collect(),
            total: ScopeAccumulator::new(),
            reconciled_units: ValueAccumulator::new(true),
            part2: Part2Accumulator::new(scenario),
        }
    }

    /// Adds one trial of `scenario`.
    pub fn push(&mut self, scenario: &Scenario, trial: &TrialOutcome) {
        self.push_record(&TrialRecord::new(scenario, trial), trial);
    }

    /// Adds one trial, measured once into `record` (which trials.csv reads too); the Part 2
    /// measures (money, windows, links, SKUs) are read from `trial`.
    pub fn push_record(&mut self, record: &TrialRecord, trial: &TrialOutcome) {
        self.trials += 1;
        for (scope, channel) in self.channels.iter_mut().zip(record.channels()) {
            scope.push(channel);
        }
        self.total.push(record.scope(Scope::Total));
        self.reconciled_units.push(record.reconciled_units as f64);
        self.part2.push(trial);
    }

    /// Adds one trial of `scenario` given as the values of its `trials.csv` row after the
    /// trial number: every metric of every channel and of the total, reconciled units, events,
    /// then the Part 2 columns (revenue and cost per scope, the worst windowed cancel rate per
    /// channel, polls, requests and API wait per poll link), so that `merge` can check a shard's
    /// statistics against its rows. At least [`RunAccumulator::row_len`] values; later columns
    /// are not read.
    pub fn push_row(&mut self, scenario: &Scenario, row: &[f64]) {
        let width = Metric::ALL.len();
        let channels = self.channels.len();
        let at = channels * width;
        let part2 = &row[at + width + 2..];
        let worst = &part2[2 * (channels + 1)..];
        let mut any_over = false;
        for (i, scope) in self.channels.iter_mut().enumerate() {
            let values = &row[i * width..(i + 1) * width];
            // Judged on the worst windowed rate, as the engine's record is.
            let over = scenario.channels[i]
                .cancel_rate_limit
                .map(|limit| worst[i] > limit);
            any_over |= over == Some(true);
            scope.push_values(values, over);
        }
        let over = has_limit(scenario, Scope::Total).then_some(any_over);
        self.total.push_values(&row[at..at + width], over);
        self.reconciled_units.push(row[at + width]);
        self.part2.push_values(part2);
        self.trials += 1;
    }

    /// The number of values [`RunAccumulator::push_row`] reads for `scenario`.
    pub fn row_len(scenario: &Scenario) -> usize {
        let channels = scenario.channels.len();
        (channels + 1) * Metric::ALL.len() + 2 + Part2Accumulator::row_len(scenario)
    }

    /// Whether `rebuilt`, the statistics rebuilt from a shard's rows with
    /// [`RunAccumulator::push_row`], agree with these in everything the rows hold (all but the
    /// per-SKU sums, which no row carries).
    pub fn agrees_with_rows(&self, rebuilt: &RunAccumulator) -> bool {
        self.trials == rebuilt.trials
            && self.channels == rebuilt.channels
            && self.total == rebuilt.total
            && self.reconciled_units == rebuilt.reconciled_units
            && self.part2.agrees_with_rows(&rebuilt.part2)
    }

    /// Adds everything `other` (of the same scenario) saw.
    pub fn merge(&mut self, other: &RunAccumulator) {
        self.trials += other.trials;
        for (a, b) in self.channels.iter_mut().zip(&other.channels) {
            a.merge(b);
        }
        self.total.merge(&other.total);
        self.reconciled_units.merge(&other.reconciled_units);
        self.part2.merge(&other.part2);
    }

    /// Per SKU of a catalog run, in catalog order (empty without a catalog).
    pub fn skus(&self, scenario: &Scenario) -> Vec<SkuSummary> {
        self.part2.skus(scenario, self.trials)
    }

    /// Trials seen.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// Checks that this could be the statistics of `trials` trials of `scenario`: one scope per
    /// channel, every measure present and internally consistent (see
    /// [`ValueAccumulator::check`]), and the totals of counts equal to the channels' sums. The
    /// error names the field at fault (`channels[1] (web).metrics[3] (oversold).sum: ...`).
    pub fn check(&self, scenario: &Scenario, trials: u64) -> Result<(), String> {
        if self.trials != trials {
            return Err(format!(
                "trials: {} where the shard ran {trials}",
                self.trials
            ));
        }
        if self.channels.len() != scenario.channels.len() {
            return Err(format!(
                "channels: {} where the scenario has {}",
                self.channels.len(),
                scenario.channels.len()
            ));
        }
        for (i, (scope, channel)) in self.channels.iter().zip(&scenario.channels).enumerate() {
            scope
                .check(trials, has_limit(scenario, Scope::Channel(i)))
                .map_err(|e| format!("channels[{i}] ({}).{e}", channel.name.escape_debug()))?;
        }
        self.total
            .check(trials, has_limit(scenario, Scope::Total))
            .map_err(|e| format!("total.{e}"))?;
        self.reconciled_units
            .check(true, trials)
            .map_err(|e| format!("reconciled_units.{e}"))?;
        for m in Metric::ALL.into_iter().filter(|m| m.is_count()) {
            let channels: Option<u128> = self
                .channels
                .iter()
                .try_fold(0u128, |sum, c| sum.checked_add(c.metrics[m.index()].sum));
            let total = self.total.metrics[m.index()].sum;
            if channels != Some(total) {
                return Err(format!(
                    "total.metrics[{}] ({}).sum: {total} is not the sum over the channels",
                    m.index(),
                    m.name()
                ));
            }
        }
        let sum = |scope: &ScopeAccumulator, m: Metric| scope.metrics[m.index()].sum;
        for (name, scope) in std::iter::once(("total", &self.total))
            .chain(self.channels.iter().map(|c| ("a channel", c)))
        {
            let parts = sum(scope, Metric::Fulfilled).checked_add(sum(scope, Metric::Oversold));
            if parts != Some(sum(scope, Metric::Accepted)) {
                return Err(format!(
                    "{name}: the sum of accepted orders is not fulfilled + oversold"
                ));
            }
        }
        Ok(())
    }

    /// The accumulator of one metric over one scope.
    pub fn metric(&self, scope: Scope, m: Metric) -> &ValueAccumulator {
        let of = match scope {
            Scope::Channel(i) => &self.channels[i],
            Scope::Total => &self.total,
        };
        &of.metrics[m.index()]
    }

    /// The run summary.
    pub fn summary(&self, scenario: &Scenario, seed: u64) -> RunSummary {
        let channels = (scenario.channels.iter().zip(&self.channels))
            .enumerate()
            .map(|(i, (channel, acc))| {
                let limit = has_limit(scenario, Scope::Channel(i));
                let mut summary = acc.summary(self.trials, limit);
                summary.extras = self.part2.scope(scenario, Some(i));
                (channel.name.clone(), summary)
            })
            .collect();
        let mut total = self
            .total
            .summary(self.trials, has_limit(scenario, Scope::Total));
        total.reconciled_units = Some(self.reconciled_units.summary());
        total.extras = self.part2.scope(scenario, None);
        RunSummary {
            scenario: scenario.name.clone(),
            trials: self.trials,
            seed,
            horizon_seconds: scenario.horizon,
            currency: scenario.currency.clone(),
            channels,
            total,
            links: self.part2.links(scenario),
            feeds: self.part2.feeds(scenario),
        }
    }
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
