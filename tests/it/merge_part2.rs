//! `merge` checks the Part 2 statistics of a shard (money, windowed cancel rates, links, feed
//! queues, monitoring, shrunk units, per-SKU sums) against themselves and against the run's
//! statistics: each edit below, written with a fresh checksum and internally consistent
//! measures (built with the library's own accumulator), is refused with exit 2 naming the file
//! and the field.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use oversell::report::partial::{Partial, PartialContent};
use oversell::stats::ValueAccumulator;
use serde_json::Value;

/// The shards' files by name, and the run's slug.
type Shards = (Vec<(String, Vec<u8>)>, &'static str);

/// Three shards of 30 trials of `scenario`, read into memory.
fn make(scenario: &str, slug: &'static str) -> Shards {
    let dir = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario);
    for k in 0..3 {
        let status = Command::new(env!("CARGO_BIN_EXE_oversell"))
            .arg("run")
            .arg(&file)
            .args(["--trials", "30", "--seed", "3", "--threads", "1"])
            .args(["--shard", &format!("{k}/3"), "--out"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let folder = dir.path().join(slug).join("shards");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    (files, slug)
}

/// The 20-SKU catalog: Shopify's API bucket, feed queues at amazon and walmart.
fn catalog() -> &'static Shards {
    static SHARDS: OnceLock<Shards> = OnceLock::new();
    SHARDS.get_or_init(|| make("scenarios/catalog/small.toml", "small"))
}

/// A webhook that can be disabled, no `[monitoring]`.
fn no_monitoring() -> &'static Shards {
    static SHARDS: OnceLock<Shards> = OnceLock::new();
    SHARDS.get_or_init(|| {
        make(
            "scenarios/silent-webhook-death/no-monitoring.toml",
            "no-monitoring",
        )
    })
}

/// A lag alert (`[monitoring]`).
fn lag_alert() -> &'static Shards {
    static SHARDS: OnceLock<Shards> = OnceLock::new();
    SHARDS.get_or_init(|| make("scenarios/silent-webhook-death/lag-alert.toml", "lag-alert"))
}

/// Three SKUs on a record node with `[monitoring] low_stock_days = 0.25` (a threshold of 6
/// units), no shrink: A is low at 3h and B at 5h in every trial, C never (horizon 12h).
fn low_stock() -> &'static Shards {
    const SCENARIO: &str = r#"
name = "low stock per sku"
horizon = "12h"
[catalog]
file = "skus.csv"
[stock]
price = 1
[nodes.hub]
record = true
[channels.shop]
node = "hub"
share = 0
[channels.kiosk]
node = "hub"
[monitoring]
low_stock_days = 0.25
[[scheduled_orders]]
at = "3h"
channel = "shop"
sku = "A"
qty = 4
[[scheduled_orders]]
at = "5h"
channel = "shop"
sku = "B"
qty = 15
"#;
    static SHARDS: OnceLock<Shards> = OnceLock::new();
    SHARDS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("skus.csv"),
            "sku,orders_per_day,initial,share_kiosk,buffer_kiosk\n\
             A,24,10,1,1000\nB,24,20,1,1000\nC,24,50,1,1000\n",
        )
        .unwrap();
        let file = dir.path().join("low-stock.toml");
        std::fs::write(&file, SCENARIO).unwrap();
        make(file.to_str().unwrap(), "low-stock")
    })
}

/// The shards in a fresh folder, shard 1's content changed by `edit` and resealed; `merge`
/// must exit 2 with every part of `says` in its message and write nothing.
fn refused(shards: &Shards, edit: impl FnOnce(&mut Value), says: &[&str]) {
    let seal = |content: &mut Value| {
        edit(content);
        let content: PartialContent = serde_json::from_value(content.clone()).unwrap();
        Partial::new(content).unwrap().to_json().unwrap()
    };
    refused_as(shards, seal, says);
}

