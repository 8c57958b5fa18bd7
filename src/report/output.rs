//! Output paths and atomic file writes.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes `bytes` to `path` atomically: into a temporary file in the same folder, flushed and
/// synced, then renamed over `path`. Creates the folder if needed. A reader sees the old file or
/// the new one, never half of one; on failure no temporary file is left behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic_inner(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn write_atomic_inner(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// A file written under a temporary name in its folder and renamed into place by `commit`; if
/// it is dropped uncommitted (an error, an interrupt), the temporary file is removed and the
/// previous file, if any, is left as it was.
pub struct AtomicFile {
    path: PathBuf,
    file: std::io::BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (creating its folder).
    pub fn create(path: &Path) -> anyhow::Result<AtomicFile> {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating folder {}", parent.display()))?;
        // Results are for reading by anyone, like any file the user writes (the temporary file
        // would otherwise keep its private 0600 mode after the rename).
        let file = tempfile::Builder::new()
            .permissions(std::fs::Permissions::from_mode(0o644))
            .tempfile_in(parent)
            .with_context(|| format!("creating a temporary file in {}", parent.display()))?;
        Ok(AtomicFile {
            path: path.to_owned(),
            file: std::io::BufWriter::new(file),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> anyhow::Result<()> {
        let path = self.path;
        let file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.as_file().sync_all()?;
        file.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The folder for one run's outputs: `base/slug`.
pub fn out_dir(base: &Path, slug: &str) -> PathBuf {
    base.join(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_dir_joins() {
        assert_eq!(
            out_dir(Path::new("out"), "polling-15m"),
            Path::new("out").join("polling-15m")
        );
    }

    #[test]
    fn write_atomic_replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("summary.json");
        write_atomic(&path, b"first version, longer").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["summary.json"]);
    }

    #[test]
    fn write_atomic_names_the_file_on_error() {
        let dir = tempfile::tempdir().unwrap();
        // The parent "folder" is a file, so it cannot be created.
        let blocker = dir.path().join("blocker");
        std::fs::write(&blocker, b"x").unwrap();
        let path = blocker.join("summary.json");
        let err = write_atomic(&path, b"y").unwrap_err();
        assert!(format!("{err}").contains("summary.json"), "{err:#}");
    }
}
