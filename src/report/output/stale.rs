//! Temporary names, and the removal of temporaries a killed process left behind.
//!
//! A set is staged in `.oversell-tmp-<pid>-<name>` beside its destination; while it is swapped in,
//! the old set may sit for a moment in `.oversell-old-<pid>-<name>`. A process ended by SIGKILL
//! (or a power cut) leaves them; the next command writing into the same folder finds those whose
//! process is gone, puts back what belongs to the destination, and removes the rest.

use std::path::{Path, PathBuf};

const STAGING: &str = ".oversell-tmp-";
const ASIDE: &str = ".oversell-old-";

/// The folder a set named `name` is staged in, in `parent`.
pub(super) fn staging_dir(parent: &Path, name: &str) -> PathBuf {
    parent.join(format!("{STAGING}{}-{name}", std::process::id()))
}

/// Where the old set named `name` waits while the new one is moved in.
pub(super) fn aside_dir(parent: &Path, name: &str) -> PathBuf {
    parent.join(format!("{ASIDE}{}-{name}", std::process::id()))
}

/// Cleans the temporaries of finished processes in `parent`: an old set left aside goes back to
/// its place if that is empty, sub-folders carried into a staged set go back to the destination
/// if it lacks them, and everything else is removed. Best effort: errors are ignored.
pub(super) fn clean(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let mut stale: Vec<(bool, PathBuf, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let (aside, rest) = match name.strip_prefix(ASIDE) {
                Some(rest) => (true, rest),
                None => (false, name.strip_prefix(STAGING)?),
            };
            let (pid, target) = rest.split_once('-')?;
            let gone = pid.parse::<u32>().is_ok_and(|pid| !is_alive(pid));
            gone.then(|| (aside, entry.path(), parent.join(target)))
        })
        .collect();
    // Old sets first: a staged set may hold sub-folders to give back to the place they return to.
    stale.sort_by_key(|(aside, _, _)| !aside);
    for (aside, path, target) in stale {
        if aside && !target.exists() {
            let _ = std::fs::rename(&path, &target);
            continue;
        }
        if !aside && target.is_dir() {
            restore_subfolders(&path, &target);
        }
        let _ = std::fs::remove_dir_all(&path);
    }
}

/// Moves the sub-folders of `staged` that `dest` lacks into `dest`.
fn restore_subfolders(staged: &Path, dest: &Path) {
    let Ok(entries) = std::fs::read_dir(staged) else {
        return;
    };
    for entry in entries.flatten() {
        let into = dest.join(entry.file_name());
        if entry.path().is_dir() && !into.exists() {
            let _ = std::fs::rename(entry.path(), into);
        }
    }
}

/// Whether process `pid` runs on this machine. Without /proc nothing can be told, and every
/// process counts as alive (nothing is removed).
fn is_alive(pid: u32) -> bool {
    pid == std::process::id()
        || !Path::new("/proc/self").exists()
        || Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid that no process has (above the kernel's largest).
    const GONE: u32 = 4_194_305;

    #[test]
    fn temporaries_of_gone_processes_are_removed_and_old_sets_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        // A staged set of a killed run; an old set left aside while its place is empty, with
        // the staged set that had carried its timeline/ away; a staged set that had carried the
        // destination's sweep/ away.
        std::fs::create_dir_all(p.join(format!("{STAGING}{GONE}-a"))).unwrap();
        std::fs::create_dir_all(p.join(format!("{ASIDE}{GONE}-b"))).unwrap();
        std::fs::write(p.join(format!("{ASIDE}{GONE}-b/summary.json")), "{}").unwrap();
        std::fs::create_dir_all(p.join(format!("{STAGING}{GONE}-b/timeline"))).unwrap();
        std::fs::create_dir_all(p.join(format!("{STAGING}{GONE}-c/sweep"))).unwrap();
        std::fs::create_dir_all(p.join("c")).unwrap();
        // Our own staging folder stays.
        let ours = staging_dir(p, "d");
        std::fs::create_dir_all(&ours).unwrap();
        clean(p);
        let mut names: Vec<String> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let own = ours.file_name().unwrap().to_str().unwrap().to_owned();
        assert_eq!(names, [own, "b".to_owned(), "c".to_owned()]);
        assert!(p.join("b/summary.json").exists());
        assert!(p.join("b/timeline").is_dir());
        assert!(p.join("c/sweep").is_dir());
    }
}
