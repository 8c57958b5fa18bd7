//! `oversell compare A.toml B.toml ...`: run several scenarios on common random numbers and show
//! them side by side, each with its paired difference from the first.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::progress_bar;
use crate::analysis::compare::{Comparison, compare_sources};
use crate::cli::{CompareArgs, DataFormat};
use crate::report::charts::compare_bars::compare_chart;
use crate::report::compare_csv::comparison_csv;
use crate::report::compare_table::comparison_table;
use crate::report::{out_dir, write_atomic};
use crate::scenario::Source;

/// Folder name under `--out` for the comparison's files.
pub const COMPARE_DIR: &str = "compare";

/// The comparison as pretty-printed JSON with a trailing newline.
pub fn comparison_json(comparison: &Comparison) -> String {
    crate::report::pretty_json(comparison)
}

/// Writes `comparison.json`, then `compare.png` and `compare.svg`, into `dir`; returns the paths.
pub fn write_comparison(comparison: &Comparison, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let json_path = dir.join("comparison.json");
    write_atomic(&json_path, comparison_json(comparison).as_bytes())?;
    let mut paths = vec![json_path];
    paths.extend(compare_chart(comparison, &dir.join("compare"))?);
    Ok(paths)
}

/// Loads every file (stopping at the first that fails, named in the error), runs them, writes
/// `<out>/compare/` and prints the comparison.
pub fn compare(args: &CompareArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let sources = args
        .files()
        .into_iter()
        .map(|file| Source::load(Some(file)))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(first) = sources.first() else {
        anyhow::bail!("compare needs at least one scenario file");
    };
    let config = args.options.config(&first.scenario);
    warn_on_mixed_currencies(&sources);

    let bar = progress_bar(config.trials * sources.len() as u64);
    let comparison = compare_sources(&sources, config, &|n| bar.inc(n))?;
    bar.finish_and_clear();

    let dir = out_dir(&args.options.out, COMPARE_DIR);
    let paths = write_comparison(&comparison, &dir)?;
    match args.format {
        DataFormat::Json => stdout.write_all(comparison_json(&comparison).as_bytes())?,
        DataFormat::Csv => stdout.write_all(&comparison_csv(&comparison)?)?,
        DataFormat::Table => {
            stdout.write_all(comparison_table(&comparison).as_bytes())?;
            for path in &paths {
                writeln!(stdout, "wrote {}", path.display())?;
            }
        }
    }
    Ok(())
}

/// Penalty differences between scenarios priced in different currencies mean little: say so.
fn warn_on_mixed_currencies(sources: &[Source]) {
    let first = &sources[0].scenario.currency;
    for source in &sources[1..] {
        if &source.scenario.currency != first {
            eprintln!(
                "warning: {} prices penalties in {}, the first scenario in {}; their penalty \
                 difference mixes currencies",
                source.slug, source.scenario.currency, first
            );
        }
    }
}
