//! Pure analyses built on the engine and the statistics: comparisons of scenarios on common random
//! numbers, and full traces of single trials. No I/O; the commands write what they find.

pub mod compare;
pub mod trace;
