//! Any other order export (Walmart, eBay, a POS, an ERP) as a CSV whose columns are named with
//! `--columns time=...,sku=...[,qty=...][,channel=...][,price=...][,order=...][,status=...]`.
//! `price` is per unit; without `qty` every row is one unit; without `channel` every row is sold
//! on `--channel`; rows whose `status` says cancelled, canceled or voided are left out and counted,
//! as are those whose status says test.

use super::time;
use super::{
    FORMATS, Header, OrderLine, Parsed, cell, channel_key, each_row, parse_price, parse_qty,
    unknown_format,
};
use crate::analysis::InputError;

/// The fields `--columns` may name.
pub const FIELDS: [&str; 7] = ["time", "sku", "qty", "channel", "price", "order", "status"];

/// Which header holds each field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    /// The order's time (required).
    pub time: String,
    /// The SKU (required).
    pub sku: String,
    /// Units of the line.
    pub qty: Option<String>,
    /// The channel (marketplace) it was sold on.
    pub channel: Option<String>,
    /// Price of one unit.
    pub price: Option<String>,
    /// The order's id, for de-duplication.
    pub order: Option<String>,
    /// The order's status.
    pub status: Option<String>,
}

impl Columns {
    /// Reads `--columns time=Order Date,sku=SKU,...`.
    pub fn parse(text: &str) -> Result<Columns, InputError> {
        let flag = format!("--columns {text}");
        let mut columns = Columns::default();
        for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
            let (field, header) = pair
                .split_once('=')
                .ok_or_else(|| InputError::flag(&flag, format!("`{pair}` is not FIELD=HEADER")))?;
            let header = header.trim().to_string();
            if header.is_empty() {
                return Err(InputError::flag(&flag, format!("`{pair}` names no header")));
            }
            let slot = match field.trim() {
                "time" => {
                    columns.time = header;
                    continue;
                }
                "sku" => {
                    columns.sku = header;
                    continue;
                }
                "qty" => &mut columns.qty,
                "channel" => &mut columns.channel,
                "price" => &mut columns.price,
                "order" => &mut columns.order,
                "status" => &mut columns.status,
                other => {
                    return Err(InputError::flag(
                        &flag,
                        format!(
                            "`{other}` is not a field; the fields are {}",
                            FIELDS.join(", ")
                        ),
                    ));
                }
            };
            *slot = Some(header);
        }
        for (field, value) in [("time", &columns.time), ("sku", &columns.sku)] {
            if value.is_empty() {
                return Err(InputError::flag(
                    &flag,
                    format!("`{field}=HEADER` is required"),
                ));
            }
        }
        Ok(columns)
    }
}

/// Reads a CSV `text` (from `file`, the `index`-th file given) with the named `columns`; rows
/// without a channel column are sold on `channel`. Tab-separated files are recognised by their
/// header.
pub fn parse(
    file: &str,
    index: usize,
    text: &str,
    columns: &Columns,
    channel: &str,
) -> Result<Parsed, InputError> {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = Header::new(
        reader
            .headers()
            .map_err(|e| InputError::catalog(file, 1, None, format!("not valid CSV: {e}")))?,
    );
    let named: Vec<&str> = [&columns.time, &columns.sku]
        .into_iter()
        .chain(
            [
                &columns.qty,
                &columns.channel,
                &columns.price,
                &columns.order,
                &columns.status,
            ]
            .into_iter()
            .flatten(),
        )
        .map(String::as_str)
        .collect();
    let missing = header.missing(&named);
    if !missing.is_empty() {
        return Err(unknown_format(file, FORMATS[2].0, &missing, header.names()));
    }
    let find = |name: &Option<String>| name.as_deref().and_then(|n| header.find(n));
    let (time_at, sku_at) = (header.find(&columns.time), header.find(&columns.sku));
    let (qty_at, channel_at, price_at) = (
        find(&columns.qty),
        find(&columns.channel),
        find(&columns.price),
    );
    let (order_at, status_at) = (find(&columns.order), find(&columns.status));
    let name = |i: Option<usize>| header.name(i.unwrap_or(usize::MAX)).to_string();

    let mut parsed = Parsed::default();
    each_row(
        &mut reader,
        text,
        file,
        "not valid CSV",
        &mut parsed,
        |parsed, line, record| {
            let when = match time::parse(cell(record, time_at)) {
                Ok(when) => when,
                Err(m) => {
                    parsed.error(file, line, &name(time_at), m);
                    return;
                }
            };
            let qty = match qty_at.map(|i| parse_qty(cell(record, Some(i)))) {
                None => 1,
                Some(Ok(qty)) => qty,
                Some(Err(m)) => {
                    parsed.error(file, line, &name(qty_at), m);
                    return;
                }
            };
            let unit_price = match parse_price(cell(record, price_at)) {
                Ok(price) => price,
                Err(m) => {
                    parsed.error(file, line, &name(price_at), m);
                    return;
                }
            };
            let sku = cell(record, sku_at);
            if sku.is_empty() {
                parsed.error(file, line, &name(sku_at), "the row has no SKU".to_string());
                return;
            }
            let status = cell(record, status_at).to_lowercase();
            if ["cancel", "void"].iter().any(|s| status.contains(s)) {
                parsed.tally.cancelled += 1;
                return;
            }
            if status.contains("test") {
                parsed.tally.test += 1;
                return;
            }
            if qty == 0 {
                parsed.tally.zero_qty += 1;
                return;
            }
            let sold_on = match cell(record, channel_at) {
                "" => channel.to_string(),
                named => channel_key(named),
            };
            parsed.lines.push(OrderLine {
                file: index,
                line,
                order: Some(cell(record, order_at).to_string()).filter(|o| !o.is_empty()),
                channel: sold_on,
                sku: sku.to_string(),
                qty,
                unit_price,
                written: when.civil,
                offset: when.offset,
                has_time: when.has_time,
                refunded: status.contains("refund"),
            });
            if status.contains("refund") {
                parsed.tally.refunded += 1;
            }
        },
    );
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_by_flag() {
        let columns = Columns::parse("time=Order Date,sku=SKU,qty=Qty,channel=Channel").unwrap();
        assert_eq!(columns.time, "Order Date");
        assert_eq!(columns.qty.as_deref(), Some("Qty"));
        assert_eq!(
            Columns::parse("sku=SKU").unwrap_err().to_string(),
            "--columns sku=SKU: `time=HEADER` is required"
        );
        let error = Columns::parse("time=T,sku=S,colour=C")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`colour` is not a field"), "{error}");
    }

    #[test]
    fn rows_are_read_by_the_named_columns() {
        let columns =
            Columns::parse("time=Order Date,sku=SKU,qty=Qty,status=Status,order=PO").unwrap();
        let text = "PO,Order Date,SKU,Qty,Status\n\
                    9,2025-10-07 09:50,TEE,2,Shipped\n\
                    10,2025-10-07 09:55,TEE,1,Cancelled\n\
                    11,2025-10-07,MUG,1,Delivered\n";
        let parsed = parse("walmart.csv", 2, text, &columns, "walmart").unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.lines.len(), 2);
        assert_eq!(parsed.lines[0].channel, "walmart");
        assert_eq!(parsed.lines[0].order.as_deref(), Some("9"));
        assert!(!parsed.lines[1].has_time);
        assert_eq!(parsed.tally.cancelled, 1);
        let error = parse("walmart.csv", 2, "When,Item\n", &columns, "walmart")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("no `Order Date`, `SKU`, `Qty`, `PO`, `Status` columns"),
            "{error}"
        );
    }
}
