//! The report layer: everything a run writes (JSON summary, per-trial CSV, run info, the terminal
//! table) and the one place that writes files.

pub mod charts;
pub mod compare_table;
mod csv;
mod events_csv;
pub mod html;
mod json;
mod output;
pub mod partial;
mod run_info;
pub mod sweep_report;
mod table;
pub mod tune_report;

pub use self::csv::{TrialsCsv, trials_csv};
pub use self::events_csv::events_csv;
pub use self::json::{pretty_json, summary_json};
pub use self::output::{AtomicFile, out_dir, write_atomic};
pub use self::run_info::{RunInfo, run_info_json, sha256_hex};
pub use self::table::summary_table;
