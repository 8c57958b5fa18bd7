//! Every measure of one trial, computed once: the run's statistics and `trials.csv` both read it.

use crate::scenario::Scenario;
use crate::sim::outcome::TrialOutcome;

use super::metric::{Metric, Scope, has_limit, metric_value};

/// The measures of one trial over one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeRecord {
    /// The value of every metric, indexed by [`Metric::index`] (counts are whole numbers).
    pub values: [f64; 11],
    /// Whether the cancel rate went strictly over the limit; `None` without a limit.
    pub over_limit: Option<bool>,
}

impl ScopeRecord {
    /// The value of metric `m`.
    pub fn value(&self, m: Metric) -> f64 {
        self.values[m.index()]
    }
}

/// Every measure of one trial: each channel in scenario order, then all channels together.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialRecord {
    /// One per channel in scenario order, then the total.
    pub scopes: Vec<ScopeRecord>,
    /// Units corrected by reconciliations.
    pub reconciled_units: u64,
    /// Events the engine handled.
    pub events: u64,
}

impl TrialRecord {
    /// The record of `trial`, a trial of `scenario`.
    pub fn new(scenario: &Scenario, trial: &TrialOutcome) -> TrialRecord {
        let mut scopes: Vec<ScopeRecord> = (0..scenario.channels.len())
            .map(|i| {
                let scope = Scope::Channel(i);
                let values = values(scenario, trial, scope);
                let limit = scenario.channels[i].cancel_rate_limit;
                let over_limit = limit.map(|limit| values[Metric::CancelRate.index()] > limit);
                ScopeRecord { values, over_limit }
            })
            .collect();
        let any_channel_over = scopes.iter().any(|s| s.over_limit == Some(true));
        scopes.push(ScopeRecord {
            values: values(scenario, trial, Scope::Total),
            over_limit: has_limit(scenario, Scope::Total).then_some(any_channel_over),
        });
        TrialRecord {
            scopes,
            reconciled_units: trial.reconciled_units,
            events: trial.events,
        }
    }

    /// The measures over `scope`.
    pub fn scope(&self, scope: Scope) -> &ScopeRecord {
        match scope {
            Scope::Channel(i) => &self.scopes[i],
            Scope::Total => &self.scopes[self.scopes.len() - 1],
        }
    }

    /// The channels' records, in scenario order.
    pub fn channels(&self) -> &[ScopeRecord] {
        &self.scopes[..self.scopes.len() - 1]
    }
}

fn values(scenario: &Scenario, trial: &TrialOutcome, scope: Scope) -> [f64; 11] {
    Metric::ALL.map(|m| metric_value(scenario, trial, scope, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::over_limit;
    use crate::stats::test_fixtures::{outcome, scenario};

    #[test]
    fn the_record_holds_what_metric_value_and_over_limit_say() {
        for limit in [None, Some(0.1), Some(0.3)] {
            let s = scenario(limit, None);
            let t = outcome(
                [(8, 2, 3, 12.5, 60.0), (4, 0, 1, 0.0, 30.0)],
                90.0,
                500.0,
                7,
            );
            let record = TrialRecord::new(&s, &t);
            for scope in [Scope::Channel(0), Scope::Channel(1), Scope::Total] {
                for m in Metric::ALL {
                    assert_eq!(record.scope(scope).value(m), metric_value(&s, &t, scope, m));
                }
                assert_eq!(record.scope(scope).over_limit, over_limit(&s, &t, scope));
            }
            assert_eq!(record.channels().len(), 2);
            assert_eq!((record.reconciled_units, record.events), (7, 100));
        }
    }
}
