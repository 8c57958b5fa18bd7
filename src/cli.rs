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
    /// Combine the partial results of `run --shard K/N` into the run's results.
    Merge(MergeArgs),
    /// Run a scenario over a grid of values of one or more keys (a poll interval, a buffer) on
    /// common random numbers; with --target, find the value where a goal stops being met.
    Sweep(SweepArgs),
    /// Recommend safety stock per SKU of a catalog: the buffer (or out-of-stock threshold) that
    /// minimises expected penalty plus lost margin.
    Tune(TuneArgs),
    /// Read order exports (Shopify, Amazon, any CSV) and write a catalog of SKUs, a starter
    /// scenario and a fit report of the demand they show.
    Import(crate::commands::import::ImportArgs),
}

/// Output format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A human-readable table.
    Table,
    /// The summary as JSON (the same as summary.json).
    Json,
}

/// Output format on stdout of the decision tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// A human-readable table.
    Table,
    /// The results as JSON (the same as the .json file written).
    Json,
    /// The results as CSV (the same as the .csv file written).
    Csv,
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
    /// Run only share K of N (K from 0) of the trials and write a partial result to
    /// DIR/<slug>/shards/, for `oversell merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
}

/// Share `index` of `count` of a run's trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share, from 0.
    pub index: u64,
    /// How many shares.
    pub count: u64,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not K/N (for example 3/10)"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{s}` in `{text}` is not a whole number"))
    };
    let (index, count) = (number(k)?, number(n)?);
    if count == 0 || index >= count {
        return Err(format!(
            "shard {index}/{count}: K counts from 0 and must be below N (N >= 1)"
        ));
    }
    Ok(Shard { index, count })
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial results (`K-of-N.json` files) or folders holding them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Folder for results; they go to DIR/<scenario-slug>/.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
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

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// A key and its values, PATH=VALUES: a list (links.amazon-feed.poll.every=1m,5m,15m) or an
    /// integer range (channels.amazon.buffer=0..=6). Repeat for a grid.
    #[arg(long = "vary", value_name = "PATH=VALUES", required = true)]
    pub vary: Vec<String>,
    /// A goal to find the boundary of, with one --vary: MEASURE OP NUMBER, like
    /// 'channels.amazon.p_cancel_rate_over_limit<=0.05' or 'total.penalty.mean<=250'.
    #[arg(long, value_name = "EXPR")]
    pub target: Option<String>,
    #[command(flatten)]
    pub options: RunOptions,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}

/// The listing rule `tune` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TuneKnob {
    /// Units held back: the channel lists its view minus the buffer.
    Buffer,
    /// The channel lists nothing once its view is at or below this.
    #[value(name = "out_of_stock_at")]
    OutOfStockAt,
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// Scenario file (TOML): the integration stack every SKU is sold through.
    pub file: PathBuf,
    /// SKU catalog (CSV): sku, initial, orders_per_day, unit_margin, and optionally
    /// share_<channel> and penalty_<channel>.
    #[arg(long, value_name = "CSV")]
    pub catalog: PathBuf,
    /// Channels the knob is set on, comma-separated [default: those with a cancel_rate_limit].
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub channels: Vec<String>,
    /// The listing rule to tune.
    #[arg(long, value_enum, default_value_t = TuneKnob::Buffer)]
    pub knob: TuneKnob,
    /// Largest value tried: every value from 0 to N.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(0..=1000))]
    pub max: u16,
    /// Recommend only values whose P(cancel rate over limit), any channel, is at most P.
    #[arg(long, value_name = "P")]
    pub max_cancel_risk: Option<f64>,
    #[command(flatten)]
    pub options: RunOptions,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}
