//! The output layer: where every command writes (one constructor per command, in the spirit of
//! criterion's `report_path`), and the one writer of files, [`ResultSet`] (in the spirit of
//! hyperfine's `ExportManager`).
//!
//! A command's results are one set. It is written into a fresh temporary folder beside its
//! destination and swapped in whole when complete, so a reader sees the old set or the new one,
//! never a mix; a failed or interrupted command leaves the old set as it was.

mod place;
mod provenance;
mod set;
mod stale;

pub use place::{Place, file, shard_files};
pub use provenance::{Provenance, sha256_hex};
pub use set::ResultSet;

use std::path::PathBuf;

/// A destination that cannot take the results: the user's to fix (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A path on the way to the destination is a file.
    #[error("--out: {} is a file, not a folder; give --out a folder", path.display())]
    NotAFolder {
        /// The file in the way.
        path: PathBuf,
    },
    /// The destination holds results of another scenario file.
    #[error(
        "{} holds the results of {theirs} (sha256 {}…), not of {ours} (sha256 {}…); \
         give another --out, or --force to replace them",
        dir.display(),
        &their_sha256[..12.min(their_sha256.len())],
        &our_sha256[..12.min(our_sha256.len())]
    )]
    OtherSource {
        /// The folder of the earlier results.
        dir: PathBuf,
        /// Where the earlier results came from.
        theirs: String,
        /// Its SHA-256.
        their_sha256: String,
        /// Where this command's scenario comes from.
        ours: String,
        /// Its SHA-256.
        our_sha256: String,
    },
}
