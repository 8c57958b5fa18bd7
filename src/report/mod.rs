//! The report layer: everything a command writes (JSON summary, CSV rows, run info, charts, the
//! terminal table); `output` builds every output path and is the one place that writes files.

pub mod charts;
pub(crate) mod compare_csv;
pub(crate) mod compare_table;
pub(crate) mod csv;
mod events_csv;
pub(crate) mod format;
pub(crate) mod html;
mod json;
pub(crate) mod output;
pub mod partial;
mod run_info;
mod skus_csv;
pub(crate) mod sweep_report;
mod table;
pub(crate) mod tune_partial;
pub(crate) mod tune_report;

pub use self::csv::{TrialsCsv, trials_csv};
pub use self::events_csv::events_csv;
pub use self::json::{pretty_json, summary_json};
pub use self::output::{OutputError, Place, Provenance, ResultSet, file, sha256_hex};
pub use self::run_info::{RunInfo, run_info_json};
pub use self::skus_csv::skus_csv;
pub use self::table::summary_table;
