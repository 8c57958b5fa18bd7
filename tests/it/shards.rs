//! A run split into shards (as on a batch system) and merged gives the same results, byte for
//! byte, as the whole run on one machine.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn oversell(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(args)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::null())
        .output()
        .expect("run oversell")
}

fn run_shards(out: &Path, trials: &str, seed: &str, shards: u64) {
    for k in 0..shards {
        let shard = format!("{k}/{shards}");
        let args = [
            "run",
            "--trials",
            trials,
            "--seed",
            seed,
            "--threads",
            "1",
            "--shard",
            &shard,
        ];
        let output = oversell(&args, out);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn merged_shards_equal_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let output = oversell(&["run", "--trials", "2501", "--seed", "17"], &whole);
    assert!(output.status.success());
    // 2501 trials in 4 uneven shards, each run single-threaded.
    let parts = dir.path().join("parts");
    run_shards(&parts, "2501", "17", 4);
    let merged = dir.path().join("merged");
    let output = oversell(
        &["merge", parts.join("reference").to_str().unwrap()],
        &merged,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for file in ["summary.json", "trials.csv"] {
        let a = std::fs::read(whole.join("reference").join(file)).unwrap();
        let b = std::fs::read(merged.join("reference").join(file)).unwrap();
        assert!(
            a == b,
            "{file} differs between the whole run and the merged shards"
        );
    }
    let csv = std::fs::read_to_string(merged.join("reference/trials.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2502);
}

#[test]
fn incomplete_or_mixed_shards_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let parts = dir.path().join("parts");
    run_shards(&parts, "300", "1", 3);
    let shards = parts.join("reference").join("shards");
    std::fs::remove_file(shards.join("1-of-3.json")).unwrap();
    let output = oversell(&["merge", shards.to_str().unwrap()], &dir.path().join("m"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing shards: 1/3"));

    // A shard of another seed is not part of the same run.
    let other = dir.path().join("other");
    let args = ["run", "--trials", "300", "--seed", "2", "--shard", "1/3"];
    assert!(oversell(&args, &other).status.success());
    let stray = other.join("reference/shards/1-of-3.json");
    let output = Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(["merge", shards.to_str().unwrap(), stray.to_str().unwrap()])
        .arg("--out")
        .arg(dir.path().join("m"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not shards of the same run"));
}

#[test]
fn shard_flags_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["3/3", "1/0", "x/2", "2"] {
        let output = oversell(&["run", "--trials", "10", "--shard", bad], dir.path());
        assert_eq!(output.status.code(), Some(2), "--shard {bad}");
    }
}

#[test]
fn the_batch_script_takes_its_shard_from_kubernetes_or_slurm() {
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/batch/shard.sh");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/polling-15m.toml");
    let parts = dir.path().join("parts");
    // Shards 0 and 1 as Kubernetes Indexed Job pods, shard 2 as a Slurm array task.
    for (variable, index) in [
        ("JOB_COMPLETION_INDEX", "0"),
        ("JOB_COMPLETION_INDEX", "1"),
        ("SLURM_ARRAY_TASK_ID", "2"),
    ] {
        let status = Command::new("sh")
            .arg(script)
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env(variable, index)
            .envs([
                ("OVERSELL", env!("CARGO_BIN_EXE_oversell")),
                ("SCENARIO", scenario),
                ("TRIALS", "900"),
                ("SHARDS", "3"),
                ("SEED", "4"),
            ])
            .env("OUT", &parts)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{variable}={index}");
    }
    let merged = dir.path().join("merged");
    let output = oversell(
        &["merge", parts.join("polling-15m").to_str().unwrap()],
        &merged,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let whole = dir.path().join("whole");
    let args = ["run", scenario, "--trials", "900", "--seed", "4"];
    assert!(oversell(&args, &whole).status.success());
    let a = std::fs::read(whole.join("polling-15m/summary.json")).unwrap();
    let b = std::fs::read(merged.join("polling-15m/summary.json")).unwrap();
    assert!(a == b, "the merged batch shards differ from the whole run");

    // Without a shard index the script says what is missing.
    let output = Command::new("sh")
        .arg(script)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("JOB_COMPLETION_INDEX"));
}
