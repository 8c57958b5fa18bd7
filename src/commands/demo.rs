//! `oversell demo`: five ways of syncing one catalog, in one command. Runs the stacks of
//! `scenarios/demo/` (built in) on the same simulated months of orders, traces the moment one SKU
//! sells out in each, and writes one self-contained `out/demo/report.html`.

use std::io::Write;

use comfy_table::CellAlignment;

use super::progress_bar;
use crate::analysis::compare::{ComparedScenario, Comparison, compare_sources};
use crate::analysis::sellout::{SkuTrace, Zoom, find_sellout_with_oversell, trace_sku, value_at};
use crate::cli::{DataFormat, DemoArgs};
use crate::montecarlo::RunConfig;
use crate::report::charts::demo_cost::{CostBar, CostChart, cost_chart};
use crate::report::charts::sellout_trace::{SelloutChart, sellout_chart};
use crate::report::charts::style::{css, outcome_color};
use crate::report::compare_csv::comparison_csv;
use crate::report::format::percent;
use crate::report::html::{
    AccountCell, HeadlineFigures, ReportContext, StackRow, TraceCard, channel_rows, marketplaces,
    money, money_about, publishes, render_report, round_significant, safety_stock, span_in_words,
    sync_phrases,
};
use crate::report::{Place, ResultSet, file};
use crate::scenario::catalog::parse_catalog;
use crate::scenario::{Scenario, Source, load_str_with_catalog};
use crate::sim::Plan;
use crate::stats::Metric;

/// The demo's catalog, as in `scenarios/catalog/skus-20.csv`.
const CATALOG: &str = include_str!("../../scenarios/catalog/skus-20.csv");
/// Where the stacks' `[catalog] file` points, from the repository's root.
const CATALOG_FILE: &str = "scenarios/catalog/skus-20.csv";
/// The channels every demo stack declares (the catalog has no per-channel columns).
const CHANNELS: [&str; 4] = ["shopify", "amazon", "walmart", "pos"];

/// The stacks the demo compares, baseline first: (slug, scenario text).
pub const DEMO_STACKS: [(&str, &str); 5] = [
    (
        "event-driven",
        include_str!("../../scenarios/demo/event-driven.toml"),
    ),
    (
        "polling-15m",
        include_str!("../../scenarios/demo/polling-15m.toml"),
    ),
    (
        "polling-safety-stock",
        include_str!("../../scenarios/demo/polling-safety-stock.toml"),
    ),
    (
        "erp-hourly",
        include_str!("../../scenarios/demo/erp-hourly.toml"),
    ),
    ("on-hand", include_str!("../../scenarios/demo/on-hand.toml")),
];
/// The stack the opening sentence starts from: where most brands are.
const STATUS_QUO: &str = "polling-15m";

/// Loads the built-in demo stacks with their catalog.
pub fn demo_sources() -> anyhow::Result<Vec<Source>> {
    let channels = CHANNELS.map(String::from);
    let rows = parse_catalog(CATALOG_FILE, CATALOG, &channels, true)?;
    DEMO_STACKS
        .iter()
        .map(|(slug, text)| {
            let origin = format!("<built-in scenarios/demo/{slug}.toml>");
            let scenario = load_str_with_catalog(&origin, text, CATALOG_FILE, &rows)?;
            Ok(Source {
                scenario,
                path: None,
                text: (*text).to_owned(),
                slug: (*slug).to_owned(),
            })
        })
        .collect()
}

