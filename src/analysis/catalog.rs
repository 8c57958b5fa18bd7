//! The SKU catalog of `oversell tune`: one row per SKU with its stock, velocity and margin, and
//! optionally how its demand splits over channels and what an oversell costs on each.
//!
//! Columns: `sku`, `initial` (units), `orders_per_day` (all channels), `unit_margin`, then any of
//! `share_<channel>` (a fraction of the SKU's orders) and `penalty_<channel>` (currency per
//! oversold order). An empty cell means "as in the scenario". Lines starting with `#` are
//! comments.

use std::collections::HashMap;
use std::path::Path;

use super::input::InputError;
use crate::scenario::{Scenario, read_capped};

/// Columns every catalog has.
const REQUIRED: [&str; 4] = ["sku", "initial", "orders_per_day", "unit_margin"];
/// How far shares may be from adding up to 1 and still count as 1.
const SHARE_TOLERANCE: f64 = 1e-3;

/// One SKU of the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct Sku {
    /// The SKU's name.
    pub sku: String,
    /// Line of the catalog file, from 1.
    pub line: u64,
    /// Units on hand at the start (`stock.initial`).
    pub initial: i64,
    /// Orders per day over all channels.
    pub orders_per_day: f64,
    /// Margin per unit, currency (`stock.unit_margin`).
    pub unit_margin: f64,
    /// Orders per day of each channel of the scenario, in scenario order.
    pub channel_orders_per_day: Vec<f64>,
    /// Penalty per oversold order of each channel, where the catalog overrides the scenario's.
    pub penalties: Vec<Option<f64>>,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Sku,
    Initial,
    OrdersPerDay,
    UnitMargin,
    Share(usize),
    Penalty(usize),
}

/// The largest catalog file read, bytes (64 MiB): about a million SKU rows, far more than one
/// `tune` can simulate in a day.
pub const MAX_CATALOG_BYTES: usize = 64 << 20;

/// Reads the catalog file at `path`, no further than [`MAX_CATALOG_BYTES`].
pub fn read_catalog(path: &Path) -> Result<String, InputError> {
    let file = path.display().to_string();
    let cannot =
        |e: String| InputError::catalog(&file, 0, None, format!("cannot read the catalog: {e}"));
    match read_capped(path, MAX_CATALOG_BYTES) {
        Err(e) => Err(cannot(e.to_string())),
        Ok(None) => Err(InputError::catalog(
            &file,
            0,
            None,
            format!(
                "the catalog is larger than {} MiB, the most a catalog may hold; split it",
                MAX_CATALOG_BYTES >> 20
            ),
        )),
        Ok(Some(bytes)) => {
            String::from_utf8(bytes).map_err(|e| cannot(format!("not UTF-8 text ({e})")))
        }
    }
}

/// Reads the catalog `text` (from `file`, named in errors) for `scenario`'s channels. Line
/// numbers count every line of the file (comments, blank lines, `\r\n` endings, lines inside
/// quoted cells); a leading byte-order mark is ignored.
pub fn parse_catalog(file: &str, text: &str, scenario: &Scenario) -> Result<Vec<Sku>, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = LineIndex::new(text);
    let line_of = |position: Option<&csv::Position>| {
        position.map_or(0, |p| lines.record_line(text, p.byte()))
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        InputError::catalog(
            file,
            line_of(e.position()),
            None,
            format!("not valid CSV: {e}"),
        )
    };
    let headers = reader.headers().map_err(csv_error)?.clone();
    let header_line = line_of(headers.position());
    let columns = columns(&headers, scenario).map_err(|(column, message)| {
        InputError::catalog(file, header_line, column.as_deref(), message)
    })?;
    let mut skus: Vec<Sku> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = line_of(record.position());
        let sku = row(&columns, &headers, &record, scenario).map_err(|(column, message)| {
            InputError::catalog(file, line, column.as_deref(), message)
        })?;
        if let Some(first) = seen.get(&sku.sku) {
            return Err(InputError::catalog(
                file,
                line,
                Some("sku"),
                format!("`{}` is already on line {first}", sku.sku),
            ));
        }
        seen.insert(sku.sku.clone(), line);
        skus.push(Sku { line, ..sku });
    }
    if skus.is_empty() {
        return Err(InputError::catalog(file, 0, None, "has no SKU rows"));
    }
    Ok(skus)
}

