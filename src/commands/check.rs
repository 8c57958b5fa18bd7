//! `oversell check FILE...`: validate scenario files without running them.

use std::io::Write;

use serde::Serialize;

use crate::cli::{CheckArgs, CheckFormat};
use crate::scenario::{Scenario, ScenarioError, load_file};

/// Some files did not validate; their errors were already printed.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} scenario files have errors")]
pub struct CheckFailed {
    /// Files with errors.
    pub failed: usize,
    /// Files checked.
    pub total: usize,
}

/// What `check --format json` prints for one file.
#[derive(Debug, Serialize)]
struct Checked<'a> {
    /// The file as given.
    file: String,
    /// Whether it validated.
    ok: bool,
    /// The scenario's name and counts, when it validated.
    #[serde(skip_serializing_if = "Option::is_none")]
    scenario: Option<Counts<'a>>,
    /// Why it did not validate.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ScenarioError>,
}

/// A valid scenario's name and size.
#[derive(Debug, Serialize)]
struct Counts<'a> {
    name: &'a str,
    channels: usize,
    nodes: usize,
    links: usize,
    /// Length of one trial, seconds.
    horizon_seconds: f64,
}

/// Validates every file: one line per file (errors on stderr), or one JSON array on stdout.
pub fn check(args: &CheckArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let results: Vec<(String, Result<Scenario, ScenarioError>)> = args
        .files
        .iter()
        .map(|path| (path.display().to_string(), load_file(path)))
        .collect();
    match args.format {
        CheckFormat::Table => {
            for (file, result) in &results {
                match result {
                    Ok(s) => writeln!(
                        stdout,
                        "ok: {file} ({}: {} channels, {} nodes, {} links, horizon {})",
                        s.name,
                        s.channels.len(),
                        s.nodes.len(),
                        s.links.len(),
                        crate::dist::format_seconds(s.horizon),
                    )?,
                    Err(error) => super::to_stderr(format_args!("error: {error}")),
                }
            }
        }
        CheckFormat::Json => {
            let checked: Vec<Checked> = results.iter().map(|(f, r)| checked(f, r)).collect();
            stdout.write_all(crate::report::pretty_json(&checked).as_bytes())?;
        }
    }
    let failed = results.iter().filter(|(_, r)| r.is_err()).count();
    if failed > 0 {
        return Err(CheckFailed {
            failed,
            total: args.files.len(),
        }
        .into());
    }
    Ok(())
}

fn checked<'a>(file: &str, result: &'a Result<Scenario, ScenarioError>) -> Checked<'a> {
    Checked {
        file: file.to_owned(),
        ok: result.is_ok(),
        scenario: result.as_ref().ok().map(|s| Counts {
            name: &s.name,
            channels: s.channels.len(),
            nodes: s.nodes.len(),
            links: s.links.len(),
            horizon_seconds: s.horizon,
        }),
        error: result.as_ref().err(),
    }
}