/// Runs the stacks, traces a sell-out in each, and writes the report.
pub fn demo(args: &DemoArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let sources = demo_sources()?;
    let config = args.options.config(&sources[0].scenario);
    let mut set = ResultSet::begin(Place::demo(&args.options.out), None, args.options.force)?;
    let bar = progress_bar(config.trials * sources.len() as u64);
    let comparison = compare_sources(&sources, config, &|n| bar.inc(n))?;
    bar.finish_and_clear();
    let json = super::compare::comparison_json(&comparison);
    set.write(file::COMPARISON_JSON, json.as_bytes())?;

    let ranks = ranks(&comparison);
    let colors: Vec<String> = (ranks.iter())
        .map(|&r| css(outcome_color(r, ranks.len())))
        .collect();
    write_cost_chart(&comparison, &ranks, &mut set)?;
    let cost_svg = set.read_to_string("cost.svg")?;
    let traces = trace_cards(&sources, config, &colors, &mut set)?;
    let context = report_context(&comparison, &sources, config, &ranks, cost_svg, traces);
    let report = set.write(file::REPORT_HTML, render_report(&context)?.as_bytes())?;
    set.commit()?;

    match args.format {
        DataFormat::Json => stdout.write_all(json.as_bytes())?,
        DataFormat::Csv => stdout.write_all(&comparison_csv(&comparison)?)?,
        DataFormat::Table => {
            writeln!(stdout, "{}", context.headline)?;
            writeln!(stdout, "{}", summary_table(&context))?;
            writeln!(stdout, "{}", context.method)?;
            writeln!(stdout, "report: {}", report.display())?;
        }
    }
    Ok(())
}

/// Mean cost per year of a stack, currency.
fn cost_per_year(s: &ComparedScenario) -> f64 {
    s.summary.total.extras.cost.mean * s.summary.total.extras.per_year
}

/// Each stack's rank by mean cost per year (0: the cheapest; ties keep the run order).
fn ranks(comparison: &Comparison) -> Vec<usize> {
    let mut order: Vec<usize> = (0..comparison.scenarios.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&comparison.scenarios[a], &comparison.scenarios[b]);
        cost_per_year(a).total_cmp(&cost_per_year(b))
    });
    let mut ranks = vec![0; order.len()];
    for (rank, &i) in order.iter().enumerate() {
        ranks[i] = rank;
    }
    ranks
}

fn write_cost_chart(
    comparison: &Comparison,
    ranks: &[usize],
    set: &mut ResultSet,
) -> anyhow::Result<()> {
    let currency = comparison.scenarios[0].currency().to_owned();
    let mut bars: Vec<(usize, CostBar)> = (comparison.scenarios.iter().zip(ranks))
        .map(|(s, &rank)| {
            let per_year = s.summary.total.extras.per_year;
            let cost = &s.summary.total.extras.cost;
            let bar = CostBar {
                name: s.name.clone(),
                mean: cost.mean * per_year,
                ci95: cost.ci95.map(|x| (x * per_year).max(0.0)),
                color: outcome_color(rank, ranks.len()),
                label: money(cost.mean * per_year, &currency),
            };
            (rank, bar)
        })
        .collect();
    bars.sort_by_key(|(rank, _)| *rank);
    let chart = CostChart {
        title: "Cost per year: cancelled orders and lost sales (estimated)".to_owned(),
        axis: format!("{currency} per year"),
        bars: bars.into_iter().map(|(_, bar)| bar).collect(),
    };
    cost_chart(&chart, set, "cost")?;
    Ok(())
}

/// Traces one SKU's sell-out in every stack: the first simulated month and SKU where the first
/// stack (event-driven) oversold within 30 minutes of a sell-out, the same month and SKU in the
/// others, each zoomed on its own sell-out nearest to that moment.
fn trace_cards(
    sources: &[Source],
    config: RunConfig,
    colors: &[String],
    set: &mut ResultSet,
) -> anyhow::Result<Vec<TraceCard>> {
    let first = Plan::new(sources[0].scenario.clone());
    let (trial, sku, moment) = match find_sellout_with_oversell(&first, config.seed, config.trials)?
    {
        Some((trace, sellout)) => (trace.trial, trace.sku, sellout),
        None => {
            // No oversell after a sell-out in any month: show the first sell-out of month 1.
            let trace = trace_sku(&first, config.seed, 0, 0)?;
            let moment = trace
                .sellouts
                .first()
                .copied()
                .unwrap_or(trace.horizon / 2.0);
            (0, 0, moment)
        }
    };
    let mut cards = Vec::with_capacity(sources.len());
    for (source, color) in sources.iter().zip(colors) {
        let plan = Plan::new(source.scenario.clone());
        let trace = trace_sku(&plan, config.seed, trial, sku)?;
        let nearest = trace
            .sellout_nearest(moment)
            .filter(|s| (s - moment).abs() <= SAME_EPISODE);
        let zoom = Zoom::around(nearest.unwrap_or(moment), trace.horizon);
        let day = (zoom.day_from / 86_400.0) as u64 + 1;
        let title = match nearest {
            Some(sellout) => format!(
                "{}: {} sells out, day {day} at {}",
                source.scenario.name,
                trace.sku_name,
                clock(sellout)
            ),
            None => format!(
                "{}: {}, day {day} around {}: no sell-out",
                source.scenario.name,
                trace.sku_name,
                clock(moment)
            ),
        };
        let chart = SelloutChart {
            title,
            trace: &trace,
            zoom,
        };
        let stem = format!("{}/sellout", source.slug);
        sellout_chart(&chart, set, &stem)?;
        let svg = set.read_to_string(format!("{stem}.svg"))?;
        let mut card = trace_card(
            &source.scenario,
            &source.slug,
            color,
            &trace,
            zoom,
            svg,
            config,
        );
        if nearest.is_none() {
            card.sold_out = false;
            card.caption = format!(
                "{} on day {day} of simulated month {} of {} (seed {}): with this stack the shelf \
                 still held {} units at {} and did not run out within 6 hours, when it did with \
                 the {} stack; {} oversold that day.",
                trace.sku_name,
                trial + 1,
                config.trials,
                config.seed,
                value_at(&trace.physical, moment),
                clock(moment),
                lower_first(&sources[0].scenario.name),
                trace.oversells_in(zoom.day_from, zoom.day_to).count(),
            );
        }
        cards.push(card);
    }
    Ok(cards)
}

