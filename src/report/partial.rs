//! The partial result of one shard (`run --shard K/N`), and reading one back for `merge`
//! without trusting it: every field is checked against a checksum, the scenario it names and
//! the statistics' own arithmetic before anything is merged or written.

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::output::sha256_hex;
use crate::scenario::{Scenario, load_str_with_catalog_text, read_capped};
use crate::stats::RunAccumulator;

/// The largest partial result file `merge` reads, bytes: far above the statistics of any run
/// within the scenario limits (a few MB), far below what would exhaust memory.
pub const MAX_PARTIAL_BYTES: usize = 256 << 20;

/// The largest catalog a partial result carries, bytes: a catalog of the most SKUs a scenario
/// may hold (a million) at about 100 bytes a row.
pub const MAX_CATALOG_BYTES: usize = 128 << 20;

/// Partial results that cannot be merged: the message names the file and the field at fault.
#[derive(Debug, thiserror::Error)]
#[error("merge: {0}")]
pub struct MergeError(pub String);

/// The trial rows of a shard, as written to its CSV file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvDigest {
    /// SHA-256 of the file's bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Rows after the header (one per trial).
    pub rows: u64,
}

impl CsvDigest {
    /// The digest of the CSV file at `path`.
    pub fn of_file(path: &Path) -> anyhow::Result<CsvDigest> {
        let file = std::fs::File::open(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let mut hashing = HashingReader::new(file);
        let mut reader = ::csv::Reader::from_reader(&mut hashing);
        let mut rows = 0;
        let mut record = ::csv::ByteRecord::new();
        while reader.read_byte_record(&mut record)? {
            rows += 1;
        }
        drop(reader);
        Ok(CsvDigest {
            sha256: hashing.finish(),
            rows,
        })
    }
}

/// The catalog a shard ran, carried in its partial result so that `merge` reads no file but
/// the shards' (and runs from any folder, wherever the shards were moved).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogCopy {
    /// The catalog file as the shard resolved it (relative to the scenario's folder).
    pub file: String,
    /// SHA-256 of `text`, 64 lowercase hex digits.
    pub sha256: String,
    /// The file's text, exactly as read.
    pub text: String,
}

impl CatalogCopy {
    /// The catalog of `scenario` (loaded from `text`, named `origin`), read again and checked to
    /// give exactly the scenario that was loaded; `None` without a catalog.
    pub fn of(scenario: &Scenario, text: &str, origin: &str) -> anyhow::Result<Option<Self>> {
        let Some(file) = scenario.catalog.file.as_deref() else {
            return Ok(None);
        };
        let bytes = read_capped(Path::new(file), MAX_CATALOG_BYTES)
            .map_err(|e| anyhow::anyhow!("cannot read the catalog {file}: {e}"))?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the catalog {file} is larger than {} MiB, the most a shard carries",
                    MAX_CATALOG_BYTES >> 20
                )
            })?;
        let catalog = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("the catalog {file} is not UTF-8 text"))?;
        let again = load_str_with_catalog_text(origin, text, Some((file, &catalog)))?;
        if again != *scenario {
            anyhow::bail!("the catalog {file} changed while the shard read it: run it again");
        }
        Ok(Some(CatalogCopy {
            file: file.to_owned(),
            sha256: sha256_hex(catalog.as_bytes()),
            text: catalog,
        }))
    }
}

/// A reader that hashes every byte read through it (SHA-256).
pub struct HashingReader<R> {
    inner: R,
    hasher: sha2::Sha256,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        use sha2::Digest;
        HashingReader {
            inner,
            hasher: sha2::Sha256::new(),
        }
    }

    /// The hash of everything read, 64 lowercase hex digits.
    pub fn finish(self) -> String {
        use sha2::Digest;
        self.hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// What a shard ran and measured: everything `merge` needs to rebuild the run's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialContent {
    /// Tool version that wrote it; shards of different versions are not merged.
    pub version: String,
    /// The scenario's text, so that `merge` needs no file.
    pub scenario_text: String,
    /// SHA-256 of `scenario_text`.
    pub scenario_sha256: String,
    /// The scenario's catalog, when it has a `[catalog] file` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogCopy>,
    /// Where the scenario came from, as given (`None`: built in).
    pub scenario_file: Option<String>,
    /// Base seed.
    pub seed: u64,
    /// Trials of the whole run.
    pub trials: u64,
    /// Which share, from 0.
    pub shard: u64,
    /// How many shares.
    pub shards: u64,
    /// The first trial this shard ran.
    pub first: u64,
    /// One past the last trial this shard ran.
    pub end: u64,
    /// The shard's trial rows file (`None`: the shard wrote none, `--no-trials-csv`).
    pub csv: Option<CsvDigest>,
    /// The shard's streamed statistics.
    pub stats: RunAccumulator,
}

/// The partial result file: the content and its checksum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partial {
    /// SHA-256 of the content as compact JSON (the bytes `serde_json` writes for it).
    pub checksum: String,
    /// What the shard ran and measured.
    pub content: PartialContent,
}

/// A partial result read back and checked, with the scenario it ran.
#[derive(Debug)]
pub struct VerifiedPartial {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its content (a catalog's text dropped once loaded into `scenario`).
    pub content: PartialContent,
    /// The scenario, loaded from `content.scenario_text`.
    pub scenario: Scenario,
}

impl Partial {
    /// Seals `content` with its checksum.
    pub fn new(content: PartialContent) -> anyhow::Result<Partial> {
        Ok(Partial {
            checksum: content_checksum(&content)?,
            content,
        })
    }

