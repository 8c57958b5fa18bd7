//! `oversell run [FILE]`: run a scenario as a Monte Carlo experiment, write its results to
//! `out/<slug>/` and print the summary; with `--shard K/N`, run one share of the trials and
//! write a partial result for `oversell merge`.

use std::io::Write;
use std::ops::Range;
use std::path::Path;

use anyhow::Context;

use super::progress_bar;
use crate::cli::{Format, RunArgs, Shard};
use crate::montecarlo::{RunConfig, for_each_trial_in};
use crate::report::output::shard_files;
use crate::report::partial::{CatalogCopy, CsvDigest, Partial, PartialContent};
use crate::report::{
    Place, Provenance, ResultSet, RunInfo, TrialsCsv, charts, file, run_info_json, skus_csv,
    summary_json, summary_table,
};
use crate::scenario::{Scenario, Source};
use crate::sim::Plan;
use crate::stats::{RunAccumulator, TrialRecord};

/// Up to this many trials, `trials.csv` is written unless `--no-trials-csv`; beyond, only with
/// `--trials-csv` (a million trials make about 300 MB).
pub const TRIALS_CSV_DEFAULT_MAX: u64 = 100_000;

/// Runs the scenario (or one shard of it) and writes its results.
pub fn run(args: &RunArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::load(args.file.as_deref())?;
    let config = args.options.config(&source.scenario);
    let provenance = Provenance::of(&source);
    let plan = Plan::new(source.scenario.clone());
    let with_csv = writes_trials_csv(args, config.trials);
    let out = &args.options.out;
    if let Some(shard) = args.shard {
        let place = Place::shard(out, &source.slug, shard.index, shard.count);
        let set = ResultSet::begin(place, Some(&provenance), args.options.force)?;
        return run_shard(&plan, &source, config, shard, set, with_csv, stdout);
    }
    let place = Place::run(out, &source.slug);
    let mut set = ResultSet::begin(place, Some(&provenance), args.options.force)?;
    let csv_name = with_csv.then_some(file::TRIALS_CSV);
    let stats = simulate(&plan, config, 0..config.trials, &mut set, csv_name)?;
    let info = RunInfo::new(
        &plan.scenario,
        source.path.as_ref().map(|p| p.display().to_string()),
        &provenance,
        config.seed,
        config.trials,
        config.threads,
        std::env::args().collect(),
    );
    write_results(set, &plan.scenario, &stats, &info, args.format, stdout)
}

/// Whether a run of `trials` trials writes trials.csv.
fn writes_trials_csv(args: &RunArgs, trials: u64) -> bool {
    !args.no_trials_csv && (args.trials_csv || trials <= TRIALS_CSV_DEFAULT_MAX)
}

/// Runs the trials in `range`, streaming their rows to `csv_name` in `set` (when given) and
/// their statistics into the returned accumulator.
fn simulate(
    plan: &Plan,
    config: RunConfig,
    range: Range<u64>,
    set: &mut ResultSet,
    csv_name: Option<&str>,
) -> anyhow::Result<RunAccumulator> {
    let scenario = &plan.scenario;
    let mut csv = match csv_name {
        Some(name) => Some(TrialsCsv::new(scenario, set.create(name)?)?),
        None => None,
    };
    let mut stats = RunAccumulator::new(scenario);
    let bar = progress_bar(range.end - range.start);
    for_each_trial_in(plan, config, range, &|n| bar.inc(n), |trial, outcome| {
        // Each trial is measured once; the statistics and the CSV row read the same record.
        let record = TrialRecord::new(scenario, outcome);
        stats.push_record(&record, outcome);
        match &mut csv {
            Some(csv) => csv.write(trial, &record),
            None => Ok(()),
        }
    })?;
    bar.finish_and_clear();
    if let Some(csv) = csv {
        csv.finish()?.finish()?;
    }
    Ok(stats)
}

/// Writes summary.json, run.json and the charts of a finished run into `set` (trials.csv is
/// already there), puts the set in place and prints the summary.
pub(crate) fn write_results(
    mut set: ResultSet,
    scenario: &Scenario,
    stats: &RunAccumulator,
    info: &RunInfo,
    format: Format,
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    let summary = stats.summary(scenario, info.seed);
    let json = summary_json(&summary);
    set.write(file::SUMMARY, json.as_bytes())?;
    set.write(file::RUN_INFO, run_info_json(info).as_bytes())?;
    if scenario.catalog.is_catalog() {
        set.write(file::SKUS_CSV, &skus_csv(&stats.skus(scenario))?)?;
    }
    charts::run_charts(&mut set, scenario, &summary, stats)?;
    let dir = set.dir().to_owned();
    set.commit()?;
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
    mut set: ResultSet,
    with_csv: bool,
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    let range = Partial::range(config.trials, shard.index, shard.count);
    let origin = source.path.as_ref().map(|p| p.display().to_string());
    let catalog = CatalogCopy::of(
        &source.scenario,
        &source.text,
        origin.as_deref().unwrap_or(""),
    )?;
    let (json_path, csv_path) = shard_files(Path::new(""), shard.index, shard.count);
    let csv_name = with_csv.then(|| csv_path.to_string_lossy().into_owned());
    let stats = simulate(plan, config, range.clone(), &mut set, csv_name.as_deref())?;
    let partial = Partial::new(PartialContent {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario_text: source.text.clone(),
        scenario_sha256: crate::report::sha256_hex(source.text.as_bytes()),
        catalog,
        scenario_file: source.path.as_ref().map(|p| p.display().to_string()),
        seed: config.seed,
        trials: config.trials,
        shard: shard.index,
        shards: shard.count,
        first: range.start,
        end: range.end,
        csv: match &csv_name {
            Some(name) => Some(CsvDigest::of_file(&set.staged_path(name))?),
            None => None,
        },
        stats,
    })?;
    let json = partial.to_json().context("encoding the partial result")?;
    let json_path = set.write(&json_path, json.as_bytes())?;
    let csv_path = set.path(&csv_path);
    set.commit()?;
    write!(
        stdout,
        "shard {}/{}: trials {}..{} of {} (scenario sha256 {}); wrote {}",
        shard.index,
        shard.count,
        range.start,
        range.end,
        config.trials,
        &crate::report::sha256_hex(source.text.as_bytes())[..12],
        json_path.display(),
    )?;
    if with_csv {
        write!(stdout, " and {}", csv_path.display())?;
    }
    writeln!(stdout)?;
    Ok(())
}