/// How far from the first stack's sell-out another stack's may be to count as the same one,
/// seconds (6 hours).
const SAME_EPISODE: f64 = 6.0 * 3600.0;

/// "14:05": the time of day of `seconds` since the start.
fn clock(seconds: f64) -> String {
    let minute = ((seconds % 86_400.0) / 60.0).floor() as u64;
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn trace_card(
    scenario: &Scenario,
    slug: &str,
    color: &str,
    trace: &SkuTrace,
    zoom: Zoom,
    svg: String,
    config: RunConfig,
) -> TraceCard {
    let in_zoom = trace.oversells_in(zoom.from, zoom.to).count();
    let in_day = trace.oversells_in(zoom.day_from, zoom.day_to).count();
    let orders = |n: usize| if n == 1 { "order" } else { "orders" };
    TraceCard {
        name: scenario.name.clone(),
        slug: slug.to_owned(),
        color: color.to_owned(),
        svg,
        caption: format!(
            "{} on day {} of simulated month {} of {} (seed {}): the shelf ran out at {}; {in_zoom} \
             {} oversold in the hour shown, {in_day} that day.",
            trace.sku_name,
            (zoom.day_from / 86_400.0) as u64 + 1,
            trace.trial + 1,
            config.trials,
            config.seed,
            clock(zoom.sellout),
            orders(in_zoom),
        ),
        sku: trace.sku_name.clone(),
        sellout_seconds: zoom.sellout,
        zoom_from: zoom.from,
        zoom_to: zoom.to,
        oversells_in_zoom: in_zoom,
        sold_out: true,
    }
}

fn report_context(
    comparison: &Comparison,
    sources: &[Source],
    config: RunConfig,
    ranks: &[usize],
    cost_svg: String,
    traces: Vec<TraceCard>,
) -> ReportContext {
    let first = &sources[0].scenario;
    let currency = first.currency.clone();
    let days = first.horizon / 86_400.0;
    let markets = marketplaces(first);
    let stacks: Vec<StackRow> = (comparison.scenarios.iter().zip(sources).zip(ranks))
        .map(|((s, source), &rank)| stack_row(s, &source.scenario, rank, ranks.len(), days))
        .collect();
    let (headline, headline_figures) = headline(comparison, ranks, &currency);
    let skus = &first.catalog.skus;
    let bundles = skus.iter().filter(|k| k.is_bundle()).count();
    let orders_per_day: f64 = skus.iter().map(|k| k.orders_per_day).sum();
    let span = span_in_words(first.horizon);
    ReportContext {
        title: "What your inventory sync costs: five stacks, one catalog".to_owned(),
        headline,
        headline_figures,
        lede: format!(
            "{} SKUs{} sold on {}, about {} orders a day, over {span}: the same orders replayed \
             against {} ways of keeping every channel's count of every SKU in step.",
            skus.len() - bundles,
            if bundles > 0 { " and a gift set" } else { "" },
            join_names(first.channels.iter().map(|c| display_name(&c.name))),
            round_significant(orders_per_day, 2),
            in_words(sources.len()),
        ),
        stacks,
        marketplaces: markets,
        cost_svg,
        traces,
        channels: channel_rows(first),
        assumptions: format!(
            "Every stack sells the same catalog ({CATALOG_FILE}: each SKU's demand, stock, price, \
             margin and reorder point), reorders at each SKU's reorder point, ships orders 4 to \
             30 hours after they are accepted, loses a few units a day from the shelf and recounts \
             every system nightly. The cost of a cancelled order is an estimate (refund handling, \
             compensation, lost ranking): marketplaces charge no fee per cancellation. A sale \
             turned away while units were on the shelf costs the SKU's margin. Each stack is \
             described in scenarios/demo/ of the repository."
        ),
        method: format!(
            "How the numbers are made: every stack replays the same {} simulated periods of \
             {span} (seed {}). Period i of every stack sees the same orders of the same SKUs on \
             the same channels (common random numbers), so the differences between stacks come \
             from the sync, not from luck. A cost per year is the mean cost of a period × 365 \
             days / {span}; intervals are 95% confidence intervals of the mean.",
            config.trials, config.seed
        ),
        footer: format!(
            "Written by oversell {} with `oversell demo --trials {} --seed {}`.",
            env!("CARGO_PKG_VERSION"),
            config.trials,
            config.seed
        ),
    }
}

/// A channel's name for a sentence: "Amazon", "POS".
fn display_name(name: &str) -> String {
    if name.len() <= 3 {
        name.to_uppercase()
    } else {
        upper_first(name)
    }
}

/// Small counts in words ("five"), larger ones in digits.
fn in_words(n: usize) -> String {
    const WORDS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| (*w).to_owned())
}

