//! `oversell tune FILE --catalog skus.csv`: for each SKU of a catalog, the safety stock (a
//! channel `buffer` or `out_of_stock_at`) that minimises expected penalty plus lost margin;
//! writes `<out>/<catalog-stem>/tune/` and prints the recommendations.

use std::io::Write;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::InputError;
use crate::analysis::account::account_check;
use crate::analysis::catalog::{parse_catalog, read_catalog};
use crate::analysis::edit::ScenarioDoc;
use crate::analysis::tune::{Knob, TuneSpec, Tuning, tune as tune_skus};
use crate::cli::{DataFormat, TuneArgs, TuneKnob};
use crate::report::charts::tune_recommendations::tune_chart;
use crate::report::tune_report::{recommendations_csv, tune_json, tune_table};
use crate::report::{Place, ResultSet, file};
use crate::scenario::{Scenario, Source, slug};

/// Reads the catalog, tunes every SKU in parallel, writes `recommendations.csv`, `tune.json` and
/// the chart, and prints the recommendations in `args.format`.
pub fn tune(args: &TuneArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::load(Some(&args.file))?;
    let place = Place::tune(&args.options.out, &catalog_slug(&args.catalog));
    let mut set = ResultSet::begin(place, None, args.options.force)?;
    let scenario = &source.scenario;
    let catalog = args.catalog.display().to_string();
    let text = read_catalog(&args.catalog)?;
    let skus = parse_catalog(&catalog, &text, scenario)?;
    let spec = spec(args, scenario)?;
    let doc = ScenarioDoc::new(
        &args.file.display().to_string(),
        &source.text,
        scenario.clone(),
    )?;
    let config = args.options.config(scenario);

    let bar = ProgressBar::new(skus.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} SKUs  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let recommendations = tune_skus(&doc, &catalog, &skus, &spec, config, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let account = match spec.max_cancel_risk {
        Some(cap) => {
            let values: Vec<i64> = recommendations.iter().map(|r| r.recommended).collect();
            Some(account_check(
                &doc, &catalog, &skus, &spec, &values, cap, config,
            )?)
        }
        None => None,
    };

    let tuning = Tuning {
        scenario: scenario.name.clone(),
        file: args.file.display().to_string(),
        catalog: catalog.clone(),
        knob: spec.knob,
        channels: spec
            .channels
            .iter()
            .map(|&c| scenario.channels[c].name.clone())
            .collect(),
        max: spec.max,
        max_cancel_risk: spec.max_cancel_risk,
        trials: config.trials,
        seed: config.seed,
        currency: scenario.currency.clone(),
        skus: recommendations,
        account,
    };
    let csv = recommendations_csv(&tuning)?;
    let json = tune_json(&tuning);
    set.write(file::RECOMMENDATIONS_CSV, &csv)?;
    set.write(file::TUNE_JSON, json.as_bytes())?;
    let charts = tune_chart(&tuning, &mut set, file::RECOMMENDATIONS)?;
    let dir = set.dir().to_owned();
    set.commit()?;

    match args.format {
        DataFormat::Json => stdout.write_all(json.as_bytes())?,
        DataFormat::Csv => stdout.write_all(&csv)?,
        DataFormat::Table => {
            stdout.write_all(tune_table(&tuning).as_bytes())?;
            writeln!(stdout, "results in {}", dir.display())?;
            if let Some(png) = charts
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == "png"))
            {
                writeln!(stdout, "chart: {}", png.display())?;
            }
        }
    }
    Ok(())
}

/// The tuning settings from the flags, checked against the scenario.
fn spec(args: &TuneArgs, scenario: &Scenario) -> Result<TuneSpec, InputError> {
    let names: Vec<String> = scenario
        .channels
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect();
    let channels: Vec<usize> = if args.channels.is_empty() {
        let limited: Vec<usize> = (0..scenario.channels.len())
            .filter(|&c| scenario.channels[c].cancel_rate_limit.is_some())
            .collect();
        if limited.is_empty() {
            return Err(InputError::flag(
                "--channels",
                format!(
                    "no channel has a cancel_rate_limit to choose by default; name the channels \
                     to tune, from {}",
                    names.join(", ")
                ),
            ));
        }
        limited
    } else {
        let mut chosen = Vec::new();
        for name in &args.channels {
            let c = scenario
                .channels
                .iter()
                .position(|c| &c.name == name)
                .ok_or_else(|| {
                    InputError::flag(
                        format!("--channels {}", args.channels.join(",")),
                        format!(
                            "no channel is called `{name}`; the channels are {}",
                            names.join(", ")
                        ),
                    )
                })?;
            if !chosen.contains(&c) {
                chosen.push(c);
            }
        }
        chosen
    };
    let unlimited = scenario
        .channels
        .iter()
        .all(|c| c.cancel_rate_limit.is_none());
    if let (Some(p), true) = (args.max_cancel_risk, unlimited) {
        return Err(InputError::flag(
            format!("--max-cancel-risk {p}"),
            "no channel has a cancel_rate_limit, so there is no risk to cap",
        ));
    }
    Ok(TuneSpec {
        knob: match args.knob {
            TuneKnob::Buffer => Knob::Buffer,
            TuneKnob::OutOfStockAt => Knob::OutOfStockAt,
        },
        channels,
        max: i64::from(args.max),
        max_cancel_risk: args.max_cancel_risk,
    })
}

/// The folder name of a catalog: its file stem, made file-name-safe.
fn catalog_slug(path: &Path) -> String {
    slug(
        &path
            .file_stem()
            .map_or_else(|| "catalog".into(), |s| s.to_string_lossy()),
    )
}
