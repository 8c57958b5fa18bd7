//! Pure analyses built on the engine and the statistics: comparisons of scenarios on common random
//! numbers, full traces of single trials, sweeps of a key over a grid, and per-SKU tuning. No I/O;
//! the commands write what they find.

pub mod account;
pub mod boundary;
pub mod catalog;
pub mod compare;
pub mod edit;
pub mod input;
mod keys;
pub mod polling;
pub mod sweep;
pub mod target;
pub mod trace;
pub mod tune;
pub mod vary;

pub use input::InputError;
