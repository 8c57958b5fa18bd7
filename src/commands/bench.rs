//! `oversell bench [FILE]`: how fast the engine runs the reference, catalog and tune workloads,
//! single-threaded and on all threads, with the same statistics a run keeps, and how the cost of
//! a trial grows with trials, catalog size and horizon. With `--out DIR` it writes
//! `DIR/bench/bench.json` and the scaling chart.

mod scaling;
mod serve;
mod workloads;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::analysis::InputError;
use crate::cli::{BenchArgs, BenchFormat, BenchWorkload};
use crate::montecarlo::{RunConfig, for_each_trial};
use crate::report::{Place, ResultSet, file};
use crate::scenario::Source;
use crate::sim::Plan;
use crate::stats::RunAccumulator;
pub use scaling::Scaling;
pub use serve::{ServeBench, time_serve};
use workloads::FOUR_WEEKS;
pub use workloads::{TuneMeasurement, TuneWorkload, time_tune};

/// One timed run.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Measurement {
    /// Worker threads.
    pub threads: usize,
    /// Trials run.
    pub trials: u64,
    /// Wall-clock time, seconds.
    pub seconds: f64,
    /// Events the engine handled, all trials together.
    pub events: u64,
    /// Orders that arrived at channels, all trials together.
    pub orders: u64,
    /// Handled events per second per thread.
    pub events_per_second_per_core: f64,
    /// Simulated orders per second per thread.
    pub orders_per_second_per_core: f64,
    /// Trials per second, all threads together.
    pub trials_per_second: f64,
}

/// The benchmark's result for one workload.
#[derive(Debug, Clone, Serialize)]
pub struct Bench {
    /// The workload: `reference` (the scenario FILE or the built-in reference) or `catalog`.
    pub workload: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// SKUs in the scenario (1 without a catalog).
    pub skus: usize,
    /// Length of one trial, seconds.
    pub horizon_seconds: f64,
    /// The processor, from /proc/cpuinfo.
    pub cpu: String,
    /// Logical cores available.
    pub cores: usize,
    /// Single-threaded.
    pub single: Measurement,
    /// On all threads (or `--threads`).
    pub parallel: Measurement,
    /// `single.seconds / parallel.seconds` for the same trials.
    pub speedup: f64,
    /// Peak resident memory of the process while this workload ran, bytes (VmHWM, reset before
    /// each workload where the kernel allows it).
    pub peak_memory_bytes: Option<u64>,
}

/// The tune workload: tune of a generated catalog on the polling-15m stack.
#[derive(Debug, Clone, Serialize)]
pub struct TuneBench {
    /// The stack tuned.
    pub scenario: &'static str,
    /// SKUs of the generated catalog (long tail, median 0.08 orders a day).
    pub skus: usize,
    /// Knob values tried per SKU: Amazon's buffer from 0 to `values - 1`.
    pub values: i64,
    /// Trials per SKU and value.
    pub trials_per_value: u64,
    /// Single-threaded.
    pub single: TuneMeasurement,
    /// On all threads (or `--threads`).
    pub parallel: TuneMeasurement,
    /// `single.seconds / parallel.seconds`.
    pub speedup: f64,
}

/// Everything one `bench` measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// The reference and catalog workloads measured, in that order.
    pub workloads: Vec<Bench>,
    /// The tune workload, when measured.
    pub tune: Option<TuneBench>,
    /// The cost of a trial against trials, catalog size and horizon, when measured.
    pub scaling: Option<Scaling>,
    /// The live page's answer times, when measured.
    pub serve: Option<ServeBench>,
}

/// Trials per measurement of the catalog workload when `--trials` is not given.
const CATALOG_TRIALS: u64 = 200;

/// Trials per measurement of the reference workload when `--trials` is not given.
const REFERENCE_TRIALS: u64 = 20_000;

/// SKUs of the tune workload.
const TUNE_SKUS: usize = 40;
/// Trials per SKU and knob value of the tune workload when `--trials` is not given.
const TUNE_TRIALS: u64 = 500;

