//! The catalog CSV of MODEL.md Part 2 (`[catalog] file = "skus.csv"`): one row per SKU, read into
//! typed cells. An empty optional cell is `None` (the scenario's value applies); every error names
//! the file, the line (as the file counts them: comments, blank lines and CRLF included), the
//! character column and the column's name.

use std::path::Path;

use super::error::ScenarioError;
use crate::dist::Dist;

/// The most SKUs in one catalog (views take SKUs x nodes integers per worker).
pub const MAX_SKUS: usize = 1_000_000;

/// One row of the catalog, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogRow {
    /// `sku`.
    pub sku: String,
    /// Line of the row in the file, from 1.
    pub line: u64,
    /// `orders_per_day`: the SKU's demand over all channels.
    pub orders_per_day: f64,
    /// `initial`.
    pub initial: i64,
    /// `price`.
    pub price: Option<f64>,
    /// `unit_margin`.
    pub unit_margin: Option<f64>,
    /// `reorder_point`.
    pub reorder_point: Option<i64>,
    /// `reorder_qty`.
    pub reorder_qty: Option<i64>,
    /// `lead_time`.
    pub lead_time: Option<Dist>,
    /// `shrink_per_day`.
    pub shrink_per_day: Option<f64>,
    /// `demand_cv`.
    pub demand_cv: Option<f64>,
    /// `components`: the SKUs a bundle draws on and the units of each per bundle (empty: not a
    /// bundle).
    pub components: Vec<(String, i64)>,
    /// Per channel (in the order of the channel names given to the reader).
    pub channels: Vec<ChannelCells>,
}

/// The per-channel cells of one row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelCells {
    /// `share_<c>`.
    pub share: Option<f64>,
    /// `listed_<c>` (empty: true).
    pub listed: Option<bool>,
    /// `buffer_<c>`.
    pub buffer: Option<i64>,
    /// `out_of_stock_at_<c>`.
    pub out_of_stock_at: Option<i64>,
    /// `list_percent_<c>`.
    pub list_percent: Option<f64>,
    /// `max_listed_<c>`.
    pub max_listed: Option<i64>,
    /// `penalty_<c>`.
    pub penalty: Option<Dist>,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Sku,
    OrdersPerDay,
    Initial,
    Price,
    UnitMargin,
    ReorderPoint,
    ReorderQty,
    LeadTime,
    ShrinkPerDay,
    DemandCv,
    Components,
    Share(usize),
    Listed(usize),
    Buffer(usize),
    OutOfStockAt(usize),
    ListPercent(usize),
    MaxListed(usize),
    Penalty(usize),
    /// `x_...`: the user's own.
    Ignored,
}

const PER_CHANNEL: [&str; 7] = [
    "share_",
    "listed_",
    "buffer_",
    "out_of_stock_at_",
    "list_percent_",
    "max_listed_",
    "penalty_",
];

/// Reads the catalog file at `path` for a scenario with `channels`; `has_reorder` says whether
/// the scenario has a `stock.reorder` (reorder cells need it).
pub fn read_catalog(
    path: &Path,
    channels: &[String],
    has_reorder: bool,
) -> Result<Vec<CatalogRow>, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::whole_file(&file, format!("cannot read the catalog: {e}")))?;
    parse_catalog(&file, &text, channels, has_reorder)
}

