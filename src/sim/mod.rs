//! The engine: one trial of the model in docs/model.md, pure (no I/O).

pub(crate) mod demand;
pub(crate) mod engine;
pub(crate) mod event;
pub(crate) mod outcome;
pub(crate) mod plan;
pub(crate) mod queue;
pub(crate) mod rng;
pub(crate) mod runaway;
pub(crate) mod window;
pub(crate) mod workload;

pub use engine::{Engine, Event, Payload, Runaway, Snapshot};
pub use outcome::{
    ChannelOutcome, FeedOutcome, LinkOutcome, QueueOutcome, SkuOutcome, TrialOutcome,
};
pub use plan::Plan;
