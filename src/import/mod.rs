//! `oversell import`, the pure part: order exports (Shopify, Amazon, a generic CSV) in, the demand
//! they show out: velocities, channel shares, quantities per order, hourly profiles and day-to-day
//! variability per SKU, written as a Part 2 catalog, a starter scenario and a fit report.
//!
//! Every function here takes text and returns values; `commands::import` reads and writes files.
//! One module per input format (`shopify`, `amazon`, `generic`, `inventory`), one for reading times
//! (`time`), one for estimation (`estimate`) and one per output (`catalog`, `scenario`, `fit`).

pub mod amazon;
pub mod catalog;
pub mod estimate;
pub mod fit;
pub mod generic;
pub mod inventory;
pub mod scenario;
pub mod shopify;
pub mod time;

use std::collections::{BTreeMap, HashMap};

use jiff::civil::DateTime;
use jiff::tz::Offset;

use crate::analysis::InputError;

/// The largest export file read, bytes: larger files are refused with a message (split the export
/// by date; overlapping exports are de-duplicated).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// One line item that counts as demand: one SKU of one order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    /// Index of the file it came from, in the order the files were given.
    pub file: usize,
    /// Line of the file where its row starts, from 1.
    pub line: u64,
    /// The order's id (Shopify `Name`, `amazon-order-id`), where the file has one.
    pub order: Option<String>,
    /// The channel it was sold on (a scenario channel name).
    pub channel: String,
    /// The SKU (or, where the row has none, the line item's name).
    pub sku: String,
    /// Units, at least 1.
    pub qty: u32,
    /// Price of one unit, in the file's currency, where the file gives it.
    pub unit_price: Option<f64>,
    /// The order's time as written (wall clock of the file).
    pub written: DateTime,
    /// The UTC offset written with the time, if any.
    pub offset: Option<Offset>,
    /// False when the file gives only a date: the line counts for its day but not for the hourly
    /// profile.
    pub has_time: bool,
    /// The order was (partly) refunded: still demand at the time it was placed.
    pub refunded: bool,
}

/// What a file held besides demand, counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Line-item rows read (blank rows excluded).
    pub rows: u64,
    /// Rows left out because their order was cancelled (or voided).
    pub cancelled: u64,
    /// Rows left out because their order was a test order.
    pub test: u64,
    /// Rows shipped from a marketplace's own stock (Amazon FBA/AFN), left out of the shared stock:
    /// orders per SKU.
    pub marketplace_fulfilled: BTreeMap<String, u64>,
    /// Rows of refunded orders (kept: the sale happened).
    pub refunded: u64,
    /// Rows without a SKU, keyed by their line item's name.
    pub keyed_by_name: u64,
    /// Rows with a quantity of 0 (removed items), left out.
    pub zero_qty: u64,
    /// Blank rows skipped (trailing empty lines, rows of empty cells).
    pub blank: u64,
    /// Rows of an order and SKU already read from another file (overlapping exports), left out.
    pub duplicates: u64,
    /// Demand rows per currency code written with them, where the file has a currency column.
    pub currencies: BTreeMap<String, u64>,
}

impl Tally {
    /// The currency most demand rows were written in, and whether any other appeared.
    pub fn currency(&self) -> Option<(&str, bool)> {
        let (code, _) = self
            .currencies
            .iter()
            .max_by_key(|(code, n)| (**n, std::cmp::Reverse(*code)))?;
        Some((code.as_str(), self.currencies.len() > 1))
    }
}

impl Tally {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Tally) {
        self.rows += other.rows;
        self.cancelled += other.cancelled;
        self.test += other.test;
        for (sku, n) in &other.marketplace_fulfilled {
            *self.marketplace_fulfilled.entry(sku.clone()).or_default() += n;
        }
        self.refunded += other.refunded;
        self.keyed_by_name += other.keyed_by_name;
        self.zero_qty += other.zero_qty;
        self.blank += other.blank;
        self.duplicates += other.duplicates;
        for (code, n) in &other.currencies {
            *self.currencies.entry(code.clone()).or_default() += n;
        }
    }
}

/// What one export file held.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The demand rows, in file order.
    pub lines: Vec<OrderLine>,
    /// Everything else, counted.
    pub tally: Tally,
    /// Things worth knowing that do not stop the import (rows keyed by name, ...).
    pub warnings: Vec<String>,
    /// Rows that cannot be read, each naming the file, line and column (the first
    /// [`MAX_ROW_ERRORS`]).
    pub errors: Vec<InputError>,
    /// Unreadable rows beyond those in `errors`.
    pub more_errors: u64,
}

/// Stop listing row errors of one file after this many (the count is still given).
pub const MAX_ROW_ERRORS: usize = 20;

impl Parsed {
    /// Counts a demand row written in currency `code` (ignored when empty).
    pub(crate) fn currency(&mut self, code: &str) {
        if !code.is_empty() {
            *self
                .tally
                .currencies
                .entry(code.to_uppercase())
                .or_default() += 1;
        }
    }

