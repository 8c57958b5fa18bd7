//! `oversell check FILE...`: validate scenario files without running them.

use std::io::Write;

use crate::cli::CheckArgs;
use crate::scenario::load_file;

/// Some files did not validate; their errors were already printed.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} scenario files have errors")]
pub struct CheckFailed {
    /// Files with errors.
    pub failed: usize,
    /// Files checked.
    pub total: usize,
}

/// Validates every file, printing one line per file; errors go to stderr.
pub fn check(args: &CheckArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let mut failed = 0;
    for path in &args.files {
        match load_file(path) {
            Ok(s) => writeln!(
                stdout,
                "ok: {} ({}: {} channels, {} nodes, {} links, horizon {})",
                path.display(),
                s.name,
                s.channels.len(),
                s.nodes.len(),
                s.links.len(),
                crate::sim::dist::format_seconds(s.horizon),
            )?,
            Err(error) => {
                failed += 1;
                super::to_stderr(format_args!("error: {error}"));
            }
        }
    }
    if failed > 0 {
        return Err(CheckFailed {
            failed,
            total: args.files.len(),
        }
        .into());
    }
    Ok(())
}
