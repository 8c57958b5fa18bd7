//! `oversell timeline`: not written yet.

use std::io::Write;

use crate::cli::TimelineArgs;

/// Not written yet.
pub fn timeline(_args: &TimelineArgs, _stdout: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("`timeline` is not available yet")
}
