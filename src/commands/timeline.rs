//! `oversell timeline [FILE] [--trial N] [--seed S]`: trace one trial in full (the one `run` with
//! the same seed computes as row N of trials.csv) and write `events.csv` and the timeline chart
//! to `out/<slug>/timeline/`.

use std::io::Write;
use std::path::{Path, PathBuf};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, Table};

use crate::analysis::trace::{Timeline, trace};
use crate::cli::TimelineArgs;
use crate::report::charts::timeline::timeline_chart;
use crate::report::{Place, Provenance, ResultSet, events_csv, file};
use crate::scenario::Source;
use crate::sim::Plan;
use crate::sim::dist::format_seconds;

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
    write_summary(&timeline, &paths, stdout)
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
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_header(vec![
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
