//! Scenario files: TOML types, loading with positions, validation, built-in scenarios.

pub mod builtin;
pub(crate) mod catalog;
mod channels;
mod error;
mod events;
mod fields;
mod intervals;
mod limits;
mod links;
mod load;
mod locate;
pub(crate) mod model;
mod nodes;
mod path;
mod raw;
mod source;
mod validate;

pub use error::ScenarioError;
pub use events::{EventBudget, expected_events};
pub use load::{
    BUILTIN_REFERENCE, MAX_SCENARIO_BYTES, load_file, load_file_with_text, load_str,
    load_str_with_catalog, load_str_with_catalog_text, read_capped, read_scenario,
};
pub use model::*;
pub use source::{Source, slug};
#[cfg(test)]
pub(crate) use validate::one_sku_for_tests;
