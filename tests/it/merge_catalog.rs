//! A catalog run split into shards and merged, from any folder: the partial results carry the
//! catalog, so `merge` reads no file but theirs, and writes the same summary.json, skus.csv and
//! trials.csv, byte for byte, as the whole run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use oversell::report::partial::{Partial, PartialContent};
use serde_json::Value;

/// Runs the binary in `cwd` (the results go to `out`).
fn oversell(cwd: &Path, args: &[&str], out: &Path) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_oversell"))
        .current_dir(cwd)
        .args(args)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("run oversell");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A copy of the 20-SKU catalog scenario and its catalog in `dir`; returns the scenario file.
fn copy_catalog_scenario(dir: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/catalog");
    std::fs::create_dir_all(dir).unwrap();
    for file in ["small.toml", "skus-20.csv"] {
        std::fs::copy(from.join(file), dir.join(file)).unwrap();
    }
    dir.join("small.toml")
}

/// Runs `shards` shards of the scenario (from a folder of their own), then moves their folder
/// away and deletes the scenario and its catalog; returns the moved `small` folder.
fn moved_shards(root: &Path, shards: u64, trials: &str) -> PathBuf {
    let scenario = copy_catalog_scenario(&root.join("scenario"));
    let cwd = root.join("worker");
    std::fs::create_dir_all(&cwd).unwrap();
    for k in 0..shards {
        let shard = format!("{k}/{shards}");
        let args = [
            "run",
            scenario.to_str().unwrap(),
            "--trials",
            trials,
            "--seed",
            "11",
            "--threads",
            "1",
            "--shard",
            &shard,
        ];
        oversell(&cwd, &args, Path::new("parts"));
    }
    let moved = root.join("elsewhere/parts");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(cwd.join("parts"), &moved).unwrap();
    std::fs::remove_dir_all(root.join("scenario")).unwrap();
    moved.join("small")
}

#[test]
fn catalog_shards_merged_anywhere_equal_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = copy_catalog_scenario(&dir.path().join("whole-scenario"));
    let whole = dir.path().join("whole");
    let args = [
        "run",
        scenario.to_str().unwrap(),
        "--trials",
        "21",
        "--seed",
        "11",
    ];
    oversell(dir.path(), &args, &whole);
    for shards in [2, 3] {
        let root = dir.path().join(format!("split-{shards}"));
        let parts = moved_shards(&root, shards, "21");
        // Merged from yet another folder, by a relative path to the moved shards.
        let cwd = root.join("elsewhere");
        let merged = root.join("merged");
        oversell(&cwd, &["merge", "parts/small"], &merged);
        assert!(parts.join("shards").is_dir());
        for file in ["summary.json", "skus.csv", "trials.csv"] {
            let a = std::fs::read(whole.join("small").join(file)).unwrap();
            let b = std::fs::read(merged.join("small").join(file)).unwrap();
            assert!(a == b, "{file} of {shards} merged shards differs");
        }
        let skus = std::fs::read_to_string(merged.join("small/skus.csv")).unwrap();
        assert_eq!(
            skus.lines().count(),
            22,
            "a header and 21 SKUs (with the gift set)"
        );
    }
}

/// Edits the content of the partial result at `path` and writes it with a fresh checksum.
fn reseal(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut file["content"]);
    let content: PartialContent = serde_json::from_value(file["content"].clone()).unwrap();
    std::fs::write(path, Partial::new(content).unwrap().to_json().unwrap()).unwrap();
}

/// `merge` of `shards` exits 2 with every part of `says` in its message.
fn refused(shards: &Path, out: &Path, says: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(["merge", shards.to_str().unwrap(), "--out"])
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for part in says {
        assert!(stderr.contains(part), "`{part}` not in: {stderr}");
    }
    assert!(!out.join("small/summary.json").exists());
}

