//! `oversell demo`: polling versus event-driven in one command. Compares the built-in
//! `event-driven`, `polling-15m` and `erp-hourly` stacks on common random numbers, traces a
//! representative trial of each, and writes one self-contained `out/demo/report.html`.

use std::io::Write;

use super::compare::write_comparison;
use super::progress_bar;
use super::timeline::write_timeline;
use crate::analysis::compare::{Comparison, compare_sources};
use crate::analysis::trace::trace;
use crate::cli::{DataFormat, DemoArgs};
use crate::dist::format_seconds;
use crate::montecarlo::RunConfig;
use crate::report::compare_csv::comparison_csv;
use crate::report::compare_table::comparison_table;
use crate::report::html::{ReportContext, channel_rows, render_report, scenario_card};
use crate::report::{Place, ResultSet, file};
use crate::scenario::Source;
use crate::scenario::builtin::builtin;
use crate::sim::Plan;

/// The stacks the demo compares, baseline first.
pub const DEMO_STACKS: [&str; 3] = ["event-driven", "polling-15m", "erp-hourly"];

/// Runs the comparison, traces, and writes the report.
pub fn demo(args: &DemoArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let sources = DEMO_STACKS
        .iter()
        .map(|slug| Source::builtin(builtin(slug).expect("the demo stacks are built in")))
        .collect::<Result<Vec<_>, _>>()?;
    let config = args.options.config(&sources[0].scenario);
    let mut set = ResultSet::begin(Place::demo(&args.options.out), None, args.options.force)?;
    let bar = progress_bar(config.trials * sources.len() as u64);
    let comparison = compare_sources(&sources, config, &|n| bar.inc(n))?;
    bar.finish_and_clear();

    write_comparison(&comparison, &mut set)?;
    let compare_svg = set.read_to_string(format!("{}.svg", file::COMPARE))?;
    let mut cards = Vec::with_capacity(sources.len());
    for (i, (source, compared)) in sources.iter().zip(&comparison.scenarios).enumerate() {
        let plan = Plan::new(source.scenario.clone());
        let timeline = trace(&plan, config.seed, compared.representative_trial)?;
        write_timeline(&timeline, &mut set, &source.slug)?;
        let caption = format!(
            "Trial {} of {} (seed {}): {} oversold, penalty {:.2} {}. Reproduce with \
             `oversell timeline scenarios/{}.toml --trial {} --seed {}`.",
            timeline.trial,
            config.trials,
            config.seed,
            timeline.total_oversold(),
            timeline.total_penalty(),
            timeline.currency,
            source.slug,
            timeline.trial,
            config.seed,
        );
        let svg = set.read_to_string(format!("{}/{}.svg", source.slug, file::TIMELINE))?;
        cards.push(scenario_card(
            &comparison,
            i,
            &source.scenario,
            svg,
            caption,
        ));
    }
    let context = report_context(&comparison, &sources, config, compare_svg, cards);
    let report = set.write(file::REPORT_HTML, render_report(&context)?.as_bytes())?;
    set.commit()?;

    match args.format {
        DataFormat::Json => {
            stdout.write_all(super::compare::comparison_json(&comparison).as_bytes())?
        }
        DataFormat::Csv => stdout.write_all(&comparison_csv(&comparison)?)?,
        DataFormat::Table => {
            stdout.write_all(comparison_table(&comparison).as_bytes())?;
            writeln!(stdout, "report: {}", report.display())?;
        }
    }
    Ok(())
}

/// "day", "2 days", "12 hours": how long a trial is, in words for the page.
fn span_in_words(seconds: f64) -> String {
    const DAY: f64 = 86_400.0;
    if seconds == DAY {
        "day".to_owned()
    } else if seconds % DAY == 0.0 {
        format!("{} days", seconds / DAY)
    } else if seconds % 3600.0 == 0.0 {
        format!("{} hours", seconds / 3600.0)
    } else {
        format_seconds(seconds)
    }
}

fn report_context(
    comparison: &Comparison,
    sources: &[Source],
    config: RunConfig,
    compare_svg: String,
    scenarios: Vec<crate::report::html::ScenarioCard>,
) -> ReportContext {
    let first = &sources[0].scenario;
    let horizon = span_in_words(first.horizon);
    ReportContext {
        title: "Polling versus event-driven: what your inventory sync costs".to_owned(),
        lede: format!(
            "The same {horizon} of orders, replayed {} times against three ways of keeping \
             Shopify, Amazon, Walmart and the POS in step with one stock of {} units. \
             The slower the stack learns of a sale, the more units it sells that no longer exist.",
            config.trials, first.stock.initial
        ),
        trials: config.trials,
        horizon: horizon.clone(),
        currency: first.currency.clone(),
        baseline: comparison.scenarios[0].slug.clone(),
        compare_svg,
        scenarios,
        channels: channel_rows(first),
        assumptions_intro: format!(
            "Every stack sells the same stock ({} units on hand, {} {} margin per unit) over the \
             same {horizon} with the same demand below; orders arrive as Poisson streams. Each \
             oversold order is cancelled and costs the penalty shown. Seed {}, {} trials per \
             stack; intervals are 95% confidence intervals of the mean.",
            first.stock.initial,
            first.stock.unit_margin,
            first.currency,
            config.seed,
            config.trials
        ),
        footer: format!(
            "Written by oversell {} with `oversell demo --trials {} --seed {}`. The scenario files \
             are in scenarios/ of the repository; the model is described in its README.",
            env!("CARGO_PKG_VERSION"),
            config.trials,
            config.seed
        ),
    }
}
