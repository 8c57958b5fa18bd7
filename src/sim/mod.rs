//! The engine: one trial of the model in MODEL.md, pure (no I/O).

pub mod demand;
pub mod engine;
pub mod event;
pub mod outcome;
pub mod plan;
pub mod queue;
pub mod rng;
pub mod runaway;
pub mod window;

pub use engine::{Engine, Event, Payload, Runaway, Snapshot};
pub use outcome::{ChannelOutcome, FeedOutcome, LinkOutcome, SkuOutcome, TrialOutcome};
pub use plan::Plan;
