//! The page's chart, drawn on the server as inline SVG: three panels (cost per year, oversold
//! orders per day, each marketplace's cancel risk), each with the stack as shipped beside the
//! page's settings, every bar with its 95% confidence interval. Every bar carries `data-metric`,
//! `data-which` and `data-value`, so a test reads the chart as a person sees it.

use std::fmt::Write;

use super::{Estimate, Outcome};
use crate::report::format::number;

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 270.0;
const PANEL: f64 = 300.0;
/// Top and bottom of the bars' area.
const TOP: f64 = 40.0;
const BOTTOM: f64 = 220.0;
/// Grey for the stack as shipped, blue for the page's settings.
const SHIPPED: &str = "#9aa5b1";
const NOW: &str = "#1f6feb";

/// One bar: which run, which group it sits in, its estimate.
struct Bar<'a> {
    group: &'a str,
    which: &'static str,
    value: Estimate,
}

/// The chart of `now` beside `shipped`.
pub fn chart_svg(now: &Outcome, shipped: &Outcome) -> String {
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" font-family=\"sans-serif\" \
         font-size=\"12\">"
    );
    let pair = |metric: fn(&Outcome) -> Estimate| {
        vec![
            Bar {
                group: "",
                which: "shipped",
                value: metric(shipped),
            },
            Bar {
                group: "",
                which: "now",
                value: metric(now),
            },
        ]
    };
    let money = |x: f64| format!("{} {}", number(x), now.currency);
    panel(
        &mut svg,
        0.0,
        &format!("Cost per year ({})", now.currency),
        "cost",
        &pair(|o| o.cost_per_year),
        &money,
    );
    panel(
        &mut svg,
        PANEL,
        "Oversold orders per day",
        "oversells",
        &pair(|o| o.oversells_per_day),
        &|x| number(x),
    );
    let mut risks = Vec::new();
    for (c_now, c_shipped) in now.channels.iter().zip(&shipped.channels) {
        if let (Some(r_now), Some(r_shipped)) = (c_now.cancel_risk, c_shipped.cancel_risk) {
            risks.push(Bar {
                group: &c_now.name,
                which: "shipped",
                value: r_shipped,
            });
            risks.push(Bar {
                group: &c_now.name,
                which: "now",
                value: r_now,
            });
        }
    }
    panel(
        &mut svg,
        2.0 * PANEL,
        "Chance of crossing the cancel limit",
        "risk",
        &risks,
        &|x| format!("{:.1}%", 100.0 * x),
    );
    svg.push_str("</svg>");
    svg
}

/// One panel at `left`: a title, the bars with their intervals, a label over each.
fn panel(
    svg: &mut String,
    left: f64,
    title: &str,
    metric: &str,
    bars: &[Bar],
    label: &dyn Fn(f64) -> String,
) {
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
        left + PANEL / 2.0,
        escape(title)
    );
    let _ = write!(
        svg,
        "<line x1=\"{}\" x2=\"{}\" y1=\"{BOTTOM}\" y2=\"{BOTTOM}\" stroke=\"#444\"/>",
        left + 20.0,
        left + PANEL - 20.0
    );
    if bars.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#666\">no marketplace \
             limit in this stack</text>",
            left + PANEL / 2.0,
            (TOP + BOTTOM) / 2.0
        );
        return;
    }
    let top = bars
        .iter()
        .map(|b| b.value.hi.max(b.value.mean))
        .fold(0.0, f64::max);
    // A flat zero still draws on a scale; headroom keeps the labels inside.
    let scale = if top > 0.0 { top * 1.15 } else { 1.0 };
    let y = |v: f64| BOTTOM - (BOTTOM - TOP) * (v / scale).clamp(0.0, 1.0);
    let slot = (PANEL - 40.0) / bars.len() as f64;
    let width = (slot * 0.6).min(70.0);
    for (i, bar) in bars.iter().enumerate() {
        let centre = left + 20.0 + slot * (i as f64 + 0.5);
        let colour = if bar.which == "now" { NOW } else { SHIPPED };
        let v = bar.value;
        let _ = write!(
            svg,
            "<rect data-metric=\"{metric}\" data-group=\"{}\" data-which=\"{}\" \
             data-value=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{:.1}\" \
             fill=\"{colour}\"/>",
            escape(bar.group),
            bar.which,
            v.mean,
            centre - width / 2.0,
            y(v.mean),
            BOTTOM - y(v.mean),
        );
        // The 95% interval: a whisker with caps.
        let _ = write!(
            svg,
            "<path d=\"M{c:.1} {lo:.1}V{hi:.1}M{l:.1} {lo:.1}H{r:.1}M{l:.1} {hi:.1}H{r:.1}\" \
             stroke=\"#111\" fill=\"none\"/>",
            c = centre,
            lo = y(v.lo),
            hi = y(v.hi),
            l = centre - 6.0,
            r = centre + 6.0,
        );
        let _ = write!(
            svg,
            "<text x=\"{centre:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y(v.hi) - 5.0,
            escape(&label(v.mean))
        );
        let caption = match (bar.group, bar.which) {
            ("", "now") => "your settings",
            ("", _) => "as shipped",
            (_, "now") => "yours",
            (_, _) => "shipped",
        };
        // A group's name once, under its pair of bars.
        if !bar.group.is_empty() && bar.which == "now" {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
                centre - slot / 2.0,
                BOTTOM + 32.0,
                escape(bar.group)
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{centre:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            BOTTOM + 16.0,
            caption
        );
    }
}

/// Text made safe inside SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::ChannelOutcome;

    fn outcome(cost: f64, risk: f64) -> Outcome {
        let e = |m: f64| Estimate {
            mean: m,
            lo: m * 0.9,
            hi: m * 1.1,
        };
        Outcome {
            stack: "x".into(),
            trials: 100,
            seed: 1,
            horizon_days: 1.0,
            currency: "USD".into(),
            cost_per_year: e(cost),
            oversells_per_day: e(cost / 1000.0),
            p_any_oversell: 0.5,
            channels: vec![ChannelOutcome {
                name: "amazon".into(),
                oversells_per_day: e(0.1),
                cancel_risk: Some(e(risk)),
                limit: Some(0.025),
                window_days: Some(1.0),
            }],
            elapsed_ms: 1.0,
        }
    }

    #[test]
    fn bars_grow_with_their_values_and_carry_them() {
        let svg = chart_svg(&outcome(2000.0, 0.2), &outcome(1000.0, 0.1));
        assert_eq!(svg.matches("<rect").count(), 6);
        assert!(svg.contains(
            "data-metric=\"cost\" data-group=\"\" data-which=\"now\" data-value=\"2000\""
        ));
        let height = |which: &str| -> f64 {
            let at = svg
                .find(&format!(
                    "data-metric=\"cost\" data-group=\"\" data-which=\"{which}\""
                ))
                .unwrap();
            let rest = &svg[at..];
            let h = rest.find("height=\"").unwrap() + 8;
            rest[h..h + rest[h..].find('"').unwrap()].parse().unwrap()
        };
        assert!(height("now") > 1.9 * height("shipped"));
        assert!(svg.contains(">amazon</text>") && svg.contains(">yours</text>"));
    }
}
