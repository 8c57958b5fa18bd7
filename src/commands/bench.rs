//! `oversell bench [FILE]`: how fast the engine runs a scenario, single-threaded and on all
//! threads, with the same statistics a run keeps (nothing is written to disk).

use std::io::Write;
use std::time::Instant;

use serde::Serialize;

use crate::cli::{BenchArgs, BenchFormat};
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

/// The benchmark's result.
#[derive(Debug, Clone, Serialize)]
pub struct Bench {
    /// Scenario name.
    pub scenario: String,
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
    /// Peak resident memory of the process, bytes (VmHWM).
    pub peak_memory_bytes: Option<u64>,
}

/// Runs the measurements and prints them.
pub fn bench(args: &BenchArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::load(args.file.as_deref())?;
    let plan = Plan::new(source.scenario);
    let seed = args.seed.unwrap_or(plan.scenario.monte_carlo.seed);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = args.threads.map_or(cores, usize::from);
    let measure = |threads| {
        measure(
            &plan,
            RunConfig {
                trials: args.trials,
                seed,
                threads,
            },
        )
    };
    let single = measure(1)?;
    let parallel = measure(threads)?;
    let bench = Bench {
        scenario: plan.scenario.name.clone(),
        cpu: cpu_model(),
        cores,
        speedup: single.seconds / parallel.seconds,
        single,
        parallel,
        peak_memory_bytes: peak_memory_bytes(),
    };
    match args.format {
        BenchFormat::Json => stdout.write_all(crate::report::pretty_json(&bench).as_bytes())?,
        BenchFormat::Table => print_table(&bench, stdout)?,
    }
    Ok(())
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
        "{} on {} ({} cores)",
        bench.scenario, bench.cpu, bench.cores
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

/// Peak resident memory (VmHWM of /proc/self/status), bytes.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
