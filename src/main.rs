use std::process::ExitCode;

use clap::Parser;
use oversell::cli::Cli;
use oversell::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::dispatch(cli.command, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            // Mistakes in the input are the user's to fix: exit 2, like a usage error.
            ExitCode::from(if commands::is_user_error(&error) {
                2
            } else {
                1
            })
        }
    }
}
