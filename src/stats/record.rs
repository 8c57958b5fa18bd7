//! Every measure of one trial, computed once: the run's statistics and `trials.csv` both read it.

use crate::scenario::Scenario;
use crate::sim::outcome::TrialOutcome;

use super::metric::{Metric, Scope, has_limit, metric_value, over_limit};

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
    /// The measures of MODEL.md Part 2.
    pub part2: Part2Record,
}

/// The measures of MODEL.md Part 2 of one trial.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Part2Record {
    /// Per channel in scenario order, then the total: (revenue, cost), in the currency.
    pub revenue_cost: Vec<(f64, f64)>,
    /// Per channel: the worst windowed cancel rate, in [0, 1].
    pub worst_window: Vec<f64>,
    /// Per poll link in scenario order: (polls, requests, API wait in seconds).
    pub links: Vec<(u64, u64, f64)>,
    /// When the scenario monitors or can disable a webhook: (alerts, disabled seconds over all
    /// links, low-stock alert time in seconds).
    pub monitoring: Option<(u64, f64, f64)>,
    /// When some SKU shrinks: units lost from the shelf.
    pub shrunk_units: Option<u64>,
}

impl Part2Record {
    fn new(scenario: &Scenario, trial: &TrialOutcome) -> Part2Record {
        let mut revenue_cost: Vec<(f64, f64)> = (trial.channels.iter())
            .map(|c| (c.revenue, c.penalty + c.lost_margin))
            .collect();
        let total = revenue_cost
            .iter()
            .fold((0.0, 0.0), |(r, c), &(revenue, cost)| {
                (r + revenue, c + cost)
            });
        revenue_cost.push(total);
        let worst_window = (trial.channels.iter())
            .map(|c| c.worst_window_cancel_rate)
            .collect();
        let links = (scenario.links.iter().zip(&trial.links))
            .filter(|(link, _)| matches!(link.transport, crate::scenario::Transport::Poll { .. }))
            .map(|(_, l)| (l.polls, l.requests, l.api_wait_seconds))
            .collect();
        let monitoring = super::reports_monitoring(scenario).then_some((
            trial.alerts,
            trial.disabled_seconds,
            trial.low_stock_alert_seconds,
        ));
        Part2Record {
            revenue_cost,
            worst_window,
            links,
            monitoring,
            shrunk_units: super::reports_shrink(scenario).then_some(trial.shrunk_units),
        }
    }
}

impl TrialRecord {
    /// The record of `trial`, a trial of `scenario`.
    pub fn new(scenario: &Scenario, trial: &TrialOutcome) -> TrialRecord {
        let mut scopes: Vec<ScopeRecord> = (0..scenario.channels.len())
            .map(|i| {
                let scope = Scope::Channel(i);
                let values = values(scenario, trial, scope);
                // Judged on the worst windowed rate (MODEL.md Part 2).
                let over_limit = over_limit(scenario, trial, scope);
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
            part2: Part2Record::new(scenario, trial),
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
