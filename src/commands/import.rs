//! `oversell import --shopify orders_export.csv --amazon all_orders.txt --out client/`: reads order
//! exports, fits the demand they show and writes `skus.csv` (a Part 2 catalog), `scenario.toml`
//! (a starter scenario over it) and `fit.md` with its charts into the folder.
//!
//! The flags are defined here rather than in `cli.rs` so that the subcommand adds one line there;
//! they are resolved into [`Settings`] before anything is read.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::analysis::InputError;
pub use crate::cli::ImportArgs;
use crate::import::estimate::{Fit, Options, fit as fit_demand};
use crate::import::fit::{FileSummary, Inputs, fit_markdown};
use crate::import::generic::Columns;
use crate::import::{
    MAX_FILE_BYTES, MAX_ROW_ERRORS, Parsed, Tally, amazon, catalog, channel_key, decode, fit,
    generic, inventory, merge, scenario, shopify, time,
};
use crate::report::charts::import_daily_orders::DailyOrders;
use crate::report::charts::import_dispersion::Dispersion;
use crate::report::charts::import_hourly_profile::HourlyProfile;
use crate::report::charts::import_velocity_spread::VelocitySpread;
use crate::report::charts::save;
use crate::report::{Place, ResultSet};

/// What `import --format json` prints.
#[derive(Debug, serde::Serialize)]
struct Imported<'a> {
    /// The files written, in order.
    written: &'a [PathBuf],
    /// SKUs in the catalog.
    skus: usize,
    /// Channels found in the exports.
    channels: usize,
    /// Days in the exports' window.
    days: usize,
    /// What the reader and the estimates warned about.
    warnings: &'a [String],
}

/// The format a file is read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// `--shopify`.
    Shopify,
    /// `--amazon`.
    Amazon,
    /// `--csv`, sold on this channel where a row names none.
    Generic(String),
}

impl Format {
    fn label(&self) -> &'static str {
        match self {
            Format::Shopify => "Shopify orders export",
            Format::Amazon => "Amazon All Orders report",
            Format::Generic(_) => "CSV (--columns)",
        }
    }
}

/// What `import` was asked to do, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The exports, in the order given, with their format.
    pub files: Vec<(PathBuf, Format)>,
    /// The columns of the generic files.
    pub columns: Option<Columns>,
    /// `--tz`, and its name for the report.
    pub tz: Option<(jiff::tz::TimeZone, String)>,
    /// `--in-stock-days`.
    pub in_stock_days: Option<PathBuf>,
    /// `--inventory`.
    pub inventory: Option<PathBuf>,
    /// The folder written.
    pub out: PathBuf,
    /// The largest file read, bytes.
    pub max_file_bytes: u64,
}

impl Settings {
    /// Checks the flags.
    pub fn resolve(args: &ImportArgs) -> Result<Settings, InputError> {
        let mut files: Vec<(PathBuf, Format)> = Vec::new();
        files.extend(args.shopify.iter().map(|p| (p.clone(), Format::Shopify)));
        files.extend(args.amazon.iter().map(|p| (p.clone(), Format::Amazon)));
        for path in &args.csv {
            let channel = match &args.channel {
                Some(name) => channel_key(name),
                None => default_channel(path),
            };
            files.push((path.clone(), Format::Generic(channel)));
        }
        if files.is_empty() {
            return Err(InputError::flag(
                "import",
                "give at least one order export: --shopify FILE, --amazon FILE or --csv FILE \
                 --columns time=...,sku=...",
            ));
        }
        let columns = match (&args.columns, args.csv.is_empty()) {
            (Some(text), _) => Some(Columns::parse(text)?),
            (None, false) => {
                return Err(InputError::flag(
                    "--csv",
                    "needs --columns time=HEADER,sku=HEADER[,qty=...][,channel=...][,price=...] \
                     naming the file's headers",
                ));
            }
            (None, true) => None,
        };
        let tz = match &args.tz {
            Some(text) => Some((
                time::parse_tz(text).map_err(|m| InputError::flag(format!("--tz {text}"), m))?,
                text.clone(),
            )),
            None => None,
        };
        Ok(Settings {
            files,
            columns,
            tz,
            in_stock_days: args.in_stock_days.clone(),
            inventory: args.inventory.clone(),
            out: args.out.clone(),
            max_file_bytes: MAX_FILE_BYTES,
        })
    }
}

/// The channel of a generic file: the first word of its name (`walmart` for
/// `walmart_orders_2025.csv`).
fn default_channel(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let word: String = stem
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    channel_key(&word)
}

