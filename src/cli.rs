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
}

/// Output format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A human-readable table.
    Table,
    /// The summary as JSON (the same as summary.json).
    Json,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML); without it, the built-in reference stack.
    pub file: Option<PathBuf>,
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
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files to validate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}
