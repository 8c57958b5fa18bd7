//! Ctrl-C (SIGINT, SIGTERM) stops a run between trials, never inside a file write: the handler
//! only raises a flag, long loops check it, and the command fails with `Interrupted` (exit 130)
//! after every file already being written has been renamed into place.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The run was interrupted by a signal.
#[derive(Debug, thiserror::Error)]
#[error("interrupted: nothing more was written; earlier results are intact")]
pub struct Interrupted;

/// Installs the handler (once, from `main`).
pub fn install() -> anyhow::Result<()> {
    ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst))?;
    Ok(())
}

/// Fails with `Interrupted` once a signal has arrived.
pub fn check() -> Result<(), Interrupted> {
    if INTERRUPTED.load(Ordering::Relaxed) {
        Err(Interrupted)
    } else {
        Ok(())
    }
}
