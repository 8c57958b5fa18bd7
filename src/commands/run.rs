//! `oversell run [FILE]`: run a scenario as a Monte Carlo experiment, write its results to
//! `out/<slug>/` and print the summary.

use std::io::Write;

use anyhow::Context;

use super::progress_bar;
use crate::cli::{Format, RunArgs};
use crate::montecarlo::for_each_trial;
use crate::report::{
    AtomicFile, RunInfo, TrialsCsv, charts, out_dir, run_info_json, summary_json, summary_table,
    write_atomic,
};
use crate::scenario::Source;
use crate::sim::Plan;
use crate::stats::RunAccumulator;

/// Runs the scenario, writes summary.json, trials.csv, run.json and the charts, and prints the
/// summary. Trials are streamed: memory does not grow with their number.
pub fn run(args: &RunArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::load(args.file.as_deref())?;
    let config = args.options.config(&source.scenario);
    let plan = Plan::new(source.scenario.clone());
    let scenario = &plan.scenario;
    let dir = out_dir(&args.options.out, &source.slug);

    let trials_path = dir.join("trials.csv");
    let mut csv = TrialsCsv::new(scenario, AtomicFile::create(&trials_path)?)?;
    let mut stats = RunAccumulator::new(scenario);
    let bar = progress_bar(config.trials);
    for_each_trial(&plan, config, &|n| bar.inc(n), |trial, outcome| {
        stats.push(scenario, outcome);
        csv.write(scenario, trial, outcome)
    })?;
    bar.finish_and_clear();
    csv.finish()?
        .commit()
        .with_context(|| format!("writing {}", trials_path.display()))?;

    let summary = stats.summary(scenario, config.seed);
    let json = summary_json(&summary);
    write_atomic(&dir.join("summary.json"), json.as_bytes())?;
    let info = RunInfo::new(
        scenario,
        source.path.as_ref().map(|p| p.display().to_string()),
        source.text.as_bytes(),
        config.seed,
        config.trials,
        config.threads,
        std::env::args().collect(),
    );
    write_atomic(&dir.join("run.json"), run_info_json(&info).as_bytes())?;
    charts::run_charts(&dir, scenario, &summary, &stats)?;

    match args.format {
        Format::Json => stdout.write_all(json.as_bytes())?,
        Format::Table => {
            writeln!(stdout, "{}", scenario.name)?;
            stdout.write_all(summary_table(&summary).as_bytes())?;
            writeln!(stdout, "results in {}", dir.display())?;
        }
    }
    Ok(())
}