/// Where each line of a text starts, to turn a byte offset into a line number.
struct LineIndex {
    /// Byte offsets of the `\n`s.
    newlines: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let newlines = text
            .bytes()
            .enumerate()
            .filter_map(|(i, b)| (b == b'\n').then_some(i))
            .collect();
        LineIndex { newlines }
    }

    /// The line, from 1, holding byte `offset`.
    fn line(&self, offset: usize) -> u64 {
        self.newlines.partition_point(|&at| at < offset) as u64 + 1
    }

    /// The line, from 1, where the record read from byte `offset` starts. The csv crate's
    /// position is where its reader stood: before the line end of the previous record (`\n` of
    /// a `\r\n`), blank lines and comment lines, which it skips and does not count.
    fn record_line(&self, text: &str, offset: u64) -> u64 {
        let bytes = text.as_bytes();
        let mut at = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        loop {
            match bytes.get(at) {
                Some(b'\r' | b'\n') => at += 1,
                Some(b'#') => {
                    at = match self.newlines.get(self.line(at) as usize - 1) {
                        Some(&end) => end + 1,
                        None => bytes.len(),
                    }
                }
                _ => break,
            }
        }
        self.line(at)
    }
}

/// What each header names; every required column must be there, and nothing unknown.
fn columns(
    headers: &csv::StringRecord,
    scenario: &Scenario,
) -> Result<Vec<Column>, (Option<String>, String)> {
    let channel = |name: &str, header: &str| {
        scenario
            .channels
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| {
                let known: Vec<String> = scenario
                    .channels
                    .iter()
                    .map(|c| format!("`{}`", c.name))
                    .collect();
                (
                    Some(header.to_owned()),
                    format!(
                        "the scenario has no channel `{name}`; its channels are {}",
                        known.join(", ")
                    ),
                )
            })
    };
    let mut columns: Vec<Column> = Vec::with_capacity(headers.len());
    for header in headers {
        let column = match header {
            "sku" => Column::Sku,
            "initial" => Column::Initial,
            "orders_per_day" => Column::OrdersPerDay,
            "unit_margin" => Column::UnitMargin,
            _ => {
                if let Some(name) = header.strip_prefix("share_") {
                    Column::Share(channel(name, header)?)
                } else if let Some(name) = header.strip_prefix("penalty_") {
                    Column::Penalty(channel(name, header)?)
                } else {
                    return Err((
                        Some(header.to_owned()),
                        "unknown column; expected sku, initial, orders_per_day, unit_margin, \
                         share_<channel> or penalty_<channel>"
                            .to_owned(),
                    ));
                }
            }
        };
        if columns.contains(&column) {
            return Err((Some(header.to_owned()), "appears twice".to_owned()));
        }
        columns.push(column);
    }
    for (name, column) in REQUIRED.iter().zip([
        Column::Sku,
        Column::Initial,
        Column::OrdersPerDay,
        Column::UnitMargin,
    ]) {
        if !columns.contains(&column) {
            return Err((
                Some((*name).to_owned()),
                format!(
                    "is missing; a catalog has the columns {}",
                    REQUIRED.join(", ")
                ),
            ));
        }
    }
    Ok(columns)
}

