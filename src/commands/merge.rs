//! `oversell merge PATH...`: combine the partial results of `run --shard K/N` (from one machine
//! or many) into the run's results: the same summary.json, byte for byte, as the whole run on
//! one machine, since the streamed statistics merge exactly.
//!
//! Nothing in a shard's files is trusted: each partial result is checked (see
//! [`Partial::read`]), the shards against each other, and every CSV against its recorded
//! checksum and row count, before the results are written. The output folder is derived by the
//! slug rule, so it is always one plain folder inside `--out`.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::Context;

use super::run::write_results;
use crate::cli::MergeArgs;
pub use crate::report::partial::MergeError;
use crate::report::partial::{HashingReader, Partial, VerifiedPartial};
use crate::report::{Place, Provenance, ResultSet, RunInfo, TrialsCsv, file};
use crate::scenario::builtin::BUILTINS;
use crate::scenario::slug;
use crate::sim::{Engine, Plan};
use crate::stats::{RunAccumulator, TrialRecord};

/// Merges the partial results and writes the run's results.
pub fn merge(args: &MergeArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let files = partial_files(&args.paths)?;
    if super::merge_tune::is_tune(&files) {
        return super::merge_tune::merge_tune(args, &files, stdout);
    }
    let mut partials = files
        .iter()
        .map(|path| Partial::read(path))
        .collect::<Result<Vec<_>, _>>()?;
    partials.sort_by_key(|p| p.content.shard);
    check_complete(&partials)?;

    let first = &partials[0];
    let mut stats = first.content.stats.clone();
    for partial in &partials[1..] {
        stats.merge(&partial.content.stats);
    }
    let slug = output_slug(first)?;
    let content = &first.content;
    let origin = (content.scenario_file.clone()).unwrap_or_else(|| format!("built-in:{slug}"));
    let provenance = Provenance::new(origin, content.scenario_text.as_bytes());
    let mut set = ResultSet::begin(Place::run(&args.out, &slug), Some(&provenance), args.force)?;
    // Shards run without trials.csv have no CSV: then the merge writes none either (and all of
    // them must agree on that).
    if partials.iter().any(|p| p.content.csv.is_some()) {
        if let Some(p) = partials.iter().find(|p| p.content.csv.is_none()) {
            return Err(MergeError(format!(
                "{}: csv: the shard has no trial rows while others have",
                p.path.display()
            ))
            .into());
        }
        concatenate_csv(&partials, &mut set)?;
    }
    let info = RunInfo::new(
        &first.scenario,
        content.scenario_file.clone(),
        &provenance,
        content.seed,
        content.trials,
        0,
        std::env::args().collect(),
    );
    write_results(set, &first.scenario, &stats, &info, args.format, stdout)
}

/// The output folder's name: the slug of the scenario file's stem (as `run` names it), the
/// built-in scenario's name, or the slug of the scenario's name. Always one plain folder name.
fn output_slug(partial: &VerifiedPartial) -> Result<String, MergeError> {
    let content = &partial.content;
    let name = match &content.scenario_file {
        Some(file) => {
            let stem = Path::new(file).file_stem().map(|s| s.to_string_lossy());
            slug(stem.as_deref().unwrap_or(&partial.scenario.name))
        }
        None => BUILTINS
            .iter()
            .find(|b| b.text == content.scenario_text)
            .map_or_else(|| slug(&partial.scenario.name), |b| b.slug.to_owned()),
    };
    let mut components = Path::new(&name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(_)), None) => Ok(name),
        _ => Err(MergeError(format!(
            "{}: the output folder `{name}` would not be inside --out",
            partial.path.display()
        ))),
    }
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

