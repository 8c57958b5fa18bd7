//! SIGINT (Ctrl-C), SIGTERM (what Kubernetes and Slurm send) and SIGHUP (a closed terminal) stop
//! a command alike, between trials and never inside a file write: the handler only records which
//! signal came, long loops check it, and the command fails with `Interrupted` (exit 128 + the
//! signal number) after removing its temporary files; the results already in place stay as they
//! were. A second signal ends the process at once (its temporaries are removed by the next run
//! into the same folder).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::signal::{SIGHUP, SIGINT, SIGTERM};

/// The signals handled, with their names.
const SIGNALS: [(i32, &str); 3] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")];

/// The number of the first signal received; 0 while none has come.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);
/// Set by the first signal: a second one then ends the process at once.
static ARMED: AtomicBool = AtomicBool::new(false);

/// The command was stopped by a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted by {}: nothing more was written; earlier results are intact", self.name())]
pub struct Interrupted {
    /// The signal's number.
    pub signal: i32,
}

impl Interrupted {
    /// The conventional exit code of a process ended by this signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.signal).unwrap_or(1)
    }

    fn name(self) -> &'static str {
        SIGNALS
            .iter()
            .find(|(number, _)| *number == self.signal)
            .map_or("a signal", |(_, name)| name)
    }
}

/// Installs the handlers (once, from `main`).
pub fn install() -> anyhow::Result<()> {
    for (signal, _) in SIGNALS {
        // The order matters: a second signal finds the process armed and ends it.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, &ARMED)?;
        if let Ok(number) = usize::try_from(signal) {
            signal_hook::flag::register_usize(signal, &RECEIVED, number)?;
        }
        signal_hook::flag::register(signal, &ARMED)?;
    }
    Ok(())
}

/// Fails with `Interrupted` once a signal has arrived.
pub fn check() -> Result<(), Interrupted> {
    match RECEIVED.load(Ordering::Relaxed) {
        0 => Ok(()),
        signal => Err(Interrupted {
            signal: i32::try_from(signal).unwrap_or(SIGINT),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_names() {
        let term = Interrupted { signal: SIGTERM };
        assert_eq!(term.exit_code(), 143);
        assert!(term.to_string().starts_with("interrupted by SIGTERM"));
        assert_eq!(Interrupted { signal: SIGINT }.exit_code(), 130);
        assert_eq!(Interrupted { signal: SIGHUP }.exit_code(), 129);
    }
}
