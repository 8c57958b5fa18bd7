//! One module per subcommand: resolve arguments, call the engine, hand results to `report`.

pub mod check;
pub mod run;
pub mod source;

use std::io::Write;

use crate::cli::Command;

/// Runs one subcommand, writing its result to `stdout`.
pub fn dispatch(command: Command, stdout: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        Command::Run(args) => run::run(&args, stdout),
        Command::Check(args) => check::check(&args, stdout),
    }
}

/// Whether `error` is the user's to fix in their input (exit code 2) rather than a failure.
pub fn is_user_error(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<crate::scenario::ScenarioError>()
        .is_some()
        || error.downcast_ref::<check::CheckFailed>().is_some()
}
