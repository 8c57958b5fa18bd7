//! Statistics over the trials of a run: per-trial measures (`metric_value`), their summaries
//! (mean, sd, 95% confidence interval, quantiles) and the run summary that the report layer
//! writes. Pure: no I/O.

mod accumulator;
mod catalog;
mod metric;
mod record;
mod run;
mod stream;
mod summary;
#[cfg(test)]
pub(crate) mod test_fixtures;

pub use accumulator::{RunAccumulator, summarize_run};
pub use catalog::{
    FeedSummary, LinkSummary, Money, MonitoringSummary, Part2Accumulator, ScopeExtras, SkuSummary,
    YEAR, reports_monitoring, reports_shrink,
};
pub use metric::{Metric, Scope, has_limit, metric_value, over_limit};
pub use record::{Part2Record, ScopeRecord, TrialRecord};
pub use run::{RunSummary, ScopeSummary};
pub use stream::{Bucket, SKETCH_ACCURACY, ValueAccumulator};
pub use summary::{MetricSummary, ordered_sum, summarize};