fn join_names(names: impl Iterator<Item = String>) -> String {
    let names: Vec<String> = names.collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

fn stack_row(
    s: &ComparedScenario,
    scenario: &Scenario,
    rank: usize,
    count: usize,
    days: f64,
) -> StackRow {
    let total = &s.summary.total;
    let per_year = total.extras.per_year;
    let cost = &total.extras.cost;
    let currency = s.currency();
    let (sync_orders, sync_levels) = sync_phrases(scenario);
    let account = (scenario.channels.iter())
        .filter(|c| c.cancel_rate_limit.is_some())
        .map(|c| {
            let channel = s
                .summary
                .channel(&c.name)
                .expect("every channel is summarised");
            let p = channel.p_cancel_rate_over_limit.unwrap_or(0.0);
            let worst = (channel.extras.worst_window_cancel_rate.as_ref()).map_or(0.0, |w| w.mean);
            AccountCell {
                p_over: percent(p),
                at_risk: p > 0.0,
                worst_rate: format!("{:.2}%", worst * 100.0),
            }
        })
        .collect();
    StackRow {
        name: s.name.clone(),
        slug: s.slug.clone(),
        description: s.description.clone(),
        color: css(outcome_color(rank, count)),
        rank,
        cost_per_year: money(cost.mean * per_year, currency),
        cost_ci: format!(
            "{}–{}",
            money((cost.ci95[0] * per_year).max(0.0), currency),
            money(cost.ci95[1] * per_year, currency)
        ),
        cost_value: cost.mean * per_year,
        oversold_per_day: format!("{:.1}", total.metric(Metric::Oversold).mean / days),
        withheld_per_day: format!("{:.1}", total.metric(Metric::RejectedWithheld).mean / days),
        account,
        sync_orders,
        sync_levels,
        safety_stock: safety_stock(scenario),
        publishes: publishes(scenario).to_owned(),
    }
}

/// The opening sentence: what the status-quo stack costs a year, and how much the best stack
/// saves; then what the worst costs.
fn headline(comparison: &Comparison, ranks: &[usize], currency: &str) -> (String, HeadlineFigures) {
    let stacks = &comparison.scenarios;
    let at_rank = |r: usize| &stacks[ranks.iter().position(|&x| x == r).unwrap_or(0)];
    let status_quo = stacks
        .iter()
        .find(|s| s.slug == STATUS_QUO)
        .unwrap_or(&stacks[stacks.len().min(2) - 1]);
    let best = at_rank(0);
    let worst = at_rank(stacks.len() - 1);
    let cost = round_significant(cost_per_year(status_quo), 2);
    let cut = if cost_per_year(status_quo) > 0.0 {
        ((1.0 - cost_per_year(best) / cost_per_year(status_quo)) * 100.0).round()
    } else {
        0.0
    };
    let best_name = if best.name.to_lowercase().contains("sync") {
        lower_first(&best.name)
    } else {
        format!("{} sync", lower_first(&best.name))
    };
    let mut sentence = format!(
        "{} costs this catalog about {} a year in cancelled orders and lost sales; {best_name} \
         cuts that by {cut}%.",
        status_quo.name,
        money_about(cost_per_year(status_quo), currency),
    );
    if worst.slug != status_quo.slug && worst.slug != best.slug {
        sentence.push_str(&format!(
            " The worst, the {}, costs about {} a year",
            lower_first(&worst.name),
            money_about(cost_per_year(worst), currency)
        ));
        let riskiest = (worst.summary.channels.iter())
            .filter_map(|(name, c)| Some((name, c.p_cancel_rate_over_limit?, c)))
            .reduce(|a, b| if b.1 > a.1 { b } else { a });
        match riskiest {
            Some((name, p, c)) if p > 0.0 => sentence.push_str(&format!(
                " and puts {} over its {}% cancel-rate limit {}.",
                display_name(name),
                c.extras.cancel_rate_limit.map_or(0.0, |l| l * 100.0),
                if p >= 1.0 {
                    "in every simulated month".to_owned()
                } else {
                    format!("in {} of simulated months", percent(p))
                }
            )),
            _ => sentence.push('.'),
        }
    }
    let figures = HeadlineFigures {
        stack: status_quo.slug.clone(),
        cost_per_year: cost,
        best: best.slug.clone(),
        cut_percent: cut,
    };
    (sentence, figures)
}

/// `text` with its first letter in lower case, unless it starts an acronym ("ERP").
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if b.is_lowercase() => {
            a.to_lowercase().chain([b]).chain(chars).collect()
        }
        _ => text.to_owned(),
    }
}