/// Reads catalog `text` (from `file`, named in errors).
pub fn parse_catalog(
    file: &str,
    text: &str,
    channels: &[String],
    has_reorder: bool,
) -> Result<Vec<CatalogRow>, ScenarioError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let offset = e.position().map_or(0, |p| p.byte() as usize);
        ScenarioError::at(
            file,
            text,
            offset,
            String::new(),
            format!("not valid CSV: {e}"),
        )
    };
    let headers = reader.headers().map_err(csv_error)?.clone();
    let header_at = record_start(text, headers.position().map_or(0, |p| p.byte() as usize));
    let columns = columns(&headers, channels).map_err(|(i, message)| {
        let offset = field_offset(text, header_at, i);
        ScenarioError::at(file, text, offset, header_key(&headers, i), message)
    })?;
    let mut rows: Vec<CatalogRow> = Vec::new();
    let components_column = columns.iter().position(|&c| c == Column::Components);
    let mut components_at = Vec::new();
    let mut seen = std::collections::HashMap::new();
    // Lines are counted incrementally from the previous record (records come in order), so
    // reading stays linear in the file's size.
    let (mut counted_to, mut newlines) = (0usize, 0u64);
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        // The csv crate's position is where it started reading: before the blank and comment
        // lines it skipped. The record starts after them.
        let at = record_start(text, record.position().map_or(0, |p| p.byte() as usize));
        newlines += text.as_bytes()[counted_to..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        counted_to = at;
        let line = newlines + 1;
        let error = |i: usize, message: String| {
            let offset = field_offset(text, at, i);
            ScenarioError::at(file, text, offset, header_key(&headers, i), message)
        };
        let row = row(&columns, &record, channels.len(), has_reorder, line)
            .map_err(|(i, message)| error(i, message))?;
        if let Some(first) = seen.insert(row.sku.clone(), line) {
            return Err(error(
                0,
                format!("`{}` is already on line {first}", row.sku),
            ));
        }
        if rows.len() == MAX_SKUS {
            return Err(error(
                0,
                format!("too many SKUs: at most {MAX_SKUS} in one catalog"),
            ));
        }
        components_at.push(components_column.map_or(at, |i| field_offset(text, at, i)));
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(ScenarioError::whole_file(file, "has no SKU rows".into()));
    }
    check_components(&rows, &components_at).map_err(|(offset, message)| {
        ScenarioError::at(file, text, offset, "components".to_owned(), message)
    })?;
    Ok(rows)
}

/// The byte where the record read from `from` starts: after a byte-order mark, blank lines and
/// comment lines.
fn record_start(text: &str, from: usize) -> usize {
    let mut at = from.min(text.len());
    loop {
        let rest = &text[at..];
        if let Some(after) = rest.strip_prefix('\u{feff}') {
            at = text.len() - after.len();
        } else if rest.starts_with(['\r', '\n']) {
            at += 1;
        } else if rest.starts_with('#') {
            at += rest.find('\n').map_or(rest.len(), |i| i + 1);
        } else {
            return at;
        }
    }
}

/// The key of column `i` in errors: its header.
fn header_key(headers: &csv::StringRecord, i: usize) -> String {
    headers.get(i).unwrap_or_default().to_owned()
}

/// Byte offset of field `index` of the record that starts at byte `start` of `text`: commas
/// outside quotes are counted on the record's first line.
fn field_offset(text: &str, start: usize, index: usize) -> usize {
    let mut start = start.min(text.len());
    if text[start..].starts_with('\u{feff}') {
        start += '\u{feff}'.len_utf8();
    }
    let mut field = 0;
    let mut quoted = false;
    for (i, c) in text[start..].char_indices() {
        if field == index {
            let rest = &text[start + i..];
            let blank = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            return start + i + blank;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            '\n' | '\r' if !quoted => break,
            _ => {}
        }
    }
    start
}

/// What each header names: the required columns must be there, nothing unknown, none twice.
fn columns(
    headers: &csv::StringRecord,
    channels: &[String],
) -> Result<Vec<Column>, (usize, String)> {
    let mut columns: Vec<Column> = Vec::with_capacity(headers.len());
    for (i, header) in headers.iter().enumerate() {
        let column = column(header, channels).map_err(|message| (i, message))?;
        if column != Column::Ignored && columns.contains(&column) {
            return Err((i, "appears twice".to_owned()));
        }
        columns.push(column);
    }
    for (name, column) in [
        ("sku", Column::Sku),
        ("orders_per_day", Column::OrdersPerDay),
        ("initial", Column::Initial),
    ] {
        if !columns.contains(&column) {
            return Err((
                0,
                format!(
                    "the column `{name}` is missing; a catalog needs sku, orders_per_day and initial"
                ),
            ));
        }
    }
    Ok(columns)
}

