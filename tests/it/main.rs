//! The integration tests, as one binary: each file under tests/it/ is a module, so the crate is
//! linked once instead of once per file. Add a new test file here as `mod name;`.

mod common;

mod charts;
mod cli;
mod compare;
mod docs;
mod engine_rules;
mod fuzz_parser;
mod golden;
mod interrupt;
mod invariants;
mod report;
mod runaway;
mod scenarios;
mod shards;
mod sweep;
mod timeline;
mod tune;
mod validation;
