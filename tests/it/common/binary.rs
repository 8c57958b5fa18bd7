//! Driving the built binary from a temporary folder, as a user would.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// A temporary folder to run `oversell` in, with its results under `out/`.
pub struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `name` in the folder and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        fs::write(&path, text).expect("write a file");
        path
    }

    /// Runs `oversell ARGS --out <folder>/out` in the folder.
    pub fn oversell(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_oversell"))
            .args(args)
            .arg("--out")
            .arg(self.path().join("out"))
            .current_dir(self.path())
            .stdin(Stdio::null())
            .output()
            .expect("start oversell")
    }
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// Asserts exit code 0, showing both streams otherwise, and hands the output back.
pub fn succeeded(output: Output) -> Output {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    output
}

/// Asserts exit code 2 without a panic, and returns stderr.
pub fn failed_with_2(output: &Output) -> String {
    let err = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}
