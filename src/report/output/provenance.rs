//! Which scenario file a set of results came from, so that two files whose names give the same
//! folder (`a/client.toml` and `b/client.toml`, `Ref.toml` and `ref.toml`) do not silently replace
//! each other's results.

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::OutputError;
use super::place::file;
use crate::scenario::Source;

/// Where a scenario came from: its file (absolute, when it can be resolved) or `built-in:<slug>`,
/// and the SHA-256 of exactly the bytes that were parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The file's absolute path, or `built-in:<slug>`.
    pub source: String,
    /// SHA-256 of the scenario text, lowercase hex.
    pub sha256: String,
}

/// The part of an earlier `run.json` that says where its results came from.
#[derive(Deserialize)]
struct Recorded {
    scenario_source: Option<String>,
    scenario_sha256: Option<String>,
}

impl Provenance {
    /// The provenance of a loaded scenario.
    pub fn of(source: &Source) -> Provenance {
        let origin = match &source.path {
            Some(path) => std::fs::canonicalize(path)
                .unwrap_or_else(|_| path.clone())
                .display()
                .to_string(),
            None => format!("built-in:{}", source.slug),
        };
        Provenance::new(origin, source.text.as_bytes())
    }

    /// The provenance of `text` read from `source`.
    pub fn new(source: String, text: &[u8]) -> Provenance {
        Provenance {
            source,
            sha256: sha256_hex(text),
        }
    }

    /// Fails when `run_dir/run.json` records results of another scenario file: another source
    /// and other text. The same file edited, or a copy of it elsewhere, may replace them.
    pub fn check(&self, run_dir: &Path) -> Result<(), OutputError> {
        let Ok(text) = std::fs::read_to_string(run_dir.join(file::RUN_INFO)) else {
            return Ok(());
        };
        let Ok(Recorded {
            scenario_source: Some(theirs),
            scenario_sha256: Some(their_sha256),
        }) = serde_json::from_str::<Recorded>(&text)
        else {
            return Ok(());
        };
        if theirs == self.source || their_sha256 == self.sha256 {
            return Ok(());
        }
        Err(OutputError::OtherSource {
            dir: run_dir.to_owned(),
            theirs,
            their_sha256,
            ours: self.source.clone(),
            our_sha256: self.sha256.clone(),
        })
    }
}

/// SHA-256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_text() {
        assert_eq!(
            sha256_hex(b"hello world"),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
    }

    fn recorded(dir: &Path, source: &str, text: &[u8]) {
        let json = serde_json::json!({
            "scenario_source": source,
            "scenario_sha256": sha256_hex(text),
        });
        std::fs::write(dir.join("run.json"), json.to_string()).unwrap();
    }

    #[test]
    fn another_file_with_other_text_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        recorded(dir.path(), "/a/client.toml", b"name = \"A\"");
        let ours = Provenance::new("/b/client.toml".into(), b"name = \"B\"");
        let err = ours.check(dir.path()).unwrap_err().to_string();
        assert!(err.contains("/a/client.toml"), "{err}");
        assert!(err.contains("not of /b/client.toml"), "{err}");
        assert!(err.contains("--force"), "{err}");
    }

    #[test]
    fn the_same_file_edited_or_a_copy_may_replace() {
        let dir = tempfile::tempdir().unwrap();
        recorded(dir.path(), "/a/client.toml", b"name = \"A\"");
        let edited = Provenance::new("/a/client.toml".into(), b"name = \"A2\"");
        assert!(edited.check(dir.path()).is_ok());
        let copy = Provenance::new("/b/client.toml".into(), b"name = \"A\"");
        assert!(copy.check(dir.path()).is_ok());
        // Nothing recorded yet: nothing to protect.
        let empty = tempfile::tempdir().unwrap();
        assert!(edited.check(empty.path()).is_ok());
    }
}
