//! `merge` trusts nothing in a shard's files: every edit of a partial result or of its CSV is
//! refused with exit 2, a message naming the file and the field, no panic, and nothing written
//! outside `--out`. Edits are tried raw (caught by the checksum) and "resealed" with a fresh
//! checksum (caught by the consistency checks).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use oversell::report::partial::{Partial, PartialContent};
use serde_json::Value;

fn oversell(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(args)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("run oversell")
}

/// Three shards of a 90-trial run of the built-in reference; returns the `shards/` folder.
fn shards(root: &Path, seed: &str) -> PathBuf {
    let parts = root.join(format!("parts-{seed}"));
    for k in 0..3 {
        let shard = format!("{k}/3");
        let args = [
            "run",
            "--trials",
            "90",
            "--seed",
            seed,
            "--threads",
            "1",
            "--shard",
            &shard,
        ];
        let output = oversell(&args, &parts);
        assert!(output.status.success(), "{output:?}");
    }
    parts.join("reference/shards")
}

/// Edits the content of the partial result at `path`; `reseal`: write a matching checksum.
fn edit(path: &Path, reseal: bool, change: impl FnOnce(&mut Value)) {
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut file["content"]);
    let text = if reseal {
        let content: PartialContent = serde_json::from_value(file["content"].clone()).unwrap();
        Partial::new(content).unwrap().to_json().unwrap()
    } else {
        serde_json::to_string(&file).unwrap()
    };
    std::fs::write(path, text).unwrap();
}

/// Merges `shards` into `out` and asserts exit 2 with every part of `says` in the message.
fn refused(shards: &Path, out: &Path, says: &[&str]) {
    let output = oversell(&["merge", shards.to_str().unwrap()], out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for part in says {
        assert!(stderr.contains(part), "`{part}` not in: {stderr}");
    }
    assert!(!out.join("reference/summary.json").exists());
}

/// Each case edits shard 1 of a fresh set, raw then resealed.
fn each_edit(raw_says: &[&str], sealed_says: &[&str], change: impl Fn(&mut Value)) {
    for reseal in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let shards = shards(dir.path(), "1");
        edit(&shards.join("1-of-3.json"), reseal, &change);
        let says = if reseal { sealed_says } else { raw_says };
        refused(&shards, &dir.path().join("m"), says);
    }
}

fn metric<'a>(content: &'a mut Value, scope: &str, metric: usize) -> &'a mut Value {
    let stats = &mut content["stats"];
    let scope = if scope == "total" {
        &mut stats["total"]
    } else {
        &mut stats["channels"][scope.parse::<usize>().unwrap()]
    };
    &mut scope["metrics"][metric]
}

const CHECKSUM: &[&str] = &["1-of-3.json: checksum: "];

#[test]
fn zero_shards_is_refused_not_a_division_by_zero() {
    each_edit(CHECKSUM, &["1-of-3.json: shards: 0"], |c| {
        c["shards"] = 0.into()
    });
}

#[test]
fn a_channel_removed_from_every_shard_is_refused_not_a_panic() {
    for reseal in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let shards = shards(dir.path(), "1");
        for k in 0..3 {
            edit(&shards.join(format!("{k}-of-3.json")), reseal, |c| {
                c["stats"]["channels"].as_array_mut().unwrap().pop();
            });
        }
        let says: &[&str] = if reseal {
            &["stats.channels: 3 where the scenario has 4"]
        } else {
            &["checksum"]
        };
        refused(&shards, &dir.path().join("m"), says);
    }
}

#[test]
fn a_metric_removed_is_refused_not_a_panic() {
    each_edit(
        CHECKSUM,
        &["stats.channels[0] (shopify).metrics: 10 measures"],
        |c| {
            c["stats"]["channels"][0]["metrics"]
                .as_array_mut()
                .unwrap()
                .pop();
        },
    );
}

#[test]
fn a_missing_channel_in_one_shard_is_refused() {
    each_edit(CHECKSUM, &["1-of-3.json: stats.channels: 3 where"], |c| {
        c["stats"]["channels"].as_array_mut().unwrap().remove(2);
    });
}

