//! `oversell run [FILE]`: run a scenario as a Monte Carlo experiment, write its results to
//! `out/<slug>/` and print the summary.

use std::io::Write;

use super::progress_bar;
use crate::cli::{Format, RunArgs};
use crate::montecarlo::run_trials;
use crate::report::{
    RunInfo, charts, out_dir, run_info_json, summary_json, summary_table, trials_csv, write_atomic,
};
use crate::scenario::Source;
use crate::sim::Plan;
use crate::stats::summarize_run;

/// Runs the scenario, writes summary.json, trials.csv and run.json, and prints the summary.
pub fn run(args: &RunArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::load(args.file.as_deref())?;
    let config = args.options.config(&source.scenario);
    let plan = Plan::new(source.scenario.clone());
    let bar = progress_bar(config.trials);
    let outcomes = run_trials(&plan, config, &|n| bar.inc(n))?;
    bar.finish_and_clear();

    let summary = summarize_run(&plan.scenario, config.seed, &outcomes);
    let json = summary_json(&summary);
    let dir = out_dir(&args.options.out, &source.slug);
    write_atomic(&dir.join("summary.json"), json.as_bytes())?;
    write_atomic(
        &dir.join("trials.csv"),
        &trials_csv(&plan.scenario, &outcomes)?,
    )?;
    let info = RunInfo::new(
        &plan.scenario,
        source.path.as_ref().map(|p| p.display().to_string()),
        source.text.as_bytes(),
        config.seed,
        config.trials,
        config.threads,
        std::env::args().collect(),
    );
    write_atomic(&dir.join("run.json"), run_info_json(&info).as_bytes())?;
    charts::run_charts(&dir, &plan.scenario, &summary, &outcomes)?;

    match args.format {
        Format::Json => stdout.write_all(json.as_bytes())?,
        Format::Table => {
            writeln!(stdout, "{}", plan.scenario.name)?;
            stdout.write_all(summary_table(&summary).as_bytes())?;
            writeln!(stdout, "results in {}", dir.display())?;
        }
    }
    Ok(())
}