/// As [`refused`], with shard 1's file written as `seal` makes it from its content.
fn refused_as(shards: &Shards, seal: impl FnOnce(&mut Value) -> String, says: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("shards");
    std::fs::create_dir(&folder).unwrap();
    for (name, bytes) in &shards.0 {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    let path = folder.join("1-of-3.json");
    let mut file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::write(&path, seal(&mut file["content"])).unwrap();
    let out = dir.path().join("m");
    let output = Command::new(env!("CARGO_BIN_EXE_oversell"))
        .arg("merge")
        .arg(&folder)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{says:?}: {stderr}");
    // `stats.<field>` for the statistics alone, `stats:` against the trial rows.
    assert!(stderr.contains("1-of-3.json: stats"), "{stderr}");
    for part in says {
        assert!(stderr.contains(part), "`{part}` not in: {stderr}");
    }
    assert!(!out.join(shards.1).join("summary.json").exists());
}

/// A consistent accumulator of `values`, as JSON.
fn acc(values: &[f64], exact: bool) -> Value {
    let mut acc = ValueAccumulator::new(exact);
    values.iter().for_each(|&v| acc.push(v));
    serde_json::to_value(acc).unwrap()
}

/// Shard 1 of 3 of 30 trials holds 10.
const N: usize = 10;

fn part2(c: &mut Value) -> &mut Value {
    &mut c["stats"]["part2"]
}

fn sum(acc: &Value) -> u128 {
    acc["sum"].as_str().unwrap().parse().unwrap()
}

/// The index of the first SKU whose sums satisfy `pick`.
fn sku(c: &Value, pick: impl Fn(&Value) -> bool) -> usize {
    let skus = c["stats"]["part2"]["skus"].as_array().unwrap();
    skus.iter().position(pick).expect("a SKU to edit")
}

#[test]
fn per_sku_sums_must_be_the_runs() {
    let oversold = |s: &Value| s["oversold"].as_u64().unwrap() > 0;
    refused(
        catalog(),
        |c| {
            let k = sku(c, oversold);
            let v = &mut part2(c)["skus"][k]["oversold"];
            *v = (v.as_u64().unwrap() + 1).into();
        },
        &["skus: ", "oversold orders over the SKUs"],
    );
    for field in ["penalty", "lost_margin"] {
        refused(
            catalog(),
            |c| {
                let k = sku(c, oversold);
                let v = &mut part2(c)["skus"][k][field];
                *v = (v.as_u64().unwrap() + 5_000_000_000).into();
            },
            &[&format!("skus: the {field} of the SKUs add up to")],
        );
    }
    refused(
        catalog(),
        |c| {
            let k = sku(c, |s| s["exposure"].as_u64().unwrap() > 1_000_000);
            part2(c)["skus"][k]["exposure"] = 0.into();
        },
        &["skus: the exposure of the SKUs add up to"],
    );
}

#[test]
fn a_skus_own_sums_must_be_possible() {
    let oversold = |s: &Value| s["oversold"].as_u64().unwrap() > 0;
    refused(
        catalog(),
        |c| part2(c)["skus"][0]["reported"] = (N + 1).into(),
        &["skus[0] (TEE-M).reported: 11 trials of 10"],
    );
    refused(
        catalog(),
        |c| {
            let k = sku(c, oversold);
            part2(c)["skus"][k]["oversold"] = 0.into();
        },
        &[").oversold: 0 orders in "],
    );
    refused(
        catalog(),
        |c| {
            let k = sku(c, |s| s["any_oversell"].as_u64().unwrap() < N as u64);
            part2(c)["skus"][k]["any_oversell"] = (N + 1).into();
        },
        &[").any_oversell: 11 trials with an oversell"],
    );
    refused(
        catalog(),
        |c| {
            let k = sku(c, |s| !oversold(s));
            part2(c)["skus"][k]["penalty"] = 1_000_000.into();
        },
        &[").penalty: 1000000 without an oversold order"],
    );
    refused(
        catalog(),
        |c| {
            let k = sku(c, |s| s["reported"].as_u64().unwrap() > 0);
            part2(c)["skus"][k]["stockout"] = 0.into();
        },
        &[").stockout: 0 is not between the earliest first stockouts"],
    );
    refused(
        catalog(),
        |c| {
            let k = sku(c, |s| s["reported"].as_u64().unwrap() > 0);
            let reported = c["stats"]["part2"]["skus"][k]["reported"].as_u64().unwrap();
            let too_long = (reported + 1) as f64 * 28.0 * 86_400e6;
            part2(c)["skus"][k]["exposure"] = (too_long as u64).into();
        },
        &[").exposure: ", "longer than the horizon"],
    );
    refused(
        catalog(),
        |c| {
            part2(c)["skus"].as_array_mut().unwrap().pop();
        },
        &["skus: 20 entries where the scenario has 21"],
    );
}

#[test]
fn money_adds_up_over_channels_and_to_penalty_plus_lost_margin() {
    refused(
        catalog(),
        |c| part2(c)["cost"][0] = c["stats"]["part2"]["revenue"][0].clone(),
        &["cost[0] (shopify).sum: ", "is not penalty + lost_margin"],
    );
    refused(
        catalog(),
        |c| part2(c)["revenue"][3] = c["stats"]["part2"]["revenue"][0].clone(),
        &[
            "revenue[3] (total).sum: ",
            "is not the sum over the channels",
        ],
    );
    refused(
        catalog(),
        |c| {
            part2(c)["revenue"].as_array_mut().unwrap().pop();
        },
        &["revenue: 3 entries where the scenario has 4"],
    );
}

#[test]
fn windowed_cancel_rates_agree_with_the_channels() {
    refused(
        catalog(),
        |c| part2(c)["worst_window"][1] = acc(&[1.5; N], false),
        &["worst_window[1] (amazon).max: 1.5 is over 1"],
    );
    // shopify is judged over the whole horizon: its worst window is its cancel rate.
    refused(
        catalog(),
        |c| part2(c)["worst_window"][0] = acc(&[0.5; N], false),
        &["worst_window[0] (shopify): differs from the channel's cancel_rate"],
    );
    // Every trial over amazon's 2.5% in its worst week, none counted over the limit.
    refused(
        catalog(),
        |c| part2(c)["worst_window"][1] = acc(&[0.5; N], false),
        &["worst_window[1] (amazon): 10 to 10 trials over the limit (0.025)"],
    );
}

#[test]
fn the_total_is_over_the_limit_when_a_channel_is() {
    refused(
        catalog(),
        |c| {
            let channels = c["stats"]["channels"].as_array().unwrap();
            let all: u64 = channels
                .iter()
                .map(|s| s["over_limit"].as_u64().unwrap())
                .sum();
            c["stats"]["total"]["over_limit"] = (all + 1).into();
        },
        &["stats.total.over_limit: "],
    );
}

#[test]
fn polls_requests_and_api_waits_are_possible() {
    // links[0]: amazon-feed, from Shopify's API bucket; links[2]: marketplace-orders, from
    // amazon, which has none.
    refused(
        catalog(),
        |c| part2(c)["links"][0][1] = acc(&[100_000.0; N], true),
        &["links[0] (amazon-feed).polls.max: 100000 polls in a trial"],
    );
    refused(
        catalog(),
        |c| part2(c)["links"][0][2] = acc(&[0.0; N], true),
        &["links[0] (amazon-feed).requests.sum: 0 is fewer than one request per"],
    );
    refused(
        catalog(),
        |c| part2(c)["links"][2][3] = acc(&[5.0; N], false),
        &[
            "links[2] (marketplace-orders).api_wait_seconds.sum: ",
            "no API bucket",
        ],
    );
    refused(
        catalog(),
        |c| part2(c)["links"][0][0] = 4.into(),
        &["links: the links [4, 1, 2, 3, 5] where the scenario polls on links [0, 1, 2, 3, 5]"],
    );
}

#[test]
fn feed_queues_wait_only_for_items() {
    // feeds[0]: amazon's queue.
    refused(
        catalog(),
        |c| part2(c)["feeds"][0][1] = acc(&[0.0; N], true),
        &["feeds[0] (amazon).wait_seconds: 0 trials without a wait, but 10 without an item"],
    );
    refused(
        catalog(),
        |c| {
            let longest = c["stats"]["part2"]["feeds"][0][2]["max"].as_f64().unwrap();
            part2(c)["feeds"][0][3] = acc(&[2.0 * longest; N], false);
        },
        &["feeds[0] (amazon).mean_wait_seconds.max: "],
    );
    refused(
        catalog(),
        |c| part2(c)["feeds"][0][3] = acc(&[0.0; N], false),
        &["feeds[0] (amazon).mean_wait_seconds: 10 trials with a mean wait of 0, but 0 with"],
    );
    // Every trial's mean wait as long as the longest wait of one trial: more than all waits.
    refused(
        catalog(),
        |c| {
            let longest = c["stats"]["part2"]["feeds"][0][2]["max"].as_f64().unwrap();
            part2(c)["feeds"][0][3] = acc(&[longest; N], false);
        },
        &["feeds[0] (amazon).mean_wait_seconds.sum: "],
    );
    refused(
        catalog(),
        |c| {
            part2(c)["feeds"].as_array_mut().unwrap().pop();
        },
        &["feeds: the nodes [2] where the scenario has feed queues at [2, 3]"],
    );
}

#[test]
fn monitoring_is_checked_against_the_scenario_and_the_trial_rows() {
    refused(
        catalog(),
        |c| {
            part2(c)["monitoring"] = Value::Array(vec![
                acc(&[0.0; N], true),
                acc(&[0.0; N], false),
                acc(&[0.0; N], false),
            ]);
        },
        &["monitoring: present where the scenario has nothing to monitor"],
    );
    refused(
        no_monitoring(),
        |c| part2(c)["monitoring"][0] = acc(&[1.0; N], true),
        &["monitoring.alerts.sum: ", "no [monitoring] to raise alerts"],
    );
    refused(
        no_monitoring(),
        |c| part2(c)["monitoring"][1] = acc(&[1e9; N], false),
        &["monitoring.disabled_seconds.max: 1000000000 s, more than "],
    );
    refused(
        lag_alert(),
        |c| part2(c)["monitoring"][2] = acc(&[1e9; N], false),
        &["monitoring.low_stock_alert_seconds.max: 1000000000 s is after the horizon"],
    );
}

/// Changes the trial rows can show: trials.csv holds the monitoring columns.
#[test]
fn monitoring_must_be_that_of_the_trial_rows() {
    let shards = lag_alert();
    let dir = tempfile::tempdir().unwrap();
    let folder: PathBuf = dir.path().join("shards");
    std::fs::create_dir(&folder).unwrap();
    for (name, bytes) in &shards.0 {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    let path = folder.join("1-of-3.json");
    let mut file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let alerts = &mut file["content"]["stats"]["part2"]["monitoring"][0];
    let n = alerts["n"].as_u64().unwrap() as usize;
    let now = sum(alerts) / 1_000_000;
    // Another count of alerts, in a consistent histogram.
    *alerts = acc(&vec![(now as f64 / n as f64).round() + 1.0; n], true);
    let content: PartialContent = serde_json::from_value(file["content"].clone()).unwrap();
    std::fs::write(&path, Partial::new(content).unwrap().to_json().unwrap()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_oversell"))
        .arg("merge")
        .arg(&folder)
        .arg("--out")
        .arg(dir.path().join("m"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1-of-3.json: stats: differ from the statistics of the trial rows"),
        "{stderr}"
    );
}

/// Counts are whole numbers of at least 0: anything else is refused by field, before any check.
#[test]
fn per_sku_counts_are_whole_and_not_negative() {
    for (value, says) in [
        (Value::from(-1), "invalid value: integer `-1`, expected u64"),
        (
            Value::from(1.5),
            "invalid type: floating point `1.5`, expected u64",
        ),
    ] {
        let shards = catalog();
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("shards");
        std::fs::create_dir(&folder).unwrap();
        for (name, bytes) in &shards.0 {
            std::fs::write(folder.join(name), bytes).unwrap();
        }
        // Written as it would be with a fresh checksum: no content with -1 can be sealed.
        let path = folder.join("1-of-3.json");
        let mut file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        file["content"]["stats"]["part2"]["skus"][3]["oversold"] = value;
        std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_oversell"))
            .arg("merge")
            .arg(&folder)
            .arg("--out")
            .arg(dir.path().join("m"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("1-of-3.json is not a partial result")
                && stderr.contains("content.stats.part2.skus[3].oversold: ")
                && stderr.contains(says),
            "{stderr}"
        );
    }
}

/// Sums at the end of the range of their type are refused, not overflowed.
#[test]
fn the_largest_sums_are_refused_not_overflowed() {
    // serde_json's `Value` holds no u128: the largest sums go in as text for a placeholder.
    const PLACEHOLDER: u64 = 987_654_321_987_654_321;
    for field in ["penalty", "lost_margin", "exposure", "stockout"] {
        refused_as(
            catalog(),
            |c| {
                for k in [0, 1] {
                    part2(c)["skus"][k][field] = PLACEHOLDER.into();
                }
                let text = serde_json::to_string(c)
                    .unwrap()
                    .replace(&PLACEHOLDER.to_string(), &u128::MAX.to_string());
                let content: PartialContent = serde_json::from_str(&text).unwrap();
                Partial::new(content).unwrap().to_json().unwrap()
            },
            &["skus"],
        );
    }
    refused(
        catalog(),
        |c| {
            for k in [0, 1] {
                part2(c)["skus"][k]["oversold"] = u64::MAX.into();
            }
        },
        &["skus"],
    );
}

fn shrunk_units(c: &Value) -> u128 {
    sum(&c["stats"]["part2"]["shrunk"]) / 1_000_000
}

#[test]
fn shrunk_units_are_checked_like_the_other_measures() {
    refused(
        catalog(),
        |c| part2(c)["shrunk"] = Value::Null,
        &["part2.shrunk: absent where some SKU of the scenario shrinks"],
    );
    refused(
        low_stock(),
        |c| part2(c)["shrunk"] = acc(&[0.0; N], true),
        &["part2.shrunk: present where no SKU of the scenario shrinks"],
    );
    // One value more than the shard's trials.
    refused(
        catalog(),
        |c| part2(c)["shrunk"] = acc(&[1.0; N + 1], true),
        &["part2.shrunk (shrunk_units).n: 11 values where the shard ran 10 trials"],
    );
    // The histogram's one bucket no longer holds the sum.
    refused(
        catalog(),
        |c| {
            let more = sum(&c["stats"]["part2"]["shrunk"]) + 1_000_000;
            part2(c)["shrunk"]["sum"] = more.to_string().into();
        },
        &["part2.shrunk (shrunk_units).sum"],
    );
    // All the shard's shrunk units in its first trial: the same sum, not the trial rows' last
    // column.
    refused(
        catalog(),
        |c| {
            let mut values = [0.0; N];
            values[0] = shrunk_units(c) as f64;
            part2(c)["shrunk"] = acc(&values, true);
        },
        &["stats: differ from the statistics of the trial rows"],
    );
}

#[test]
fn per_sku_shrunk_units_are_the_runs() {
    refused(
        catalog(),
        |c| {
            let k = sku(c, |s| s["shrunk"].as_u64().unwrap() > 0);
            let v = &mut part2(c)["skus"][k]["shrunk"];
            *v = (v.as_u64().unwrap() + 1).into();
        },
        &[
            "skus: ",
            " shrunk units over the SKUs, ",
            " in the run (shrunk)",
        ],
    );
    refused(
        low_stock(),
        |c| part2(c)["skus"][2]["shrunk"] = 1.into(),
        &["skus[2] (C).shrunk: 1 units, but the SKU does not shrink"],
    );
}

#[test]
fn per_sku_low_stock_alerts_are_possible() {
    // Without `low_stock_days`, each reporting trial counts the horizon.
    refused(
        catalog(),
        |c| {
            let k = sku(c, |s| s["reported"].as_u64().unwrap() > 0);
            let v = &mut part2(c)["skus"][k]["low_stock"];
            *v = (v.as_u64().unwrap() - 1_000_000).into();
        },
        &[
            ").low_stock: ",
            "is not the horizon in each of the",
            "no [monitoring] low_stock_days",
        ],
    );
    // A's alerts before the run's first of each trial (3h).
    refused(
        low_stock(),
        |c| part2(c)["skus"][0]["low_stock"] = 0.into(),
        &["skus[0] (A).low_stock: 0 is not between the earliest first low-stock alerts of 10"],
    );
    // A's alerts after the horizon in each trial.
    refused(
        low_stock(),
        |c| {
            let after = (N as u64 + 1) * 12 * 3600 * 1_000_000;
            part2(c)["skus"][0]["low_stock"] = after.into();
        },
        &["skus[0] (A).low_stock: ", "and the horizon in each"],
    );
}

/// The per-SKU shrunk units and low-stock alerts are in every partial result: a missing one is
/// refused by field, not read as 0.
#[test]
fn per_sku_shrunk_units_and_alerts_are_not_optional() {
    for field in ["shrunk", "low_stock"] {
        let shards = catalog();
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("shards");
        std::fs::create_dir(&folder).unwrap();
        for (name, bytes) in &shards.0 {
            std::fs::write(folder.join(name), bytes).unwrap();
        }
        let path = folder.join("1-of-3.json");
        let mut file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let sku = file["content"]["stats"]["part2"]["skus"][20]
            .as_object_mut()
            .unwrap();
        sku.remove(field).unwrap();
        // The gift set's (it shrinks nothing, so a default of 0 would read the same). Not
        // resealed: the file is parsed before its checksum is checked.
        std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_oversell"))
            .arg("merge")
            .arg(&folder)
            .arg("--out")
            .arg(dir.path().join("m"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("1-of-3.json is not a partial result")
                && stderr.contains("content.stats.part2.skus[20]")
                && stderr.contains(&format!("missing field `{field}`")),
            "{stderr}"
        );
    }
}
