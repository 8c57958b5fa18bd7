//! The `oversell` binary driven as a user would: each test runs it in its own temporary folder
//! (also passed as `--out`), with stdin closed, and checks exit codes, stdout, stderr and the
//! files it writes.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// The reference scenario shipped with the crate.
const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/reference.toml");

/// The channels of the built-in reference stack, in file order.
const CHANNELS: [&str; 4] = ["shopify", "amazon", "walmart", "pos"];

/// The per-trial metrics summarised for every channel and the total.
const METRICS: [&str; 11] = [
    "arrivals",
    "accepted",
    "fulfilled",
    "oversold",
    "rejected_withheld",
    "rejected_stockout",
    "penalty",
    "lost_margin",
    "cancel_rate",
    "exposure_seconds",
    "first_stockout_seconds",
];

/// A temporary working folder; the binary runs with it as its current directory.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("create a temporary folder"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `oversell ARGS...` here, with stdin null.
    fn oversell<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Command::new(env!("CARGO_BIN_EXE_oversell"))
            .args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .output()
            .expect("start oversell")
    }

    /// Runs `oversell run` on the built-in reference stack with `extra` flags, into `out`
    /// (relative to the sandbox), and asserts it succeeded.
    fn run_builtin(&self, out: &str, extra: &[&str]) -> Output {
        let mut args = vec!["run", "--out", out];
        args.extend_from_slice(extra);
        succeeded(self.oversell(&args))
    }

    /// Writes `text` to `name` in the sandbox and returns its path.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        fs::write(&path, text).expect("write a scenario file");
        path
    }
}

/// Asserts exit code 0 and returns the output.
fn succeeded(output: Output) -> Output {
    assert_eq!(
        output.status.code(),
        Some(0),
        "expected success\nstdout:\n{}\nstderr:\n{}",
        stdout(&output),
        stderr(&output)
    );
    output
}

