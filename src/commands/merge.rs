//! `oversell merge PATH...`: combine the partial results of `run --shard K/N` (from one machine
//! or many) into the run's results: the same summary.json, byte for byte, as the whole run on
//! one machine, since the streamed statistics merge exactly.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::run::{Partial, write_results};
use crate::cli::MergeArgs;
use crate::report::{Place, Provenance, ResultSet, RunInfo, file};
use crate::scenario::load_str;

/// Partial results that cannot be merged: the message says which file and why.
#[derive(Debug, thiserror::Error)]
#[error("merge: {0}")]
pub struct MergeError(pub String);

/// Merges the partial results and writes the run's results.
pub fn merge(args: &MergeArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let files = partial_files(&args.paths)?;
    let mut partials = files
        .iter()
        .map(|path| read_partial(path).map(|p| (path.clone(), p)))
        .collect::<Result<Vec<_>, _>>()?;
    partials.sort_by_key(|(_, p)| p.shard);
    check_complete(&partials)?;

    let (first_path, first) = &partials[0];
    let scenario = load_str(&first_path.display().to_string(), &first.scenario_text)?;
    let mut stats = first.stats.clone();
    for (_, partial) in &partials[1..] {
        stats.merge(&partial.stats);
    }
    let origin = first
        .scenario_file
        .clone()
        .unwrap_or_else(|| format!("built-in:{}", first.slug));
    let provenance = Provenance::new(origin, first.scenario_text.as_bytes());
    let place = Place::run(&args.out, &first.slug);
    let mut set = ResultSet::begin(place, Some(&provenance), args.force)?;
    let csv_files: Vec<PathBuf> = partials
        .iter()
        .map(|(path, _)| path.with_extension("csv"))
        .collect();
    // Shards run without trials.csv have no CSV: then the merge writes none either.
    if csv_files.iter().any(|file| file.exists()) {
        concatenate_csv(&csv_files, &mut set)?;
    }
    let info = RunInfo::new(
        &scenario,
        first.scenario_file.clone(),
        &provenance,
        first.seed,
        first.trials,
        0,
        std::env::args().collect(),
    );
    write_results(set, &scenario, &stats, &info, args.format, stdout)
}

/// The partial files named, or found in the folders named (and in their `shards/`).
fn partial_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            for folder in [path.clone(), path.join("shards")] {
                let Ok(entries) = std::fs::read_dir(&folder) else {
                    continue;
                };
                for entry in entries {
                    let file = entry?.path();
                    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    if name.ends_with(".json") && name.contains("-of-") {
                        files.push(file);
                    }
                }
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(MergeError(format!("{} does not exist", path.display())).into());
        }
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        return Err(
            MergeError("no partial results (K-of-N.json) in the paths given".into()).into(),
        );
    }
    Ok(files)
}

fn read_partial(path: &Path) -> anyhow::Result<Partial> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| MergeError(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        MergeError(format!(
            "{} is not a partial result of oversell run --shard: {e}",
            path.display()
        ))
        .into()
    })
}

/// Every shard of one run, each exactly once, from the same scenario, seed and tool version.
fn check_complete(partials: &[(PathBuf, Partial)]) -> Result<(), MergeError> {
    let (first_path, first) = &partials[0];
    for (path, p) in partials {
        let differs = |what: &str| {
            MergeError(format!(
                "{} and {} are not shards of the same run: their {what} differ",
                first_path.display(),
                path.display()
            ))
        };
        if p.version != first.version {
            return Err(differs("tool versions"));
        }
        if p.scenario_text != first.scenario_text {
            return Err(differs("scenarios"));
        }
        if (p.seed, p.trials, p.shards) != (first.seed, first.trials, first.shards) {
            return Err(differs("seeds, trial counts or shard counts"));
        }
        let expected = Partial::range(p.trials, p.shard, p.shards);
        if (p.first, p.end) != (expected.start, expected.end) || p.stats.trials() != p.end - p.first
        {
            return Err(MergeError(format!(
                "{} does not hold the trials of shard {}/{}",
                path.display(),
                p.shard,
                p.shards
            )));
        }
    }
    let indices: Vec<u64> = partials.iter().map(|(_, p)| p.shard).collect();
    let wanted: Vec<u64> = (0..first.shards).collect();
    if indices != wanted {
        let missing: Vec<String> = wanted
            .iter()
            .filter(|k| !indices.contains(k))
            .map(|k| format!("{k}/{}", first.shards))
            .collect();
        return Err(MergeError(if missing.is_empty() {
            "a shard is given twice".to_owned()
        } else {
            format!("missing shards: {}", missing.join(", "))
        }));
    }
    Ok(())
}

/// Writes the shards' trial rows, in shard order, as one CSV with one header.
fn concatenate_csv(files: &[PathBuf], set: &mut ResultSet) -> anyhow::Result<()> {
    let mut out = set.create(file::TRIALS_CSV)?;
    for (i, file) in files.iter().enumerate() {
        let reader = BufReader::new(
            std::fs::File::open(file)
                .map_err(|e| MergeError(format!("cannot read {}: {e}", file.display())))?,
        );
        for (n, line) in reader.lines().enumerate() {
            let line = line.with_context(|| format!("reading {}", file.display()))?;
            if n > 0 || i == 0 {
                writeln!(out, "{line}")?;
            }
        }
    }
    out.finish()?;
    Ok(())
}
