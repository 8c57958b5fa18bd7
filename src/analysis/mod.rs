//! Pure analyses built on the engine and the statistics: comparisons of scenarios on common random
//! numbers, full traces of single trials, sweeps of a key over a grid, and per-SKU tuning. No I/O;
//! the commands write what they find.

pub(crate) mod account;
pub(crate) mod boundary;
pub mod catalog;
pub mod compare;
pub(crate) mod edit;
pub(crate) mod input;
mod keys;
pub(crate) mod polling;
pub mod screen;
pub(crate) mod sellout;
pub(crate) mod sweep;
pub(crate) mod target;
pub(crate) mod trace;
pub(crate) mod tune;
pub(crate) mod tune_search;
pub(crate) mod vary;

pub use input::InputError;
