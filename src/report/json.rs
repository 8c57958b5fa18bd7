//! `summary.json`: the run summary as pretty JSON.

use serde::Serialize;

use crate::stats::RunSummary;

/// `value` as pretty-printed JSON with a trailing newline: the one format of every JSON file and
/// of `--format json`.
pub fn pretty_json(value: &impl Serialize) -> String {
    // Every result type has string keys and finite or null numbers: serialising cannot fail.
    let mut json = serde_json::to_string_pretty(value).expect("results serialise to JSON");
    json.push('\n');
    json
}

/// The run summary as JSON. Keys come in a fixed order, so equal summaries give byte-identical
/// text.
pub fn summary_json(summary: &RunSummary) -> String {
    pretty_json(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::summarize_run;
    use crate::stats::test_fixtures::{outcome, scenario};

    fn json(web_limit: Option<f64>) -> String {
        let trials = [
            outcome(
                [(8, 2, 3, 12.5, 60.0), (4, 0, 1, 0.0, 30.0)],
                90.0,
                500.0,
                7,
            ),
            outcome([(6, 0, 0, 0.0, 0.0), (2, 0, 0, 0.0, 0.0)], 0.0, 86_400.0, 1),
        ];
        summary_json(&summarize_run(&scenario(web_limit, None), 7, &trials))
    }

    /// Position of `needle` in `haystack` at or after `from`.
    fn find(haystack: &str, needle: &str, from: usize) -> usize {
        from + haystack[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not after {from}"))
    }

    #[test]
    fn key_order() {
        let text = json(Some(0.1));
        assert!(text.ends_with("}\n"));
        let mut at = 0;
        for key in [
            "\"scenario\": \"Tiny\"",
            "\"trials\": 2",
            "\"seed\": 7",
            "\"horizon_seconds\": 86400.0",
            "\"currency\": \"USD\"",
            "\"channels\": {",
        ] {
            at = find(&text, key, at);
        }
        for scope in ["web", "pos", "total"] {
            at = find(&text, &format!("\"{scope}\": {{"), at);
            for m in crate::stats::Metric::ALL {
                at = find(&text, &format!("\"{}\": {{", m.name()), at);
            }
            if scope == "total" {
                at = find(&text, "\"reconciled_units\": {", at);
            }
            at = find(&text, "\"p_any_oversell\": ", at);
            at = find(&text, "\"p_cancel_rate_over_limit\": ", at);
        }
        assert_eq!(text.matches("\"reconciled_units\"").count(), 1);
        let mut at = find(&text, "\"arrivals\": {", 0);
        for key in ["mean", "sd", "ci95", "p50", "p90", "p99", "max"] {
            at = find(&text, &format!("\"{key}\": "), at);
        }
        // Web oversells in one trial of two, and so do all channels together.
        assert_eq!(text.matches("\"p_any_oversell\": 0.5").count(), 2);
        assert!(text.contains("\"p_any_oversell\": 0.0"));
    }

    #[test]
    fn limits_give_shares_or_null() {
        let text = json(Some(0.1));
        // web has a limit (over it in one trial of two), pos has none.
        assert_eq!(text.matches("\"p_cancel_rate_over_limit\": 0.5").count(), 2);
        assert_eq!(
            text.matches("\"p_cancel_rate_over_limit\": null").count(),
            1
        );
        let none = json(None);
        assert_eq!(
            none.matches("\"p_cancel_rate_over_limit\": null").count(),
            3
        );
        assert!(none.contains("\"p_any_oversell\": 0.5"));
        assert!(!none.contains("NaN"));
    }

    #[test]
    fn deterministic() {
        assert_eq!(json(Some(0.1)), json(Some(0.1)));
    }
}