/// One SKU row (its `line` is set by the caller).
fn row(
    columns: &[Column],
    headers: &csv::StringRecord,
    record: &csv::StringRecord,
    scenario: &Scenario,
) -> Result<Sku, (Option<String>, String)> {
    let channels = scenario.channels.len();
    let mut sku = Sku {
        sku: String::new(),
        line: 0,
        initial: 0,
        orders_per_day: 0.0,
        unit_margin: 0.0,
        channel_orders_per_day: Vec::new(),
        penalties: vec![None; channels],
    };
    let mut shares: Vec<Option<f64>> = vec![None; channels];
    for ((column, header), cell) in columns.iter().zip(headers).zip(record) {
        let at = |message: String| (Some(header.to_owned()), message);
        match column {
            Column::Sku if cell.is_empty() => {
                return Err((
                    Some(header.to_owned()),
                    "is empty; every SKU needs a name".into(),
                ));
            }
            Column::Sku => sku.sku = cell.to_owned(),
            Column::Initial => sku.initial = whole(cell).map_err(at)?,
            Column::OrdersPerDay => sku.orders_per_day = number(cell, None).map_err(at)?,
            Column::UnitMargin => sku.unit_margin = number(cell, None).map_err(at)?,
            Column::Share(_) | Column::Penalty(_) if cell.is_empty() => {}
            Column::Share(c) => shares[*c] = Some(number(cell, Some(1.0)).map_err(at)?),
            Column::Penalty(c) => sku.penalties[*c] = Some(number(cell, None).map_err(at)?),
        }
    }
    sku.channel_orders_per_day = split(sku.orders_per_day, &shares, scenario)?;
    Ok(sku)
}

/// A whole number of at least 0.
fn whole(cell: &str) -> Result<i64, String> {
    match cell.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(format!(
            "expected a whole number of at least 0, found `{cell}`"
        )),
    }
}

/// A finite number of at least 0 (and at most `max`, if given).
fn number(cell: &str, max: Option<f64>) -> Result<f64, String> {
    let range = max.map_or("of at least 0".to_owned(), |m| format!("from 0 to {m}"));
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 && max.is_none_or(|m| x <= m) => Ok(x),
        _ => Err(format!("expected a number {range}, found `{cell}`")),
    }
}

