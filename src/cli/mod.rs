//! Command-line definitions (clap) only: nothing outside this module knows the command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis::input::{parse_probability, parse_whole};

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
    /// threads, and peak memory, on the reference, catalog and tune workloads; and how the cost
    /// of a trial grows with trials, catalog size and horizon.
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
    Import(ImportArgs),
    /// A local web page for a sales call: sliders (polling interval, webhook latency, feed time,
    /// marketplace buffer, demand) re-run the Monte Carlo live and redraw the cost per year,
    /// oversells and cancel risk with their confidence intervals.
    Serve(ServeArgs),
}

/// Output format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A human-readable table.
    Table,
    /// The summary as JSON (the same as summary.json).
    Json,
}

/// Output format on stdout of the commands with one row per result (a scenario, a grid point, a
/// SKU).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// A human-readable table.
    Table,
    /// The results as JSON (the same as the command's .json file).
    Json,
    /// The results as CSV, one row per scenario, grid point or SKU.
    Csv,
}

/// Output format on stdout of `bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchFormat {
    /// A human-readable summary.
    Table,
    /// The measurements as JSON (bench writes no file).
    Json,
}

/// Output format on stdout of `timeline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// The trial's counts per channel, as a table, and the files written.
    Table,
    /// The trial's counts per channel as JSON.
    Json,
    /// Every event of the trial as CSV (the same as events.csv).
    Csv,
}

/// Output format on stdout of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per file.
    Table,
    /// One JSON object per file: the scenario's counts, or the error's line, key and message.
    Json,
}

/// Options shared by every command that runs trials.
#[derive(Debug, Clone, Args)]
pub struct RunOptions {
    /// Number of trials [default: the scenario's monte_carlo.trials, else 10000].
    #[arg(long, value_name = "N", value_parser = parse_trials, allow_hyphen_values = true)]
    pub trials: Option<u64>,
    /// Base seed [default: the scenario's monte_carlo.seed, else 2026].
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores].
    #[arg(long, value_name = "N", value_parser = parse_threads, allow_hyphen_values = true)]
    pub threads: Option<u16>,
    /// Folder for results; they go to DIR/<scenario-slug>/.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Replace results that came from another scenario file with the same folder name.
    #[arg(long)]
    pub force: bool,
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
    /// Write trials.csv (one row per trial, about 300 bytes each) for more than 100000 trials
    /// too; it is written up to 100000 trials without this flag.
    #[arg(long, conflicts_with = "no_trials_csv")]
    pub trials_csv: bool,
    /// Do not write trials.csv, whatever the number of trials.
    #[arg(long)]
    pub no_trials_csv: bool,
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

/// `--trials`: a whole number of at least 1.
fn parse_trials(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, u64::MAX, "trials")
}

/// `--seed`: any whole number that fits 64 bits.
fn parse_seed(text: &str) -> Result<u64, String> {
    parse_whole(text, 0, u64::MAX, "seed").map_err(|_| {
        format!(
            "must be a whole number from 0 to {}; `{}` is not one",
            u64::MAX,
            text.trim()
        )
    })
}

/// `--threads`: a whole number from 1 to 65535.
fn parse_threads(text: &str) -> Result<u16, String> {
    parse_whole(text, 1, u64::from(u16::MAX), "threads").map(|n| n as u16)
}

/// `--trial`: a trial's index, from 0.
fn parse_trial_index(text: &str) -> Result<u64, String> {
    parse_whole(text, 0, u64::MAX, "trials").map_err(|_| {
        format!(
            "must be a trial's index, a whole number from 0; `{}` is not one",
            text.trim()
        )
    })
}

