//! `oversell timeline [FILE] [--trial N] [--seed S]`: trace one trial in full (the one `run` with
//! the same seed computes as row N of trials.csv) and write `events.csv` and the timeline chart
//! to `out/<slug>/timeline/`.

use std::io::Write;
use std::path::{Path, PathBuf};

use comfy_table::CellAlignment;
use serde::Serialize;

use crate::analysis::trace::{Timeline, trace};
use crate::cli::{TimelineArgs, TraceFormat};
use crate::dist::format_seconds;
use crate::report::charts::timeline::timeline_chart;
use crate::report::{Place, Provenance, ResultSet, events_csv, file};
use crate::scenario::Source;
use crate::sim::Plan;

/// Writes `events.csv`, then `timeline.png` and `timeline.svg`, into the folder `folder` of
/// `set` (`""`: its top); returns the paths.
pub fn write_timeline(
    timeline: &Timeline,
    set: &mut ResultSet,
    folder: &str,
) -> anyhow::Result<Vec<PathBuf>> {
    let folder = Path::new(folder);
    let mut paths = vec![set.write(folder.join(file::EVENTS_CSV), &events_csv(timeline)?)?];
    let stem = folder.join(file::TIMELINE);
    paths.extend(timeline_chart(timeline, set, &stem.to_string_lossy())?);
    Ok(paths)
}

/// Traces the trial, writes its files and prints a summary.
pub fn timeline(args: &TimelineArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::load(args.file.as_deref())?;
    let seed = args.seed.unwrap_or(source.scenario.monte_carlo.seed);
    let place = Place::timeline(&args.out, &source.slug);
    let mut set = ResultSet::begin(place, Some(&Provenance::of(&source)), args.force)?;
    let plan = Plan::new(source.scenario);
    let timeline = trace(&plan, seed, args.trial)?;
    let paths = write_timeline(&timeline, &mut set, "")?;
    set.commit()?;
    match args.format {
        TraceFormat::Table => write_summary(&timeline, &paths, stdout),
        TraceFormat::Json => {
            let json = crate::report::pretty_json(&TraceSummary::new(&timeline));
            Ok(stdout.write_all(json.as_bytes())?)
        }
        TraceFormat::Csv => Ok(stdout.write_all(&events_csv(&timeline)?)?),
    }
}

/// What `timeline --format json` prints: the traced trial's counts per channel.
#[derive(Debug, Serialize)]
struct TraceSummary<'a> {
    /// Scenario name.
    scenario: &'a str,
    /// Trial index (its row in the run's trials.csv).
    trial: u64,
    /// Base seed.
    seed: u64,
    /// Length of the trial, seconds.
    horizon_seconds: f64,
    /// Currency of the penalties.
    currency: &'a str,
    /// When the physical stock first reached 0, seconds; `None` if it never did.
    first_stockout_seconds: Option<f64>,
    /// Per channel, in scenario order.
    channels: Vec<TracedChannel<'a>>,
}

/// One channel's counts in the traced trial.
#[derive(Debug, Serialize)]
struct TracedChannel<'a> {
    /// Channel name.
    name: &'a str,
    /// Orders that arrived.
    arrivals: u64,
    /// Orders accepted (fulfilled or oversold).
    accepted: u64,
    /// Orders accepted with no unit behind them.
    oversold: u64,
    /// Penalty of the oversold orders, in `currency`.
    penalty: f64,
    /// Time the channel listed stock while the physical stock was 0, seconds.
    exposure_seconds: f64,
}

impl<'a> TraceSummary<'a> {
    fn new(t: &'a Timeline) -> Self {
        let stockout = t.outcome.first_stockout_seconds;
        TraceSummary {
            scenario: &t.scenario,
            trial: t.trial,
            seed: t.seed,
            horizon_seconds: t.horizon,
            currency: &t.currency,
            first_stockout_seconds: (stockout < t.horizon).then_some(stockout),
            channels: t
                .channels
                .iter()
                .zip(&t.outcome.channels)
                .map(|(name, c)| TracedChannel {
                    name,
                    arrivals: c.arrivals,
                    accepted: c.accepted,
                    oversold: c.oversold,
                    penalty: c.penalty,
                    exposure_seconds: c.exposure_seconds,
                })
                .collect(),
        }
    }
}

/// Prints the trial's counts per channel and the files written.
pub fn write_summary(
    timeline: &Timeline,
    paths: &[PathBuf],
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    writeln!(
        stdout,
        "{} — trial {} (seed {}), horizon {}",
        timeline.scenario,
        timeline.trial,
        timeline.seed,
        format_seconds(timeline.horizon)
    )?;
    let mut table = crate::report::format::table(vec![
        "channel".to_string(),
        "arrivals".to_string(),
        "accepted".to_string(),
        "oversold".to_string(),
        format!("penalty, {}", timeline.currency),
        "exposure".to_string(),
    ]);
    for (name, c) in timeline.channels.iter().zip(&timeline.outcome.channels) {
        table.add_row(vec![
            name.clone(),
            c.arrivals.to_string(),
            c.accepted.to_string(),
            c.oversold.to_string(),
            format!("{:.2}", c.penalty),
            format_seconds(c.exposure_seconds),
        ]);
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    writeln!(stdout, "{table}")?;
    let first_stockout = timeline.outcome.first_stockout_seconds;
    if first_stockout < timeline.horizon {
        writeln!(
            stdout,
            "stock first ran out at {}",
            format_seconds(first_stockout)
        )?;
    } else {
        writeln!(stdout, "stock never ran out")?;
    }
    for path in paths {
        writeln!(stdout, "wrote {}", path.display())?;
    }
    Ok(())
}