#[test]
fn the_catalog_a_shard_carries_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let parts = moved_shards(dir.path(), 3, "9");
    let shards = parts.join("shards");
    let pristine: Vec<(PathBuf, Vec<u8>)> = (0..3)
        .map(|k| {
            let path = shards.join(format!("{k}-of-3.json"));
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    let restore = || {
        for (path, bytes) in &pristine {
            std::fs::write(path, bytes).unwrap();
        }
    };
    let out = dir.path().join("m");
    let one = &pristine[1].0;
    let price = |c: &mut Value| {
        let text = c["catalog"]["text"].as_str().unwrap();
        let edited = text.replacen(",50.92,", ",51.92,", 1);
        assert_ne!(edited, text);
        c["catalog"]["sha256"] = oversell::report::sha256_hex(edited.as_bytes()).into();
        c["catalog"]["text"] = edited.into();
    };

    reseal(one, |c| {
        c.as_object_mut().unwrap().remove("catalog");
    });
    refused(
        &shards,
        &out,
        &[
            "1-of-3.json: catalog: ",
            "`[catalog] file` (skus-20.csv) was not given",
        ],
    );
    restore();
    reseal(one, |c| {
        let text = c["catalog"]["text"]
            .as_str()
            .unwrap()
            .replacen(",50.92,", ",51.92,", 1);
        c["catalog"]["text"] = text.into();
    });
    refused(
        &shards,
        &out,
        &["1-of-3.json: catalog.sha256: is not the SHA-256 of catalog.text"],
    );
    restore();
    reseal(one, price);
    refused(
        &shards,
        &out,
        &["not shards of the same run", "catalogs (catalog)"],
    );
    restore();
    // The same edit in every shard: the scenario no longer gives the shards' trials.
    for (path, _) in &pristine {
        reseal(path, price);
    }
    refused(&shards, &out, &["0-of-3.json"]);
    restore();
    reseal(one, |c| {
        c["catalog"]["text"] = "sku,price\nONE,\u{7f}\n".into();
        c["catalog"]["sha256"] = oversell::report::sha256_hex(b"sku,price\nONE,\x7f\n").into();
    });
    refused(&shards, &out, &["1-of-3.json: catalog: "]);
}

#[test]
fn a_catalog_given_to_a_scenario_without_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("parts");
    let args = ["run", "--trials", "6", "--seed", "1", "--shard", "0/1"];
    oversell(dir.path(), &args, &parts);
    let path = parts.join("reference/shards/0-of-1.json");
    reseal(&path, |c| {
        c["catalog"] = serde_json::json!({
            "file": "skus.csv",
            "sha256": oversell::report::sha256_hex(b"sku\nA\n"),
            "text": "sku\nA\n",
        });
    });
    let output = Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(["merge", path.to_str().unwrap(), "--out"])
        .arg(dir.path().join("m"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("0-of-1.json: catalog: ") && stderr.contains("has no `[catalog] file`"),
        "{stderr}"
    );
}

#[test]
fn a_catalog_changed_after_the_scenario_was_loaded_is_not_carried() {
    use oversell::report::partial::CatalogCopy;
    let dir = tempfile::tempdir().unwrap();
    let file = copy_catalog_scenario(dir.path());
    let source = oversell::scenario::Source::load(Some(&file)).unwrap();
    let origin = file.display().to_string();
    let copy = CatalogCopy::of(&source.scenario, &source.text, &origin)
        .unwrap()
        .expect("a catalog scenario carries its catalog");
    assert_eq!(
        copy.file,
        dir.path().join("skus-20.csv").display().to_string()
    );
    assert_eq!(
        copy.sha256,
        oversell::report::sha256_hex(copy.text.as_bytes())
    );
    // The catalog edited between loading the scenario and sealing the shard.
    let csv = dir.path().join("skus-20.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, text.replacen(",50.92,", ",51.92,", 1)).unwrap();
    let error = CatalogCopy::of(&source.scenario, &source.text, &origin).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("changed while the shard read it"),
        "{error:#}"
    );
    // A scenario without a catalog carries none.
    let reference = oversell::scenario::Source::load(None).unwrap();
    assert!(
        CatalogCopy::of(&reference.scenario, &reference.text, "")
            .unwrap()
            .is_none()
    );
}
