use clap::CommandFactory;

use super::*;

fn parse(args: &[&str]) -> Result<Cli, String> {
    Cli::try_parse_from(std::iter::once("oversell").chain(args.iter().copied()))
        .map_err(|e| e.to_string())
}

#[test]
fn every_command_that_prints_results_takes_a_format() {
    let cli = Cli::command();
    for (name, formats) in [
        ("run", "table json"),
        ("merge", "table json"),
        ("check", "table json"),
        ("bench", "table json"),
        ("compare", "table json csv"),
        ("demo", "table json csv"),
        ("timeline", "table json csv"),
        ("sweep", "table json csv"),
        ("tune", "table json csv"),
        ("import", "table json csv"),
    ] {
        let command = cli.find_subcommand(name).unwrap();
        let format = command
            .get_arguments()
            .find(|a| a.get_id() == "format")
            .unwrap_or_else(|| panic!("{name} has no --format"));
        let values: Vec<String> = format
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(values.join(" "), formats, "{name}");
    }
    // `serve` prints no results, only the address it listens on.
    assert!(
        (cli.find_subcommand("serve").unwrap().get_arguments()).all(|a| a.get_id() != "format")
    );
    assert_eq!(
        cli.get_subcommands().count(),
        11,
        "a new command needs a --format"
    );
}

#[test]
fn trial_counts_are_explained_in_words() {
    let e = parse(&["run", "--trials", "-5"]).unwrap_err();
    assert!(
        e.contains("must be a whole number of trials of at least 1; `-5` is a negative number"),
        "{e}"
    );
    assert!(
        !e.contains("tip") && !e.contains("-- -5"),
        "no tip about `--`: {e}"
    );
    let e = parse(&["run", "--trials", "0"]).unwrap_err();
    assert!(e.contains("0 trials would do nothing"), "{e}");
    let e = parse(&["bench", "--trials", "1e6"]).unwrap_err();
    assert!(e.contains("`1e6` is not a whole number"), "{e}");
    let e = parse(&["run", "--threads", "0"]).unwrap_err();
    assert!(e.contains("whole number of threads from 1 to 65535"), "{e}");
    let e = parse(&["run", "--seed", "-1"]).unwrap_err();
    assert!(e.contains("must be a whole number from 0 to"), "{e}");
    let e = parse(&["timeline", "--trial", "-1"]).unwrap_err();
    assert!(e.contains("a trial's index, a whole number from 0"), "{e}");
    let e = parse(&["serve", "--budget-ms", "5"]).unwrap_err();
    assert!(e.contains("5 is not in 10..=10000"), "{e}");
    let e = parse(&["serve", "--bind", "localhost:80"]).unwrap_err();
    assert!(e.contains("--bind <ADDR>"), "{e}");
    let e = parse(&["tune", "f.toml", "--catalog", "c.csv", "--max", "-1"]).unwrap_err();
    assert!(e.contains("whole number of units from 0 to 1000"), "{e}");
    let Command::Run(run) = parse(&["run", "--trials", "20"]).unwrap().command else {
        panic!("not run");
    };
    assert_eq!(run.options.trials, Some(20));
}

#[test]
fn the_cancel_risk_is_a_share_or_a_percentage() {
    for (text, p) in [("5%", 0.05), ("0.05", 0.05), ("0", 0.0)] {
        let args = [
            "tune",
            "f.toml",
            "--catalog",
            "c.csv",
            "--max-cancel-risk",
            text,
        ];
        let Command::Tune(tune) = parse(&args).unwrap().command else {
            panic!("not tune");
        };
        assert_eq!(tune.max_cancel_risk, Some(p), "{text}");
    }
    let e = parse(&[
        "tune",
        "f.toml",
        "--catalog",
        "c.csv",
        "--max-cancel-risk",
        "5",
    ]);
    assert!(e.unwrap_err().contains("(for a percentage write 5%)"));
}

#[test]
fn compare_names_its_baseline_and_the_other_files() {
    let usage = Cli::command()
        .find_subcommand_mut("compare")
        .unwrap()
        .render_usage()
        .to_string();
    assert!(usage.ends_with("<BASELINE> <FILE>..."), "{usage}");
    let Command::Compare(args) = parse(&["compare", "a.toml", "b.toml", "c.toml"])
        .unwrap()
        .command
    else {
        panic!("not compare");
    };
    let files: Vec<String> = args
        .files()
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    assert_eq!(files, ["a.toml", "b.toml", "c.toml"]);
    assert!(parse(&["compare", "a.toml"]).is_err());
}

#[test]
fn no_help_text_cites_a_file_the_command_does_not_write() {
    let mut cli = Cli::command();
    for name in ["compare", "bench", "demo", "sweep", "tune", "timeline"] {
        let help = cli
            .find_subcommand_mut(name)
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(!help.contains("summary.json"), "{name}: {help}");
    }
    let demo = cli
        .find_subcommand_mut("demo")
        .unwrap()
        .render_long_help()
        .to_string();
    assert!(!demo.contains("the scenario's"), "{demo}");
}
