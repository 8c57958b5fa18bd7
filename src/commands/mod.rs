//! One module per subcommand: resolve arguments, call the engine, hand results to `report`.

pub(crate) mod bench;
pub(crate) mod check;
pub(crate) mod compare;
pub(crate) mod demo;
pub mod import;
pub mod merge;
pub(crate) mod merge_tune;
pub(crate) mod run;
pub(crate) mod serve;
pub(crate) mod sweep;
pub(crate) mod timeline;
pub(crate) mod tune;

use std::io::Write;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{Command, RunOptions};
use crate::montecarlo::RunConfig;
use crate::scenario::Scenario;

impl RunOptions {
    /// The run settings: flags first, then the scenario's `[monte_carlo]`, then all cores.
    pub fn config(&self, scenario: &Scenario) -> RunConfig {
        RunConfig {
            trials: self.trials.unwrap_or(scenario.monte_carlo.trials),
            seed: self.seed.unwrap_or(scenario.monte_carlo.seed),
            threads: self
                .threads
                .map_or_else(rayon::current_num_threads, usize::from),
        }
    }
}

/// Runs one subcommand, writing its result to `stdout`.
pub fn dispatch(command: Command, stdout: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        Command::Run(args) => run::run(&args, stdout),
        Command::Check(args) => check::check(&args, stdout),
        Command::Compare(args) => compare::compare(&args, stdout),
        Command::Timeline(args) => timeline::timeline(&args, stdout),
        Command::Demo(args) => demo::demo(&args, stdout),
        Command::Bench(args) => bench::bench(&args, stdout),
        Command::Merge(args) => merge::merge(&args, stdout),
        Command::Sweep(args) => sweep::sweep(&args, stdout),
        Command::Tune(args) => tune::tune(&args, stdout),
        Command::Import(args) => import::import(&args, stdout),
        Command::Serve(args) => serve::serve(&args, stdout),
    }
}

/// The exit code for `error`: 2 when the input is the user's to fix, 128 + the signal when
/// interrupted (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP, as shells report them), else 1.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    if let Some(interrupted) = error.downcast_ref::<crate::interrupt::Interrupted>() {
        interrupted.exit_code()
    } else if error
        .downcast_ref::<crate::scenario::ScenarioError>()
        .is_some()
        || error.downcast_ref::<check::CheckFailed>().is_some()
        || error.downcast_ref::<merge::MergeError>().is_some()
        || error.downcast_ref::<crate::report::OutputError>().is_some()
        || error.downcast_ref::<crate::sim::Runaway>().is_some()
        || error
            .downcast_ref::<crate::analysis::trace::TraceTooLong>()
            .is_some()
        || error
            .downcast_ref::<crate::analysis::InputError>()
            .is_some()
    {
        2
    } else {
        1
    }
}

/// Whether `error` comes from writing to a pipe whose reader has gone.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes one line to stderr. Where stderr cannot be written (a closed pipe, a full disk),
/// the line is lost rather than the process (`eprintln!` would panic).
pub fn to_stderr(line: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A progress bar over `trials` trials on stderr; indicatif hides it when stderr is not a terminal.
pub(crate) fn progress_bar(trials: u64) -> ProgressBar {
    let bar = ProgressBar::new(trials);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} trials  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
