//! Charts, one file each, all styled by `style` and saved as PNG and SVG.

pub mod compare_bars;
mod frame;
pub mod oversold_histogram;
pub mod penalty_distribution;
pub mod run_charts;
pub mod style;
pub mod sweep_curve;
pub mod timeline;
pub mod tune_recommendations;

pub use oversold_histogram::OversoldHistogram;
pub use penalty_distribution::PenaltyDistribution;
pub use run_charts::run_charts;
pub use style::{Figure, save};