/// `--max` of tune: a whole number of units from 0 to 1000.
fn parse_knob_max(text: &str) -> Result<u16, String> {
    parse_whole(text, 0, 1000, "units").map(|n| n as u16)
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial results (`K-of-N.json` files) or folders holding them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Folder for results; they go to DIR/<scenario-slug>/.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Replace results that came from another scenario file with the same folder name.
    #[arg(long)]
    pub force: bool,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
#[command(mut_arg("out", |a| a.help("Folder for results; they go to DIR/compare/")))]
pub struct CompareArgs {
    /// Scenario file (TOML) the others are compared with.
    #[arg(value_name = "BASELINE")]
    pub baseline: PathBuf,
    /// One or more scenario files (TOML) to compare with the baseline.
    #[arg(value_name = "FILE", required = true)]
    pub others: Vec<PathBuf>,
    #[command(flatten)]
    pub options: RunOptions,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}

impl CompareArgs {
    /// Every scenario file, the baseline first.
    pub fn files(&self) -> Vec<&PathBuf> {
        std::iter::once(&self.baseline)
            .chain(&self.others)
            .collect()
    }
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// Scenario file (TOML); without it, the built-in reference stack.
    pub file: Option<PathBuf>,
    /// Which trial to trace (its row in the run's trials.csv).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = parse_trial_index,
          allow_hyphen_values = true)]
    pub trial: u64,
    /// Base seed [default: the scenario's monte_carlo.seed].
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Folder for results; they go to DIR/<scenario-slug>/timeline/.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = TraceFormat::Table)]
    pub format: TraceFormat,
    /// Replace results that came from another scenario file with the same folder name.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(
    mut_arg("out", |a| a.help("Folder for results; they go to DIR/demo/ (report.html, the \
                               comparison, and one timeline folder per stack)")),
    mut_arg("trials", |a| a.help("Number of trials per stack [default: 10000]")),
    mut_arg("seed", |a| a.help("Base seed shared by the stacks [default: 2026]")),
)]
pub struct DemoArgs {
    #[command(flatten)]
    pub options: RunOptions,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; 127.0.0.1 keeps the page on this machine (0.0.0.0 shows it to the
    /// network, without any login).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Port to listen on; 0 picks a free one (the address is printed on the first line).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Time the Monte Carlo of one slider move may take, milliseconds; each stack's trial count
    /// is fitted to it at start-up (a short timed run of each stack).
    #[arg(long, value_name = "MS", default_value_t = crate::commands::serve::DEFAULT_BUDGET_MS, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub budget_ms: u64,
    /// A fixed number of trials per request instead of the fitted one.
    #[arg(long, value_name = "N", value_parser = parse_trials, allow_hyphen_values = true)]
    pub trials: Option<u64>,
    /// Base seed of every request (the same orders for every setting) [default: 2026].
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Worker threads of a request's Monte Carlo [default: all cores].
    #[arg(long, value_name = "N", value_parser = parse_threads, allow_hyphen_values = true)]
    pub threads: Option<u16>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files to validate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
}

/// What `bench` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchWorkload {
    /// The scenario FILE, or the built-in reference stack (one SKU, one day).
    Reference,
    /// scenarios/catalog/four-weeks.toml: 2,000 SKUs over 28 days.
    Catalog,
    /// `tune` of a generated long-tailed catalog of 40 SKUs on the polling-15m stack (Amazon's
    /// buffer, 0 to 10).
    Tune,
    /// The cost of one trial against trials (reference), catalog size at the same total demand
    /// (200, 2,000, 20,000 SKUs; and 2,000 with 18,000 that never sell) and horizon (7, 28, 112
    /// days); single-threaded.
    Scaling,
    /// The live page (`oversell serve`): 200 slider moves answered one after another with the
    /// trial counts fitted to the default budget; median, 95th percentile and slowest answer.
    Serve,
    /// All of them, one after the other.
    All,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario file (TOML) of the reference workload; without it, the built-in reference stack.
    pub file: Option<PathBuf>,
    /// The workload(s) to measure.
    #[arg(long, value_enum, default_value_t = BenchWorkload::Reference)]
    pub workload: BenchWorkload,
    /// Trials per measurement [default: 20000 for the reference workload, 200 for the catalog,
    /// 500 per SKU and value for tune; the scaling series has its own].
    #[arg(long, value_name = "N", value_parser = parse_trials, allow_hyphen_values = true)]
    pub trials: Option<u64>,
    /// Base seed [default: the scenario's monte_carlo.seed].
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub seed: Option<u64>,
    /// Threads of the parallel measurement [default: all cores].
    #[arg(long, value_name = "N", value_parser = parse_threads, allow_hyphen_values = true)]
    pub threads: Option<u16>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
    pub format: BenchFormat,
    /// Also write the measurements to DIR/bench/bench.json and, with the scaling series, the
    /// chart DIR/bench/bench_scaling.{png,svg} [default: write nothing].
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
#[command(mut_arg("out", |a| a.help("Folder for results; they go to DIR/<scenario-slug>/sweep/")))]
pub struct SweepArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// A key and its values, PATH=VALUES: a list (links.amazon-feed.poll.every=1m,5m,15m) or an
    /// integer range (channels.amazon.buffer=0..=6). PATH may name several keys moved together:
    /// a pattern (links.*-feed.poll.every, `*` within a segment) or a comma-joined list. Repeat
    /// for a grid (at most 10000 points).
    #[arg(long = "vary", value_name = "PATH=VALUES", required = true)]
    pub vary: Vec<String>,
    /// A goal to find the boundary of, with one --vary: MEASURE OP NUMBER, like
    /// 'channels.amazon.p_cancel_rate_over_limit<=5%' or 'total.penalty.mean<=250'
    /// (probabilities as 0.05 or 5%).
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

/// How `tune` searches the knob's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TuneSearch {
    /// Bisection with sequential stopping: trials in blocks until neighbours are decided at 95%.
    Fast,
    /// Every value from 0 to --max on every trial.
    Exhaustive,
}

