//! `oversell demo`: not written yet.

use std::io::Write;

use crate::cli::DemoArgs;

/// Not written yet.
pub fn demo(_args: &DemoArgs, _stdout: &mut dyn Write) -> anyhow::Result<()> {
    anyhow::bail!("`demo` is not available yet")
}