    /// The file's text (compact JSON).
    pub fn to_json(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// The trials of shard `index` of `count` (> 0) in a run of `trials`: contiguous, in order,
    /// and together exactly `0..trials`.
    pub fn range(trials: u64, index: u64, count: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(trials) * u128::from(k) / u128::from(count)) as u64;
        at(index)..at(index + 1)
    }

    /// Reads the partial result at `path` and checks everything it can alone: size, format,
    /// checksum, tool version, scenario hash and text, shard range and the statistics'
    /// consistency. The CSV is checked by `merge` as it copies it.
    pub fn read(path: &Path) -> Result<VerifiedPartial, MergeError> {
        let at =
            |field: &str, why: String| MergeError(format!("{}: {field}: {why}", path.display()));
        let text = read_text(path, MAX_PARTIAL_BYTES)?;
        let mut json = serde_json::Deserializer::from_str(&text);
        let partial: Partial = serde_path_to_error::deserialize(&mut json).map_err(|e| {
            // The field at fault (`content.stats.part2.skus[3].oversold`), when there is one.
            let field = e.path().to_string();
            let field = if field == "." {
                String::new()
            } else {
                format!("{field}: ")
            };
            MergeError(format!(
                "{} is not a partial result of `oversell run --shard`: {field}{}",
                path.display(),
                e.inner()
            ))
        })?;
        let sum = content_checksum(&partial.content).map_err(|e| at("content", e.to_string()))?;
        check_written(&at, &sum, &partial.checksum, &partial.content.version)?;
        let mut c = partial.content;
        if sha256_hex(c.scenario_text.as_bytes()) != c.scenario_sha256 {
            return Err(at(
                "scenario_sha256",
                "is not the SHA-256 of scenario_text".into(),
            ));
        }
        check_range(&c).map_err(|(field, why)| at(field, why))?;
        if let Some(catalog) = &c.catalog
            && sha256_hex(catalog.text.as_bytes()) != catalog.sha256
        {
            return Err(at(
                "catalog.sha256",
                "is not the SHA-256 of catalog.text".into(),
            ));
        }
        let copy = (c.catalog.as_ref()).map(|copy| (copy.file.as_str(), copy.text.as_str()));
        let scenario = load_str_with_catalog_text(
            &format!("{} (scenario_text)", path.display()),
            &c.scenario_text,
            copy,
        )
        .map_err(|e| {
            let field = if c.catalog.is_some() || e.key == "catalog.file" {
                "catalog"
            } else {
                "scenario_text"
            };
            at(field, e.to_string())
        })?;
        c.stats
            .check(&scenario, c.end - c.first)
            .map_err(|e| MergeError(format!("{}: stats.{e}", path.display())))?;
        if let Some(csv) = &c.csv
            && csv.rows != c.end - c.first
        {
            return Err(at(
                "csv.rows",
                format!("{} rows for {} trials", csv.rows, c.end - c.first),
            ));
        }
        // The catalog is in `scenario` now; its SHA-256 (checked above) still tells shards
        // apart, and many shards of a large catalog do not each keep its text in memory.
        if let Some(copy) = &mut c.catalog {
            copy.text = String::new();
        }
        Ok(VerifiedPartial {
            path: path.to_owned(),
            content: c,
            scenario,
        })
    }
}

/// The shard index, count and trial range agree with each other.
fn check_range(c: &PartialContent) -> Result<(), (&'static str, String)> {
    if c.shards == 0 {
        return Err(("shards", "0: a run has at least one shard".into()));
    }
    if c.shard >= c.shards {
        return Err((
            "shard",
            format!("{} is not below shards ({})", c.shard, c.shards),
        ));
    }
    let expected = Partial::range(c.trials, c.shard, c.shards);
    if (c.first, c.end) != (expected.start, expected.end) {
        return Err((
            "first",
            format!(
                "trials {}..{} are not those of shard {}/{} of {} trials ({}..{})",
                c.first, c.end, c.shard, c.shards, c.trials, expected.start, expected.end
            ),
        ));
    }
    Ok(())
}

fn content_checksum(content: &PartialContent) -> anyhow::Result<String> {
    Ok(sha256_hex(serde_json::to_string(content)?.as_bytes()))
}

/// The text of the partial result at `path`, refused beyond `cap` bytes (read no further).
/// Checks what every partial result (of `run` or `tune`) carries: `sum`, the SHA-256 of its
/// content as read, against `written`, the one written beside it, and `version`, the version
/// of oversell that wrote it, against this one. `at` names the file and field of an error.
pub(crate) fn check_written(
    at: &dyn Fn(&str, String) -> MergeError,
    sum: &str,
    written: &str,
    version: &str,
) -> Result<(), MergeError> {
    if sum != written {
        return Err(at(
            "checksum",
            format!(
                "the content's SHA-256 is {sum}, not {written}: the file was changed after it was \
                 written"
            ),
        ));
    }
    let this = env!("CARGO_PKG_VERSION");
    if version != this {
        return Err(at(
            "version",
            format!("written by oversell {version}, this is {this}"),
        ));
    }
    Ok(())
}

fn read_text(path: &Path, cap: usize) -> Result<String, MergeError> {
    let bytes = read_capped(path, cap)
        .map_err(|e| MergeError(format!("cannot read {}: {e}", path.display())))?
        .ok_or_else(|| {
            MergeError(format!(
                "{} is larger than {} MiB, the most a partial result may hold",
                path.display(),
                cap >> 20
            ))
        })?;
    String::from_utf8(bytes)
        .map_err(|_| MergeError(format!("{} is not UTF-8 text", path.display())))
}
