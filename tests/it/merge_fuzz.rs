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

/// A folder of shards, its files' bytes by name, and the slug of the run.
type Shards = (tempfile::TempDir, Vec<(String, Vec<u8>)>, &'static str);

/// Three shards of `trials` trials of `scenario` (`None`: the built-in reference).
fn make_shards(scenario: Option<&str>, trials: &str, slug: &'static str) -> Shards {
    let dir = tempfile::tempdir().unwrap();
    for k in 0..3 {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oversell"));
        command.arg("run");
        if let Some(file) = scenario {
            command.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(file));
        }
        let status = command
            .args(["--trials", trials, "--seed", "5", "--threads", "1"])
            .args(["--shard", &format!("{k}/3"), "--out"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let shards = dir.path().join(slug).join("shards");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&shards)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    (dir, files, slug)
}

/// Three shards of a 40-trial run of the reference, made once.
fn pristine() -> &'static Shards {
    static SHARDS: OnceLock<Shards> = OnceLock::new();
    SHARDS.get_or_init(|| make_shards(None, "40", "reference"))
}

/// Three shards of a 12-trial run of the 20-SKU catalog (per-SKU sums, feed queues, API
/// buckets), made once.
fn pristine_catalog() -> &'static Shards {
    static SHARDS: OnceLock<Shards> = OnceLock::new();
    SHARDS.get_or_init(|| make_shards(Some("scenarios/catalog/small.toml"), "12", "small"))
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

/// A number changed or an item removed, always with a fresh checksum.
fn resealed_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        5 => (0..3usize, any::<usize>(), any::<u8>(), any::<u64>()).prop_map(
            |(shard, pick, how, random)| Mutation::Number { shard, pick, how, random, reseal: true }
        ),
        1 => (0..3usize, any::<usize>())
            .prop_map(|(shard, pick)| Mutation::Remove { shard, pick, reseal: true }),
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

/// What a mutation changed.
enum Applied {
    /// Nothing (the mutation did not apply).
    Nothing,
    /// The number at a JSON pointer, from one value to another.
    Number(String, Value, Value),
    /// Something else.
    Other,
}

/// Writes `shards` with `m` applied into a fresh folder. `under`: the JSON pointer the changed
/// number or removed item is picked under.
fn apply(shards: &Shards, m: &Mutation, folder: &Path, under: &str) -> Applied {
    let (_, files, _) = shards;
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
            numbers(file.pointer(under).unwrap(), under.into(), &mut found);
            let at = &found[pick % found.len()];
            let old = file.pointer(at).unwrap().clone();
            let new = changed(&old, how, random);
            if new == old {
                return Applied::Nothing;
            }
            *file.pointer_mut(at).unwrap() = new.clone();
            write_json(&json(shard), file, reseal);
            return Applied::Number(at.clone(), old, new);
        }
        Mutation::Remove {
            shard,
            pick,
            reseal,
        } => {
            let mut file = load(shard);
            let mut found = Vec::new();
            containers(file.pointer(under).unwrap(), under.into(), &mut found);
            let at = &found[pick % found.len()];
            match file.pointer_mut(at).unwrap() {
                Value::Array(items) if !items.is_empty() => {
                    items.remove(pick % items.len());
                }
                Value::Object(map) if !map.is_empty() => {
                    let key = map.keys().nth(pick % map.len()).unwrap().clone();
                    // A key that defaults to its value (`null`, `[]`) removed changes nothing.
                    match map.remove(&key) {
                        Some(Value::Null) => return Applied::Nothing,
                        Some(Value::Array(items)) if items.is_empty() => return Applied::Nothing,
                        _ => {}
                    }
                }
                _ => return Applied::Nothing,
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
    Applied::Other
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

/// `default`, or the number in `OVERSELL_FUZZ_CASES` (to search longer by hand).
fn fuzz_cases(default: u32) -> u32 {
    std::env::var("OVERSELL_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// Copies `shards` into a fresh folder `shards` of `dir`.
fn copy(shards: &Shards, dir: &Path) -> PathBuf {
    let folder = dir.join("shards");
    std::fs::create_dir(&folder).unwrap();
    for (name, bytes) in &shards.1 {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    folder
}

#[test]
fn the_pristine_shards_merge() {
    for shards in [pristine(), pristine_catalog()] {
        let dir = tempfile::tempdir().unwrap();
        let folder = copy(shards, dir.path());
        merge(folder, dir.path().join("out")).unwrap();
        assert!(
            dir.path()
                .join("out")
                .join(shards.2)
                .join("summary.json")
                .exists()
        );
    }
}

/// Applies `m` (under `under`) to `shards` and merges: the merge must fail with exit 2 and
/// write nothing, unless `may_pass` says the change is one the shard's files cannot show.
fn never_merged(
    shards: &Shards,
    m: &Mutation,
    under: &str,
    may_pass: fn(&str, &Value, &Value) -> bool,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("shards");
    std::fs::create_dir(&folder).unwrap();
    let applied = apply(shards, m, &folder, under);
    prop_assume!(!matches!(applied, Applied::Nothing));
    let result = merge(folder, dir.path().join("out"));
    if let Applied::Number(at, old, new) = &applied
        && may_pass(at, old, new)
    {
        // Merged or refused, but never a panic (merge returned).
        return Ok(());
    }
    let error = result.expect_err("a changed shard was merged");
    prop_assert_eq!(oversell::commands::exit_code(&error), 2, "{:#}", error);
    let summary = dir.path().join("out").join(shards.2).join("summary.json");
    prop_assert!(!summary.exists());
    Ok(())
}

/// Every change of the reference's shards shows.
fn none(_: &str, _: &Value, _: &Value) -> bool {
    false
}

/// The numbers of a catalog shard that its files can bound but not pin down, as no trial row
/// holds them: a SKU's count of trials that reported it or oversold (only bounded by the
/// trials and the run's oversells), a SKU's sums of money and time moved within the rounding
/// of fixed-point sums (a thousandth of a currency unit or second, over 12 trials), and the
/// buckets of a feed queue's wait sketches moved within their bucket (only its count is exact).
fn unprovable_in_a_catalog(at: &str, old: &Value, new: &Value) -> bool {
    let number = |v: &Value| match v {
        Value::String(s) => s.parse::<f64>().unwrap_or(f64::NAN),
        other => other.as_f64().unwrap_or(f64::NAN),
    };
    let Some(part2) = at.strip_prefix("/content/stats/part2/") else {
        return false;
    };
    let parts: Vec<&str> = part2.split('/').collect();
    match parts.as_slice() {
        ["skus", _, "reported" | "any_oversell"] => true,
        [
            "skus",
            _,
            "penalty" | "lost_margin" | "exposure" | "stockout",
        ] => (number(new) - number(old)).abs() <= 1e3,
        ["feeds", _, "2" | "3", "sum" | "sum_sq"] => true,
        ["feeds", _, "2" | "3", "bins", _, "min" | "max"] => true,
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_changed_shard_is_never_merged(m in mutation()) {
        never_merged(pristine(), &m, "/content", none)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: fuzz_cases(64), ..ProptestConfig::default() })]

    /// The measures of a catalog run, those trials.csv holds (money, windows, links) and those
    /// it does not (per-SKU sums, feed queues), each changed with a fresh checksum.
    #[test]
    fn a_changed_catalog_shard_is_never_merged(m in resealed_mutation()) {
        never_merged(pristine_catalog(), &m, "/content/stats/part2", unprovable_in_a_catalog)?;
    }
}
