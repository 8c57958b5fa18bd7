//! `run.json`: how a run was made, so its numbers can be reproduced.

use serde::Serialize;

use super::output::Provenance;
use crate::scenario::Scenario;

/// How a run was made: the tool, the scenario and every setting that decides the numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// Always "oversell".
    pub tool: &'static str,
    /// Version of the tool (Cargo package version).
    pub version: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// Path of the scenario file as given, or `None` for a built-in scenario.
    pub scenario_file: Option<String>,
    /// Where the scenario came from: the file's absolute path, or `built-in:<slug>`. A later
    /// command refuses to replace these results with those of another file (unless `--force`).
    pub scenario_source: String,
    /// SHA-256 of the scenario text, exactly the bytes parsed, lowercase hex.
    pub scenario_sha256: String,
    /// Base seed; trial `i` draws from a generator seeded from `(seed, i)`.
    pub seed: u64,
    /// Number of trials.
    pub trials: u64,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
    /// The command line, program name first.
    pub command_line: Vec<String>,
    /// Length of one trial, seconds.
    pub horizon_seconds: f64,
}

impl RunInfo {
    /// Run information for `scenario`, read from `scenario_file` (`None`: built in) with
    /// `provenance`; `tool` and `version` are filled in.
    pub fn new(
        scenario: &Scenario,
        scenario_file: Option<String>,
        provenance: &Provenance,
        seed: u64,
        trials: u64,
        threads: usize,
        command_line: Vec<String>,
    ) -> Self {
        RunInfo {
            tool: "oversell",
            version: env!("CARGO_PKG_VERSION"),
            scenario: scenario.name.clone(),
            scenario_file,
            scenario_source: provenance.source.clone(),
            scenario_sha256: provenance.sha256.clone(),
            seed,
            trials,
            threads,
            command_line,
            horizon_seconds: scenario.horizon,
        }
    }
}

/// The run information as pretty-printed JSON with a trailing newline.
pub fn run_info_json(info: &RunInfo) -> String {
    crate::report::pretty_json(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_fields() {
        let scenario = crate::stats::test_fixtures::scenario(None, None);
        let command_line = vec!["oversell".to_string(), "run".to_string()];
        let info = RunInfo::new(
            &scenario,
            None,
            &Provenance::new("built-in:tiny".into(), b"name = \"Tiny\"\n"),
            7,
            100,
            4,
            command_line,
        );
        let text = run_info_json(&info);
        assert!(text.contains("\"tool\": \"oversell\""));
        assert!(text.contains(&format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"))));
        assert!(text.contains("\"scenario_file\": null"));
        assert!(text.contains("\"scenario_source\": \"built-in:tiny\""));
        assert!(text.contains("\"seed\": 7"));
        assert!(text.contains("\"command_line\": [\n    \"oversell\",\n    \"run\"\n  ]"));
        assert!(text.contains("\"horizon_seconds\": 86400.0"));
        assert!(text.ends_with("}\n"));
    }
}