/// Runs the measurements of the chosen workloads and prints them (and with `--out`, writes them).
pub fn bench(args: &BenchArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let workload = args.workload;
    if let (Some(file), BenchWorkload::Catalog | BenchWorkload::Tune | BenchWorkload::Serve) =
        (&args.file, workload)
    {
        return Err(InputError::flag(
            format!("--workload {}", workload_name(workload)),
            format!(
                "measures a workload of its own and takes no FILE ({}); drop one",
                file.display()
            ),
        )
        .into());
    }
    let mut set = match &args.out {
        Some(out) => Some(ResultSet::begin(Place::bench(out), None, true)?),
        None => None,
    };
    let wants = |w: BenchWorkload| workload == w || workload == BenchWorkload::All;
    let mut report = BenchReport {
        workloads: Vec::new(),
        tune: None,
        scaling: None,
        serve: None,
    };
    let reference = Source::load(args.file.as_deref())?;
    if wants(BenchWorkload::Reference) {
        let trials = args.trials.unwrap_or(REFERENCE_TRIALS);
        let source = Source::load(args.file.as_deref())?;
        report
            .workloads
            .push(bench_one("reference", source, trials, args)?);
    }
    if wants(BenchWorkload::Catalog) {
        let source = Source::load(Some(Path::new(FOUR_WEEKS)))?;
        let trials = args.trials.unwrap_or(CATALOG_TRIALS);
        report
            .workloads
            .push(bench_one("catalog", source, trials, args)?);
    }
    if wants(BenchWorkload::Tune) {
        report.tune = Some(bench_tune(args)?);
    }
    if wants(BenchWorkload::Serve) {
        report.serve = Some(time_serve(threads(args), args.seed)?);
    }
    if wants(BenchWorkload::Scaling) {
        let seed = args.seed.unwrap_or(reference.scenario.monte_carlo.seed);
        report.scaling = Some(scaling::scaling(&reference.scenario, seed)?);
    }
    if let Some(mut set) = set.take() {
        set.write(
            file::BENCH_JSON,
            crate::report::pretty_json(&report).as_bytes(),
        )?;
        if let Some(scaling) = &report.scaling {
            crate::report::charts::save(&scaling::chart(scaling), &mut set, file::BENCH_SCALING)?;
        }
        set.commit()?;
    }
    match args.format {
        BenchFormat::Json => stdout.write_all(crate::report::pretty_json(&report).as_bytes())?,
        BenchFormat::Table => print_report(&report, stdout)?,
    }
    Ok(())
}

/// Logical cores available.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Threads of the parallel measurements: `--threads`, else every core.
fn threads(args: &BenchArgs) -> usize {
    args.threads.map_or_else(cores, usize::from)
}

/// The workload's name on the command line.
fn workload_name(workload: BenchWorkload) -> &'static str {
    match workload {
        BenchWorkload::Reference => "reference",
        BenchWorkload::Catalog => "catalog",
        BenchWorkload::Tune => "tune",
        BenchWorkload::Scaling => "scaling",
        BenchWorkload::Serve => "serve",
        BenchWorkload::All => "all",
    }
}

/// Times the tune workload single-threaded, then on `--threads` (default: all cores).
fn bench_tune(args: &BenchArgs) -> anyhow::Result<TuneBench> {
    let workload = TuneWorkload {
        skus: TUNE_SKUS,
        max: 10,
        trials: args.trials.unwrap_or(TUNE_TRIALS),
        seed: args.seed.unwrap_or(2026),
    };
    let threads = threads(args);
    let single = time_tune(workload, 1)?;
    let parallel = time_tune(workload, threads)?;
    Ok(TuneBench {
        scenario: "polling-15m",
        skus: workload.skus,
        values: workload.max + 1,
        trials_per_value: workload.trials,
        speedup: single.seconds / parallel.seconds,
        single,
        parallel,
    })
}

/// Measures one workload single-threaded, then on `--threads` (default: all cores).
fn bench_one(
    workload: &'static str,
    source: Source,
    trials: u64,
    args: &BenchArgs,
) -> anyhow::Result<Bench> {
    reset_peak_memory();
    let plan = Plan::new(source.scenario);
    let seed = args.seed.unwrap_or(plan.scenario.monte_carlo.seed);
    let threads = threads(args);
    let measure = |threads| {
        measure(
            &plan,
            RunConfig {
                trials,
                seed,
                threads,
            },
        )
    };
    let single = measure(1)?;
    let parallel = measure(threads)?;
    Ok(Bench {
        workload,
        scenario: plan.scenario.name.clone(),
        skus: plan.scenario.catalog.skus.len().max(1),
        horizon_seconds: plan.scenario.horizon,
        cpu: cpu_model(),
        cores: cores(),
        speedup: single.seconds / parallel.seconds,
        single,
        parallel,
        peak_memory_bytes: peak_memory_bytes(),
    })
}

/// Runs `config` on `plan` with the statistics a run keeps and times it.
pub(crate) fn measure(plan: &Plan, config: RunConfig) -> anyhow::Result<Measurement> {
    measure_with(plan, config, &|_| {}).map(|(measurement, _)| measurement)
}

