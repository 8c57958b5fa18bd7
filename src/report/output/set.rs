//! [`ResultSet`]: one command's results, staged in a temporary folder and swapped in whole.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::place::{Kind, Place};
use super::{OutputError, Provenance, stale};

/// The results of one command, written into a temporary folder beside the destination and
/// swapped in by [`ResultSet::commit`]. Dropped uncommitted (an error, an interrupt), it removes
/// the temporary folder and leaves the destination as it was.
#[derive(Debug)]
pub struct ResultSet {
    place: Place,
    staging: PathBuf,
    /// Names written, relative to the set's folder, in order.
    written: Vec<PathBuf>,
    committed: bool,
}

/// A file of a set being written, streamed.
pub struct SetFile {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl ResultSet {
    /// Checks the destination and starts the set, before any work is done: a path on the way
    /// that is a file, or earlier results of another scenario file (unless `force`), fail at
    /// once. Removes the temporaries of killed processes beside the destination.
    pub fn begin(
        place: Place,
        provenance: Option<&Provenance>,
        force: bool,
    ) -> anyhow::Result<ResultSet> {
        check_folders(&place.dir)?;
        if let (Some(provenance), Some(run_dir), false) = (provenance, &place.run_dir, force) {
            provenance.check(run_dir)?;
        }
        let (parent, name) = staging_parent(&place);
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("creating folder {}", parent.display()))?;
        stale::clean(&parent);
        let staging = stale::staging_dir(&parent, &name);
        // A folder of ours left by an earlier set of this process (demo writes several).
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging)
            .with_context(|| format!("creating folder {}", staging.display()))?;
        Ok(ResultSet {
            place,
            staging,
            written: Vec::new(),
            committed: false,
        })
    }

    /// The folder the set goes to.
    pub fn dir(&self) -> &Path {
        &self.place.dir
    }

    /// Where `name` (a path relative to the set's folder) will be once the set is committed.
    pub fn path(&self, name: impl AsRef<Path>) -> PathBuf {
        self.place.dir.join(name)
    }

    /// Where the file `name`, already written into the set, is until the set is committed (to
    /// read it back, e.g. for its checksum).
    pub fn staged_path(&self, name: impl AsRef<Path>) -> PathBuf {
        self.staging.join(name)
    }

    /// The text of the file `name` already written into the set (the demo page embeds its SVGs).
    pub fn read_to_string(&self, name: impl AsRef<Path>) -> anyhow::Result<String> {
        let name = name.as_ref();
        std::fs::read_to_string(self.staging.join(name))
            .with_context(|| format!("reading {}", self.path(name).display()))
    }

    /// Writes the file `name` of the set; returns where it will be.
    pub fn write(&mut self, name: impl AsRef<Path>, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        let mut file = self.create(name)?;
        file.write_all(bytes)
            .with_context(|| format!("writing {}", file.path.display()))?;
        file.finish()
    }

    /// Starts the file `name` of the set, to be streamed; [`SetFile::finish`] ends it.
    pub fn create(&mut self, name: impl AsRef<Path>) -> anyhow::Result<SetFile> {
        let name = name.as_ref();
        let staged = self.staging.join(name);
        if let Some(folder) = staged.parent() {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("creating folder {}", folder.display()))?;
        }
        let file = File::create(&staged)
            .with_context(|| format!("writing {}", self.path(name).display()))?;
        self.written.push(name.to_owned());
        Ok(SetFile {
            path: self.path(name),
            writer: BufWriter::new(file),
        })
    }

    /// Puts the set in place whole: the old set's files go, its sub-folders that are other
    /// commands' sets stay. An interrupt that came in the meantime stops here instead.
    pub fn commit(mut self) -> anyhow::Result<()> {
        crate::interrupt::check()?;
        sync_dir(&self.staging);
        match &self.place.kind {
            Kind::Folder => self.swap_folder(false)?,
            Kind::FilesOfFolder => self.swap_folder(true)?,
            Kind::Files { .. } => self.move_files()?,
        }
        self.committed = true;
        let (parent, _) = staging_parent(&self.place);
        sync_dir(&parent);
        Ok(())
    }

    /// Swaps the staged folder with the destination; with `keep_subfolders`, the destination's
    /// sub-folders are moved into the staged folder first.
    fn swap_folder(&mut self, keep_subfolders: bool) -> anyhow::Result<()> {
        let dest = self.place.dir.clone();
        if !dest.exists() {
            return std::fs::rename(&self.staging, &dest)
                .with_context(|| format!("moving the results into {}", dest.display()));
        }
        let mut carried = Vec::new();
        let carry = if keep_subfolders {
            carry_subfolders(&dest, &self.staging, &mut carried)
        } else {
            Ok(())
        };
        let swapped = carry.and_then(|()| Ok(exchange(&self.staging, &dest)?));
        if let Err(error) = swapped {
            // Put back what was carried over (the staging folder is removed on drop); the
            // destination stays as it was.
            for name in &carried {
                let _ = std::fs::rename(self.staging.join(name), dest.join(name));
            }
            return Err(error)
                .with_context(|| format!("moving the results into {}", dest.display()));
        }
        // The staging folder now holds the old set.
        let _ = std::fs::remove_dir_all(&self.staging);
        Ok(())
    }

    /// Moves the set's files into a folder others write into too, the last written last (so
    /// `K-of-N.json`, written after its CSV, marks a complete shard).
    fn move_files(&mut self) -> anyhow::Result<()> {
        for name in &self.written {
            let to = self.place.dir.join(name);
            std::fs::rename(self.staging.join(name), &to)
                .with_context(|| format!("moving the results into {}", to.display()))?;
        }
        let _ = std::fs::remove_dir_all(&self.staging);
        Ok(())
    }
}

