//! Property test of the merge reader: shards with one number changed, one field removed or one
//! CSV byte changed, with or without a fresh checksum, are never merged and never panic: merge
//! returns a `MergeError` (exit 2).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use oversell::cli::{Format, MergeArgs};
use oversell::report::partial::{Partial, PartialContent};
use proptest::prelude::*;
use serde_json::Value;

/// A folder of shards and its files' bytes by name.
type Shards = (tempfile::TempDir, Vec<(String, Vec<u8>)>);

/// Three shards of a 40-trial run, made once.
fn pristine() -> &'static Shards {
    static SHARDS: OnceLock<Shards> = OnceLock::new();
    SHARDS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        for k in 0..3 {
            let status = Command::new(env!("CARGO_BIN_EXE_oversell"))
                .args(["run", "--trials", "40", "--seed", "5", "--threads", "1"])
                .args(["--shard", &format!("{k}/3"), "--out"])
                .arg(dir.path())
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let shards = dir.path().join("reference/shards");
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&shards)
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&path).unwrap())
            })
            .collect();
        files.sort();
        (dir, files)
    })
}

/// Every number in `value` (sums are decimal strings), as JSON pointers.
fn numbers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Number(_) => out.push(at),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => out.push(at),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                numbers(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                numbers(
                    item,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

/// `old` changed by `how` (never to the same value).
fn changed(old: &Value, how: u8, random: u64) -> Value {
    let text = match old {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let as_float = text.parse::<f64>().unwrap();
    let new: Value = match how % 6 {
        0 => (as_float + 1.0).into(),
        1 => (as_float * 2.0 + 0.5).into(),
        2 if as_float != 0.0 => 0.into(),
        3 => (random % 1000).into(),
        4 => (as_float - 1.0).into(),
        _ => random.into(),
    };
    let same = new.as_f64() == Some(as_float);
    let new = if same { (as_float + 3.0).into() } else { new };
    match old {
        // A decimal string stays a string when the new value is a whole number.
        Value::String(_) => match new.as_f64() {
            Some(v) if v >= 0.0 && v.fract() == 0.0 => Value::String(format!("{v:.0}")),
            _ => new,
        },
        Value::Number(n) if n.is_u64() => match new.as_f64() {
            Some(v) if v >= 0.0 && v.fract() == 0.0 && v < 1.8e19 => (v as u64).into(),
            _ => new,
        },
        _ => new,
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Change one number of one shard's partial result.
    Number {
        shard: usize,
        pick: usize,
        how: u8,
        random: u64,
        reseal: bool,
    },
    /// Remove one object key or array element.
    Remove {
        shard: usize,
        pick: usize,
        reseal: bool,
    },
    /// Change one byte of one shard's CSV.
    CsvByte { shard: usize, pick: usize, xor: u8 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (0..3usize, any::<usize>(), any::<u8>(), any::<u64>(), any::<bool>()).prop_map(
            |(shard, pick, how, random, reseal)| Mutation::Number { shard, pick, how, random, reseal }
        ),
        1 => (0..3usize, any::<usize>(), any::<bool>())
            .prop_map(|(shard, pick, reseal)| Mutation::Remove { shard, pick, reseal }),
        1 => (0..3usize, any::<usize>(), 1..=255u8)
            .prop_map(|(shard, pick, xor)| Mutation::CsvByte { shard, pick, xor }),
    ]
}

/// Containers of `value` with their pointer.
fn containers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            out.push(at.clone());
            for (i, item) in items.iter().enumerate() {
                containers(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            out.push(at.clone());
            for (key, item) in map {
                containers(
                    item,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

fn write_json(path: &Path, file: Value, reseal: bool) {
    let sealed = reseal
        .then(|| serde_json::from_value::<PartialContent>(file["content"].clone()).ok())
        .flatten();
    let text = match sealed {
        Some(content) => Partial::new(content).unwrap().to_json().unwrap(),
        None => serde_json::to_string(&file).unwrap(),
    };
    std::fs::write(path, text).unwrap();
}

/// Writes the shards with `m` applied into a fresh folder; false if `m` changes nothing.
fn apply(m: &Mutation, folder: &Path) -> bool {
    let (_, files) = pristine();
    for (name, bytes) in files {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    let json = |shard: usize| folder.join(format!("{shard}-of-3.json"));
    let load = |shard: usize| -> Value {
        serde_json::from_slice(&std::fs::read(json(shard)).unwrap()).unwrap()
    };
    match *m {
        Mutation::Number {
            shard,
            pick,
            how,
            random,
            reseal,
        } => {
            let mut file = load(shard);
            let mut found = Vec::new();
            numbers(&file["content"], "/content".into(), &mut found);
            let at = &found[pick % found.len()];
            let old = file.pointer(at).unwrap().clone();
            let new = changed(&old, how, random);
            if new == old {
                return false;
            }
            *file.pointer_mut(at).unwrap() = new;
            write_json(&json(shard), file, reseal);
        }
        Mutation::Remove {
            shard,
            pick,
            reseal,
        } => {
            let mut file = load(shard);
            let mut found = Vec::new();
            containers(&file["content"], "/content".into(), &mut found);
            let at = &found[pick % found.len()];
            match file.pointer_mut(at).unwrap() {
                Value::Array(items) if !items.is_empty() => {
                    items.remove(pick % items.len());
                }
                Value::Object(map) if !map.is_empty() => {
                    let key = map.keys().nth(pick % map.len()).unwrap().clone();
                    map.remove(&key);
                }
                _ => return false,
            }
            write_json(&json(shard), file, reseal);
        }
        Mutation::CsvByte { shard, pick, xor } => {
            let path = folder.join(format!("{shard}-of-3.csv"));
            let mut bytes = std::fs::read(&path).unwrap();
            let at = pick % bytes.len();
            bytes[at] ^= xor;
            std::fs::write(&path, bytes).unwrap();
        }
    }
    true
}

fn merge(folder: PathBuf, out: PathBuf) -> anyhow::Result<()> {
    let args = MergeArgs {
        paths: vec![folder],
        out,
        force: true,
        format: Format::Json,
    };
    oversell::commands::merge::merge(&args, &mut Vec::new())
}

#[test]
fn the_pristine_shards_merge() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("shards");
    std::fs::create_dir(&folder).unwrap();
    let (_, files) = pristine();
    for (name, bytes) in files {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    merge(folder, dir.path().join("out")).unwrap();
    assert!(dir.path().join("out/reference/summary.json").exists());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_changed_shard_is_never_merged(m in mutation()) {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("shards");
        std::fs::create_dir(&folder).unwrap();
        prop_assume!(apply(&m, &folder));
        let error = merge(folder, dir.path().join("out"))
            .expect_err("a changed shard was merged");
        prop_assert_eq!(oversell::commands::exit_code(&error), 2, "{:#}", error);
        prop_assert!(!dir.path().join("out/reference/summary.json").exists());
    }
}