/// As [`measure`], calling `progress` after every trial (from the worker that ran it); also
/// returns when the measurement started.
pub(crate) fn measure_with(
    plan: &Plan,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<(Measurement, Instant)> {
    let mut stats = RunAccumulator::new(&plan.scenario);
    let (mut events, mut orders) = (0u64, 0u64);
    let start = Instant::now();
    for_each_trial(plan, config, progress, |_, outcome| {
        events += outcome.events;
        orders += outcome.channels.iter().map(|c| c.arrivals).sum::<u64>();
        stats.push(&plan.scenario, outcome);
        Ok(())
    })?;
    let seconds = start.elapsed().as_secs_f64();
    let per_core = |n: u64| n as f64 / seconds / config.threads as f64;
    let measurement = Measurement {
        threads: config.threads,
        trials: config.trials,
        seconds,
        events,
        orders,
        events_per_second_per_core: per_core(events),
        orders_per_second_per_core: per_core(orders),
        trials_per_second: config.trials as f64 / seconds,
    };
    Ok((measurement, start))
}

fn print_report(report: &BenchReport, out: &mut dyn Write) -> anyhow::Result<()> {
    for bench in &report.workloads {
        print_table(bench, out)?;
    }
    if let Some(tune) = &report.tune {
        writeln!(
            out,
            "tune workload: {} SKUs of a long-tailed catalog on {}, buffer 0..={} on amazon, {} \
             trials per value",
            tune.skus,
            tune.scenario,
            tune.values - 1,
            tune.trials_per_value
        )?;
        for m in [&tune.single, &tune.parallel] {
            writeln!(
                out,
                "{} thread(s): {:.2} s: {:.1} SKUs/s, {:.0} trials/s",
                m.threads, m.seconds, m.skus_per_second, m.trials_per_second
            )?;
        }
        writeln!(
            out,
            "speed-up of {} threads over 1: {:.2}x",
            tune.parallel.threads, tune.speedup
        )?;
    }
    if let Some(serve) = &report.serve {
        let trials: Vec<String> = (serve.trials.iter())
            .map(|(stack, n)| format!("{stack} {n}"))
            .collect();
        writeln!(
            out,
            "serve workload: {} slider moves on {} thread(s), trials fitted to {} ms ({}): \
             p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
            serve.moves,
            serve.threads,
            serve.budget_ms,
            trials.join(", "),
            serve.p50_ms,
            serve.p95_ms,
            serve.max_ms
        )?;
    }
    if let Some(scaling) = &report.scaling {
        writeln!(out, "scaling: the cost of one trial, one thread")?;
        let series = [
            ("trials (reference)", "trials", &scaling.trials),
            (
                "catalog size, same demand, 28 d",
                "SKUs",
                &scaling.catalog_size,
            ),
            ("horizon, 2,000 SKUs", "days", &scaling.horizon),
        ];
        for (name, unit, points) in series {
            let cells: Vec<String> = (points.iter())
                .map(|p| format!("{} {unit}: {:.3} ms", p.x, p.ms_per_trial))
                .collect();
            writeln!(out, "  {name}: {}", cells.join(", "))?;
        }
        let rounds = &scaling.catalog_growth_rounds;
        let low = rounds.iter().copied().fold(f64::INFINITY, f64::min);
        let high = rounds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let spread = match rounds.is_empty() {
            true => String::new(),
            false => format!(" (within a round: {low:.2}x to {high:.2}x)"),
        };
        writeln!(
            out,
            "  20,000 SKUs cost {:.2}x a trial of 2,000 at the same total demand{spread}",
            scaling.catalog_growth
        )?;
        writeln!(
            out,
            "  18,000 SKUs that never sell added to the 2,000: {:.2}x ({:.3} ms)",
            scaling.idle_growth, scaling.catalog_idle.ms_per_trial
        )?;
    }
    Ok(())
}

fn print_table(bench: &Bench, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "{} workload: {} ({} SKU(s), {}) on {} ({} cores)",
        bench.workload,
        bench.scenario,
        bench.skus,
        crate::dist::format_seconds(bench.horizon_seconds),
        bench.cpu,
        bench.cores
    )?;
    for m in [&bench.single, &bench.parallel] {
        writeln!(
            out,
            "{} thread(s): {} trials in {:.2} s: {:.1} M events/s per core, {:.2} M orders/s per \
             core, {:.0} trials/s",
            m.threads,
            m.trials,
            m.seconds,
            m.events_per_second_per_core / 1e6,
            m.orders_per_second_per_core / 1e6,
            m.trials_per_second
        )?;
    }
    writeln!(
        out,
        "speed-up of {} threads over 1: {:.2}x",
        bench.parallel.threads, bench.speedup
    )?;
    if let Some(bytes) = bench.peak_memory_bytes {
        writeln!(out, "peak memory: {:.1} MB", bytes as f64 / 1e6)?;
    }
    Ok(())
}

/// The first "model name" of /proc/cpuinfo.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

/// Resets the peak resident memory to the current one (Linux: `5` into /proc/self/clear_refs),
/// so each workload reports its own peak; where that is refused the peak is the process's.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory (VmHWM of /proc/self/status), bytes.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