/// Orders per day of each channel: the given shares as they are, the rest of the SKU's orders
/// over the other channels in proportion to their rates in the scenario (equally if those are
/// all 0).
fn split(
    orders_per_day: f64,
    shares: &[Option<f64>],
    scenario: &Scenario,
) -> Result<Vec<f64>, (Option<String>, String)> {
    let given: f64 = shares.iter().flatten().sum();
    let rest: Vec<usize> = (0..shares.len()).filter(|&c| shares[c].is_none()).collect();
    if given > 1.0 + SHARE_TOLERANCE {
        return Err((None, format!("the shares add up to {given}, more than 1")));
    }
    if rest.is_empty() && (given - 1.0).abs() > SHARE_TOLERANCE {
        return Err((
            None,
            format!(
                "the shares add up to {given}; with a share for every channel they must add up to 1"
            ),
        ));
    }
    let rates: Vec<f64> = rest
        .iter()
        .map(|&c| scenario.channels[c].orders_per_hour)
        .collect();
    let total: f64 = rates.iter().sum();
    let left = (1.0 - given).max(0.0);
    let mut per_day: Vec<f64> = shares
        .iter()
        .map(|s| s.map_or(0.0, |s| orders_per_day * s))
        .collect();
    for (&c, &rate) in rest.iter().zip(&rates) {
        let part = if total > 0.0 {
            rate / total
        } else {
            1.0 / rest.len() as f64
        };
        per_day[c] = orders_per_day * left * part;
    }
    Ok(per_day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{BUILTIN_REFERENCE, load_str};

    fn reference() -> Scenario {
        load_str("reference.toml", BUILTIN_REFERENCE).unwrap()
    }

    fn error(text: &str) -> String {
        parse_catalog("skus.csv", text, &reference())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn rows_split_their_orders_by_the_scenario_s_rates_unless_shares_are_given() {
        // The reference sells 40, 30, 10 and 12 (0.5 an hour) orders a day.
        let text = "sku,initial,orders_per_day,unit_margin,share_amazon,penalty_walmart\n\
                    # a comment\n\
                    A,10,92,3.5,,\n\
                    B,4,10,1,0.5,45\n";
        let skus = parse_catalog("skus.csv", text, &reference()).unwrap();
        assert_eq!(skus.len(), 2);
        let a = &skus[0];
        assert_eq!((a.sku.as_str(), a.initial, a.unit_margin), ("A", 10, 3.5));
        for (got, want) in a
            .channel_orders_per_day
            .iter()
            .zip([40.0, 30.0, 10.0, 12.0])
        {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        let b = &skus[1];
        assert_eq!(b.line, 4);
        assert_eq!(b.channel_orders_per_day[1], 5.0);
        // The other 5 orders a day over shopify, walmart and pos as 40 : 10 : 12.
        assert!((b.channel_orders_per_day[0] - 5.0 * 40.0 / 62.0).abs() < 1e-9);
        assert_eq!(b.penalties, [None, None, Some(45.0), None]);
    }

    #[test]
    fn lines_count_crlf_comments_blank_lines_and_a_bom() {
        let header = "sku,initial,orders_per_day,unit_margin";
        // CRLF: the bad row is line 3.
        let text = format!("{header}\r\nA,1,5,1\r\nB,x,5,1\r\n");
        assert!(
            error(&text).starts_with("skus.csv:3: column `initial`"),
            "{}",
            error(&text)
        );
        // Comments and blank lines count: the bad row is line 9.
        let text = format!("# catalog\n\n{header}\n# a\n\nA,1,5,1\n\n# b\nB,x,5,1\n");
        assert!(
            error(&text).starts_with("skus.csv:9: column `initial`"),
            "{}",
            error(&text)
        );
        let text = format!("# catalog\r\n\r\n{header}\r\nA,1,5,1\r\nA,1,5,1\r\n");
        assert_eq!(
            error(&text),
            "skus.csv:5: column `sku`: `A` is already on line 4"
        );
        // A byte-order mark and quoted commas (and a quoted newline).
        let text =
            format!("\u{feff}{header}\r\n\"A, large\",1,5,1\r\n\"B\nx\",2,5,1\r\nC,x,1,1\r\n");
        assert!(
            error(&text).starts_with("skus.csv:5: column `initial`"),
            "{}",
            error(&text)
        );
        let ok = format!("\u{feff}{header}\r\n\"A, large\",1,5,1\r\n");
        let skus = parse_catalog("skus.csv", &ok, &reference()).unwrap();
        assert_eq!((skus[0].sku.as_str(), skus[0].line), ("A, large", 2));
    }

    #[test]
    fn a_catalog_larger_than_the_cap_is_refused() {
        let e = read_catalog(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/dev/zero: the catalog is larger than 64 MiB, the most a catalog may hold; split it"
        );
    }

    #[test]
    fn errors_name_the_line_and_column() {
        assert_eq!(
            error("sku,initial,orders_per_day,unit_margin\nA,ten,5,1\n"),
            "skus.csv:2: column `initial`: expected a whole number of at least 0, found `ten`"
        );
        assert_eq!(
            error("sku,initial,orders_per_day,unit_margin,share_ebay\nA,1,5,1,0.2\n"),
            "skus.csv:1: column `share_ebay`: the scenario has no channel `ebay`; its channels \
             are `shopify`, `amazon`, `walmart`, `pos`"
        );
        assert!(
            error("sku,initial,orders_per_day\nA,1,5\n")
                .starts_with("skus.csv:1: column `unit_margin`: is missing")
        );
        assert!(
            error("sku,initial,orders_per_day,unit_margin,colour\n")
                .contains("column `colour`: unknown column")
        );
        assert_eq!(
            error("sku,initial,orders_per_day,unit_margin\nA,1,5,1\nA,2,5,1\n"),
            "skus.csv:3: column `sku`: `A` is already on line 2"
        );
        assert!(
            error("sku,initial,orders_per_day,unit_margin,share_amazon\nA,1,5,1,1.5\n")
                .contains("column `share_amazon`: expected a number from 0 to 1, found `1.5`")
        );
        assert!(
            error("sku,initial,orders_per_day,unit_margin\nA,1,5\n")
                .starts_with("skus.csv:2: not valid CSV")
        );
        assert_eq!(
            error("sku,initial,orders_per_day,unit_margin\n"),
            "skus.csv: has no SKU rows"
        );
    }
}
