//! Scenario files: TOML types, loading with positions, validation, built-in scenarios.

pub mod model;

pub use model::*;
