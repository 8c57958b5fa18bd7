//! The integration tests, as one binary: each file under tests/it/ is a module, so the crate is
//! linked once instead of once per file. Add a new test file here as `mod name;`.

mod common;

mod bad_input;
mod bench_workload;
mod catalog;
mod catalog_fuzz;
mod catalog_outputs;
mod charts;
mod cli;
mod compare;
mod docs;
mod engine_rules;
mod failure_scenarios;
mod failures;
mod failures_bundles;
mod failures_demand;
mod failures_outputs;
mod fuzz_parser;
mod golden;
mod import;
mod interrupt;
mod invariants;
mod invariants_failures;
mod lazy_reset;
mod merge_catalog;
mod merge_fuzz;
mod merge_part2;
mod merge_untrusted;
mod out_help;
mod output_sets;
mod queue_bulk;
mod report;
mod runaway;
mod scenarios;
mod serve;
mod shards;
mod signals;
mod sweep;
mod sweep_wait_charts;
mod timeline;
mod tune;
mod tune_account;
mod tune_fast;
mod validation;
mod vary_keys;
