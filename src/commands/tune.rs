//! `oversell tune FILE --catalog skus.csv`: for each SKU of a catalog, the safety stock (a
//! channel `buffer` or `out_of_stock_at`) that minimises expected penalty plus lost margin;
//! writes `<out>/<catalog-stem>/tune/` and prints the recommendations.

use std::io::Write;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::InputError;
use crate::analysis::account::account_check;
use crate::analysis::catalog::{Sku, parse_catalog, read_catalog};
use crate::analysis::edit::ScenarioDoc;
use crate::analysis::tune::{
    Knob, Recommendation, Search, TuneSpec, Tuning, search_report, tune as tune_skus,
};
use crate::cli::{DataFormat, Shard, TuneArgs, TuneKnob, TuneSearch};
use crate::montecarlo::RunConfig;
use crate::report::charts::tune_recommendations::tune_chart;
use crate::report::output::shard_files;
use crate::report::tune_partial::{TunePartial, TunePartialContent};
use crate::report::tune_report::{recommendations_csv, tune_json, tune_table};
use crate::report::{Place, ResultSet, file, sha256_hex};
use crate::scenario::{Scenario, Source, slug};

/// The confidence of every SKU's decisions together.
pub const CONFIDENCE: f64 = 0.95;

/// Reads the catalog, tunes every SKU in parallel (or one shard of them), writes
/// `recommendations.csv`, `tune.json` and the chart (or the shard's partial result), and prints
/// the recommendations in `args.format`.
pub fn tune(args: &TuneArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let source = Source::load(Some(&args.file))?;
    let catalog_slug = catalog_slug(&args.catalog);
    let place = match args.shard {
        Some(shard) => Place::shard(
            &args.options.out.join(&catalog_slug),
            "tune-shards",
            shard.index,
            shard.count,
        ),
        None => Place::tune(&args.options.out, &catalog_slug),
    };
    let set = ResultSet::begin(place, None, args.options.force)?;
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
    let range = match args.shard {
        Some(shard) => TunePartial::range(skus.len() as u64, shard.index, shard.count),
        None => 0..skus.len() as u64,
    };
    let part = &skus[range.start as usize..range.end as usize];

    let bar = ProgressBar::new(part.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} SKUs  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let recommendations = tune_skus(&doc, &catalog, part, &spec, config, &|| bar.inc(1))?;
    bar.finish_and_clear();
    if let Some(shard) = args.shard {
        let content = TunePartialContent {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario_text: source.text.clone(),
            scenario_sha256: sha256_hex(source.text.as_bytes()),
            scenario_file: args.file.display().to_string(),
            catalog,
            catalog_sha256: sha256_hex(text.as_bytes()),
            catalog_text: text,
            spec,
            trials: config.trials,
            seed: config.seed,
            shard: shard.index,
            shards: shard.count,
            first: range.start,
            end: range.end,
            skus: recommendations,
        };
        return write_shard(content, shard, set, stdout);
    }
    let finished = Finished {
        doc: &doc,
        file: args.file.display().to_string(),
        catalog,
        skus: &skus,
        spec: &spec,
        config,
    };
    finished.write(recommendations, set, args.format, stdout)
}

/// Writes a shard's partial result and says where.
fn write_shard(
    content: TunePartialContent,
    shard: Shard,
    mut set: ResultSet,
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    let (first, end, total) = (content.first, content.end, content.skus.len());
    let sha = content.scenario_sha256[..12].to_owned();
    let partial = TunePartial::new(content)?;
    let (json_path, _) = shard_files(Path::new(""), shard.index, shard.count);
    let path = set.write(&json_path, partial.to_json()?.as_bytes())?;
    set.commit()?;
    writeln!(
        stdout,
        "tune shard {}/{}: SKUs {first}..{end} ({total}) of the catalog (scenario sha256 {sha}); \
         wrote {}",
        shard.index,
        shard.count,
        path.display()
    )?;
    Ok(())
}

/// Everything a finished tuning needs to be checked as an account and written: the same for a
/// whole `tune` and for `merge` of its shards, so both write the same bytes.
pub(crate) struct Finished<'a> {
    /// The scenario.
    pub doc: &'a ScenarioDoc,
    /// The scenario file, as given.
    pub file: String,
    /// The catalog file, as given.
    pub catalog: String,
    /// Every SKU of the catalog.
    pub skus: &'a [Sku],
    /// What was tuned.
    pub spec: &'a TuneSpec,
    /// Trials (the cap), seed and threads.
    pub config: RunConfig,
}

impl Finished<'_> {
    /// Runs the account check (with a risk cap), then writes `recommendations.csv`, `tune.json`
    /// and the chart into `set` and prints the recommendations in `format`.
    pub fn write(
        &self,
        recommendations: Vec<Recommendation>,
        mut set: ResultSet,
        format: DataFormat,
        stdout: &mut dyn Write,
    ) -> anyhow::Result<()> {
        let (doc, spec, config) = (self.doc, self.spec, self.config);
        let scenario = &doc.scenario;
        let account = match spec.max_cancel_risk {
            Some(cap) => {
                let values: Vec<i64> = recommendations.iter().map(|r| r.recommended).collect();
                Some(account_check(
                    doc,
                    &self.catalog,
                    self.skus,
                    spec,
                    &values,
                    cap,
                    config,
                )?)
            }
            None => None,
        };
        let tuning = Tuning {
            scenario: scenario.name.clone(),
            file: self.file.clone(),
            catalog: self.catalog.clone(),
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
            search: search_report(doc, spec, config, &recommendations),
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

        match format {
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
        search: match args.search {
            TuneSearch::Fast => Search::Fast,
            TuneSearch::Exhaustive => Search::Exhaustive,
        },
        screen: (args.screen > 0.0).then_some(args.screen),
        confidence: CONFIDENCE,
    })
}

/// The folder name of a catalog: its file stem, made file-name-safe.
pub(crate) fn catalog_slug(path: &Path) -> String {
    slug(
        &path
            .file_stem()
            .map_or_else(|| "catalog".into(), |s| s.to_string_lossy()),
    )
}
