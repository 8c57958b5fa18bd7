//! The engine: one trial of the model in MODEL.md, pure (no I/O).

pub mod dist;
pub mod outcome;
