//! The demo report: one self-contained HTML file (inline CSS, inline SVG charts, no network),
//! rendered from a serialisable context and one embedded template.

use minijinja::Environment;
use serde::Serialize;

use super::format::{number, percent};
use crate::analysis::compare::Comparison;
use crate::dist::{Dist, QtyDist, format_seconds};
use crate::report::charts::style::series_color;
use crate::scenario::{Carries, Scenario, Transport};
use crate::stats::{Metric, MetricSummary};

const TEMPLATE: &str = include_str!("templates/report.html");

/// Everything the report template shows.
#[derive(Debug, Serialize)]
pub struct ReportContext {
    /// Page title.
    pub title: String,
    /// The one-paragraph story under the title.
    pub lede: String,
    /// Trials per scenario.
    pub trials: u64,
    /// Trial length, e.g. "1day".
    pub horizon: String,
    /// Currency of penalties.
    pub currency: String,
    /// Name of the first scenario, which the others are compared with.
    pub baseline: String,
    /// The comparison chart, as SVG markup.
    pub compare_svg: String,
    /// One card, row and timeline per scenario.
    pub scenarios: Vec<ScenarioCard>,
    /// The demand and penalty assumptions, per channel (shared by every scenario).
    pub channels: Vec<ChannelRow>,
    /// Stock, horizon and seed in words.
    pub assumptions_intro: String,
    /// Tool version and how to reproduce the report.
    pub footer: String,
}

/// One scenario's figures, formatted for the page.
#[derive(Debug, Serialize)]
pub struct ScenarioCard {
    /// Display name.
    pub name: String,
    /// Output folder name.
    pub slug: String,
    /// What it models.
    pub description: String,
    /// Its series colour in the charts (CSS).
    pub color: String,
    /// Mean oversold orders.
    pub oversold: String,
    /// 95% CI of the mean oversold orders, "[lo, hi]".
    pub oversold_ci: String,
    /// Mean ± half-width of oversold orders.
    pub oversold_pm: String,
    /// Mean penalty with its currency.
    pub penalty: String,
    /// Mean ± half-width of the penalty.
    pub penalty_pm: String,
    /// Chance of at least one oversell.
    pub p_any: String,
    /// Chance that any channel goes over its cancel-rate limit.
    pub p_over_limit: String,
    /// Mean exposure, minutes.
    pub exposure: String,
    /// Paired difference in oversold from the baseline, or "baseline".
    pub diff_oversold: String,
    /// Paired difference in penalty from the baseline, or "".
    pub diff_penalty: String,
    /// "better", "worse" or "" (CSS class of the difference cells).
    pub diff_class: String,
    /// The traced trial's chart, as SVG markup.
    pub timeline_svg: String,
    /// What the traced trial shows.
    pub timeline_caption: String,
    /// One phrase per link, e.g. "shopify → erp: orders by webhook (latency 30s–1m 30s)".
    pub links: Vec<String>,
}

/// One channel's assumptions.
#[derive(Debug, Serialize)]
pub struct ChannelRow {
    /// Channel name.
    pub name: String,
    /// Base demand, e.g. "40 orders a day".
    pub demand: String,
    /// Units per order.
    pub qty: String,
    /// Penalty per oversold order.
    pub penalty: String,
    /// Cancel-rate limit, or "none".
    pub limit: String,
}

/// Renders the report.
pub fn render_report(context: &ReportContext) -> anyhow::Result<String> {
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    Ok(env.get_template("report.html")?.render(context)?)
}

