//! Shopify's admin orders export (CSV): one row per line item; the order-level fields (`Created
//! at`, `Financial Status`, `Cancelled at`, `Payment Method`, `Tags`) are filled on an order's
//! first row only, so they are carried to the order's other rows by `Name`. Orders whose `Source`
//! is `pos` were sold in a shop (Shopify POS): they go to channel `pos`, the rest to `shopify`.

use std::collections::HashMap;

use super::time::{self, Written};
use super::{
    FORMATS, Header, OrderLine, Parsed, cell, each_row, parse_price, parse_qty, unknown_format,
};
use crate::analysis::InputError;

/// The channel Shopify orders are sold on.
pub const CHANNEL: &str = "shopify";
/// The channel of Shopify POS orders (`Source` = `pos`).
pub const POS_CHANNEL: &str = "pos";

/// Headers a Shopify orders export must have.
pub const REQUIRED: [&str; 5] = [
    "Name",
    "Created at",
    "Lineitem quantity",
    "Lineitem sku",
    "Lineitem name",
];

/// The order-level fields of one order, from its first row.
#[derive(Debug, Clone, Copy)]
struct Head {
    created: Option<Written>,
    cancelled: bool,
    test: bool,
    refunded: bool,
    pos: bool,
}

/// Column indices of the fields read.
struct Columns {
    name: Option<usize>,
    created: Option<usize>,
    financial: Option<usize>,
    cancelled: Option<usize>,
    qty: Option<usize>,
    sku: Option<usize>,
    item: Option<usize>,
    price: Option<usize>,
    payment: Option<usize>,
    tags: Option<usize>,
    source: Option<usize>,
    currency: Option<usize>,
}

/// Reads a Shopify orders export `text` (from `file`, the `index`-th file given).
pub fn parse(file: &str, index: usize, text: &str) -> Result<Parsed, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = Header::new(
        reader
            .headers()
            .map_err(|e| InputError::catalog(file, 1, None, format!("not valid CSV: {e}")))?,
    );
    let missing = header.missing(&REQUIRED);
    if !missing.is_empty() {
        return Err(unknown_format(file, FORMATS[0].0, &missing, header.names()));
    }
    let columns = Columns {
        name: header.find("Name"),
        created: header.find("Created at"),
        financial: header.find("Financial Status"),
        cancelled: header.find("Cancelled at"),
        qty: header.find("Lineitem quantity"),
        sku: header.find("Lineitem sku"),
        item: header.find("Lineitem name"),
        price: header.find("Lineitem price"),
        payment: header.find("Payment Method"),
        tags: header.find("Tags"),
        source: header.find("Source"),
        currency: header.find("Currency"),
    };
    // Currency is an order field too: carried from the first row like the others.
    let mut currencies: HashMap<String, String> = HashMap::new();
    let mut parsed = Parsed::default();
    let mut heads: HashMap<String, Head> = HashMap::new();
    each_row(
        &mut reader,
        text,
        file,
        "not valid CSV",
        &mut parsed,
        |parsed, line, record| {
            let name = cell(record, columns.name);
            if !currencies.contains_key(name) {
                currencies.insert(name.to_string(), cell(record, columns.currency).to_string());
            }
            let before = parsed.lines.len();
            if let Err((column, message)) =
                row(record, line, &columns, &header, &mut heads, index, parsed)
            {
                parsed.error(file, line, &column, message);
            }
            if parsed.lines.len() > before {
                let code = currencies.get(name).cloned().unwrap_or_default();
                parsed.currency(&code);
            }
        },
    );
    if parsed.tally.keyed_by_name > 0 {
        parsed.warnings.push(format!(
            "{file}: {} line items have no SKU and are keyed by their line-item name (give the \
             products SKUs in Shopify to merge them with the other channels)",
            parsed.tally.keyed_by_name
        ));
    }
    Ok(parsed)
}

/// Reads one line-item row; an error names the column at fault.
fn row(
    record: &csv::StringRecord,
    line: u64,
    columns: &Columns,
    header: &Header,
    heads: &mut HashMap<String, Head>,
    index: usize,
    parsed: &mut Parsed,
) -> Result<(), (String, String)> {
    let at = |i: Option<usize>| header.name(i.unwrap_or(usize::MAX)).to_string();
    let name = cell(record, columns.name);
    if name.is_empty() {
        return Err((at(columns.name), "the order has no Name".to_string()));
    }
    let head = match heads.get(name) {
        // Later rows of an order repeat some order fields or none: the first row's count.
        Some(head) => *head,
        None => {
            let head = first_row(record, columns).map_err(|m| (at(columns.created), m))?;
            heads.insert(name.to_string(), head);
            head
        }
    };
    let Some(created) = head.created else {
        return Err((
            at(columns.created),
            format!("order {name} has no time on its first row"),
        ));
    };
    let qty_text = cell(record, columns.qty);
    let qty = parse_qty(qty_text).map_err(|m| (at(columns.qty), m))?;
    let unit_price =
        parse_price(cell(record, columns.price)).map_err(|m| (at(columns.price), m))?;
    if head.cancelled {
        parsed.tally.cancelled += 1;
        return Ok(());
    }
    if head.test {
        parsed.tally.test += 1;
        return Ok(());
    }
    if qty == 0 {
        parsed.tally.zero_qty += 1;
        return Ok(());
    }
    let mut sku = cell(record, columns.sku).to_string();
    if sku.is_empty() {
        let item = cell(record, columns.item);
        if item.is_empty() {
            return Err((
                at(columns.sku),
                "the line item has neither a SKU nor a name".to_string(),
            ));
        }
        parsed.tally.keyed_by_name += 1;
        sku = item.to_string();
    }
    if head.refunded {
        parsed.tally.refunded += 1;
    }
    parsed.lines.push(OrderLine {
        file: index,
        line,
        order: Some(name.to_string()),
        channel: if head.pos { POS_CHANNEL } else { CHANNEL }.to_string(),
        sku,
        qty,
        unit_price,
        written: created.civil,
        offset: created.offset,
        has_time: created.has_time,
        refunded: head.refunded,
    });
    Ok(())
}

