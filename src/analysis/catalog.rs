//! The SKU catalog of `oversell tune`, read by the one catalog reader of MODEL.md Part 2
//! ([`crate::scenario::catalog`], the reader of `run`, `sweep` and `compare`) and turned into
//! what a per-SKU run needs: its stock, velocity per channel, margin and penalties.
//!
//! Part 2 columns map as: `initial`, `orders_per_day`; `unit_margin` (empty or absent: the
//! scenario's `stock.unit_margin`); `share_<channel>` a weight (see [`split`]), `listed_<channel> = false`
//! a weight of 0; `penalty_<channel>` a fixed amount. `price` and `x_` columns are read and not used
//! (tune minimises penalty plus lost margin); `reorder_point` and `reorder_qty` set the
//! scenario's `stock.reorder`. Cells a per-SKU run cannot carry yet (lead time,
//! listing rules) are refused naming the column.

use std::path::Path;

use super::input::InputError;
use crate::dist::Dist;
use crate::scenario::catalog::{CatalogRow, ChannelCells};
use crate::scenario::{Scenario, read_capped};

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
    /// `stock.reorder.point`, where the catalog overrides the scenario's.
    pub reorder_point: Option<i64>,
    /// `stock.reorder.qty`, where the catalog overrides the scenario's.
    pub reorder_qty: Option<i64>,
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

/// Reads the catalog `text` (from `file`, named in errors) for `scenario`'s channels, with the
/// Part 2 reader: errors name the line as the file counts it and the column.
pub fn parse_catalog(file: &str, text: &str, scenario: &Scenario) -> Result<Vec<Sku>, InputError> {
    let channels: Vec<String> = scenario.channels.iter().map(|c| c.name.clone()).collect();
    let has_reorder = scenario.stock.reorder.is_some();
    let rows = crate::scenario::catalog::parse_catalog(file, text, &channels, has_reorder)
        .map_err(|e| {
            let column = (!e.key.is_empty()).then_some(e.key.as_str());
            InputError::catalog(file, e.line as u64, column, e.message)
        })?;
    rows.iter()
        .map(|row| {
            sku(row, scenario)
                .map_err(|(column, message)| InputError::catalog(file, row.line, column, message))
        })
        .collect()
}

/// One row as a per-SKU run needs it.
fn sku(row: &CatalogRow, scenario: &Scenario) -> Result<Sku, (Option<&'static str>, String)> {
    let not_yet = |column: &'static str| {
        Err((
            Some(column),
            "tune's per-SKU runs do not carry this cell yet; leave it empty or drop the column"
                .to_owned(),
        ))
    };
    if row.lead_time.is_some() {
        return not_yet("lead_time");
    }
    let mut penalties = Vec::with_capacity(row.channels.len());
    for cells in &row.channels {
        if cells.list_percent.is_some() || cells.max_listed.is_some() {
            return not_yet("list_percent_<channel>");
        }
        if cells.buffer.is_some() || cells.out_of_stock_at.is_some() {
            return not_yet("buffer_<channel>");
        }
        penalties.push(match &cells.penalty {
            None => None,
            Some(Dist::Fixed(amount)) => Some(*amount),
            Some(_) => {
                return Err((
                    Some("penalty_<channel>"),
                    "tune takes a fixed amount per oversold order here, not a distribution"
                        .to_owned(),
                ));
            }
        });
    }
    Ok(Sku {
        sku: row.sku.clone(),
        line: row.line,
        initial: row.initial,
        orders_per_day: row.orders_per_day,
        unit_margin: row.unit_margin.unwrap_or(scenario.stock.unit_margin),
        channel_orders_per_day: split(row, scenario),
        penalties,
        reorder_point: row.reorder_point,
        reorder_qty: row.reorder_qty,
    })
}