/// A scenario card from the comparison's `i`-th scenario, its checked scenario and its traced
/// trial's chart and caption.
pub fn scenario_card(
    comparison: &Comparison,
    i: usize,
    scenario: &Scenario,
    timeline_svg: String,
    timeline_caption: String,
) -> ScenarioCard {
    let compared = &comparison.scenarios[i];
    let total = &compared.summary.total;
    let oversold = total.metric(Metric::Oversold);
    let penalty = total.metric(Metric::Penalty);
    let currency = &compared.summary.currency;
    let (diff_oversold, diff_penalty, diff_class) = match &compared.difference {
        None => ("baseline".to_owned(), String::new(), String::new()),
        Some(d) => (
            signed_with_ci(&d.oversold),
            signed_with_ci(&d.penalty),
            if d.oversold.ci95[1] < 0.0 {
                "better"
            } else if d.oversold.ci95[0] > 0.0 {
                "worse"
            } else {
                ""
            }
            .to_owned(),
        ),
    };
    let c = series_color(i);
    ScenarioCard {
        name: compared.name.clone(),
        slug: compared.slug.clone(),
        description: compared.description.clone(),
        color: format!("rgb({}, {}, {})", c.0, c.1, c.2),
        oversold: number(oversold.mean),
        oversold_ci: format!("{}–{}", number(oversold.ci95[0]), number(oversold.ci95[1])),
        oversold_pm: plus_minus(oversold),
        penalty: format!("{} {currency}", number(penalty.mean)),
        penalty_pm: plus_minus(penalty),
        p_any: percent(total.p_any_oversell),
        p_over_limit: total
            .p_cancel_rate_over_limit
            .map_or_else(|| "no limit set".to_owned(), percent),
        exposure: format!(
            "{:.1} min",
            total.metric(Metric::ExposureSeconds).mean / 60.0
        ),
        diff_oversold,
        diff_penalty,
        diff_class,
        timeline_svg,
        timeline_caption,
        links: scenario
            .links
            .iter()
            .map(|l| describe_link(scenario, l))
            .collect(),
    }
}

/// The channels' assumptions of `scenario`.
pub fn channel_rows(scenario: &Scenario) -> Vec<ChannelRow> {
    scenario
        .channels
        .iter()
        .map(|c| ChannelRow {
            name: c.name.clone(),
            demand: format!("{} orders a day", number(c.orders_per_hour * 24.0)),
            qty: describe_qty(&c.qty),
            penalty: format!("{} {}", describe_dist(&c.penalty, false), scenario.currency),
            limit: c
                .cancel_rate_limit
                .map_or_else(|| "none".to_owned(), |l| format!("{}%", trimmed(l * 100.0))),
        })
        .collect()
}

/// `x` with at most two decimals and no trailing zeros ("2.5", "2").
fn trimmed(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn plus_minus(s: &MetricSummary) -> String {
    format!("{} ± {}", number(s.mean), number(s.ci95_half_width()))
}

fn signed_with_ci(s: &MetricSummary) -> String {
    let signed = |x: f64| {
        if x > 0.0 {
            format!("+{}", number(x))
        } else {
            number(x).replace('-', "−")
        }
    };
    format!(
        "{} [{}, {}]",
        signed(s.mean),
        signed(s.ci95[0]),
        signed(s.ci95[1])
    )
}

fn describe_link(scenario: &Scenario, link: &crate::scenario::Link) -> String {
    let what = match link.carries {
        Carries::Orders => "orders",
        Carries::Levels => "stock levels",
    };
    let how = match &link.transport {
        Transport::Webhook { latency, drop, .. } => {
            let mut how = format!("by webhook, latency {}", describe_dist(latency, true));
            if *drop > 0.0 {
                how.push_str(&format!(", {}% of attempts fail", number(drop * 100.0)));
            }
            how
        }
        Transport::Poll { every, latency, .. } => format!(
            "polled every {}, latency {}",
            format_seconds(*every),
            describe_dist(latency, true)
        ),
    };
    let outage = if link.outages.is_empty() {
        String::new()
    } else {
        format!(", {} outage(s)", link.outages.len())
    };
    format!(
        "{} → {}: {what} {how}{outage}",
        scenario.nodes[link.from].name, scenario.nodes[link.to].name
    )
}

fn describe_dist(d: &Dist, seconds: bool) -> String {
    let v = |x: f64| {
        if seconds {
            format_seconds(x)
        } else {
            number(x)
        }
    };
    match *d {
        Dist::Fixed(x) => v(x),
        Dist::Uniform(a, b) => format!("{}–{}", v(a), v(b)),
        Dist::Exp(mean) => format!("exponential, mean {}", v(mean)),
        Dist::Normal(mean, sd) => format!("normal {} ± {}", v(mean), v(sd)),
        Dist::LogNormal { mu, sigma } => format!(
            "log-normal, median {}, p95 {}",
            v(mu.exp()),
            v((mu + 1.644_853_626_951_472_2 * sigma).exp())
        ),
    }
}

fn describe_qty(q: &QtyDist) -> String {
    match *q {
        QtyDist::Fixed(n) => n.to_string(),
        QtyDist::Uniform(a, b) => format!("{a}–{b}"),
        QtyDist::Geometric { mean, .. } => format!("geometric, mean {}", number(mean)),
    }
}
