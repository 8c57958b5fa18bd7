//! The summary of a whole run: every measure of every channel and of all channels together.

use indexmap::IndexMap;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::catalog::{FeedSummary, LinkSummary, Money, ScopeExtras};
use super::metric::{Metric, Scope};
use super::summary::MetricSummary;

/// The summaries of one scope (a channel or all channels together).
///
/// Serialises as a map: the 11 metrics in [`Metric::ALL`] order, then `reconciled_units` and
/// `shrunk_units` (total only; the latter when some SKU shrinks), `p_any_oversell` and
/// `p_cancel_rate_over_limit` (`null` without a limit).
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeSummary {
    /// One summary per metric, indexed by [`Metric::index`].
    pub metrics: [MetricSummary; 11],
    /// Units corrected by reconciliations; only for all channels together.
    pub reconciled_units: Option<MetricSummary>,
    /// Share of trials with at least one oversold order, in [0, 1].
    pub p_any_oversell: f64,
    /// Share of trials with the cancel rate strictly over the limit (total: any channel over its
    /// own), in [0, 1]; `None` when there is no limit.
    pub p_cancel_rate_over_limit: Option<f64>,
    /// MODEL.md Part 2: revenue, cost, the worst windowed cancel rate, money per year.
    pub extras: ScopeExtras,
}

impl ScopeSummary {
    /// The summary of one metric.
    pub fn metric(&self, m: Metric) -> &MetricSummary {
        &self.metrics[m.index()]
    }
}

impl Serialize for ScopeSummary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let per_year = self.extras.per_year;
        for m in Metric::ALL {
            if matches!(m, Metric::Penalty | Metric::LostMargin) {
                map.serialize_entry(m.name(), &Money(self.metric(m), per_year))?;
            } else {
                map.serialize_entry(m.name(), self.metric(m))?;
            }
        }
        map.serialize_entry("revenue", &Money(&self.extras.revenue, per_year))?;
        map.serialize_entry("cost", &Money(&self.extras.cost, per_year))?;
        if let Some(worst) = &self.extras.worst_window_cancel_rate {
            map.serialize_entry("worst_window_cancel_rate", worst)?;
        }
        if let Some(reconciled) = &self.reconciled_units {
            map.serialize_entry("reconciled_units", reconciled)?;
        }
        if let Some(shrunk) = &self.extras.shrunk_units {
            map.serialize_entry("shrunk_units", shrunk)?;
        }
        if let Some(monitoring) = &self.extras.monitoring {
            map.serialize_entry("alerts", &monitoring.alerts)?;
            map.serialize_entry("disabled_seconds", &monitoring.disabled_seconds)?;
            map.serialize_entry(
                "low_stock_alert_seconds",
                &monitoring.low_stock_alert_seconds,
            )?;
        }
        map.serialize_entry("p_any_oversell", &self.p_any_oversell)?;
        map.serialize_entry("p_cancel_rate_over_limit", &self.p_cancel_rate_over_limit)?;
        map.end()
    }
}

/// Everything a run measured, summarised over its trials. Serialises to `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Scenario name.
    pub scenario: String,
    /// Number of trials.
    pub trials: u64,
    /// Base seed of the run.
    pub seed: u64,
    /// Length of one trial, seconds.
    pub horizon_seconds: f64,
    /// Currency of `penalty` and `lost_margin`.
    pub currency: String,
    /// Per channel, keyed by name, in scenario order.
    pub channels: IndexMap<String, ScopeSummary>,
    /// All channels together.
    pub total: ScopeSummary,
    /// Per poll link, keyed by name: polls, requests and API wait per trial.
    pub links: IndexMap<String, LinkSummary>,
    /// Per node with a feed queue, keyed by name: items served and time waited per trial
    /// (absent from `summary.json` when no node has one).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub feeds: IndexMap<String, FeedSummary>,
}

impl RunSummary {
    /// The summaries of the channel called `name`.
    pub fn channel(&self, name: &str) -> Option<&ScopeSummary> {
        self.channels.get(name)
    }

    /// The summaries of `scope`; `None` for a channel index out of range.
    pub fn scope(&self, scope: Scope) -> Option<&ScopeSummary> {
        match scope {
            Scope::Channel(i) => self.channels.get_index(i).map(|(_, summary)| summary),
            Scope::Total => Some(&self.total),
        }
    }

    /// The summary of metric `m` over `scope`; `None` for a channel index out of range.
    pub fn metric(&self, scope: Scope, m: Metric) -> Option<&MetricSummary> {
        self.scope(scope).map(|summary| summary.metric(m))
    }
}