impl Drop for ResultSet {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

impl SetFile {
    /// Flushes and syncs the file; returns where it will be.
    pub fn finish(self) -> anyhow::Result<PathBuf> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", self.path.display()))?;
        file.sync_all()
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok(self.path)
    }
}

impl Write for SetFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// The folder the set is staged in, and the name its staging folder carries.
fn staging_parent(place: &Place) -> (PathBuf, String) {
    match &place.kind {
        Kind::Files { label } => (place.dir.clone(), label.clone()),
        Kind::Folder | Kind::FilesOfFolder => {
            let parent = match place.dir.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
                _ => PathBuf::from("."),
            };
            let name = place
                .dir
                .file_name()
                .map_or_else(|| "results".into(), |n| n.to_string_lossy().into_owned());
            (parent, name)
        }
    }
}

/// Fails with [`OutputError::NotAFolder`] when `dir`, or the nearest of its ancestors that
/// exists, is not a folder.
fn check_folders(dir: &Path) -> Result<(), OutputError> {
    for path in dir.ancestors().filter(|p| !p.as_os_str().is_empty()) {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(OutputError::NotAFolder {
                    path: path.to_owned(),
                });
            }
            Err(_) => continue,
        }
    }
    Ok(())
}

/// Moves every sub-folder of `dest` into `staging`, noting each in `carried` as it goes.
fn carry_subfolders(dest: &Path, staging: &Path, carried: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dest).with_context(|| format!("reading {}", dest.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_dir() && !staging.join(entry.file_name()).exists() {
            std::fs::rename(entry.path(), staging.join(entry.file_name()))
                .with_context(|| format!("moving {}", entry.path().display()))?;
            carried.push(PathBuf::from(entry.file_name()));
        }
    }
    Ok(())
}

/// Exchanges the folders `a` and `b` atomically (Linux `renameat2(RENAME_EXCHANGE)`); where the
/// file system cannot, moves `b` aside, `a` into its place and the old `b` to `a`.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => return Ok(()),
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {}
        Err(errno) => return Err(errno.into()),
    }
    let parent = b.parent().unwrap_or(Path::new("."));
    let name = b
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let aside = stale::aside_dir(parent, &name);
    std::fs::rename(b, &aside)?;
    if let Err(error) = std::fs::rename(a, b) {
        let _ = std::fs::rename(&aside, b);
        return Err(error);
    }
    std::fs::rename(&aside, a)
}

/// Makes a folder's entries durable (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(folder) = File::open(dir) {
        let _ = folder.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_set_replaces_the_old_one_whole() {
        let out = tempfile::tempdir().unwrap();
        let mut first = ResultSet::begin(Place::sweep(out.path(), "s"), None, false).unwrap();
        first.write("sweep.csv", b"old").unwrap();
        first.write("target.png", b"old").unwrap();
        first.commit().unwrap();
        let mut second = ResultSet::begin(Place::sweep(out.path(), "s"), None, false).unwrap();
        let path = second.write("sweep.csv", b"new").unwrap();
        assert_eq!(path, out.path().join("s/sweep/sweep.csv"));
        // Until the commit, the old set is in place.
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        second.commit().unwrap();
        assert_eq!(names(&out.path().join("s/sweep")), ["sweep.csv"]);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(names(&out.path().join("s")), ["sweep"]);
    }

    #[test]
    fn a_run_keeps_the_sets_of_other_commands_in_its_folder() {
        let out = tempfile::tempdir().unwrap();
        let mut sweep = ResultSet::begin(Place::sweep(out.path(), "s"), None, false).unwrap();
        sweep.write("sweep.csv", b"x").unwrap();
        sweep.commit().unwrap();
        for text in [&b"first"[..], b"second"] {
            let mut run = ResultSet::begin(Place::run(out.path(), "s"), None, false).unwrap();
            run.write("summary.json", text).unwrap();
            run.commit().unwrap();
        }
        assert_eq!(names(&out.path().join("s")), ["summary.json", "sweep"]);
        assert!(out.path().join("s/sweep/sweep.csv").exists());
        assert_eq!(names(out.path()), ["s"]);
    }

    #[test]
    fn an_uncommitted_set_leaves_nothing() {
        let out = tempfile::tempdir().unwrap();
        let mut set = ResultSet::begin(Place::compare(out.path()), None, false).unwrap();
        set.write("comparison.json", b"x").unwrap();
        drop(set);
        assert!(names(out.path()).is_empty());
    }

    #[test]
    fn shard_files_join_the_others() {
        let out = tempfile::tempdir().unwrap();
        for k in 0..2 {
            let mut set =
                ResultSet::begin(Place::shard(out.path(), "s", k, 2), None, false).unwrap();
            set.write(format!("{k}-of-2.csv"), b"rows").unwrap();
            set.write(format!("{k}-of-2.json"), b"{}").unwrap();
            set.commit().unwrap();
        }
        assert_eq!(
            names(&out.path().join("s/shards")),
            ["0-of-2.csv", "0-of-2.json", "1-of-2.csv", "1-of-2.json"]
        );
    }

    #[test]
    fn a_file_on_the_way_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("client.toml");
        std::fs::write(&file, "x").unwrap();
        let err = ResultSet::begin(Place::tune(&file, "skus"), None, false).unwrap_err();
        assert!(matches!(
            err.downcast_ref::<OutputError>(),
            Some(OutputError::NotAFolder { path }) if path == &file
        ));
    }
}