    /// Records an unreadable row.
    pub(crate) fn error(&mut self, file: &str, line: u64, column: &str, message: String) {
        if self.errors.len() < MAX_ROW_ERRORS {
            self.errors
                .push(InputError::catalog(file, line, Some(column), message));
        } else {
            self.more_errors += 1;
        }
    }
}

/// Reads every record after the header: an unreadable row is reported at its line (`unreadable`
/// says how, e.g. "not valid CSV"), a blank row is counted, and each other row is counted and
/// handed to `row` with the line it starts on.
pub(crate) fn each_row(
    reader: &mut csv::Reader<&[u8]>,
    text: &str,
    file: &str,
    unreadable: &str,
    parsed: &mut Parsed,
    mut row: impl FnMut(&mut Parsed, u64, &csv::StringRecord),
) {
    let mut lines = Lines::new(text);
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = lines.of(e.position());
                parsed.error(file, line, "(row)", format!("{unreadable}: {e}"));
                continue;
            }
        };
        let line = lines.of(record.position());
        if is_blank(&record) {
            parsed.tally.blank += 1;
            continue;
        }
        parsed.tally.rows += 1;
        row(parsed, line, &record);
    }
}

/// The input formats, for messages: the flag and the headers each expects.
pub const FORMATS: [(&str, &str); 3] = [
    (
        "--shopify (Shopify orders export, CSV)",
        "Name, Created at, Lineitem quantity, Lineitem sku, Lineitem name; optional Financial \
         Status, Cancelled at, Lineitem price, Payment Method, Tags, Source",
    ),
    (
        "--amazon (Amazon All Orders report, tab-separated)",
        "amazon-order-id, purchase-date, order-status, fulfillment-channel, sku, quantity (or \
         quantity-purchased); optional sales-channel, item-price, item-status",
    ),
    (
        "--csv with --columns (any other CSV)",
        "the headers named by --columns time=...,sku=...[,qty=...][,channel=...][,price=...]\
         [,order=...][,status=...]",
    ),
];

/// The message for a file whose headers fit `expected` (a format of [`FORMATS`]) not: what is
/// missing, the headers found and the headers every known format expects.
pub fn unknown_format(
    file: &str,
    expected: &str,
    missing: &[String],
    found: &[String],
) -> InputError {
    let mut message = format!(
        "is not {expected}: it has no {} column{}. Its headers are: {}.\nThe known formats expect:",
        missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if missing.len() == 1 { "" } else { "s" },
        if found.is_empty() {
            "(none)".to_string()
        } else {
            found.join(", ")
        }
    );
    for (flag, headers) in FORMATS {
        message.push_str(&format!("\n  {flag}: {headers}"));
    }
    if let Some(hint) = looks_like(found) {
        message.push_str(&format!("\nIt looks like {hint}."));
    }
    InputError::catalog(file, 0, None, message)
}

/// Which known format headers `found` fit (a tab-separated header read as CSV is one cell).
fn looks_like(found: &[String]) -> Option<&'static str> {
    let names: Vec<String> = found
        .iter()
        .flat_map(|h| h.split('\t'))
        .map(|h| h.trim().to_lowercase())
        .collect();
    let has = |required: &[&str]| required.iter().all(|r| names.contains(&r.to_lowercase()));
    if has(&shopify::REQUIRED) {
        Some("a Shopify orders export: give it with --shopify")
    } else if has(&amazon::REQUIRED) {
        Some("an Amazon All Orders report: give it with --amazon")
    } else {
        None
    }
}

/// The text of an export: a leading byte-order mark removed, invalid UTF-8 replaced (with a warning
/// naming the first line where it happens).
pub fn decode(file: &str, bytes: &[u8], warnings: &mut Vec<String>) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            warnings.push(format!(
                "{file}:{line}: not UTF-8 (an export saved in another encoding?): unreadable \
                 characters were replaced with `\u{FFFD}`"
            ));
            String::from_utf8_lossy(bytes).into_owned()
        }
    }
}

/// The columns of a header row, by name, for one format: `find` gives a column's index.
pub(crate) struct Header {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Header {
    /// Reads a header row; names are trimmed and compared without regard to case.
    pub(crate) fn new(record: &csv::StringRecord) -> Self {
        let names: Vec<String> = record.iter().map(|h| h.trim().to_string()).collect();
        let mut index = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            index.entry(name.to_lowercase()).or_insert(i);
        }
        Header { names, index }
    }

    /// The index of the column called `name` (any case).
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.index.get(&name.to_lowercase()).copied()
    }

    /// The names of `required` that are not here.
    pub(crate) fn missing(&self, required: &[&str]) -> Vec<String> {
        required
            .iter()
            .filter(|r| self.find(r).is_none())
            .map(|r| (*r).to_string())
            .collect()
    }

    /// Every header as found.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// The name of column `i` as written.
    pub(crate) fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("", String::as_str)
    }
}