fn column(header: &str, channels: &[String]) -> Result<Column, String> {
    let fixed = match header {
        "sku" => Some(Column::Sku),
        "orders_per_day" => Some(Column::OrdersPerDay),
        "initial" => Some(Column::Initial),
        "price" => Some(Column::Price),
        "unit_margin" => Some(Column::UnitMargin),
        "reorder_point" => Some(Column::ReorderPoint),
        "reorder_qty" => Some(Column::ReorderQty),
        "lead_time" => Some(Column::LeadTime),
        "demand_cv" => Some(Column::DemandCv),
        "shrink_per_day" => Some(Column::ShrinkPerDay),
        "components" => Some(Column::Components),
        _ if header.starts_with("x_") => Some(Column::Ignored),
        _ => None,
    };
    if let Some(column) = fixed {
        return Ok(column);
    }
    for (k, prefix) in PER_CHANNEL.iter().enumerate() {
        let Some(name) = header.strip_prefix(prefix) else {
            continue;
        };
        let Some(c) = channels.iter().position(|n| n == name) else {
            // `out_of_stock_at_x` also starts with no other prefix; `listed_` is not a prefix
            // of `list_percent_`, so a miss here means an unknown channel.
            let known: Vec<String> = channels.iter().map(|c| format!("`{c}`")).collect();
            return Err(format!(
                "the scenario has no channel `{name}`; its channels are {}",
                known.join(", ")
            ));
        };
        return Ok(match k {
            0 => Column::Share(c),
            1 => Column::Listed(c),
            2 => Column::Buffer(c),
            3 => Column::OutOfStockAt(c),
            4 => Column::ListPercent(c),
            5 => Column::MaxListed(c),
            _ => Column::Penalty(c),
        });
    }
    Err(format!(
        "unknown column `{header}`; expected sku, orders_per_day, initial, price, unit_margin, \
         reorder_point, reorder_qty, lead_time, demand_cv, shrink_per_day, components, \
         share_<channel>, listed_<channel>, buffer_<channel>, out_of_stock_at_<channel>, list_percent_<channel>, \
         max_listed_<channel>, penalty_<channel>, or x_<anything> for your own notes"
    ))
}

/// One row; errors carry the index of the column at fault.
fn row(
    columns: &[Column],
    record: &csv::StringRecord,
    channels: usize,
    has_reorder: bool,
    line: u64,
) -> Result<CatalogRow, (usize, String)> {
    let mut row = CatalogRow {
        sku: String::new(),
        line,
        orders_per_day: 0.0,
        initial: 0,
        price: None,
        unit_margin: None,
        reorder_point: None,
        reorder_qty: None,
        lead_time: None,
        shrink_per_day: None,
        demand_cv: None,
        components: Vec::new(),
        channels: vec![ChannelCells::default(); channels],
    };
    if record.len() != columns.len() {
        return Err((
            0,
            format!(
                "the row has {} cells and the header {} columns",
                record.len(),
                columns.len()
            ),
        ));
    }
    let mut initial_empty = None;
    for (i, (column, cell)) in columns.iter().zip(record).enumerate() {
        let at = |message: String| (i, message);
        let empty = cell.is_empty();
        match *column {
            Column::Sku if empty => return Err(at("is empty; every SKU needs a name".into())),
            Column::Sku => row.sku = cell.to_owned(),
            Column::OrdersPerDay if empty => return Err(at("is empty; it is required".into())),
            Column::OrdersPerDay => row.orders_per_day = decimal(cell, None).map_err(at)?,
            Column::Initial if empty => initial_empty = Some(i),
            Column::Initial => row.initial = whole(cell, 0).map_err(at)?,
            Column::Ignored => {}
            _ if empty => {}
            Column::Components => row.components = components(cell).map_err(at)?,
            Column::ReorderPoint | Column::ReorderQty | Column::LeadTime if !has_reorder => {
                return Err(at(
                    "reorder cells override `stock.reorder`, and the scenario has none; add \
                     `reorder = { point, qty, lead_time }` under [stock]"
                        .into(),
                ));
            }
            Column::Price => row.price = Some(decimal(cell, None).map_err(at)?),
            Column::UnitMargin => row.unit_margin = Some(decimal(cell, None).map_err(at)?),
            Column::ShrinkPerDay => row.shrink_per_day = Some(decimal(cell, None).map_err(at)?),
            Column::DemandCv => row.demand_cv = Some(decimal(cell, None).map_err(at)?),
            Column::ReorderPoint => row.reorder_point = Some(integer(cell).map_err(at)?),
            Column::ReorderQty => row.reorder_qty = Some(whole(cell, 1).map_err(at)?),
            Column::LeadTime => {
                row.lead_time = Some(Dist::parse_duration(cell).map_err(at)?);
            }
            Column::Share(c) => row.channels[c].share = Some(decimal(cell, None).map_err(at)?),
            Column::Listed(c) => row.channels[c].listed = Some(boolean(cell).map_err(at)?),
            Column::Buffer(c) => row.channels[c].buffer = Some(whole(cell, 0).map_err(at)?),
            Column::OutOfStockAt(c) => {
                row.channels[c].out_of_stock_at = Some(whole(cell, 0).map_err(at)?);
            }
            Column::ListPercent(c) => {
                row.channels[c].list_percent = Some(decimal(cell, Some(100.0)).map_err(at)?);
            }
            Column::MaxListed(c) => {
                row.channels[c].max_listed = Some(whole(cell, 0).map_err(at)?);
            }
            Column::Penalty(c) => {
                row.channels[c].penalty = Some(Dist::parse_amount(cell).map_err(at)?);
            }
        }
    }
    bundle_row(&row, columns, record, initial_empty)?;
    Ok(row)
}

