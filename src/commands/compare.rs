//! `oversell compare`: not written yet.

use std::io::Write;

use crate::cli::CompareArgs;

/// Not written yet.
pub fn compare(_args: &CompareArgs, _stdout: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("`compare` is not available yet")
}