/// Orders per day of each channel: the SKU's orders over the channels in proportion to their
/// weights, normalised. A `share_<c>` cell is the weight of `c`; a channel without one takes
/// what the given shares leave of 1, split over those channels in proportion to their rates in
/// the scenario (so shares that are fractions keep the meaning of tune's older catalogs);
/// `listed_<c> = false` is a weight of 0. All weights 0: no orders.
fn split(row: &CatalogRow, scenario: &Scenario) -> Vec<f64> {
    let listed = |cells: &ChannelCells| cells.listed != Some(false);
    let given: f64 = (row.channels.iter())
        .filter(|cells| listed(cells))
        .filter_map(|cells| cells.share)
        .sum();
    let rest: Vec<usize> = (0..row.channels.len())
        .filter(|&c| listed(&row.channels[c]) && row.channels[c].share.is_none())
        .collect();
    let rest_rate: f64 = rest
        .iter()
        .map(|&c| scenario.channels[c].orders_per_hour)
        .sum();
    let left = (1.0 - given).max(0.0);
    let weights: Vec<f64> = (0..row.channels.len())
        .map(|c| {
            let cells = &row.channels[c];
            if !listed(cells) {
                0.0
            } else if let Some(share) = cells.share {
                share
            } else if rest_rate > 0.0 {
                left * scenario.channels[c].orders_per_hour / rest_rate
            } else {
                left / rest.len() as f64
            }
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    (weights.iter())
        .map(|w| {
            if sum > 0.0 {
                row.orders_per_day * w / sum
            } else {
                0.0
            }
        })
        .collect()
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
        let text = "sku,initial,orders_per_day,unit_margin,share_amazon,penalty_walmart,price\n\
                    # a comment\n\
                    A,10,92,3.5,,,\n\
                    B,4,10,1,0.5,45,9.5\n\
                    C,4,10,,,,\n";
        let skus = parse_catalog("skus.csv", text, &reference()).unwrap();
        assert_eq!(skus.len(), 3);
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
        // No unit_margin cell: the scenario's.
        assert_eq!(skus[2].unit_margin, reference().stock.unit_margin);
    }

    #[test]
    fn shares_are_weights_and_unlisted_channels_sell_nothing() {
        let text = "sku,initial,orders_per_day,share_shopify,share_amazon,share_walmart,\
                    share_pos,listed_pos\n\
                    A,1,12,3,1,0,2,false\n";
        let skus = parse_catalog("skus.csv", text, &reference()).unwrap();
        assert_eq!(skus[0].channel_orders_per_day, [9.0, 3.0, 0.0, 0.0]);
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
        let e = error("sku,initial,orders_per_day,unit_margin\nA,ten,5,1\n");
        assert!(e.starts_with("skus.csv:2: column `initial`: "), "{e}");
        assert!(e.contains("`ten`"), "{e}");
        assert_eq!(
            error("sku,initial,orders_per_day,unit_margin,share_ebay\nA,1,5,1,0.2\n"),
            "skus.csv:1: column `share_ebay`: the scenario has no channel `ebay`; its channels \
             are `shopify`, `amazon`, `walmart`, `pos`"
        );
        let e = error("sku,orders_per_day\nA,5\n");
        assert!(e.starts_with("skus.csv:1: "), "{e}");
        assert!(e.contains("the column `initial` is missing"), "{e}");
        assert!(
            error("sku,initial,orders_per_day,unit_margin,colour\n")
                .contains("column `colour`: unknown column")
        );
        assert_eq!(
            error("sku,initial,orders_per_day,unit_margin\nA,1,5,1\nA,2,5,1\n"),
            "skus.csv:3: column `sku`: `A` is already on line 2"
        );
        let e = error("sku,initial,orders_per_day,penalty_amazon\nA,1,5,\"uniform(1, 2)\"\n");
        assert!(
            e.starts_with("skus.csv:2: column `penalty_<channel>`: tune takes a fixed amount"),
            "{e}"
        );
        assert_eq!(
            error("sku,initial,orders_per_day,unit_margin\n"),
            "skus.csv: has no SKU rows"
        );
    }
}