/// Every shard of one run, each exactly once, from the same scenario, seed and tool version,
/// their trial ranges adjacent and together the whole run. `partials` is sorted by shard.
fn check_complete(partials: &[VerifiedPartial]) -> Result<(), MergeError> {
    let first = &partials[0];
    let a = &first.content;
    for p in partials {
        let b = &p.content;
        let differs = |what: &str| {
            MergeError(format!(
                "{} and {} are not shards of the same run: their {what} differ",
                first.path.display(),
                p.path.display()
            ))
        };
        if b.version != a.version {
            return Err(differs("tool versions (version)"));
        }
        if b.scenario_sha256 != a.scenario_sha256 || b.scenario_text != a.scenario_text {
            return Err(differs("scenarios (scenario_sha256)"));
        }
        if b.catalog != a.catalog {
            return Err(differs("catalogs (catalog)"));
        }
        if b.scenario_file != a.scenario_file {
            return Err(differs("scenario files (scenario_file)"));
        }
        if b.seed != a.seed {
            return Err(differs("seeds (seed)"));
        }
        if b.trials != a.trials {
            return Err(differs("trial counts (trials)"));
        }
        if b.shards != a.shards {
            return Err(differs("shard counts (shards)"));
        }
    }
    for pair in partials.windows(2) {
        if pair[0].content.shard == pair[1].content.shard {
            return Err(MergeError(format!(
                "{} and {} are the same shard ({}/{})",
                pair[0].path.display(),
                pair[1].path.display(),
                pair[0].content.shard,
                a.shards
            )));
        }
    }
    let present: Vec<u64> = partials.iter().map(|p| p.content.shard).collect();
    // At most a few missing shards are listed: `shards` may be huge.
    let missing: Vec<String> = (0..a.shards)
        .filter(|k| present.binary_search(k).is_err())
        .take(10)
        .map(|k| format!("{k}/{}", a.shards))
        .collect();
    if !missing.is_empty() {
        let more = a.shards - present.len() as u64 > missing.len() as u64;
        return Err(MergeError(format!(
            "missing shards: {}{}",
            missing.join(", "),
            if more { ", ..." } else { "" }
        )));
    }
    let mut next = 0;
    for p in partials {
        if p.content.first != next {
            return Err(MergeError(format!(
                "{}: first: trial {} does not follow the previous shard's last ({next})",
                p.path.display(),
                p.content.first
            )));
        }
        next = p.content.end;
    }
    if next != a.trials {
        return Err(MergeError(format!(
            "the shards hold trials 0..{next}, the run has {}",
            a.trials
        )));
    }
    Ok(())
}