/// The order-level fields of an order's first row.
fn first_row(record: &csv::StringRecord, columns: &Columns) -> Result<Head, String> {
    let created_text = cell(record, columns.created);
    let created = if created_text.is_empty() {
        None
    } else {
        Some(time::parse(created_text)?)
    };
    let financial = cell(record, columns.financial).to_lowercase();
    let payment = cell(record, columns.payment).to_lowercase();
    let tags = cell(record, columns.tags).to_lowercase();
    Ok(Head {
        created,
        // A voided payment is an order that never went ahead.
        cancelled: !cell(record, columns.cancelled).is_empty() || financial == "voided",
        // Shopify's test gateway is called "Bogus Gateway"; shops also tag test orders.
        test: payment.contains("bogus") || tags.split(',').any(|t| t.trim() == "test"),
        refunded: financial.contains("refunded"),
        pos: cell(record, columns.source).eq_ignore_ascii_case("pos"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Name,Email,Financial Status,Created at,Cancelled at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Payment Method,Tags\r\n";

    #[test]
    fn order_fields_carry_to_the_order_s_other_rows() {
        let text = format!(
            "\u{FEFF}{HEADER}\
             #1001,a@b.c,paid,2025-10-07 09:50:26 +0200,,2,\"Tee, black\",19.00,TEE-B,Shopify Payments,\r\n\
             #1001,,,,,1,\"Mug\nwhite\",9.50,,,\r\n\
             #1002,c@d.e,refunded,2025-10-07 10:00:00 +0200,,1,Tee,19.00,TEE-B,Shopify Payments,\r\n\
             #1003,c@d.e,paid,2025-10-07 11:00:00 +0200,2025-10-07 12:00:00 +0200,1,Tee,19.00,TEE-B,x,\r\n\
             #1004,c@d.e,paid,2025-10-07 11:00:00 +0200,,1,Tee,19.00,TEE-B,Bogus Gateway,\r\n\
             #1005,c@d.e,voided,2025-10-07 11:00:00 +0200,,1,Tee,19.00,TEE-B,x,\r\n\
             ,,,,,,,,,,\r\n\r\n"
        );
        let text = text.trim_start_matches('\u{FEFF}');
        let parsed = parse("orders.csv", 0, text).unwrap();
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let skus: Vec<(&str, u32, u64)> = parsed
            .lines
            .iter()
            .map(|l| (l.sku.as_str(), l.qty, l.line))
            .collect();
        assert_eq!(
            skus,
            [("TEE-B", 2, 2), ("Mug\nwhite", 1, 3), ("TEE-B", 1, 5)]
        );
        assert_eq!(parsed.lines[1].written, parsed.lines[0].written);
        let t = &parsed.tally;
        assert_eq!(
            (t.cancelled, t.test, t.refunded, t.keyed_by_name, t.blank),
            (2, 1, 1, 1, 1)
        );
        assert_eq!(t.rows, 6);
        assert_eq!(parsed.warnings.len(), 1);
    }

    #[test]
    fn point_of_sale_orders_are_their_own_channel() {
        let text = "Name,Created at,Lineitem quantity,Lineitem sku,Lineitem name,Source\n\
                    #1,2025-10-07 09:50:26 +0200,1,TEE,Tee,web\n\
                    #2,2025-10-07 10:50:26 +0200,1,TEE,Tee,pos\n\
                    #2,,1,MUG,Mug,\n";
        let parsed = parse("orders.csv", 0, text).unwrap();
        let channels: Vec<&str> = parsed.lines.iter().map(|l| l.channel.as_str()).collect();
        assert_eq!(channels, ["shopify", "pos", "pos"]);
    }

    #[test]
    fn unreadable_rows_name_their_line_and_column() {
        let text = format!(
            "{HEADER}#1,a,paid,yesterday,,1,Tee,19,TEE,x,\n#2,a,paid,2025-10-07 10:00:00 +0200,,two,Tee,19,TEE,x,\n"
        );
        let parsed = parse("orders.csv", 0, &text).unwrap();
        let messages: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2);
        assert!(
            messages[0].starts_with("orders.csv:2: column `Created at`: expected a time"),
            "{}",
            messages[0]
        );
        assert_eq!(
            messages[1],
            "orders.csv:3: column `Lineitem quantity`: expected a whole number of units, found `two`"
        );
    }

    #[test]
    fn another_format_gets_the_headers_every_format_expects() {
        let error = parse("x.csv", 0, "amazon-order-id\tsku\n1\tA\n").unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("x.csv: is not --shopify"), "{message}");
        assert!(message.contains("no `Name`, `Created at`"), "{message}");
        assert!(
            message.contains("--amazon (Amazon All Orders report"),
            "{message}"
        );
    }
}
