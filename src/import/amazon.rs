//! Amazon's All Orders report (tab-separated, unquoted): one row per order item. Orders shipped
//! from Amazon's stock (`fulfillment-channel` `Amazon`/`AFN`: FBA) never touch the merchant's shared
//! stock: they are counted per SKU and left out. `item-price` is for all units of the line.

use super::time;
use super::{
    FORMATS, Header, OrderLine, Parsed, cell, each_row, parse_price, parse_qty, unknown_format,
};
use crate::analysis::InputError;

/// The channel Amazon orders are sold on.
pub const CHANNEL: &str = "amazon";

/// Headers an All Orders report must have (`quantity` may be `quantity-purchased`).
pub const REQUIRED: [&str; 5] = [
    "amazon-order-id",
    "purchase-date",
    "order-status",
    "fulfillment-channel",
    "sku",
];

/// Reads an All Orders report `text` (from `file`, the `index`-th file given).
pub fn parse(file: &str, index: usize, text: &str) -> Result<Parsed, InputError> {
    // Amazon's flat files are not quoted: a `"` in a product name is a character.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = Header::new(
        reader
            .headers()
            .map_err(|e| InputError::catalog(file, 1, None, format!("not readable: {e}")))?,
    );
    let mut missing = header.missing(&REQUIRED);
    let qty_column = header
        .find("quantity")
        .or_else(|| header.find("quantity-purchased"));
    if qty_column.is_none() {
        missing.push("quantity".to_string());
    }
    if !missing.is_empty() {
        return Err(unknown_format(file, FORMATS[1].0, &missing, header.names()));
    }
    let id = header.find("amazon-order-id");
    let purchased = header.find("purchase-date");
    let status = header.find("order-status");
    let item_status = header.find("item-status");
    let fulfilment = header.find("fulfillment-channel");
    let sales_channel = header.find("sales-channel");
    let sku_column = header.find("sku");
    let price_column = header.find("item-price");
    let currency = header.find("currency");
    let name = |i: Option<usize>| header.name(i.unwrap_or(usize::MAX)).to_string();

    let mut parsed = Parsed::default();
    each_row(
        &mut reader,
        text,
        file,
        "not readable",
        &mut parsed,
        |parsed, line, record| {
            let order = unquote(cell(record, id));
            let when = match time::parse(unquote(cell(record, purchased))) {
                Ok(when) => when,
                Err(m) => {
                    parsed.error(file, line, &name(purchased), m);
                    return;
                }
            };
            let qty = match parse_qty(unquote(cell(record, qty_column))) {
                Ok(qty) => qty,
                Err(m) => {
                    parsed.error(file, line, &name(qty_column), m);
                    return;
                }
            };
            let line_price = match parse_price(unquote(cell(record, price_column))) {
                Ok(price) => price,
                Err(m) => {
                    parsed.error(file, line, &name(price_column), m);
                    return;
                }
            };
            let sku = unquote(cell(record, sku_column));
            if sku.is_empty() {
                parsed.error(
                    file,
                    line,
                    &name(sku_column),
                    "the row has no SKU".to_string(),
                );
                return;
            }
            let cancelled = |i| unquote(cell(record, i)).eq_ignore_ascii_case("cancelled");
            if cancelled(status) || cancelled(item_status) {
                parsed.tally.cancelled += 1;
                return;
            }
            let channel = unquote(cell(record, fulfilment));
            // Multi-Channel Fulfillment orders (sales-channel `Non-Amazon`) ship from FBA stock too.
            if channel.eq_ignore_ascii_case("amazon")
                || channel.eq_ignore_ascii_case("afn")
                || unquote(cell(record, sales_channel)).eq_ignore_ascii_case("non-amazon")
            {
                *parsed
                    .tally
                    .marketplace_fulfilled
                    .entry(sku.to_string())
                    .or_default() += 1;
                return;
            }
            if qty == 0 {
                parsed.tally.zero_qty += 1;
                return;
            }
            parsed.lines.push(OrderLine {
                file: index,
                line,
                order: Some(order.to_string()).filter(|o| !o.is_empty()),
                channel: CHANNEL.to_string(),
                sku: sku.to_string(),
                qty,
                unit_price: line_price.map(|p| p / f64::from(qty)),
                written: when.civil,
                offset: when.offset,
                has_time: when.has_time,
                refunded: false,
            });
            parsed.currency(unquote(cell(record, currency)));
        },
    );
    Ok(parsed)
}

/// A cell without the quotes some tools put around every field of a tab-separated file.
fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fba_and_cancelled_rows_are_counted_and_left_out() {
        let text = "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsales-channel\tproduct-name\tsku\tquantity-purchased\titem-price\n\
            111-1\t2025-10-07T07:50:26+00:00\tShipped\tMerchant\tAmazon.com\t12\" pan\tPAN-12\t2\t50.00\n\
            111-2\t2025-10-07T08:00:00Z\tPending\tMerchant\tAmazon.com\tPan\tPAN-12\t1\t\n\
            111-3\t2025-10-07T08:00:00Z\tShipped\tAmazon\tAmazon.com\tPan\tPAN-12\t1\t25.00\n\
            111-4\t2025-10-07T08:00:00Z\tCancelled\tMerchant\tAmazon.com\tPan\tPAN-12\t0\t\n\
            \n";
        let parsed = parse("orders.txt", 1, text).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let lines: Vec<(u32, Option<f64>)> =
            parsed.lines.iter().map(|l| (l.qty, l.unit_price)).collect();
        assert_eq!(lines, [(2, Some(25.0)), (1, None)]);
        assert_eq!(parsed.tally.marketplace_fulfilled["PAN-12"], 1);
        assert_eq!(parsed.tally.cancelled, 1);
    }

    #[test]
    fn a_report_without_quantity_is_refused_with_the_known_formats() {
        let error = parse(
            "orders.txt",
            0,
            "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsku\n",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("it has no `quantity` column"), "{error}");
        assert!(
            error.contains("--shopify (Shopify orders export"),
            "{error}"
        );
    }
}