#[derive(Debug, Args)]
#[command(mut_arg("out", |a| a.help("Folder for results; they go to DIR/<catalog-stem>/tune/")))]
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
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = parse_knob_max,
          allow_hyphen_values = true)]
    pub max: u16,
    /// Recommend only values whose P(cancel rate over limit), any channel, is at most P (a
    /// probability: 0.05 or 5%).
    #[arg(long, value_name = "P", value_parser = parse_probability, allow_hyphen_values = true)]
    pub max_cancel_risk: Option<f64>,
    /// How values are searched: bisection with sequential stopping (--trials is the cap per
    /// value), or every value on every trial.
    #[arg(long, value_enum, default_value_t = TuneSearch::Fast)]
    pub search: TuneSearch,
    /// Give the knob 0 without simulation to SKUs whose P(units demanded over the horizon >
    /// stock) is at most P (a probability; 0 turns the screen off).
    #[arg(long, value_name = "P", default_value = "0.001", value_parser = parse_probability,
          allow_hyphen_values = true)]
    pub screen: f64,
    /// Tune only share K of N (K from 0) of the catalog's SKUs and write a partial result to
    /// DIR/<catalog-stem>/tune-shards/shards/, for `oversell merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub options: RunOptions,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = DataFormat::Table)]
    pub format: DataFormat,
}

/// The flags of `oversell import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Shopify orders exports (Orders > Export, CSV); several files may follow the flag.
    #[arg(long, value_name = "CSV", num_args = 1..)]
    pub shopify: Vec<PathBuf>,
    /// Amazon All Orders reports (tab-separated; FBA orders are reported and left out).
    #[arg(long, value_name = "TXT", num_args = 1..)]
    pub amazon: Vec<PathBuf>,
    /// Other order exports as CSV, read by the columns named with --columns.
    #[arg(long, value_name = "CSV", num_args = 1..)]
    pub csv: Vec<PathBuf>,
    /// The headers of the --csv files: time=...,sku=...[,qty=...][,channel=...][,price=...]
    /// [,order=...][,status=...] (price per unit).
    #[arg(long, value_name = "FIELD=HEADER,...")]
    pub columns: Option<String>,
    /// Channel of --csv rows without a channel column [default: the first word of the file's
    /// name, like `walmart` for walmart_orders.csv].
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
    /// Count days and hours in this zone: an IANA name (Europe/Berlin), UTC or an offset (+02:00)
    /// [default: each time in the offset it was written with].
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Days each SKU was in stock: sku,days_in_stock, or a dated history date,sku,available
    /// [default: every day of the window, which undercounts SKUs that sold out].
    #[arg(long, value_name = "CSV")]
    pub in_stock_days: Option<PathBuf>,
    /// Units on hand per SKU for `initial`: sku,initial, or Shopify's inventory export
    /// [default: a placeholder of 14 days of demand, marked as such].
    #[arg(long, value_name = "CSV")]
    pub inventory: Option<PathBuf>,
    /// Folder to write skus.csv, scenario.toml, fit.md and the charts into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// What to print on stdout: the summary as text, the files written and the warnings as
    /// JSON, or the catalog written (skus.csv) as CSV.
    #[arg(long, value_enum, default_value_t = TraceFormat::Table)]
    pub format: TraceFormat,
}
#[cfg(test)]
mod tests;
