//! Each command's `--out` help says where its results go: run the command into a fresh folder
//! with few trials and check that the folder its help names is the one it wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const REFERENCE: &str = include_str!("../../scenarios/reference.toml");
const CATALOG: &str = "sku,initial,orders_per_day,unit_margin\nA-1,6,20,4\n";

fn oversell(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oversell"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("start oversell")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The folder the `--out` help of `command` names, like `DIR/<scenario-slug>/sweep/`.
fn out_help(dir: &Path, command: &str) -> String {
    let help = text(&oversell(dir, &[command, "--help"]).stdout);
    let at = help
        .find("they go to DIR/")
        .unwrap_or_else(|| panic!("{command}: no `they go to DIR/` in --help:\n{help}"));
    let named = help[at + "they go to ".len()..]
        .split_whitespace()
        .next()
        .unwrap();
    named.trim_end_matches(['.', ',', ';']).to_owned()
}

/// The help's folder with DIR and the placeholders filled in.
fn resolve(named: &str, out: &Path) -> PathBuf {
    let relative = named
        .strip_prefix("DIR/")
        .unwrap()
        .replace("<scenario-slug>", "stack")
        .replace("<catalog-stem>", "skus");
    out.join(relative)
}

#[test]
fn every_out_help_names_the_folder_the_command_writes() {
    let sandbox = tempfile::tempdir().unwrap();
    let dir = sandbox.path();
    std::fs::write(dir.join("stack.toml"), REFERENCE).unwrap();
    std::fs::write(dir.join("other.toml"), REFERENCE).unwrap();
    std::fs::write(dir.join("skus.csv"), CATALOG).unwrap();
    // A shard to merge.
    let shard = oversell(
        dir,
        &[
            "run",
            "stack.toml",
            "--trials",
            "20",
            "--shard",
            "0/1",
            "--out",
            "shards",
        ],
    );
    assert!(shard.status.success(), "{}", text(&shard.stderr));
    let cases: [(&str, &[&str]); 7] = [
        ("run", &["stack.toml", "--trials", "20"]),
        ("compare", &["stack.toml", "other.toml", "--trials", "20"]),
        ("demo", &["--trials", "20"]),
        ("timeline", &["stack.toml"]),
        (
            "sweep",
            &[
                "stack.toml",
                "--vary",
                "channels.amazon.buffer=0,1",
                "--trials",
                "20",
            ],
        ),
        (
            "tune",
            &[
                "stack.toml",
                "--catalog",
                "skus.csv",
                "--max",
                "1",
                "--trials",
                "20",
            ],
        ),
        ("merge", &["shards/stack/shards"]),
    ];
    for (command, args) in cases {
        let out = dir.join(format!("out-{command}"));
        let mut all = vec![command];
        all.extend_from_slice(args);
        all.extend(["--out", out.to_str().unwrap()]);
        let output = oversell(dir, &all);
        assert!(
            output.status.success(),
            "{command}: {}",
            text(&output.stderr)
        );
        let named = out_help(dir, command);
        let folder = resolve(&named, &out);
        let written = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{command}: its help names {named}, but {e}"))
            .count();
        assert!(written > 0, "{command}: {} is empty", folder.display());
    }
    // The demo's help names report.html in its folder.
    assert!(dir.join("out-demo/demo/report.html").is_file());
}
