use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use oversell::cli::Cli;
use oversell::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = oversell::interrupt::install() {
        commands::to_stderr(format_args!(
            "warning: signals will not stop cleanly: {error:#}"
        ));
    }
    let result = commands::dispatch(cli.command, &mut std::io::stdout().lock());
    let result = result.and_then(|()| Ok(std::io::stdout().flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of stdout has gone (`oversell run | head -1`): the results are written,
        // and nobody wants the rest of the output.
        Err(error) if commands::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            commands::to_stderr(format_args!("error: {error:#}"));
            ExitCode::from(commands::exit_code(&error))
        }
    }
}
