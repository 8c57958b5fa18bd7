//! `oversell timeline` driven as a user would: it traces exactly the trial `run` computes, and
//! writes a well-formed events.csv and chart.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

const CHANNELS: [&str; 4] = ["shopify", "amazon", "walmart", "pos"];
const HEADER: &str = "time_seconds,kind,channel_or_link,quantity,physical,\
                      view.erp,view.shopify,view.amazon,view.walmart,\
                      listed.shopify,listed.amazon,listed.walmart,listed.pos,\
                      oversold.shopify,oversold.amazon,oversold.walmart,oversold.pos";
/// The reference scenario's horizon, seconds.
const HORIZON: f64 = 86_400.0;

fn oversell(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run the binary")
}

fn succeed(args: &[&str], out: &Path) -> String {
    let output = oversell(args, out);
    assert!(
        output.status.success(),
        "oversell {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 stdout")
}

/// A CSV file as its header and rows of named fields.
fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            header
                .iter()
                .cloned()
                .zip(record.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

fn number(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|e| panic!("{column} = {:?}: {e}", row[column]))
}

/// Checks the form of an events.csv and returns its rows.
fn check_events(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.lines().next(), Some(HEADER));
    let (_, rows) = read_csv(path);
    assert!(rows.len() > 100, "only {} events in a day", rows.len());
    let mut previous = 0.0;
    for row in &rows {
        let time = number(row, "time_seconds");
        assert!(
            time >= previous && time < HORIZON,
            "time {time} after {previous}"
        );
        previous = time;
        assert!(number(row, "physical") >= 0.0, "negative stock: {row:?}");
    }
    rows
}

#[test]
fn the_timeline_traces_the_trial_that_run_computes() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&["run", "--trials", "50", "--seed", "11"], dir.path());
    let (_, trials) = read_csv(&dir.path().join("reference/trials.csv"));
    assert_eq!(trials.len(), 50);
    let with_oversells: Vec<usize> = (0..50)
        .filter(|&k| number(&trials[k], "total.oversold") > 0.0)
        .collect();
    assert!(!with_oversells.is_empty(), "no oversell in 50 trials");
    let mut picks = vec![0, with_oversells[0], *with_oversells.last().unwrap(), 49];
    picks.dedup();

    for k in picks {
        let stdout = succeed(
            &["timeline", "--trial", &k.to_string(), "--seed", "11"],
            dir.path(),
        );
        assert!(stdout.contains(&format!("trial {k} (seed 11)")), "{stdout}");
        let rows = check_events(&dir.path().join("reference/timeline/events.csv"));
        let last = rows.last().unwrap();
        let trial = &trials[k];
        for channel in CHANNELS {
            assert_eq!(
                number(last, &format!("oversold.{channel}")),
                number(trial, &format!("{channel}.oversold")),
                "trial {k}, {channel}: oversold"
            );
            let arrivals = rows
                .iter()
                .filter(|r| matches!(r["kind"].as_str(), "demand" | "scheduled"))
                .filter(|r| r["channel_or_link"] == channel)
                .count();
            assert_eq!(
                arrivals as f64,
                number(trial, &format!("{channel}.arrivals")),
                "trial {k}, {channel}: arrivals"
            );
        }
        assert_eq!(rows.len() as f64, number(trial, "events"), "trial {k}");
    }
}

#[test]
fn events_carry_quantities_and_subjects() {
    let dir = tempfile::tempdir().unwrap();
    succeed(&["timeline", "--seed", "4"], dir.path());
    let rows = check_events(&dir.path().join("reference/timeline/events.csv"));
    let scheduled: Vec<_> = rows.iter().filter(|r| r["kind"] == "scheduled").collect();
    // The reference scenario's one scheduled order: 6 units on the POS at 10h.
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0]["time_seconds"], "36000");
    assert_eq!(scheduled[0]["channel_or_link"], "pos");
    assert_eq!(scheduled[0]["quantity"], "6");
    for row in &rows {
        let (kind, subject, quantity) = (&row["kind"], &row["channel_or_link"], &row["quantity"]);
        match kind.as_str() {
            "demand" => assert!(CHANNELS.contains(&subject.as_str()) && !quantity.is_empty()),
            "poll" => assert!(
                subject.ends_with("-feed")
                    || subject.ends_with("-orders")
                    || subject == "erp-to-shopify",
                "{row:?}"
            ),
            "background" | "service_end" => assert_eq!(subject, "erp"),
            "reconcile" => assert_eq!((subject.as_str(), quantity.as_str()), ("", "")),
            _ => {}
        }
    }
    // The recount at 23h sets every view to the physical stock.
    let recount = rows.iter().find(|r| r["kind"] == "reconcile").unwrap();
    assert_eq!(recount["time_seconds"], "82800");
    for node in ["erp", "shopify", "amazon", "walmart"] {
        assert_eq!(recount[&format!("view.{node}")], recount["physical"]);
    }
}

#[test]
fn the_chart_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    // The trial with the most oversells among 50.
    succeed(&["run", "--trials", "50", "--seed", "11"], dir.path());
    let (_, trials) = read_csv(&dir.path().join("reference/trials.csv"));
    let (k, oversold) = (0..50)
        .map(|k| (k, number(&trials[k], "total.oversold") as u64))
        .max_by_key(|&(k, oversold)| (oversold, std::cmp::Reverse(k)))
        .unwrap();
    assert!(oversold > 0, "no oversell in 50 trials");
    let stdout = succeed(
        &["timeline", "--trial", &k.to_string(), "--seed", "11"],
        dir.path(),
    );
    let folder = dir.path().join("reference/timeline");
    for file in ["events.csv", "timeline.png", "timeline.svg"] {
        assert!(
            stdout.contains(&format!("{}", folder.join(file).display())),
            "{stdout}"
        );
    }
    for channel in CHANNELS {
        assert!(stdout.contains(channel), "{stdout}");
    }

    let png = image::open(folder.join("timeline.png")).unwrap().to_rgb8();
    assert_eq!(png.dimensions(), (1000, 560));
    let ink = png.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    assert!(ink > 20_000, "only {ink} non-white pixels");
    // The oversell crosses, in the alert red.
    let alert = png.pixels().filter(|p| p.0 == [214, 39, 40]).count();
    assert!(alert > 20, "only {alert} alert-red pixels");

    let svg = std::fs::read_to_string(folder.join("timeline.svg")).unwrap();
    assert!(svg.matches("<text").count() > 20);
    for channel in CHANNELS {
        assert!(
            svg.contains(&format!("listed: {channel}")),
            "no legend entry for {channel}"
        );
    }
    let title = format!("trial {k}: {oversold} oversold, penalty");
    assert!(svg.contains(&title), "no title {title:?}");
}

#[test]
fn any_trial_can_be_traced() {
    let dir = tempfile::tempdir().unwrap();
    for trial in ["123456789", &u64::MAX.to_string()] {
        let stdout = succeed(&["timeline", "--trial", trial], dir.path());
        assert!(
            stdout.contains(&format!("trial {trial} (seed 2026)")),
            "{stdout}"
        );
        check_events(&dir.path().join("reference/timeline/events.csv"));
    }
}

#[test]
fn a_bad_scenario_exits_with_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, "name = \"broken\"\nhorizon = \"soon\"\n").unwrap();
    let output = oversell(&["timeline", file.to_str().unwrap()], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.toml"), "{stderr}");
    assert!(
        !dir.path().join("broken").exists(),
        "wrote output for a bad scenario"
    );
}
