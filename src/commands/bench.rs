//! `oversell bench [FILE]`: how fast the engine runs a scenario, single-threaded and on all
//! threads, with the same statistics a run keeps (nothing is written to disk).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::analysis::InputError;
use crate::cli::{BenchArgs, BenchFormat, BenchWorkload};
use crate::montecarlo::{RunConfig, for_each_trial};
use crate::scenario::Source;
use crate::sim::Plan;
use crate::stats::RunAccumulator;

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

/// The catalog workload: 2,000 SKUs over four weeks, read from the source tree.
const CATALOG_WORKLOAD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/catalog/four-weeks.toml"
);

/// Trials per measurement of the catalog workload when `--trials` is not given.
const CATALOG_TRIALS: u64 = 200;

/// Trials per measurement of the reference workload when `--trials` is not given.
const REFERENCE_TRIALS: u64 = 20_000;

/// Runs the measurements of the chosen workloads and prints them.
pub fn bench(args: &BenchArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    if let (Some(file), BenchWorkload::Catalog) = (&args.file, args.workload) {
        return Err(InputError::flag(
            "--workload catalog",
            format!(
                "measures scenarios/catalog/four-weeks.toml and takes no FILE ({}); drop one",
                file.display()
            ),
        )
        .into());
    }
    let mut benches = Vec::new();
    if matches!(args.workload, BenchWorkload::Reference | BenchWorkload::All) {
        let source = Source::load(args.file.as_deref())?;
        let trials = args.trials.unwrap_or(REFERENCE_TRIALS);
        benches.push(bench_one("reference", source, trials, args)?);
    }
    if matches!(args.workload, BenchWorkload::Catalog | BenchWorkload::All) {
        let source = Source::load(Some(Path::new(CATALOG_WORKLOAD)))?;
        let trials = args.trials.unwrap_or(CATALOG_TRIALS);
        benches.push(bench_one("catalog", source, trials, args)?);
    }
    match (args.format, benches.as_slice()) {
        (BenchFormat::Json, [one]) => {
            stdout.write_all(crate::report::pretty_json(one).as_bytes())?
        }
        (BenchFormat::Json, all) => {
            stdout.write_all(crate::report::pretty_json(&all).as_bytes())?
        }
        (BenchFormat::Table, all) => {
            for bench in all {
                print_table(bench, stdout)?;
            }
        }
    }
    Ok(())
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
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = args.threads.map_or(cores, usize::from);
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
        cores,
        speedup: single.seconds / parallel.seconds,
        single,
        parallel,
        peak_memory_bytes: peak_memory_bytes(),
    })
}

fn measure(plan: &Plan, config: RunConfig) -> anyhow::Result<Measurement> {
    let mut stats = RunAccumulator::new(&plan.scenario);
    let (mut events, mut orders) = (0u64, 0u64);
    let start = Instant::now();
    for_each_trial(plan, config, &|_| {}, |_, outcome| {
        events += outcome.events;
        orders += outcome.channels.iter().map(|c| c.arrivals).sum::<u64>();
        stats.push(&plan.scenario, outcome);
        Ok(())
    })?;
    let seconds = start.elapsed().as_secs_f64();
    let per_core = |n: u64| n as f64 / seconds / config.threads as f64;
    Ok(Measurement {
        threads: config.threads,
        trials: config.trials,
        seconds,
        events,
        orders,
        events_per_second_per_core: per_core(events),
        orders_per_second_per_core: per_core(orders),
        trials_per_second: config.trials as f64 / seconds,
    })
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
