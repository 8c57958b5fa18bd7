//! `oversell merge` of `tune --shard K/N` partial results: the shards' recommendations, checked
//! and put back in catalog order, written as the unsharded `tune` writes them (the same bytes:
//! every SKU's search depends only on the SKU, the scenario, the flags and the seed).
//!
//! Nothing in a shard is trusted: each file's checksum, version and hashes are checked
//! ([`TunePartial::read`]), the shards against each other (scenario, catalog, flags, trials,
//! seed, shard count, every shard once, adjacent SKU ranges covering the catalog), every
//! recommendation's SKU against the catalog, and the first simulated SKU of each shard is tuned
//! again and must come out the same, so a shard that claims another seed or scenario than it ran
//! with is refused even when its checksum was rewritten to match.

use std::io::Write;
use std::path::PathBuf;

use super::tune::{Finished, catalog_slug};
use crate::analysis::catalog::parse_catalog;
use crate::analysis::edit::ScenarioDoc;
use crate::analysis::tune::{Decision, tune as tune_skus};
use crate::cli::{DataFormat, Format, MergeArgs};
use crate::montecarlo::RunConfig;
use crate::report::partial::MergeError;
use crate::report::tune_partial::{TunePartial, TunePartialContent};
use crate::report::{Place, ResultSet};
use crate::scenario::load_str;

/// Whether the partial files are tune shards (the merge hook in `merge.rs` asks).
pub fn is_tune(files: &[PathBuf]) -> bool {
    files.first().is_some_and(|f| TunePartial::is_tune(f))
}

/// Merges tune shards and writes the tuning's results.
pub fn merge_tune(
    args: &MergeArgs,
    files: &[PathBuf],
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut shards = Vec::with_capacity(files.len());
    for file in files {
        shards.push((file.clone(), TunePartial::read(file)?));
    }
    shards.sort_by_key(|(_, c)| c.shard);
    check_complete(&shards)?;
    let (first_path, first) = &shards[0];
    let origin = format!("{} (scenario_text)", first_path.display());
    let scenario = load_str(&origin, &first.scenario_text)
        .map_err(|e| MergeError(format!("{}: scenario_text: {e}", first_path.display())))?;
    let doc = ScenarioDoc::new(&first.scenario_file, &first.scenario_text, scenario.clone())?;
    let skus = parse_catalog(&first.catalog, &first.catalog_text, &scenario)
        .map_err(|e| MergeError(format!("{}: catalog_text: {e}", first_path.display())))?;
    let last_end = shards.last().map_or(0, |(_, c)| c.end);
    if last_end != skus.len() as u64 {
        return Err(MergeError(format!(
            "the shards hold SKUs 0..{last_end}, the catalog has {}",
            skus.len()
        ))
        .into());
    }
    let config = RunConfig {
        trials: first.trials,
        seed: first.seed,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let mut recommendations = Vec::with_capacity(skus.len());
    for (path, content) in &shards {
        let expected = TunePartial::range(skus.len() as u64, content.shard, content.shards);
        if (content.first, content.end) != (expected.start, expected.end) {
            return Err(MergeError(format!(
                "{}: first: SKUs {}..{} are not those of shard {}/{} of {} SKUs ({}..{})",
                path.display(),
                content.first,
                content.end,
                content.shard,
                content.shards,
                skus.len(),
                expected.start,
                expected.end
            ))
            .into());
        }
        let range = content.first as usize..content.end as usize;
        for (r, sku) in content.skus.iter().zip(&skus[range.clone()]) {
            if r.sku != sku.sku {
                return Err(MergeError(format!(
                    "{}: skus: `{}` where the catalog has `{}` (line {})",
                    path.display(),
                    r.sku,
                    sku.sku,
                    sku.line
                ))
                .into());
            }
        }
        // Tune one SKU again: the first simulated one, else the first.
        let at = (content.skus.iter())
            .position(|r| r.decision != Decision::Screened)
            .unwrap_or(0);
        if let Some(claimed) = content.skus.get(at) {
            let again = tune_skus(
                &doc,
                &first.catalog,
                &skus[range.start + at..range.start + at + 1],
                &content.spec,
                config,
                &|| {},
            )?;
            if again.first() != Some(claimed) {
                return Err(MergeError(format!(
                    "{}: skus: `{}` tuned again with seed {} and the shard's scenario and flags \
                     does not give its recommendation: the shard was run with another seed, \
                     scenario or catalog",
                    path.display(),
                    claimed.sku,
                    content.seed
                ))
                .into());
            }
        }
        recommendations.extend(content.skus.iter().cloned());
    }
    let set = ResultSet::begin(
        Place::tune(&args.out, &catalog_slug(first.catalog.as_ref())),
        None,
        args.force,
    )?;
    let finished = Finished {
        doc: &doc,
        file: first.scenario_file.clone(),
        catalog: first.catalog.clone(),
        skus: &skus,
        spec: &first.spec,
        config,
    };
    let format = match args.format {
        Format::Table => DataFormat::Table,
        Format::Json => DataFormat::Json,
    };
    finished.write(recommendations, set, format, stdout)
}

/// Every shard of one tuning, each once, with the same inputs, their SKU ranges adjacent from 0.
/// `shards` is sorted by shard.
fn check_complete(shards: &[(PathBuf, TunePartialContent)]) -> Result<(), MergeError> {
    let (first_path, a) = &shards[0];
    for (path, b) in shards {
        let differs = |what: &str| {
            MergeError(format!(
                "{} and {} are not shards of the same tuning: their {what} differ",
                first_path.display(),
                path.display()
            ))
        };
        if b.version != a.version {
            return Err(differs("tool versions (version)"));
        }
        if b.scenario_sha256 != a.scenario_sha256 || b.scenario_file != a.scenario_file {
            return Err(differs("scenarios (scenario_sha256, scenario_file)"));
        }
        if b.catalog_sha256 != a.catalog_sha256 || b.catalog != a.catalog {
            return Err(differs("catalogs (catalog_sha256, catalog)"));
        }
        if b.spec != a.spec {
            return Err(differs("flags (spec)"));
        }
        if (b.trials, b.seed) != (a.trials, a.seed) {
            return Err(differs("trials or seeds"));
        }
        if b.shards != a.shards {
            return Err(differs("shard counts (shards)"));
        }
    }
    let mut next_shard = 0;
    let mut next_sku = 0;
    for (path, c) in shards {
        if c.shard != next_shard {
            return Err(MergeError(if c.shard < next_shard {
                format!("{} is shard {}/{} again", path.display(), c.shard, c.shards)
            } else {
                format!("missing shard {next_shard}/{}", c.shards)
            }));
        }
        if c.first != next_sku {
            return Err(MergeError(format!(
                "{}: first: SKU {} does not follow the previous shard's last ({next_sku})",
                path.display(),
                c.first
            )));
        }
        next_shard += 1;
        next_sku = c.end;
    }
    if next_shard != a.shards {
        return Err(MergeError(format!(
            "missing shard {next_shard}/{}",
            a.shards
        )));
    }
    Ok(())
}
