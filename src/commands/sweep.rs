//! `oversell sweep FILE --vary PATH=VALUES [--target EXPR]`: run a scenario over a grid of values
//! of one or more keys on common random numbers, write `<out>/<slug>/sweep/` and print the
//! results; with a target, the value where it stops being met.

use std::io::Write;

use super::progress_bar;
use crate::analysis::edit::ScenarioDoc;
use crate::analysis::sweep::{Progress, SweepPlan};
use crate::analysis::target::Target;
use crate::analysis::vary::Vary;
use crate::cli::{DataFormat, SweepArgs};
use crate::report::charts::sweep_curve::sweep_charts;
use crate::report::sweep_report::{sweep_csv, sweep_json, sweep_table};
use crate::report::{Place, Provenance, ResultSet, file};
use crate::scenario::Source;

/// Checks every argument and grid point, runs the sweep, writes `sweep.json`, `sweep.csv` and
/// the charts, and prints the results in `args.format`.
pub fn sweep(args: &SweepArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::load(Some(&args.file))?;
    let doc = ScenarioDoc::new(
        &args.file.display().to_string(),
        &source.text,
        source.scenario.clone(),
    )?;
    let varies = args
        .vary
        .iter()
        .map(|arg| Vary::parse(arg, &doc))
        .collect::<Result<Vec<_>, _>>()?;
    let target = args.target.as_deref().map(Target::parse).transpose()?;
    let plan = SweepPlan::new(doc, varies, target)?;
    let config = args.options.config(&source.scenario);
    let place = Place::sweep(&args.options.out, &source.slug);
    let mut set = ResultSet::begin(place, Some(&Provenance::of(&source)), args.options.force)?;

    let bar = progress_bar(config.trials * plan.len() as u64);
    let progress = Progress {
        trials: &|n| bar.inc(n),
        more: &|n| bar.inc_length(n),
    };
    let sweep = plan.run(config, &progress)?;
    bar.finish_and_clear();

    let json = sweep_json(&sweep);
    let csv = sweep_csv(&sweep)?;
    set.write(file::SWEEP_JSON, json.as_bytes())?;
    set.write(file::SWEEP_CSV, &csv)?;
    let charts = sweep_charts(&sweep, &mut set)?;
    let dir = set.dir().to_owned();
    set.commit()?;

    match args.format {
        DataFormat::Json => stdout.write_all(json.as_bytes())?,
        DataFormat::Csv => stdout.write_all(&csv)?,
        DataFormat::Table => {
            stdout.write_all(sweep_table(&sweep).as_bytes())?;
            writeln!(stdout, "results in {}", dir.display())?;
            for path in charts
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "png"))
            {
                writeln!(stdout, "chart: {}", path.display())?;
            }
        }
    }
    Ok(())
}