/// Runs `oversell import`.
pub fn import(args: &ImportArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let settings = Settings::resolve(args)?;
    let outcome = run(&settings)?;
    for warning in &outcome.inputs.warnings {
        super::to_stderr(format_args!("warning: {warning}"));
    }
    match args.format {
        crate::cli::TraceFormat::Table => stdout.write_all(outcome.summary.as_bytes())?,
        crate::cli::TraceFormat::Json => {
            let imported = Imported {
                written: &outcome.written,
                skus: outcome.fit.skus.len(),
                channels: outcome.fit.channels.len(),
                days: outcome.fit.days,
                warnings: &outcome.inputs.warnings,
            };
            stdout.write_all(crate::report::pretty_json(&imported).as_bytes())?;
        }
        crate::cli::TraceFormat::Csv => {
            stdout.write_all(catalog::catalog_csv(&outcome.fit)?.as_bytes())?;
        }
    }
    Ok(())
}

/// What an import wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The fitted demand.
    pub fit: Fit,
    /// What was read.
    pub inputs: Inputs,
    /// The files written.
    pub written: Vec<PathBuf>,
    /// The text printed on stdout.
    pub summary: String,
}

/// Reads, fits and writes everything `settings` asks for.
pub fn run(settings: &Settings) -> anyhow::Result<Outcome> {
    let mut warnings = Vec::new();
    let mut parsed_files: Vec<Parsed> = Vec::new();
    let mut errors: Vec<InputError> = Vec::new();
    let mut more_errors = 0;
    for (index, (path, format)) in settings.files.iter().enumerate() {
        let name = path.display().to_string();
        let text = read_capped(path, settings.max_file_bytes, &mut warnings)?;
        let parsed = match format {
            Format::Shopify => shopify::parse(&name, index, &text)?,
            Format::Amazon => amazon::parse(&name, index, &text)?,
            Format::Generic(channel) => {
                let columns = settings.columns.as_ref().ok_or_else(|| {
                    InputError::flag("--csv", "needs --columns naming the file's headers")
                })?;
                generic::parse(&name, index, &text, columns, channel)?
            }
        };
        warnings.extend(parsed.warnings.iter().cloned());
        errors.extend(parsed.errors.iter().cloned());
        more_errors += parsed.more_errors;
        parsed_files.push(parsed);
    }
    if !errors.is_empty() {
        return Err(unreadable_rows(&errors, more_errors).into());
    }
    let files: Vec<FileSummary> = settings
        .files
        .iter()
        .zip(&parsed_files)
        .map(|((path, format), parsed)| FileSummary {
            path: path.display().to_string(),
            format: format.label(),
            kept: parsed.lines.len() as u64,
            tally: parsed.tally.clone(),
        })
        .collect();
    let mut total = Tally::default();
    let lines = merge(parsed_files, &mut total);
    let options = Options {
        tz: settings.tz.as_ref().map(|(tz, _)| tz.clone()),
        in_stock: read_optional(
            &settings.in_stock_days,
            settings.max_file_bytes,
            &mut warnings,
            inventory::in_stock,
        )?,
        on_hand: read_optional(
            &settings.inventory,
            settings.max_file_bytes,
            &mut warnings,
            inventory::on_hand,
        )?,
    };
    let zone = match &settings.tz {
        Some((_, name)) => name.clone(),
        None => {
            offsets_warning(&lines, &mut warnings);
            "the offset written with each time".to_string()
        }
    };
    let Some(fit) = fit_demand(&lines, &options) else {
        return Err(InputError::flag(
            "import",
            format!(
                "no orders left to import: of {} rows, {} were cancelled, {} test orders, {} \
                 shipped by the marketplace and {} already read",
                total.rows,
                total.cancelled,
                total.test,
                total.marketplace_fulfilled.values().sum::<u64>(),
                total.duplicates
            ),
        )
        .into());
    };
    let mut inputs = Inputs {
        files,
        total,
        zone,
        warnings,
        charts: Vec::new(),
        inventory_given: settings.inventory.is_some(),
    };
    let written = write_outputs(settings, &fit, &mut inputs)?;
    let summary = summary(&fit, &inputs, &settings.out);
    Ok(Outcome {
        fit,
        inputs,
        written,
        summary,
    })
}

/// Writes the catalog, the scenario, the charts and the report.
fn write_outputs(
    settings: &Settings,
    fit: &Fit,
    inputs: &mut Inputs,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut set = ResultSet::begin(Place::import(&settings.out), None, false)?;
    let mut written = vec![
        set.write(catalog::FILE, catalog::catalog_csv(fit)?.as_bytes())?,
        set.write(
            scenario::FILE,
            scenario::scenario_toml(fit, &inputs.zone, inputs.total.currency()).as_bytes(),
        )?,
    ];
    let charts = [
        save(&DailyOrders::from_fit(fit), &mut set, "daily_orders")?,
        save(
            &HourlyProfile::from_fit(fit, &inputs.zone),
            &mut set,
            "hourly_profile",
        )?,
        save(&VelocitySpread::from_fit(fit), &mut set, "velocities")?,
        save(&Dispersion::from_fit(fit), &mut set, "dispersion")?,
    ];
    for paths in charts {
        for path in paths {
            if path.extension().is_some_and(|e| e == "png") {
                inputs.charts.push(
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                );
            }
            written.push(path);
        }
    }
    written.push(set.write(fit::FILE, fit_markdown(fit, inputs).as_bytes())?);
    set.commit()?;
    Ok(written)
}

