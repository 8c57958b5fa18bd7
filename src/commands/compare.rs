//! `oversell compare A.toml B.toml ...`: run several scenarios on common random numbers and show
//! them side by side, each with its paired difference from the first.

use std::io::Write;
use std::path::PathBuf;

use super::progress_bar;
use crate::analysis::compare::{Comparison, compare_sources};
use crate::cli::{CompareArgs, DataFormat};
use crate::report::charts::compare_bars::compare_chart;
use crate::report::compare_csv::comparison_csv;
use crate::report::compare_table::comparison_table;
use crate::report::{Place, ResultSet, file};
use crate::scenario::Source;

/// The comparison as pretty-printed JSON with a trailing newline.
pub fn comparison_json(comparison: &Comparison) -> String {
    crate::report::pretty_json(comparison)
}

/// Writes `comparison.json`, then `compare.png` and `compare.svg`, into `set`; returns the paths.
pub fn write_comparison(
    comparison: &Comparison,
    set: &mut ResultSet,
) -> anyhow::Result<Vec<PathBuf>> {
    let json = comparison_json(comparison);
    let mut paths = vec![set.write(file::COMPARISON_JSON, json.as_bytes())?];
    paths.extend(compare_chart(comparison, set, file::COMPARE)?);
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
    let mut set = ResultSet::begin(Place::compare(&args.options.out), None, args.options.force)?;
    warn_on_mixed_currencies(&sources);

    let bar = progress_bar(config.trials * sources.len() as u64);
    let comparison = compare_sources(&sources, config, &|n| bar.inc(n))?;
    bar.finish_and_clear();

    let paths = write_comparison(&comparison, &mut set)?;
    set.commit()?;
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
            super::to_stderr(format_args!(
                "warning: {} prices penalties in {}, the first scenario in {}; their penalty \
                 difference mixes currencies",
                source.slug, source.scenario.currency, first
            ));
        }
    }
}
