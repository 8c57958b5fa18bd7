//! The demo report: one self-contained HTML file (inline CSS, inline SVG charts, no network),
//! rendered from a serialisable context and one embedded template.

use minijinja::Environment;
use serde::Serialize;

use super::format::number;
use crate::dist::{Dist, QtyDist, format_seconds};
use crate::scenario::{Carries, Publishes, Scenario, Transport};

const TEMPLATE: &str = include_str!("templates/report.html");

/// Everything the report template shows.
#[derive(Debug, Serialize)]
pub struct ReportContext {
    /// Page title.
    pub title: String,
    /// The opening sentence, computed from the numbers.
    pub headline: String,
    /// The figures the opening sentence states, for readers and tests.
    pub headline_figures: HeadlineFigures,
    /// What was simulated, in one sentence under the headline.
    pub lede: String,
    /// One row per stack, in the order they were run.
    pub stacks: Vec<StackRow>,
    /// The marketplaces with a cancel-rate limit: the columns of the account-health table.
    pub marketplaces: Vec<Marketplace>,
    /// The cost chart, as SVG markup.
    pub cost_svg: String,
    /// One traced day per stack.
    pub traces: Vec<TraceCard>,
    /// Demand and costs per channel (shared by every stack).
    pub channels: Vec<ChannelRow>,
    /// Stock, catalog and shipping in words.
    pub assumptions: String,
    /// How the numbers were made, said once.
    pub method: String,
    /// Tool version and how to reproduce the report.
    pub footer: String,
}

/// The numbers behind the opening sentence.
#[derive(Debug, Serialize)]
pub struct HeadlineFigures {
    /// The stack the sentence starts from (the polling stack).
    pub stack: String,
    /// Its rounded cost per year as the sentence says it, currency.
    pub cost_per_year: f64,
    /// The best stack.
    pub best: String,
    /// How much less the best stack costs, percent, as the sentence says it.
    pub cut_percent: f64,
}

/// One stack's figures, formatted for the page.
#[derive(Debug, Serialize)]
pub struct StackRow {
    /// Display name.
    pub name: String,
    /// Short name (its scenario file's stem).
    pub slug: String,
    /// What it models.
    pub description: String,
    /// Its colour by outcome (CSS): best green, worst red.
    pub color: String,
    /// 0 for the cheapest stack.
    pub rank: usize,
    /// Mean cost per year ("$24,300").
    pub cost_per_year: String,
    /// Its 95% confidence interval ("$21,000–$27,600").
    pub cost_ci: String,
    /// Mean cost per year, currency (unformatted).
    pub cost_value: f64,
    /// Cancelled (oversold) orders per day, all channels.
    pub oversold_per_day: String,
    /// Sales turned away while units were on the shelf, per day.
    pub withheld_per_day: String,
    /// Per marketplace, in the order of `marketplaces`.
    pub account: Vec<AccountCell>,
    /// How orders travel.
    pub sync_orders: String,
    /// How stock levels travel.
    pub sync_levels: String,
    /// Marketplace safety stock, or "none".
    pub safety_stock: String,
    /// What the level feeds publish: "available" or "on hand".
    pub publishes: String,
}

/// A marketplace judged on its cancel rate.
#[derive(Debug, Serialize)]
pub struct Marketplace {
    /// Channel name.
    pub name: String,
    /// Its window in words ("7 days").
    pub window: String,
    /// Its limit ("2.5%").
    pub limit: String,
}

/// One stack's account health on one marketplace.
#[derive(Debug, Serialize)]
pub struct AccountCell {
    /// Chance that the worst window's cancel rate goes over the limit ("12.5%").
    pub p_over: String,
    /// Whether that chance is above 0.
    pub at_risk: bool,
    /// Mean worst-window cancel rate ("0.31%").
    pub worst_rate: String,
}

