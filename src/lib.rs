//! `oversell`: replays Poisson order arrivals across sales channels against an inventory
//! integration stack (polls, webhooks, ERP queues, safety stock, reconciliation) and measures the
//! oversells and penalties to expect, over many Monte Carlo trials.
//!
//! The engine (`sim`) and the statistics (`stats`) are pure; the command layer (`commands`) and the
//! report layer (`report`) do all input and output.

pub mod analysis;
pub mod cli;
pub mod commands;
pub(crate) mod dist;
pub mod import;
pub mod interrupt;
pub mod montecarlo;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod sim;
pub mod stats;
