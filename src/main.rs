use std::process::ExitCode;

use clap::Parser;
use oversell::cli::Cli;
use oversell::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = oversell::interrupt::install() {
        eprintln!("warning: Ctrl-C will not stop cleanly: {error:#}");
    }
    match commands::dispatch(cli.command, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(commands::exit_code(&error))
        }
    }
}
