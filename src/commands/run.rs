//! `oversell run [FILE]`: run a scenario as a Monte Carlo experiment, write its results to
//! `out/<slug>/` and print the summary; with `--shard K/N`, run one share of the trials and
//! write a partial result for `oversell merge`.

use std::io::Write;
use std::ops::Range;
use std::path::Path;

use super::progress_bar;
use crate::cli::{Format, RunArgs, Shard};
use crate::montecarlo::{RunConfig, for_each_trial_in};
use crate::report::partial::{CsvDigest, Partial, PartialContent};
use crate::report::{
    AtomicFile, RunInfo, TrialsCsv, charts, out_dir, run_info_json, sha256_hex, summary_json,
    summary_table, write_atomic,
};
use crate::scenario::{Scenario, Source};
use crate::sim::Plan;
use crate::stats::RunAccumulator;
use anyhow::Context;

/// Runs the scenario (or one shard of it) and writes its results.
pub fn run(args: &RunArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::load(args.file.as_deref())?;
    let config = args.options.config(&source.scenario);
    let plan = Plan::new(source.scenario.clone());
    let dir = out_dir(&args.options.out, &source.slug);
    if let Some(shard) = args.shard {
        return run_shard(&plan, &source, config, shard, &dir, stdout);
    }
    let stats = simulate(&plan, config, 0..config.trials, &dir.join("trials.csv"))?;
    let info = RunInfo::new(
        &plan.scenario,
        source.path.as_ref().map(|p| p.display().to_string()),
        source.text.as_bytes(),
        config.seed,
        config.trials,
        config.threads,
        std::env::args().collect(),
    );
    write_results(&dir, &plan.scenario, &stats, &info, args.format, stdout)
}

/// Runs the trials in `range`, streaming their rows to `csv_path` (renamed into place only when
/// every trial is done) and their statistics into the returned accumulator.
fn simulate(
    plan: &Plan,
    config: RunConfig,
    range: Range<u64>,
    csv_path: &Path,
) -> anyhow::Result<RunAccumulator> {
    let scenario = &plan.scenario;
    let mut csv = TrialsCsv::new(scenario, AtomicFile::create(csv_path)?)?;
    let mut stats = RunAccumulator::new(scenario);
    let bar = progress_bar(range.end - range.start);
    for_each_trial_in(plan, config, range, &|n| bar.inc(n), |trial, outcome| {
        stats.push(scenario, outcome);
        csv.write(scenario, trial, outcome)
    })?;
    bar.finish_and_clear();
    csv.finish()?
        .commit()
        .with_context(|| format!("writing {}", csv_path.display()))?;
    Ok(stats)
}

/// Writes summary.json, run.json and the charts of a finished run into `dir` (trials.csv is
/// already there) and prints the summary.
pub(crate) fn write_results(
    dir: &Path,
    scenario: &Scenario,
    stats: &RunAccumulator,
    info: &RunInfo,
    format: Format,
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    let summary = stats.summary(scenario, info.seed);
    let json = summary_json(&summary);
    write_atomic(&dir.join("summary.json"), json.as_bytes())?;
    write_atomic(&dir.join("run.json"), run_info_json(info).as_bytes())?;
    charts::run_charts(dir, scenario, &summary, stats)?;
    match format {
        Format::Json => stdout.write_all(json.as_bytes())?,
        Format::Table => {
            writeln!(stdout, "{}", scenario.name)?;
            stdout.write_all(summary_table(&summary).as_bytes())?;
            writeln!(stdout, "results in {}", dir.display())?;
        }
    }
    Ok(())
}

fn run_shard(
    plan: &Plan,
    source: &Source,
    config: RunConfig,
    shard: Shard,
    dir: &Path,
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    let range = Partial::range(config.trials, shard.index, shard.count);
    let (json_path, csv_path) = Partial::paths(dir, shard.index, shard.count);
    let stats = simulate(plan, config, range.clone(), &csv_path)?;
    let partial = Partial::new(PartialContent {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario_text: source.text.clone(),
        scenario_sha256: sha256_hex(source.text.as_bytes()),
        scenario_file: source.path.as_ref().map(|p| p.display().to_string()),
        seed: config.seed,
        trials: config.trials,
        shard: shard.index,
        shards: shard.count,
        first: range.start,
        end: range.end,
        csv: CsvDigest::of_file(&csv_path)?,
        stats,
    })?;
    let json = partial.to_json().context("encoding the partial result")?;
    write_atomic(&json_path, json.as_bytes())?;
    writeln!(
        stdout,
        "shard {}/{}: trials {}..{} of {} (scenario sha256 {}); wrote {} and {}",
        shard.index,
        shard.count,
        range.start,
        range.end,
        config.trials,
        &sha256_hex(source.text.as_bytes())[..12],
        json_path.display(),
        csv_path.display()
    )?;
    Ok(())
}