/// One stack's traced day.
#[derive(Debug, Serialize)]
pub struct TraceCard {
    /// Stack name.
    pub name: String,
    /// Short name.
    pub slug: String,
    /// Its colour by outcome (CSS).
    pub color: String,
    /// The chart, as SVG markup.
    pub svg: String,
    /// What the chart shows.
    pub caption: String,
    /// The SKU traced.
    pub sku: String,
    /// The sell-out the zoom is centred on, seconds since the start of the simulated period.
    pub sellout_seconds: f64,
    /// The zoom, seconds.
    pub zoom_from: f64,
    /// The zoom's end, seconds.
    pub zoom_to: f64,
    /// Oversells of the SKU inside the zoom.
    pub oversells_in_zoom: usize,
    /// Whether the zoom is centred on a sell-out of this stack (else on the first stack's).
    pub sold_out: bool,
}

/// One channel's assumptions.
#[derive(Debug, Serialize)]
pub struct ChannelRow {
    /// Channel name.
    pub name: String,
    /// Share of every SKU's orders ("40%").
    pub share: String,
    /// Units per order.
    pub qty: String,
    /// Estimated cost of one cancelled order.
    pub cancel_cost: String,
    /// Cancel-rate limit and window, or "none".
    pub limit: String,
}

/// Renders the report.
pub fn render_report(context: &ReportContext) -> anyhow::Result<String> {
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    Ok(env.get_template("report.html")?.render(context)?)
}

/// Money with thousands separators and at most three significant digits: "$24,300", "€960",
/// "1,200 SEK".
pub fn money(x: f64, currency: &str) -> String {
    let rounded = round_significant(x, 3);
    with_currency(&thousands(rounded), currency)
}

/// Money rounded to two significant digits, for a sentence: "$24,000".
pub fn money_about(x: f64, currency: &str) -> String {
    with_currency(&thousands(round_significant(x, 2)), currency)
}

/// `x` rounded to `digits` significant digits (whole units at least).
pub fn round_significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x.round();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let step = 10f64.powi((magnitude + 1 - digits).max(0));
    (x / step).round() * step
}

fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("−{out}") } else { out }
}

fn with_currency(amount: &str, currency: &str) -> String {
    match currency {
        "USD" => format!("${amount}"),
        "EUR" => format!("€{amount}"),
        "GBP" => format!("£{amount}"),
        other => format!("{amount} {other}"),
    }
}

/// A duration in plain words: "7 days", "1 day", "12 hours", else "90s"-style.
pub fn span_in_words(seconds: f64) -> String {
    const DAY: f64 = 86_400.0;
    if seconds % DAY == 0.0 {
        let days = seconds / DAY;
        if days == 1.0 {
            "1 day".to_owned()
        } else {
            format!("{days} days")
        }
    } else if seconds % 3600.0 == 0.0 {
        format!("{} hours", seconds / 3600.0)
    } else {
        format_seconds(seconds)
    }
}

/// The marketplaces of `scenario`: its channels with a cancel-rate limit.
pub fn marketplaces(scenario: &Scenario) -> Vec<Marketplace> {
    scenario
        .channels
        .iter()
        .filter_map(|c| {
            let limit = c.cancel_rate_limit?;
            Some(Marketplace {
                name: c.name.clone(),
                window: span_in_words(c.cancel_rate_window),
                limit: format!("{}%", trimmed(limit * 100.0)),
            })
        })
        .collect()
}

/// The channels' assumptions of a catalog `scenario`.
pub fn channel_rows(scenario: &Scenario) -> Vec<ChannelRow> {
    let shares: f64 = scenario.channels.iter().map(|c| c.share).sum();
    scenario
        .channels
        .iter()
        .map(|c| ChannelRow {
            name: c.name.clone(),
            share: format!("{}%", trimmed(c.share / shares * 100.0)),
            qty: describe_qty(&c.qty),
            cancel_cost: with_currency(&describe_dist(&c.penalty, false), &scenario.currency),
            limit: match c.cancel_rate_limit {
                None => "none".to_owned(),
                Some(l) => format!(
                    "{}% over {}",
                    trimmed(l * 100.0),
                    span_in_words(c.cancel_rate_window)
                ),
            },
        })
        .collect()
}