/// A bundle holds no stock of its own: `initial` 0 or empty, no reorder or shrink cells; an
/// empty `initial` is allowed only on a bundle row.
fn bundle_row(
    row: &CatalogRow,
    columns: &[Column],
    record: &csv::StringRecord,
    initial_empty: Option<usize>,
) -> Result<(), (usize, String)> {
    if row.components.is_empty() {
        return match initial_empty {
            Some(i) => Err((
                i,
                "is empty; it is required (empty only on a bundle row)".into(),
            )),
            None => Ok(()),
        };
    }
    for (i, (column, cell)) in columns.iter().zip(record).enumerate() {
        let refused = match column {
            Column::Initial if row.initial != 0 => {
                "holds a bundle's own stock; a bundle has \
                 none (its stock is its components'): leave it empty or 0"
            }
            Column::ReorderPoint | Column::ReorderQty | Column::LeadTime | Column::ShrinkPerDay
                if !cell.is_empty() =>
            {
                "names a bundle; reorders and shrink apply to its components' rows"
            }
            _ => continue,
        };
        return Err((i, refused.to_owned()));
    }
    Ok(())
}

/// A `components` cell: space-separated `SKU` or `SKU*k` (k a whole number >= 1), each SKU once.
fn components(cell: &str) -> Result<Vec<(String, i64)>, String> {
    let mut parts: Vec<(String, i64)> = Vec::new();
    for token in cell.split_whitespace() {
        let (name, k) = match token.rsplit_once('*') {
            Some((name, k)) => match k.parse::<i64>() {
                Ok(k) if k >= 1 && !name.is_empty() => (name, k),
                _ => {
                    return Err(format!(
                        "`{token}` is not `SKU` or `SKU*k` with k a whole number of at least 1"
                    ));
                }
            },
            None => (token, 1),
        };
        if parts.iter().any(|p| p.0 == name) {
            return Err(format!("names `{name}` twice; write `{name}*k` once"));
        }
        parts.push((name.to_owned(), k));
    }
    Ok(parts)
}

/// Every component names another SKU of the catalog that is not itself a bundle; `at` gives
/// each row's byte offset of its `components` cell.
fn check_components(rows: &[CatalogRow], at: &[usize]) -> Result<(), (usize, String)> {
    let index: std::collections::HashMap<&str, usize> = (rows.iter().enumerate())
        .map(|(i, r)| (r.sku.as_str(), i))
        .collect();
    for (row, &offset) in rows.iter().zip(at) {
        for (name, _) in &row.components {
            let message = match index.get(name.as_str()) {
                None => format!("the catalog has no SKU `{name}`"),
                Some(_) if *name == row.sku => "a bundle cannot draw on itself".to_owned(),
                Some(&c) if !rows[c].components.is_empty() => {
                    format!("`{name}` is a bundle; a component must be a SKU with stock")
                }
                Some(_) => continue,
            };
            return Err((offset, message));
        }
    }
    Ok(())
}

/// A whole number of at least `min`.
fn whole(cell: &str, min: i64) -> Result<i64, String> {
    match cell.parse::<i64>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(format!(
            "expected a whole number of at least {min}, found `{cell}`"
        )),
    }
}

/// Any whole number.
fn integer(cell: &str) -> Result<i64, String> {
    cell.parse::<i64>()
        .map_err(|_| format!("expected a whole number, found `{cell}`"))
}

/// A finite decimal of at least 0 (and at most `max`, if given).
fn decimal(cell: &str, max: Option<f64>) -> Result<f64, String> {
    let range = max.map_or("of at least 0".to_owned(), |m| format!("from 0 to {m}"));
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 && max.is_none_or(|m| x <= m) => Ok(x),
        _ => Err(format!("expected a number {range}, found `{cell}`")),
    }
}

fn boolean(cell: &str) -> Result<bool, String> {
    match cell {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("expected true or false, found `{cell}`")),
    }
}
#[cfg(test)]
mod tests;
