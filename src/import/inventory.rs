//! Stock files: what is on hand now (`--inventory`: `sku,initial`, or Shopify's inventory export
//! with `SKU` and `Available`, summed over locations) and how long each SKU was in stock over the
//! exports' window (`--in-stock-days`: `sku,days_in_stock`, or a dated history `date,sku,available`
//! such as daily snapshots of Shopify's inventory export).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use super::{Header, cell, is_blank, time};
use crate::analysis::InputError;

/// How long a SKU was in stock.
#[derive(Debug, Clone, PartialEq)]
pub enum InStock {
    /// A number of days, from `sku,days_in_stock`.
    Days(f64),
    /// The dates on which it had units available, from a dated history.
    Dates(BTreeSet<Date>),
}

/// Names a column may go by, first found wins.
const SKU: [&str; 3] = ["sku", "variant sku", "lineitem sku"];
const ON_HAND: [&str; 5] = ["initial", "available", "on hand", "on_hand", "quantity"];
const DATE: [&str; 4] = ["date", "day", "snapshot date", "as of"];

fn first(header: &Header, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| header.find(n))
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes())
}

fn header_of(file: &str, reader: &mut csv::Reader<&[u8]>) -> Result<Header, InputError> {
    Ok(Header::new(reader.headers().map_err(|e| {
        InputError::catalog(file, 1, None, format!("not valid CSV: {e}"))
    })?))
}

/// A whole number of units >= 0 (negative counts, which Shopify shows for oversold items, are 0).
fn units(text: &str) -> Result<i64, String> {
    let number: f64 = text
        .replace(',', "")
        .parse()
        .map_err(|_| format!("expected a whole number of units, found `{text}`"))?;
    if number.fract() != 0.0 {
        return Err(format!("expected a whole number of units, found `{text}`"));
    }
    Ok((number as i64).max(0))
}

/// Reads `--inventory`: units on hand per SKU (summed over rows of the same SKU: locations).
pub fn on_hand(file: &str, text: &str) -> Result<BTreeMap<String, i64>, InputError> {
    let mut reader = reader(text);
    let header = header_of(file, &mut reader)?;
    let (Some(sku_at), Some(units_at)) = (first(&header, &SKU), first(&header, &ON_HAND)) else {
        return Err(InputError::catalog(
            file,
            1,
            None,
            format!(
                "expected a `sku` column and an `initial` (or Shopify's `Available` or `On hand`) \
                 column; the headers are: {}",
                header.names().join(", ")
            ),
        ));
    };
    let mut stock: BTreeMap<String, i64> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            InputError::catalog(file, line, None, format!("not valid CSV: {e}"))
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let sku = cell(&record, Some(sku_at));
        if is_blank(&record) || sku.is_empty() {
            continue;
        }
        let n = units(cell(&record, Some(units_at)))
            .map_err(|m| InputError::catalog(file, line, Some(header.name(units_at)), m))?;
        *stock.entry(sku.to_string()).or_default() += n;
    }
    Ok(stock)
}

/// Reads `--in-stock-days`: `sku,days_in_stock`, or a dated history (`date,sku,available`) in
/// which a SKU is in stock on a date when the units available that day add up to more than 0.
pub fn in_stock(file: &str, text: &str) -> Result<BTreeMap<String, InStock>, InputError> {
    let mut reader = reader(text);
    let header = header_of(file, &mut reader)?;
    let sku_at = first(&header, &SKU);
    let days_at = header.find("days_in_stock");
    let date_at = first(&header, &DATE);
    let units_at = first(&header, &ON_HAND);
    let shape = match (sku_at, days_at, date_at, units_at) {
        (Some(s), Some(d), _, _) => (s, d, None),
        (Some(s), None, Some(d), Some(u)) => (s, u, Some(d)),
        _ => {
            return Err(InputError::catalog(
                file,
                1,
                None,
                format!(
                    "expected `sku,days_in_stock`, or a dated history with `date`, `sku` and \
                     `available` columns; the headers are: {}",
                    header.names().join(", ")
                ),
            ));
        }
    };
    let (sku_at, value_at, date_at) = shape;
    let mut days: BTreeMap<String, f64> = BTreeMap::new();
    let mut history: BTreeMap<String, BTreeMap<Date, i64>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            InputError::catalog(file, line, None, format!("not valid CSV: {e}"))
        })?;
        let line = record.position().map_or(0, csv::Position::line);
        let sku = cell(&record, Some(sku_at));
        if is_blank(&record) || sku.is_empty() {
            continue;
        }
        let value = cell(&record, Some(value_at));
        let at = |m: String| InputError::catalog(file, line, Some(header.name(value_at)), m);
        match date_at {
            None => {
                let n: f64 = value
                    .parse()
                    .ok()
                    .filter(|n: &f64| *n >= 0.0 && n.is_finite())
                    .ok_or_else(|| {
                        at(format!("expected a number of days >= 0, found `{value}`"))
                    })?;
                days.insert(sku.to_string(), n);
            }
            Some(d) => {
                let date = time::parse(cell(&record, Some(d)))
                    .map_err(|m| InputError::catalog(file, line, Some(header.name(d)), m))?
                    .civil
                    .date();
                let n = units(value).map_err(at)?;
                *history
                    .entry(sku.to_string())
                    .or_default()
                    .entry(date)
                    .or_default() += n;
            }
        }
    }
    let mut result: BTreeMap<String, InStock> = days
        .into_iter()
        .map(|(s, d)| (s, InStock::Days(d)))
        .collect();
    for (sku, dates) in history {
        let stocked = dates.into_iter().filter(|&(_, n)| n > 0).map(|(d, _)| d);
        result.insert(sku, InStock::Dates(stocked.collect()));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shopify_inventory_sums_locations() {
        let text = "Handle,Title,SKU,Location,Available,On hand\ntee,Tee,TEE,Berlin,4,5\ntee,Tee,TEE,Paris,-2,0\nmug,Mug,MUG,Berlin,7,7\n";
        let stock = on_hand("inventory.csv", text).unwrap();
        assert_eq!(stock["TEE"], 4);
        assert_eq!(stock["MUG"], 7);
        let error = on_hand("inventory.csv", "sku,initial\nTEE,lots\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "inventory.csv:2: column `initial`: expected a whole number of units, found `lots`"
        );
    }

    #[test]
    fn days_in_stock_by_count_or_by_history() {
        let counted = in_stock("d.csv", "sku,days_in_stock\nTEE,61\n").unwrap();
        assert_eq!(counted["TEE"], InStock::Days(61.0));
        let history = "date,sku,available\n2025-10-01,TEE,3\n2025-10-02,TEE,0\n2025-10-03,TEE,1\n";
        let dated = in_stock("h.csv", history).unwrap();
        let InStock::Dates(dates) = &dated["TEE"] else {
            panic!("expected dates")
        };
        assert_eq!(dates.len(), 2);
        assert!(in_stock("x.csv", "sku,stock\n").is_err());
    }
}