/// How `scenario` moves orders and stock levels, one short phrase each: links with the same
/// transport are grouped ("webhook 30s–1m 30s: shopify, amazon, walmart → erp").
pub fn sync_phrases(scenario: &Scenario) -> (String, String) {
    let phrase = |carries: Carries| {
        let mut groups: Vec<(String, Vec<(usize, usize)>)> = Vec::new();
        for link in scenario.links.iter().filter(|l| l.carries == carries) {
            let how = describe_transport(&link.transport);
            match groups.iter_mut().find(|g| g.0 == how) {
                Some(group) => group.1.push((link.from, link.to)),
                None => groups.push((how, vec![(link.from, link.to)])),
            }
        }
        let name = |n: usize| scenario.nodes[n].name.as_str();
        let route = |pairs: &[(usize, usize)]| {
            let mut froms: Vec<&str> = pairs.iter().map(|p| name(p.0)).collect();
            let mut tos: Vec<&str> = pairs.iter().map(|p| name(p.1)).collect();
            froms.dedup();
            tos.dedup();
            if froms.len() == 1 || tos.len() == 1 {
                format!("{} → {}", froms.join(", "), tos.join(", "))
            } else {
                let each: Vec<String> = pairs
                    .iter()
                    .map(|p| format!("{} → {}", name(p.0), name(p.1)))
                    .collect();
                each.join(", ")
            }
        };
        let parts: Vec<String> = groups
            .iter()
            .map(|(how, pairs)| format!("{how}: {}", route(pairs)))
            .collect();
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join("; ")
        }
    };
    (phrase(Carries::Orders), phrase(Carries::Levels))
}

/// The marketplace safety stock of `scenario`: "3 units on amazon, walmart", or "none".
pub fn safety_stock(scenario: &Scenario) -> String {
    let buffered: Vec<String> = scenario
        .channels
        .iter()
        .filter(|c| c.buffer > 0)
        .map(|c| format!("{} on {}", c.buffer, c.name))
        .collect();
    if buffered.is_empty() {
        "none".to_owned()
    } else {
        buffered.join(", ")
    }
}

/// What the level links of `scenario` publish: "on hand" when any publishes on-hand.
pub fn publishes(scenario: &Scenario) -> &'static str {
    let on_hand = (scenario.links.iter())
        .any(|l| l.carries == Carries::Levels && l.publishes == Publishes::OnHand);
    if on_hand { "on hand" } else { "available" }
}

/// `x` with at most two decimals and no trailing zeros ("2.5", "2").
fn trimmed(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn describe_transport(transport: &Transport) -> String {
    match transport {
        Transport::Webhook { latency, .. } => {
            format!("webhook {}", describe_dist(latency, true))
        }
        Transport::Poll { every, latency, .. } => {
            let delay = describe_dist(latency, true);
            if delay == "0s" {
                format!("poll every {}", format_seconds(*every))
            } else {
                format!("poll every {} + {delay}", format_seconds(*every))
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_like_money() {
        assert_eq!(money(24_287.3, "USD"), "$24,300");
        assert_eq!(money(4_172.0, "USD"), "$4,170");
        assert_eq!(money(309_438.0, "EUR"), "€309,000");
        assert_eq!(money(12.4, "SEK"), "12 SEK");
        assert_eq!(money_about(24_287.3, "USD"), "$24,000");
        assert_eq!(money_about(1_234_567.0, "USD"), "$1,200,000");
        assert_eq!(round_significant(0.0, 2), 0.0);
    }

    #[test]
    fn spans_in_words() {
        assert_eq!(span_in_words(7.0 * 86_400.0), "7 days");
        assert_eq!(span_in_words(86_400.0), "1 day");
        assert_eq!(span_in_words(7_200.0), "2 hours");
    }
}