/// Writes the shards' trial rows, in shard order, as one CSV with one header, checking each
/// shard's CSV on the way: its checksum and row count as recorded, the header of its scenario,
/// one row per trial of its range, in order, and rows that give exactly the recorded
/// statistics.
fn concatenate_csv(partials: &[VerifiedPartial], set: &mut ResultSet) -> anyhow::Result<()> {
    let header = expected_header(&partials[0])?;
    let plan = Plan::new(partials[0].scenario.clone());
    let mut out = ::csv::Writer::from_writer(set.create(file::TRIALS_CSV)?);
    out.write_byte_record(&header)?;
    for partial in partials {
        let first_row = copy_rows(partial, &header, &mut out)?;
        if let Some(row) = first_row {
            check_replay(partial, &plan, &row)?;
        }
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.finish().context("writing the merged trials.csv")?;
    Ok(())
}

/// The header `run` writes for the scenario of `partial`.
fn expected_header(partial: &VerifiedPartial) -> anyhow::Result<::csv::ByteRecord> {
    let bytes = TrialsCsv::new(&partial.scenario, Vec::new())?.finish()?;
    let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
    Ok(reader.byte_headers()?.clone())
}

/// Runs the shard's first trial again with its seed: the row must be the CSV's first, so that a
/// shard whose files claim another seed or scenario than it ran with is refused even when its
/// checksums were rewritten to match.
fn check_replay(
    partial: &VerifiedPartial,
    plan: &Plan,
    row: &::csv::ByteRecord,
) -> anyhow::Result<()> {
    let content = &partial.content;
    let outcome = Engine::new(plan).run_trial(content.seed, content.first)?;
    let mut csv = TrialsCsv::new(&partial.scenario, Vec::new())?;
    csv.write(
        content.first,
        &TrialRecord::new(&partial.scenario, &outcome),
    )?;
    let bytes = csv.finish()?;
    let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
    let expected = reader.byte_records().next().transpose()?;
    if expected.as_ref() != Some(row) {
        return Err(MergeError(format!(
            "{}: seed: trial {} run again with seed {} and the shard's scenario does not give \
             the first row of {}: the shard was run with another seed or scenario",
            partial.path.display(),
            content.first,
            content.seed,
            partial.path.with_extension("csv").display()
        ))
        .into());
    }
    Ok(())
}

/// Copies the rows of `partial`'s CSV to `out`, checking them; returns its first row.
fn copy_rows<W: Write>(
    partial: &VerifiedPartial,
    header: &::csv::ByteRecord,
    out: &mut ::csv::Writer<W>,
) -> anyhow::Result<Option<::csv::ByteRecord>> {
    let path = partial.path.with_extension("csv");
    let content = &partial.content;
    let bad = |what: String| MergeError(format!("{}: {what}", path.display()));
    let file = std::fs::File::open(&path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    // No more than the header and the shard's rows can hold (a number takes at most 32
    // bytes), so that an endless or padded file is not read into memory: a cut file then
    // fails its row count or checksum.
    let header_bytes: usize = header.iter().map(|h| h.len() + 3).sum();
    let row_bytes = 32 * (header.len() as u64 + 1);
    let cap = (header_bytes as u64 + 2)
        .saturating_add(row_bytes.saturating_mul(content.end - content.first));
    let mut hashing = HashingReader::new(std::io::Read::take(file, cap));
    let mut reader = ::csv::Reader::from_reader(&mut hashing);
    let found = reader
        .byte_headers()
        .map_err(|e| bad(format!("header: {e}")))?;
    if found != header {
        return Err(bad("header: not the columns of the shard's scenario".into()).into());
    }
    let mut record = ::csv::ByteRecord::new();
    let mut trial = content.first;
    let width = RunAccumulator::row_len(&partial.scenario);
    let mut values = Vec::with_capacity(width);
    let mut rebuilt = RunAccumulator::new(&partial.scenario);
    let mut first_row = None;
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| bad(format!("row {}: {e}", trial - content.first + 1)))?;
        if !more {
            break;
        }
        if trial >= content.end {
            return Err(bad(format!(
                "rows: more than the {} trials of the shard",
                content.end - content.first
            ))
            .into());
        }
        if record.get(0) != Some(trial.to_string().as_bytes()) {
            return Err(bad(format!(
                "row {}: not trial {trial}",
                trial - content.first + 1
            ))
            .into());
        }
        values.clear();
        for (column, field) in record.iter().enumerate().skip(1).take(width) {
            let value = std::str::from_utf8(field)
                .ok()
                .and_then(|text| text.parse::<f64>().ok())
                .ok_or_else(|| {
                    bad(format!(
                        "row {}, column {}: not a number",
                        trial - content.first + 1,
                        column + 1
                    ))
                })?;
            values.push(value);
        }
        if values.len() != width {
            return Err(bad(format!(
                "row {}: too few columns",
                trial - content.first + 1
            ))
            .into());
        }
        rebuilt.push_row(&partial.scenario, &values);
        if trial == content.first {
            first_row = Some(record.clone());
        }
        out.write_byte_record(&record)?;
        trial += 1;
    }
    drop(reader);
    if trial != content.end {
        return Err(bad(format!(
            "rows: {} rows for the {} trials of the shard",
            trial - content.first,
            content.end - content.first
        ))
        .into());
    }
    let sha256 = hashing.finish();
    let recorded = content.csv.as_ref().map_or("", |csv| csv.sha256.as_str());
    if sha256 != recorded {
        return Err(bad(format!(
            "checksum: its SHA-256 is {sha256}, not the csv.sha256 of its partial result \
             ({recorded})"
        ))
        .into());
    }
    if !content.stats.agrees_with_rows(&rebuilt) {
        return Err(MergeError(format!(
            "{}: stats: differ from the statistics of the trial rows in {}",
            partial.path.display(),
            path.display()
        ))
        .into());
    }
    Ok(first_row)
}
