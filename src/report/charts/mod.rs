//! Charts, one file each, all styled by `style` and saved as PNG and SVG.

pub(crate) mod bench_scaling;
pub(crate) mod compare_bars;
pub(crate) mod demo_cost;
mod frame;
pub(crate) mod import_daily_orders;
pub(crate) mod import_dispersion;
pub(crate) mod import_hourly_profile;
pub(crate) mod import_velocity_spread;
pub(crate) mod oversold_histogram;
pub(crate) mod penalty_distribution;
pub(crate) mod run_charts;
pub(crate) mod sellout_trace;
pub(crate) mod style;
pub(crate) mod sweep_curve;
pub(crate) mod timeline;
pub(crate) mod tune_recommendations;

pub use oversold_histogram::OversoldHistogram;
pub use penalty_distribution::PenaltyDistribution;
pub use run_charts::run_charts;
pub use style::{Figure, save};
