//! Command-line definitions (clap) only: nothing outside this module knows the command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Oversell-window simulator: how many orders will your integration stack oversell, and what will
/// it cost? Replays Poisson order arrivals across channels against polls, webhooks, ERP queues,
/// safety stock and reconciliation, over many Monte Carlo trials.
#[derive(Debug, Parser)]
#[command(name = "oversell", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario as a Monte Carlo experiment and summarise it.
    Run(RunArgs),
    /// Validate scenario files without running them.
    Check(CheckArgs),
    /// Run several scenarios on common random numbers and compare them side by side.
    Compare(CompareArgs),
    /// Trace one trial in full: stock, listings, oversells and sync deliveries over time.
    Timeline(TimelineArgs),
    /// Polling versus event-driven in one command: compare the built-in stacks, trace a trial of
    /// each, and write out/demo/report.html.
    Demo(DemoArgs),
    /// Measure the engine: events, orders and trials per second, single-threaded and on all
    /// threads, and peak memory.
    Bench(BenchArgs),
}

/// Output format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A human-readable table.
    Table,
    /// The summary as JSON (the same as summary.json).
    Json,
}

/// Options shared by every command that runs trials.
#[derive(Debug, Clone, Args)]
pub struct RunOptions {
    /// Number of trials [default: the scenario's monte_carlo.trials, else 10000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: Option<u64>,
    /// Base seed [default: the scenario's monte_carlo.seed, else 2026].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Folder for results; they go to DIR/<scenario-slug>/.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML); without it, the built-in reference stack.
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub options: RunOptions,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files (TOML); the first is the baseline the others are compared with.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub options: RunOptions,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Scenario file (TOML); without it, the built-in reference stack.
    pub file: Option<PathBuf>,
    /// Which trial to trace (its row in the run's trials.csv).
    #[arg(long, default_value_t = 0)]
    pub trial: u64,
    /// Base seed [default: the scenario's monte_carlo.seed].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder for results; they go to DIR/<scenario-slug>/timeline/.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub options: RunOptions,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files to validate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario file (TOML); without it, the built-in reference stack.
    pub file: Option<PathBuf>,
    /// Trials per measurement.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub trials: u64,
    /// Base seed [default: the scenario's monte_carlo.seed].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Threads of the parallel measurement [default: all cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}