/// The text of a file of at most `max` bytes (a larger one is refused with a message).
fn read_capped(path: &Path, max: u64, warnings: &mut Vec<String>) -> Result<String, InputError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| InputError::catalog(&name, 0, None, format!("cannot read the file: {e}")))?;
    let too_big = |size: u64| {
        InputError::catalog(
            &name,
            0,
            None,
            format!(
                "is {}; oversell import reads files of up to {}: export a shorter date range \
                 (several files per flag are fine, and orders in two overlapping files are counted \
                 once)",
                bytes(size),
                bytes(max)
            ),
        )
    };
    if let Ok(meta) = file.metadata()
        && meta.len() > max
    {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::catalog(&name, 0, None, format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(decode(&name, &bytes, warnings))
}

/// A file size for a message.
fn bytes(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{} MB", n / 1_000_000)
    } else {
        format!("{n} bytes")
    }
}

/// Reads an optional stock file with `parse`.
fn read_optional<T>(
    path: &Option<PathBuf>,
    max: u64,
    warnings: &mut Vec<String>,
    parse: fn(&str, &str) -> Result<T, InputError>,
) -> Result<Option<T>, InputError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = read_capped(path, max, warnings)?;
    parse(&path.display().to_string(), &text).map(Some)
}

/// One error naming every unreadable row (up to [`MAX_ROW_ERRORS`] of each file; `more` were
/// counted but not kept).
fn unreadable_rows(errors: &[InputError], more: u64) -> InputError {
    if let ([one], 0) = (errors, more) {
        return one.clone();
    }
    let mut message = String::from("fix or remove them in the export");
    for error in errors.iter().take(MAX_ROW_ERRORS) {
        message.push_str(&format!("\n  {error}"));
    }
    let left = (errors.len().saturating_sub(MAX_ROW_ERRORS)) as u64 + more;
    if left > 0 {
        message.push_str(&format!("\n  ... and {left} more"));
    }
    let total = errors.len() as u64 + more;
    InputError::flag(format!("{total} rows cannot be read"), message)
}

/// Warns when times were written with different offsets and no `--tz` puts them on one clock.
fn offsets_warning(lines: &[crate::import::OrderLine], warnings: &mut Vec<String>) {
    let mut offsets: Vec<String> = lines
        .iter()
        .filter_map(|l| l.offset.map(|o| o.to_string()))
        .collect();
    offsets.sort();
    offsets.dedup();
    if offsets.len() > 1 {
        warnings.push(format!(
            "times are written with different UTC offsets ({}): each is counted on its own clock, \
             so days and hourly profiles of different files may be shifted against each other; \
             give --tz (like --tz Europe/Berlin) to count them all in the shop's zone",
            offsets.join(", ")
        ));
    }
}

/// What is printed on stdout.
fn summary(fit: &Fit, inputs: &Inputs, out: &Path) -> String {
    let total = &inputs.total;
    let orders: u64 = fit.channels.iter().map(|c| c.orders).sum();
    let mut text = format!(
        "read {} file(s), {} rows: {} orders of {} SKUs over {} days from {}\n",
        inputs.files.len(),
        total.rows,
        orders,
        fit.skus.len(),
        fit.days,
        fit.first_day
    );
    text.push_str(&format!(
        "left out: {} cancelled, {} test, {} shipped by the marketplace, {} duplicates of overlapping exports\n",
        total.cancelled,
        total.test,
        total.marketplace_fulfilled.values().sum::<u64>(),
        total.duplicates
    ));
    for c in &fit.channels {
        text.push_str(&format!(
            "  {:<12} {:>7} orders  share {:.3}  qty {}\n",
            c.name,
            c.orders,
            c.share,
            c.qty.model.toml().trim_matches('"')
        ));
    }
    let estimated = fit
        .skus
        .iter()
        .filter(|s| s.cv_basis == crate::import::estimate::CvBasis::Estimated)
        .count();
    text.push_str(&format!(
        "demand_cv estimated for {estimated} of {} SKUs (the others have too little evidence: 0)\n",
        fit.skus.len()
    ));
    let placeholders = fit.skus.iter().filter(|s| s.initial_placeholder).count();
    if placeholders > 0 {
        text.push_str(&format!(
            "initial is a PLACEHOLDER for {placeholders} SKUs ({})\n",
            if inputs.inventory_given {
                "not in --inventory"
            } else {
                "give --inventory"
            }
        ));
    }
    text.push_str(&format!(
        "wrote {0}/skus.csv, {0}/scenario.toml (its stack is a TEMPLATE), {0}/fit.md and 4 charts\n\
         next: oversell run {0}/scenario.toml\n",
        out.display()
    ));
    text
}