/// `text` with its first letter in upper case ("amazon" -> "Amazon").
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The terminal's summary: a row per stack.
fn summary_table(context: &ReportContext) -> String {
    let mut header = vec![
        "stack".to_owned(),
        "cost per year".to_owned(),
        "95% interval".to_owned(),
        "cancelled/day".to_owned(),
    ];
    for m in &context.marketplaces {
        header.push(format!("{} over {}", m.name, m.limit));
    }
    let mut table = crate::report::format::table(header);
    for s in &context.stacks {
        let mut row = vec![
            s.name.clone(),
            s.cost_per_year.clone(),
            s.cost_ci.clone(),
            s.oversold_per_day.clone(),
        ];
        row.extend(s.account.iter().map(|a| a.p_over.clone()));
        table.add_row(row);
    }
    for column in table.column_iter_mut().skip(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    let windows: Vec<String> = (context.marketplaces.iter())
        .map(|m| format!("{} over {}", m.name, m.window))
        .collect();
    format!(
        "{table}\nover a limit: the chance that a simulated month's worst cancel rate ({}) goes \
         over it",
        windows.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_stack_loads_with_the_catalog_and_matches_its_file() {
        let sources = demo_sources().unwrap();
        assert_eq!(sources.len(), 5);
        for (source, (slug, text)) in sources.iter().zip(DEMO_STACKS) {
            assert_eq!(source.scenario.catalog.skus.len(), 21, "{slug}");
            assert_eq!(source.scenario.horizon, 30.0 * 86_400.0);
            let path = format!("{}/scenarios/demo/{slug}.toml", env!("CARGO_MANIFEST_DIR"));
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
            // The file runs on its own too, its catalog found beside it.
            let file = crate::scenario::load_file(std::path::Path::new(&path)).unwrap();
            assert_eq!(file.catalog.skus, source.scenario.catalog.skus, "{slug}");
        }
        assert_eq!(clock(86_400.0 + 3_725.0), "01:02");
    }
}