/// Asserts exit code 2 (a user error), no panic, and returns stderr.
fn failed_with_2(output: &Output) -> String {
    let err = stderr(output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "expected exit code 2\nstdout:\n{}\nstderr:\n{err}",
        stdout(output)
    );
    assert!(!err.contains("panicked"), "panic on stderr:\n{err}");
    err
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&read(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The sorted file names in `dir`.
fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The lines of a text file.
fn lines(path: &Path) -> Vec<String> {
    String::from_utf8(read(path))
        .expect("UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The reference scenario with line `line` (1-based) replaced by `replacement`, after checking
/// that the line read `original`, so the expected line numbers stay true to the file.
fn reference_with(line: usize, original: &str, replacement: &str) -> String {
    let text = fs::read_to_string(REFERENCE).expect("read scenarios/reference.toml");
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[line - 1].trim(),
        original,
        "scenarios/reference.toml line {line} has changed"
    );
    lines[line - 1] = replacement;
    lines.join("\n") + "\n"
}

/// The scenario files shipped in scenarios/, sorted.
fn shipped_scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("list scenarios/")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension() == Some(OsStr::new("toml")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios/*.toml");
    files
}

fn number(value: &Value, what: &str) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {value}"))
}

/// Every file a run writes, sorted: nothing else (no temporary file) may be left.
const RESULT_FILES: [&str; 7] = [
    "oversold_histogram.png",
    "oversold_histogram.svg",
    "penalty_distribution.png",
    "penalty_distribution.svg",
    "run.json",
    "summary.json",
    "trials.csv",
];

#[test]
fn results_do_not_depend_on_thread_count_but_do_on_seed() {
    let sandbox = Sandbox::new();
    let common = ["--trials", "3000", "--seed", "7"];
    sandbox.run_builtin("a", &[&common[..], &["--threads", "1"]].concat());
    sandbox.run_builtin("b", &[&common[..], &["--threads", "2"]].concat());
    sandbox.run_builtin("c", &["--trials", "3000", "--seed", "8", "--threads", "2"]);

    let file = |out: &str, name: &str| read(&sandbox.path().join(out).join("reference").join(name));
    let summary_a = file("a", "summary.json");
    assert!(
        summary_a == file("b", "summary.json"),
        "summary.json differs"
    );
    assert!(
        file("a", "trials.csv") == file("b", "trials.csv"),
        "trials.csv differs"
    );
    assert!(
        summary_a != file("c", "summary.json"),
        "seeds 7 and 8 gave the same summary"
    );
    let info_b = read_json(&sandbox.path().join("b/reference/run.json"));
    assert_eq!(info_b["threads"], 2);
    assert_eq!(info_b["seed"], 7);
}

#[test]
fn json_format_prints_the_full_summary() {
    let sandbox = Sandbox::new();
    let output = sandbox.run_builtin(
        "out",
        &["--trials", "400", "--seed", "11", "--format", "json"],
    );
    let written = read(&sandbox.path().join("out/reference/summary.json"));
    assert!(
        output.stdout == written,
        "stdout differs from summary.json\nstdout:\n{}",
        stdout(&output)
    );

    let summary: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(
        summary["scenario"],
        "Shopify hub, 15-minute marketplace polling, hourly ERP"
    );
    assert_eq!(summary["trials"], 400);
    assert_eq!(summary["seed"], 11);
    assert_eq!(
        number(&summary["horizon_seconds"], "horizon_seconds"),
        86400.0
    );

    let channels = summary["channels"]
        .as_object()
        .expect("channels is an object");
    // serde_json's map sorts keys, so compare the set of names.
    let mut names: Vec<&str> = channels.keys().map(String::as_str).collect();
    names.sort_unstable();
    let mut expected = CHANNELS;
    expected.sort_unstable();
    assert_eq!(names, expected);

    for (name, channel) in channels {
        check_metrics(name, channel);
        let p_any = number(&channel["p_any_oversell"], "p_any_oversell");
        assert!(
            (0.0..=1.0).contains(&p_any),
            "{name}.p_any_oversell = {p_any}"
        );
        let p_limit = &channel["p_cancel_rate_over_limit"];
        match name.as_str() {
            // No cancel_rate_limit in the scenario.
            "shopify" | "pos" => assert!(p_limit.is_null(), "{name}: {p_limit}"),
            _ => {
                let p = number(p_limit, "p_cancel_rate_over_limit");
                assert!(
                    (0.0..=1.0).contains(&p),
                    "{name}.p_cancel_rate_over_limit = {p}"
                );
            }
        }
    }
    let total = &summary["total"];
    check_metrics("total", total);
    check_statistic("total.reconciled_units", &total["reconciled_units"]);
}

/// Every metric of `group` is a summary statistic.
fn check_metrics(group: &str, metrics: &Value) {
    for metric in METRICS {
        check_statistic(&format!("{group}.{metric}"), &metrics[metric]);
    }
}

/// `stat` has a mean, sd, a 95% interval around the mean and ordered percentiles.
fn check_statistic(what: &str, stat: &Value) {
    let field = |key: &str| number(&stat[key], &format!("{what}.{key}"));
    let mean = field("mean");
    assert!(field("sd") >= 0.0, "{what}: {stat}");
    let ci = stat["ci95"].as_array().expect("ci95 is an array");
    assert_eq!(ci.len(), 2, "{what}.ci95: {stat}");
    let (lo, hi) = (number(&ci[0], "ci95[0]"), number(&ci[1], "ci95[1]"));
    assert!(lo <= mean && mean <= hi, "{what}: ci95 around mean: {stat}");
    let (p50, p90, p99, max) = (field("p50"), field("p90"), field("p99"), field("max"));
    assert!(p50 <= p90 && p90 <= p99 && p99 <= max, "{what}: {stat}");
}

#[test]
fn run_writes_exactly_its_result_files() {
    let sandbox = Sandbox::new();
    sandbox.run_builtin("out", &["--trials", "400", "--seed", "3", "--threads", "2"]);
    let out = sandbox.path().join("out");
    assert_eq!(file_names(&out), ["reference"]);
    let dir = out.join("reference");
    assert_eq!(
        file_names(&dir),
        RESULT_FILES,
        "stray (temporary?) files in {}",
        dir.display()
    );

    let csv = lines(&dir.join("trials.csv"));
    assert_eq!(csv.len(), 401, "header + one row per trial");
    assert!(csv[0].starts_with("trial,"), "header: {}", csv[0]);
    assert!(
        csv[0].split(',').any(|column| column == "amazon.oversold"),
        "header: {}",
        csv[0]
    );
    assert!(csv[1].starts_with("0,"), "first row is trial 0: {}", csv[1]);
    assert!(
        csv[400].starts_with("399,"),
        "last row is trial 399: {}",
        csv[400]
    );

    let info = read_json(&dir.join("run.json"));
    assert_eq!(info["seed"], 3);
    assert_eq!(info["trials"], 400);
    assert_eq!(info["threads"], 2);
    let sha = info["scenario_sha256"].as_str().expect("scenario_sha256");
    assert!(
        sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
        "scenario_sha256 = {sha}"
    );
    let command_line = info["command_line"].as_array().expect("command_line");
    assert!(
        command_line.iter().any(|arg| arg == "--trials") && command_line.contains(&"400".into()),
        "command_line = {command_line:?}"
    );
}

#[test]
fn a_second_run_replaces_the_files() {
    let sandbox = Sandbox::new();
    // Larger first, so a write that fails to truncate would leave extra rows behind.
    sandbox.run_builtin("out", &["--trials", "300", "--seed", "5"]);
    sandbox.run_builtin("out", &["--trials", "200", "--seed", "6"]);
    let dir = sandbox.path().join("out/reference");
    assert_eq!(lines(&dir.join("trials.csv")).len(), 201);
    let summary = read_json(&dir.join("summary.json"));
    assert_eq!(summary["trials"], 200);
    assert_eq!(summary["seed"], 6);
    assert_eq!(read_json(&dir.join("run.json"))["trials"], 200);
    assert_eq!(file_names(&dir), RESULT_FILES);
}

#[test]
fn every_trial_row_balances() {
    let sandbox = Sandbox::new();
    sandbox.run_builtin("out", &["--trials", "400", "--seed", "21"]);
    let path = sandbox.path().join("out/reference/trials.csv");
    let mut reader = csv::Reader::from_path(&path).expect("open trials.csv");
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("a CSV row");
        let trial = &record[0];
        let value = |name: &str| -> f64 {
            record[column(name)].parse().unwrap_or_else(|e| {
                panic!("trial {trial}: {name} = {:?}: {e}", &record[column(name)])
            })
        };
        let mut oversold = 0.0;
        for channel in CHANNELS {
            let get = |metric: &str| value(&format!("{channel}.{metric}"));
            assert_eq!(
                get("arrivals"),
                get("accepted") + get("rejected_withheld") + get("rejected_stockout"),
                "trial {trial}, {channel}: arrivals = accepted + withheld + stockout"
            );
            assert_eq!(
                get("accepted"),
                get("fulfilled") + get("oversold"),
                "trial {trial}, {channel}: accepted = fulfilled + oversold"
            );
            oversold += get("oversold");
        }
        assert_eq!(
            value("total.oversold"),
            oversold,
            "trial {trial}: total.oversold = sum over channels"
        );
        rows += 1;
    }
    assert_eq!(rows, 400);
}

#[test]
fn table_names_every_channel_and_the_run() {
    let sandbox = Sandbox::new();
    let output = sandbox.run_builtin("out", &["--trials", "400", "--seed", "13"]);
    let table = stdout(&output);
    for name in CHANNELS.iter().chain(&["all channels"]) {
        assert!(table.contains(name), "no {name} in:\n{table}");
    }
    assert!(
        table.contains("400 trials"),
        "trial count missing:\n{table}"
    );
    assert!(table.contains("seed 13"), "seed missing:\n{table}");
    assert!(
        table.starts_with("Shopify hub, 15-minute marketplace polling, hourly ERP\n"),
        "{table}"
    );
}

/// One broken copy of scenarios/reference.toml and what the error must say.
struct Broken {
    name: &'static str,
    line: usize,
    original: &'static str,
    replacement: &'static str,
    /// The key path (or, for a syntax error, the complaint) stderr must contain.
    says: &'static str,
}

const BROKEN: [Broken; 7] = [
    Broken {
        name: "unknown_key",
        line: 36,
        original: "buffer = 2",
        replacement: "bufer = 2",
        says: "channels.amazon.bufer",
    },
    Broken {
        name: "negative_buffer",
        line: 36,
        original: "buffer = 2",
        replacement: "buffer = -1",
        says: "channels.amazon.buffer",
    },
    Broken {
        name: "zero_poll",
        line: 57,
        original: r#"poll = { every = "15m", latency = "uniform(1m, 5m)" }"#,
        replacement: r#"poll = { every = "0s", latency = "uniform(1m, 5m)" }"#,
        says: "links[0].poll.every",
    },
    Broken {
        name: "drop_above_one",
        line: 86,
        original: r#"webhook = { latency = "uniform(30s, 90s)", drop = 0.002, retries = ["10s", "1m", "5m", "15m", "30m", "1h", "1h", "1h"] }"#,
        replacement: r#"webhook = { latency = "uniform(30s, 90s)", drop = 1.5, retries = ["10s", "1m", "5m", "15m", "30m", "1h", "1h", "1h"] }"#,
        says: "links[4].webhook.drop",
    },
    Broken {
        name: "missing_node",
        line: 56,
        original: r#"to = "amazon""#,
        replacement: r#"to = "ebay""#,
        says: "links[0].to",
    },
    Broken {
        name: "carries_stock",
        line: 54,
        original: r#"carries = "levels""#,
        replacement: r#"carries = "stock""#,
        says: "links[0].carries",
    },
    Broken {
        name: "syntax",
        line: 30,
        original: "orders_per_day = 40",
        replacement: "orders_per_day = = 40",
        says: "not valid TOML",
    },
];

#[test]
fn check_and_run_report_scenario_errors_with_file_line_and_key() {
    let sandbox = Sandbox::new();
    for broken in &BROKEN {
        let file = format!("{}.toml", broken.name);
        sandbox.write(
            &file,
            &reference_with(broken.line, broken.original, broken.replacement),
        );
        let location = format!("{file}:{}:", broken.line);
        let check = ["check", file.as_str()];
        let run = ["run", file.as_str(), "--trials", "50", "--out", "out"];
        for args in [&check[..], &run[..]] {
            let command = args[0];
            let output = sandbox.oversell(args);
            let err = failed_with_2(&output);
            assert!(
                err.contains(&location) && err.contains(broken.says),
                "{command} {file}: expected {location:?} and {:?} in:\n{err}",
                broken.says
            );
            assert!(
                output.stdout.is_empty(),
                "{command} {file}: stdout not empty"
            );
        }
    }
    assert!(
        !sandbox.path().join("out").exists(),
        "a failed run wrote results"
    );
}

#[test]
fn missing_file_is_a_user_error() {
    let sandbox = Sandbox::new();
    for args in [
        &["check", "no-such.toml"][..],
        &["run", "no-such.toml", "--out", "out"],
    ] {
        let output = sandbox.oversell(args);
        let err = failed_with_2(&output);
        assert!(err.contains("no-such.toml"), "{args:?}: {err}");
        assert!(output.stdout.is_empty(), "{args:?}: stdout not empty");
    }
}

#[test]
fn check_reports_good_files_even_when_others_fail() {
    let sandbox = Sandbox::new();
    sandbox.write("good.toml", &fs::read_to_string(REFERENCE).unwrap());
    sandbox.write("bad.toml", &reference_with(36, "buffer = 2", "bufer = 2"));
    let output = sandbox.oversell(["check", "good.toml", "bad.toml"]);
    let err = failed_with_2(&output);
    assert!(err.contains("bad.toml:36:"), "{err}");
    assert!(err.contains("1 of 2"), "{err}");
    let out = stdout(&output);
    assert!(out.starts_with("ok: good.toml ("), "{out}");
    assert!(!out.contains("bad.toml"), "{out}");
}

#[test]
fn a_failed_run_leaves_earlier_results_alone() {
    let sandbox = Sandbox::new();
    let scenario = "scenario.toml";
    sandbox.write(scenario, &fs::read_to_string(REFERENCE).unwrap());
    succeeded(sandbox.oversell(["run", scenario, "--trials", "200", "--out", "out"]));
    let summary_path = sandbox.path().join("out/scenario/summary.json");
    let before = read(&summary_path);

    sandbox.write(scenario, &reference_with(36, "buffer = 2", "buffer = -1"));
    let output = sandbox.oversell(["run", scenario, "--trials", "300", "--out", "out"]);
    let err = failed_with_2(&output);
    assert!(err.contains("scenario.toml:36:"), "{err}");
    assert!(read(&summary_path) == before, "summary.json changed");
    assert_eq!(
        file_names(&sandbox.path().join("out/scenario")),
        RESULT_FILES
    );
}

#[test]
fn every_shipped_scenario_checks_and_runs() {
    let sandbox = Sandbox::new();
    let files = shipped_scenarios();
    let check = std::iter::once(OsStr::new("check")).chain(files.iter().map(|f| f.as_os_str()));
    let output = succeeded(sandbox.oversell(check));
    let out = stdout(&output);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok: ")).count(),
        files.len(),
        "{out}"
    );

    for (i, file) in files.iter().enumerate() {
        let out_dir = sandbox.path().join(format!("out{i}"));
        let args = [
            OsStr::new("run"),
            file.as_os_str(),
            OsStr::new("--trials"),
            OsStr::new("200"),
            OsStr::new("--out"),
            out_dir.as_os_str(),
        ];
        succeeded(sandbox.oversell(args));
        let folders = file_names(&out_dir);
        assert_eq!(folders.len(), 1, "{}: {folders:?}", file.display());
        let summary = read_json(&out_dir.join(&folders[0]).join("summary.json"));
        let accepted = number(&summary["total"]["accepted"]["mean"], "total.accepted.mean");
        assert!(accepted.is_finite(), "{}: {accepted}", file.display());
        assert_eq!(summary["trials"], 200, "{}", file.display());
    }
}

#[test]
fn zero_trials_or_threads_are_usage_errors() {
    let sandbox = Sandbox::new();
    for flag in ["--trials", "--threads"] {
        let output = sandbox.oversell(["run", flag, "0", "--out", "out"]);
        let err = failed_with_2(&output);
        assert!(err.contains(flag), "{flag} 0: {err}");
        assert!(output.stdout.is_empty());
    }
    assert!(
        !sandbox.path().join("out").exists(),
        "a rejected run wrote results"
    );
}