/// Line numbers of records, counted from the text: the csv crate's own count is one short in
/// files with CRLF line ends (it counts the `\n` of a `\r\n` at the start of the next record).
pub(crate) struct Lines<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Lines {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    /// The line, from 1, on which the record at `position` starts; positions must come in order.
    pub(crate) fn of(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else {
            return 0;
        };
        let mut start = (position.byte() as usize).min(self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start >= self.byte {
            self.line += self.text[self.byte..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.byte = start;
        }
        self.line
    }
}

/// The cell of column `i` of `record`, trimmed ("" when the row is short).
pub(crate) fn cell(record: &csv::StringRecord, i: Option<usize>) -> &str {
    i.and_then(|i| record.get(i)).map_or("", str::trim)
}

/// True when every cell of `record` is empty (a blank row).
pub(crate) fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|c| c.trim().is_empty())
}

/// A quantity cell: a whole number >= 0 (`2`, `2.0`).
pub(crate) fn parse_qty(text: &str) -> Result<u32, String> {
    let number: f64 = text
        .parse()
        .map_err(|_| format!("expected a whole number of units, found `{text}`"))?;
    if number < 0.0 || number.fract() != 0.0 || number > f64::from(u32::MAX) {
        return Err(format!("expected a whole number of units, found `{text}`"));
    }
    Ok(number as u32)
}

/// A price cell: a number >= 0, with an optional currency symbol or code and thousands commas
/// (`29.00`, `$1,299.00`, `EUR 12.5`); `None` when empty.
pub(crate) fn parse_price(text: &str) -> Result<Option<f64>, String> {
    let cleaned: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    if text.trim().is_empty() {
        return Ok(None);
    }
    match cleaned.parse::<f64>() {
        Ok(p) if p >= 0.0 && p.is_finite() => Ok(Some(p)),
        _ => Err(format!("expected a price, found `{text}`")),
    }
}

/// A channel name as a scenario key: lower case, letters, digits, `-` and `_`.
pub fn channel_key(name: &str) -> String {
    let key: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let key = key.trim_matches('_').to_string();
    if key.is_empty() {
        "other".to_string()
    } else {
        key
    }
}

/// Joins the demand of several files: an order and SKU already read from another file (the same
/// order in two overlapping exports) is left out and counted in `tally.duplicates`; two rows of
/// one order and SKU in the same file are two line items and add up.
pub fn merge(files: Vec<Parsed>, tally: &mut Tally) -> Vec<OrderLine> {
    // (channel, order, sku) -> (file, index in `lines`)
    let mut seen: HashMap<(String, String, String), (usize, usize)> = HashMap::new();
    let mut lines: Vec<OrderLine> = Vec::new();
    for parsed in files {
        tally.add(&parsed.tally);
        for line in parsed.lines {
            let Some(order) = &line.order else {
                lines.push(line);
                continue;
            };
            let key = (line.channel.clone(), order.clone(), line.sku.clone());
            match seen.get(&key) {
                Some(&(file, at)) if file == line.file => lines[at].qty += line.qty,
                Some(_) => tally.duplicates += 1,
                None => {
                    seen.insert(key, (line.file, lines.len()));
                    lines.push(line);
                }
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(file: usize, order: &str, sku: &str, qty: u32) -> OrderLine {
        OrderLine {
            file,
            line: 2,
            order: Some(order.to_string()),
            channel: "shopify".to_string(),
            sku: sku.to_string(),
            qty,
            unit_price: None,
            written: jiff::civil::date(2025, 10, 7).at(9, 0, 0, 0),
            offset: None,
            has_time: true,
            refunded: false,
        }
    }

    #[test]
    fn overlapping_exports_count_an_order_once_and_line_items_add_up() {
        let a = Parsed {
            lines: vec![
                line(0, "#1", "A", 1),
                line(0, "#1", "A", 2),
                line(0, "#2", "A", 1),
            ],
            ..Parsed::default()
        };
        let b = Parsed {
            lines: vec![line(1, "#2", "A", 1), line(1, "#3", "A", 1)],
            ..Parsed::default()
        };
        let mut tally = Tally::default();
        let lines = merge(vec![a, b], &mut tally);
        let qty: Vec<(String, u32)> = lines
            .iter()
            .map(|l| (l.order.clone().unwrap_or_default(), l.qty))
            .collect();
        assert_eq!(qty, [("#1".into(), 3), ("#2".into(), 1), ("#3".into(), 1)]);
        assert_eq!(tally.duplicates, 1);
    }

    #[test]
    fn cells_parse_like_exports_write_them() {
        assert_eq!(parse_qty("2"), Ok(2));
        assert_eq!(parse_qty("3.0"), Ok(3));
        assert!(parse_qty("two").is_err());
        assert!(parse_qty("-1").is_err());
        assert_eq!(parse_price("$1,299.50"), Ok(Some(1299.5)));
        assert_eq!(parse_price(""), Ok(None));
        assert!(parse_price("n/a").is_err());
        assert_eq!(channel_key("Walmart US"), "walmart_us");
        assert_eq!(channel_key("  "), "other");
        let mut warnings = Vec::new();
        assert_eq!(
            decode("f", b"\xEF\xBB\xBFName\r\n", &mut warnings),
            "Name\r\n"
        );
        assert_eq!(decode("f", b"a\nb\xFF\n", &mut warnings), "a\nb\u{FFFD}\n");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("f:2: not UTF-8"), "{}", warnings[0]);
    }
}
