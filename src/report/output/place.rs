//! Every output path of every command, built here and nowhere else.

use std::path::{Path, PathBuf};

/// File names inside a set.
pub mod file {
    /// The run summary (`run`, `merge`).
    pub const SUMMARY: &str = "summary.json";
    /// How the run was made (`run`, `merge`).
    pub const RUN_INFO: &str = "run.json";
    /// One row per trial (`run`, `merge`).
    pub const TRIALS_CSV: &str = "trials.csv";
    /// One row per SKU of a catalog run.
    pub const SKUS_CSV: &str = "skus.csv";
    /// The sweep's points (`sweep`).
    pub const SWEEP_JSON: &str = "sweep.json";
    /// The sweep's points as rows (`sweep`).
    pub const SWEEP_CSV: &str = "sweep.csv";
    /// Every tried value of every SKU (`tune`).
    pub const TUNE_JSON: &str = "tune.json";
    /// One row per SKU (`tune`).
    pub const RECOMMENDATIONS_CSV: &str = "recommendations.csv";
    /// The tuning chart's stem (`tune`).
    pub const RECOMMENDATIONS: &str = "recommendations";
    /// The comparison (`compare`, `demo`).
    pub const COMPARISON_JSON: &str = "comparison.json";
    /// The comparison chart's stem (`compare`, `demo`).
    pub const COMPARE: &str = "compare";
    /// The traced events (`timeline`, `demo`).
    pub const EVENTS_CSV: &str = "events.csv";
    /// The timeline chart's stem (`timeline`, `demo`).
    pub const TIMELINE: &str = "timeline";
    /// The demo's page (`demo`).
    pub const REPORT_HTML: &str = "report.html";
    /// The measurements (`bench --out`).
    pub const BENCH_JSON: &str = "bench.json";
    /// The scaling chart's stem (`bench --out`).
    pub const BENCH_SCALING: &str = "bench_scaling";
}

/// Folder of a sweep under the run's folder.
const SWEEP_DIR: &str = "sweep";
/// Folder of a tuning under the catalog's folder.
const TUNE_DIR: &str = "tune";
/// Folder of a traced trial under the run's folder.
const TIMELINE_DIR: &str = "timeline";
/// Folder of a comparison under `--out`.
const COMPARE_DIR: &str = "compare";
/// Folder of the demo under `--out`.
const DEMO_DIR: &str = "demo";
/// Folder of `bench --out`.
const BENCH_DIR: &str = "bench";
/// Folder of the partial results under the run's folder.
const SHARDS_DIR: &str = "shards";

/// Where one command's set of results goes, and what the set is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The folder the set is written into.
    pub(super) dir: PathBuf,
    /// What the set is.
    pub(super) kind: Kind,
    /// The folder whose `run.json` tells which scenario file the results there came from.
    pub(super) run_dir: Option<PathBuf>,
}

/// What a set is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// The whole folder: replaced whole.
    Folder,
    /// The files directly in the folder: replaced whole; its sub-folders are the sets of other
    /// commands (sweep/, timeline/, shards/) and stay.
    FilesOfFolder,
    /// A few files named `<label>.*` in a folder that others write into too (one shard's two
    /// files in `shards/`, where the other shards land concurrently).
    Files {
        /// The common stem, like `3-of-10`.
        label: String,
    },
}

impl Place {
    /// `oversell run` and `merge`: `out/<slug>/`, its files (sub-folders are other sets).
    pub fn run(out: &Path, slug: &str) -> Place {
        let dir = out.join(slug);
        Place {
            run_dir: Some(dir.clone()),
            dir,
            kind: Kind::FilesOfFolder,
        }
    }

    /// `oversell run --shard K/N`: `out/<slug>/shards/K-of-N.{json,csv}`.
    pub fn shard(out: &Path, slug: &str, index: u64, count: u64) -> Place {
        Place {
            dir: out.join(slug).join(SHARDS_DIR),
            kind: Kind::Files {
                label: shard_label(index, count),
            },
            run_dir: None,
        }
    }

    /// `oversell sweep`: `out/<slug>/sweep/`.
    pub fn sweep(out: &Path, slug: &str) -> Place {
        Place::under_run(out, slug, SWEEP_DIR)
    }

    /// `oversell timeline`: `out/<slug>/timeline/`.
    pub fn timeline(out: &Path, slug: &str) -> Place {
        Place::under_run(out, slug, TIMELINE_DIR)
    }

    /// `oversell tune`: `out/<catalog-slug>/tune/`.
    pub fn tune(out: &Path, catalog_slug: &str) -> Place {
        Place::folder(out.join(catalog_slug).join(TUNE_DIR))
    }

    /// `oversell compare`: `out/compare/`.
    pub fn compare(out: &Path) -> Place {
        Place::folder(out.join(COMPARE_DIR))
    }

    /// `oversell bench --out`: `out/bench/`.
    pub fn bench(out: &Path) -> Place {
        Place::folder(out.join(BENCH_DIR))
    }

    /// `oversell demo`: `out/demo/`, with a folder per stack for its timeline.
    pub fn demo(out: &Path) -> Place {
        Place::folder(out.join(DEMO_DIR))
    }

    /// `oversell import`: the named files in `out/` (the catalog, the scenario, the fit report
    /// and its charts), each moved into place; anything else in the folder (the exports
    /// themselves, say) stays.
    pub fn import(out: &Path) -> Place {
        Place {
            dir: out.to_owned(),
            kind: Kind::Files {
                label: "import".to_owned(),
            },
            run_dir: None,
        }
    }

    /// The folder the set is written into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn under_run(out: &Path, slug: &str, name: &str) -> Place {
        Place {
            dir: out.join(slug).join(name),
            kind: Kind::Folder,
            run_dir: Some(out.join(slug)),
        }
    }

    fn folder(dir: PathBuf) -> Place {
        Place {
            dir,
            kind: Kind::Folder,
            run_dir: None,
        }
    }
}

/// The stem of shard `index` of `count`: `3-of-10`.
pub fn shard_label(index: u64, count: u64) -> String {
    format!("{index}-of-{count}")
}

/// The files of shard `index` of `count` in `shards_dir`: (partial JSON, trial rows CSV).
pub fn shard_files(shards_dir: &Path, index: u64, count: u64) -> (PathBuf, PathBuf) {
    let stem = shards_dir.join(shard_label(index, count));
    (stem.with_extension("json"), stem.with_extension("csv"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_its_folder() {
        let out = Path::new("out");
        assert_eq!(Place::run(out, "ref").dir(), Path::new("out/ref"));
        assert_eq!(Place::sweep(out, "ref").dir(), Path::new("out/ref/sweep"));
        assert_eq!(
            Place::timeline(out, "ref").dir(),
            Path::new("out/ref/timeline")
        );
        assert_eq!(Place::tune(out, "skus").dir(), Path::new("out/skus/tune"));
        assert_eq!(Place::compare(out).dir(), Path::new("out/compare"));
        assert_eq!(Place::demo(out).dir(), Path::new("out/demo"));
        let shard = Place::shard(out, "ref", 3, 10);
        assert_eq!(shard.dir(), Path::new("out/ref/shards"));
        assert_eq!(
            shard_files(shard.dir(), 3, 10),
            (
                PathBuf::from("out/ref/shards/3-of-10.json"),
                PathBuf::from("out/ref/shards/3-of-10.csv")
            )
        );
        assert_eq!(
            Place::sweep(out, "ref").run_dir.as_deref(),
            Some(Path::new("out/ref"))
        );
    }
}