#[test]
fn changed_sums_counts_maxima_and_n_are_refused() {
    // 5e9 added to a sum of counts (millionths: 5,000 orders).
    each_edit(CHECKSUM, &["metrics[0] (arrivals).sum: "], |c| {
        let sum: u128 = metric(c, "0", 0)["sum"].as_str().unwrap().parse().unwrap();
        metric(c, "0", 0)["sum"] = (sum + 5_000_000_000).to_string().into();
    });
    // 5e9 added to a sum of money: inside the sketch's range only if it stays between the
    // buckets' bounds; the trial rows catch the rest.
    each_edit(CHECKSUM, &["1-of-3.json: stats"], |c| {
        let sum: u128 = metric(c, "total", 6)["sum"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        metric(c, "total", 6)["sum"] = (sum + 5_000_000_000).to_string().into();
    });
    // A histogram count +500.
    each_edit(
        CHECKSUM,
        &["metrics[0] (arrivals).bins: the histogram counts"],
        |c| {
            let bins = metric(c, "0", 0)["bins"].as_object_mut().unwrap();
            let first = bins.values_mut().next().unwrap();
            let count = first["count"].as_u64().unwrap();
            first["count"] = (count + 500).into();
        },
    );
    each_edit(
        CHECKSUM,
        &["metrics[9] (exposure_seconds).max: 1000000 is not"],
        |c| {
            metric(c, "0", 9)["max"] = 1e6.into();
        },
    );
    each_edit(CHECKSUM, &["metrics[2] (fulfilled).n: 0 values"], |c| {
        metric(c, "total", 2)["n"] = 0.into();
    });
    // A count no histogram holds: the total is over the limit when a channel is.
    each_edit(CHECKSUM, &["1-of-3.json: stats.total.over_limit: "], |c| {
        let over = c["stats"]["total"]["over_limit"].as_u64().unwrap();
        c["stats"]["total"]["over_limit"] = (over + 1).into();
    });
}

#[test]
fn a_changed_seed_or_scenario_is_refused() {
    each_edit(
        CHECKSUM,
        &["not shards of the same run", "seeds (seed)"],
        |c| {
            c["seed"] = 7.into();
        },
    );
    each_edit(CHECKSUM, &["1-of-3.json: scenario_sha256: "], |c| {
        let text = c["scenario_text"]
            .as_str()
            .unwrap()
            .replace("initial = 60", "initial = 61");
        c["scenario_text"] = text.into();
    });
    // Edited with a matching hash: no longer the scenario of the other shards.
    each_edit(
        CHECKSUM,
        &["not shards of the same run", "scenarios (scenario_sha256)"],
        |c| {
            let text = c["scenario_text"]
                .as_str()
                .unwrap()
                .replace("initial = 60", "initial = 61");
            c["scenario_sha256"] = oversell::report::sha256_hex(text.as_bytes()).into();
            c["scenario_text"] = text.into();
        },
    );
}

#[test]
fn every_shard_resealed_with_another_seed_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shards(dir.path(), "1");
    for k in 0..3 {
        edit(&shards.join(format!("{k}-of-3.json")), true, |c| {
            c["seed"] = 7.into()
        });
    }
    refused(
        &shards,
        &dir.path().join("m"),
        &[
            "0-of-3.json: seed: trial 0 run again with seed 7",
            "0-of-3.csv",
        ],
    );
}

#[test]
fn a_shifted_range_is_refused() {
    each_edit(CHECKSUM, &["1-of-3.json: first: trials 31..60"], |c| {
        c["first"] = 31.into();
    });
}

#[test]
fn a_csv_from_another_seed_or_cut_short_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shards(dir.path(), "1");
    let other = self::shards(dir.path(), "2");
    std::fs::copy(other.join("1-of-3.csv"), shards.join("1-of-3.csv")).unwrap();
    refused(&shards, &dir.path().join("m"), &["1-of-3.csv: "]);

    let shards = self::shards(&dir.path().join("again"), "1");
    let csv = std::fs::read_to_string(shards.join("2-of-3.csv")).unwrap();
    let cut: String = csv.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(shards.join("2-of-3.csv"), cut).unwrap();
    refused(
        &shards,
        &dir.path().join("m"),
        &["2-of-3.csv: rows: 2 rows for the 30 trials of the shard"],
    );
}

#[test]
fn an_endless_csv_is_not_read_into_memory() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shards(dir.path(), "1");
    // One endless field: without a cap the CSV reader would buffer it all.
    let path = shards.join("1-of-3.csv");
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    refused(&shards, &dir.path().join("m"), &["1-of-3.csv: "]);
}

#[test]
fn a_slug_field_cannot_send_the_results_outside_out() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shards(dir.path(), "1");
    // The old format's `slug` field is not part of a partial result.
    edit(&shards.join("0-of-3.json"), true, |_| {});
    let path = shards.join("0-of-3.json");
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    file["content"]["slug"] = "../../escaped_by_merge".into();
    std::fs::write(&path, serde_json::to_string(&file).unwrap()).unwrap();
    refused(
        &shards,
        &dir.path().join("m"),
        &["0-of-3.json", "unknown field `slug`"],
    );

    // A scenario file named with `..` or an absolute path only names the folder inside --out.
    for file in [
        "../../escaped_by_merge.toml",
        "/tmp/x/../../escaped_by_merge.toml",
        "..",
    ] {
        let root = tempfile::tempdir().unwrap();
        let shards = self::shards(root.path(), "1");
        for k in 0..3 {
            edit(&shards.join(format!("{k}-of-3.json")), true, |c| {
                c["scenario_file"] = file.into();
            });
        }
        let out = root.path().join("deep/m");
        let output = oversell(&["merge", shards.to_str().unwrap()], &out);
        assert!(output.status.success(), "{output:?}");
        let made: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        // Without a file stem, the folder is named after the scenario.
        let expected = if file == ".." {
            "shopify-hub-15-minute-marketplace-polling-hourly-erp"
        } else {
            "escaped-by-merge"
        };
        assert_eq!(made, [expected], "{file}");
        let beside: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!beside.iter().any(|n| n.contains("escaped")), "{beside:?}");
    }
}
