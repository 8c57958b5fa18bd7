//! The partial result of `tune --shard K/N`: the recommendations of one contiguous share of the
//! catalog's SKUs, with everything `merge` needs to check it and to write the same results as an
//! unsharded `tune`, sealed with a checksum like a run's partial ([`super::partial`]).

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::output::sha256_hex;
use super::partial::{MergeError, check_written};
use crate::analysis::tune::{Recommendation, TuneSpec};
use crate::scenario::read_capped;

/// The largest tune partial result `merge` reads, bytes.
pub const MAX_TUNE_PARTIAL_BYTES: usize = 512 << 20;

/// What one shard of a tuning ran and found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TunePartialContent {
    /// Tool version that wrote it; shards of different versions are not merged.
    pub version: String,
    /// The scenario's text.
    pub scenario_text: String,
    /// SHA-256 of `scenario_text`.
    pub scenario_sha256: String,
    /// The scenario file, as given.
    pub scenario_file: String,
    /// The catalog file, as given.
    pub catalog: String,
    /// The catalog's text (every SKU, not only the shard's).
    pub catalog_text: String,
    /// SHA-256 of `catalog_text`.
    pub catalog_sha256: String,
    /// What was tuned and how.
    pub spec: TuneSpec,
    /// Trials per value (the cap of the sequential search).
    pub trials: u64,
    /// Base seed.
    pub seed: u64,
    /// Which share, from 0.
    pub shard: u64,
    /// How many shares.
    pub shards: u64,
    /// Index of the shard's first SKU in the catalog.
    pub first: u64,
    /// One past its last SKU.
    pub end: u64,
    /// The recommendations of SKUs `first..end`, in catalog order.
    pub skus: Vec<Recommendation>,
}

/// The file: the content and its checksum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TunePartial {
    /// SHA-256 of the content as compact JSON.
    pub checksum: String,
    /// What the shard ran and found.
    pub tune: TunePartialContent,
}

impl TunePartial {
    /// Seals `content` with its checksum.
    pub fn new(content: TunePartialContent) -> anyhow::Result<TunePartial> {
        Ok(TunePartial {
            checksum: checksum(&content)?,
            tune: content,
        })
    }

    /// The file's text (compact JSON).
    pub fn to_json(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// The SKUs of shard `index` of `count` in a catalog of `skus`: contiguous and together all.
    pub fn range(skus: u64, index: u64, count: u64) -> Range<u64> {
        super::partial::Partial::range(skus, index, count)
    }

    /// Whether the file at `path` looks like a tune partial result: its first bytes are those
    /// `to_json` writes (`{"checksum":"<64 hex digits>","tune":{`), read no further.
    pub fn is_tune(path: &Path) -> bool {
        use std::io::Read;
        let Ok(file) = std::fs::File::open(path) else {
            return false;
        };
        let mut head = Vec::with_capacity(96);
        if file.take(96).read_to_end(&mut head).is_err() {
            return false;
        }
        head.starts_with(b"{\"checksum\":\"") && head.get(77..87) == Some(b"\",\"tune\":{")
    }

    /// Reads the file at `path` and checks what it can alone: size, format, checksum, version,
    /// the scenario's and catalog's hashes, and that it holds one recommendation per SKU of its
    /// range.
    pub fn read(path: &Path) -> Result<TunePartialContent, MergeError> {
        let at =
            |field: &str, why: String| MergeError(format!("{}: {field}: {why}", path.display()));
        let bytes = read_capped(path, MAX_TUNE_PARTIAL_BYTES)
            .map_err(|e| MergeError(format!("cannot read {}: {e}", path.display())))?
            .ok_or_else(|| {
                MergeError(format!(
                    "{} is larger than {} MiB, the most a tune partial result may hold",
                    path.display(),
                    MAX_TUNE_PARTIAL_BYTES >> 20
                ))
            })?;
        let partial: TunePartial = serde_json::from_slice(&bytes).map_err(|e| {
            MergeError(format!(
                "{} is not a partial result of `oversell tune --shard`: {e}",
                path.display()
            ))
        })?;
        let sum = checksum(&partial.tune).map_err(|e| at("tune", e.to_string()))?;
        check_written(&at, &sum, &partial.checksum, &partial.tune.version)?;
        let c = partial.tune;
        if sha256_hex(c.scenario_text.as_bytes()) != c.scenario_sha256 {
            return Err(at(
                "scenario_sha256",
                "is not the SHA-256 of scenario_text".into(),
            ));
        }
        if sha256_hex(c.catalog_text.as_bytes()) != c.catalog_sha256 {
            return Err(at(
                "catalog_sha256",
                "is not the SHA-256 of catalog_text".into(),
            ));
        }
        if c.shards == 0 || c.shard >= c.shards {
            return Err(at(
                "shard",
                format!(
                    "{}/{} is not a shard (K from 0, below N)",
                    c.shard, c.shards
                ),
            ));
        }
        if c.end < c.first || c.skus.len() as u64 != c.end - c.first {
            return Err(at(
                "skus",
                format!(
                    "{} recommendations for SKUs {}..{}",
                    c.skus.len(),
                    c.first,
                    c.end
                ),
            ));
        }
        Ok(c)
    }
}

fn checksum(content: &TunePartialContent) -> anyhow::Result<String> {
    Ok(sha256_hex(serde_json::to_string(content)?.as_bytes()))
}
