//! The streamed statistics of a whole run: one accumulator per scope (a channel, or all
//! channels together) and the Part 2 measures, in memory that does not grow with the trials.

use serde::{Deserialize, Serialize};

use super::catalog::{Part2Accumulator, ScopeFacts, SkuSummary};
use super::metric::{Metric, Scope, has_limit};
use super::record::{ScopeRecord, TrialRecord};
use super::run::{RunSummary, ScopeSummary};
use super::stream::ValueAccumulator;
use crate::scenario::Scenario;
use crate::sim::outcome::TrialOutcome;

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
    /// channel, polls, requests and API wait per poll link, the monitoring measures, shrunk
    /// units), so that `merge` can check a shard's statistics against its rows. At least
    /// [`RunAccumulator::row_len`] values; later columns are not read.
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
        self.check_over_limit()?;
        let facts: Vec<ScopeFacts> = (self.channels.iter().chain([&self.total]))
            .map(|scope| ScopeFacts {
                metrics: &scope.metrics,
                any_oversell: scope.any_oversell,
                over_limit: scope.over_limit,
            })
            .collect();
        self.part2
            .check(scenario, trials, &facts)
            .map_err(|e| format!("part2.{e}"))
    }

    /// A trial is over the limit in total when a channel is: at least as many trials as the
    /// channel with the most, at most all of theirs together.
    fn check_over_limit(&self) -> Result<(), String> {
        let over = self.channels.iter().map(|c| c.over_limit);
        let (most, all) = (
            over.clone().max().unwrap_or(0),
            over.fold(0u64, u64::saturating_add),
        );
        let total = self.total.over_limit;
        if total < most || total > all {
            return Err(format!(
                "total.over_limit: {total} trials, where the channels have {most} to {all}"
            ));
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

/// Summarises the trials of a run of `scenario` with base seed `seed` (through the same streamed
/// statistics as a run that does not keep its trials).
pub fn summarize_run(scenario: &Scenario, seed: u64, trials: &[TrialOutcome]) -> RunSummary {
    let mut stats = RunAccumulator::new(scenario);
    for trial in trials {
        stats.push(scenario, trial);
    }
    stats.summary(scenario, seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::MetricSummary;
    use crate::stats::test_fixtures::{outcome, scenario};

    fn two_trials() -> Vec<TrialOutcome> {
        vec![
            // web oversells 2 of 8 (over a 0.1 limit), pos none.
            outcome(
                [(8, 2, 3, 12.5, 60.0), (4, 0, 1, 0.0, 30.0)],
                90.0,
                500.0,
                7,
            ),
            // nobody oversells.
            outcome([(6, 0, 0, 0.0, 0.0), (2, 0, 0, 0.0, 0.0)], 0.0, 86_400.0, 1),
        ]
    }

    #[test]
    fn shares_and_summaries() {
        let s = scenario(Some(0.1), None);
        let run = summarize_run(&s, 42, &two_trials());
        assert_eq!(run.trials, 2);
        assert_eq!(run.seed, 42);
        let web = run.channel("web").unwrap();
        assert_eq!(web.p_any_oversell, 0.5);
        assert_eq!(web.p_cancel_rate_over_limit, Some(0.5));
        assert_eq!(web.metric(Metric::Oversold).mean, 1.0);
        assert_eq!(web.metric(Metric::Oversold).max, 2.0);
        assert!(web.reconciled_units.is_none());
        let pos = run.scope(Scope::Channel(1)).unwrap();
        assert_eq!(pos.p_any_oversell, 0.0);
        assert_eq!(pos.p_cancel_rate_over_limit, None);
        assert_eq!(run.total.p_any_oversell, 0.5);
        assert_eq!(run.total.p_cancel_rate_over_limit, Some(0.5));
        assert_eq!(run.total.reconciled_units.unwrap().mean, 4.0);
        let accepted = run.metric(Scope::Total, Metric::Accepted).unwrap();
        assert_eq!(
            (accepted.mean, accepted.p50, accepted.max),
            (10.0, 10.0, 12.0)
        );
        assert!(run.scope(Scope::Channel(2)).is_none());
    }

    #[test]
    fn no_trials_gives_zeros() {
        let run = summarize_run(&scenario(None, None), 1, &[]);
        assert_eq!(run.total.p_any_oversell, 0.0);
        assert_eq!(run.total.metric(Metric::Penalty), &MetricSummary::default());
    }
}
