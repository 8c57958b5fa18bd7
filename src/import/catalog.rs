//! `skus.csv`: the fitted SKUs as a catalog in the format of MODEL.md Part 2 (`sku`,
//! `orders_per_day`, `initial`, `price`, `demand_cv`, `share_<channel>`), with the evidence in
//! `x_` columns, which the simulator ignores.

use super::estimate::{CvBasis, DaysBasis, Fit, PLACEHOLDER_DAYS};

/// The catalog file's name, as the scenario refers to it.
pub const FILE: &str = "skus.csv";

/// The text of `skus.csv` for `fit`.
pub fn catalog_csv(fit: &Fit) -> anyhow::Result<String> {
    let placeholders = fit.skus.iter().filter(|s| s.initial_placeholder).count();
    let mut text = String::from(
        "# Written by `oversell import` from order exports; see fit.md for how each number was \
         estimated.\n",
    );
    if placeholders > 0 {
        text.push_str(&format!(
            "# PLACEHOLDER: `initial` of {placeholders} SKU(s) is {PLACEHOLDER_DAYS} days of their \
             demand, not a stock count (x_initial says which): give --inventory or edit it.\n"
        ));
    }
    // A SKU starting with `#` would read as a comment unless quoted.
    let quote = if fit.skus.iter().any(|s| s.sku.starts_with('#')) {
        csv::QuoteStyle::NonNumeric
    } else {
        csv::QuoteStyle::Necessary
    };
    let mut writer = csv::WriterBuilder::new()
        .quote_style(quote)
        .from_writer(Vec::new());
    let mut header: Vec<String> = ["sku", "orders_per_day", "initial", "price", "demand_cv"]
        .map(String::from)
        .to_vec();
    header.extend(fit.channels.iter().map(|c| format!("share_{}", c.name)));
    header.extend(["x_orders", "x_days", "x_initial", "x_demand_cv", "x_note"].map(String::from));
    writer.write_record(&header)?;
    for (sku, basis) in fit.skus.iter().zip(&fit.days_basis) {
        let mut row = vec![
            sku.sku.clone(),
            format!("{:.4}", sku.orders_per_day),
            sku.initial.to_string(),
            sku.price.map_or(String::new(), |p| format!("{p:.2}")),
            format!("{:.3}", sku.demand_cv),
        ];
        let orders = sku.orders.max(1) as f64;
        row.extend(
            sku.channel_orders
                .iter()
                .map(|&n| format!("{:.4}", n as f64 / orders)),
        );
        row.push(sku.orders.to_string());
        row.push(format!(
            "{} {}",
            sku.days,
            match basis {
                DaysBasis::Window => "window",
                DaysBasis::Counted => "in stock (count)",
                DaysBasis::History => "in stock (history)",
            }
        ));
        row.push(if sku.initial_placeholder {
            "PLACEHOLDER".to_string()
        } else {
            "inventory".to_string()
        });
        row.push(match sku.cv_basis {
            CvBasis::Estimated => format!("estimated from {} days", sku.cv_days),
            CvBasis::TooFewDays => format!("0: only {} days", sku.cv_days),
            CvBasis::TooFewOrders => format!("0: only {} orders", sku.orders),
        });
        row.push(if sku.stockout_suspect {
            format!(
                "likely sold out: {} days in a row without orders; orders_per_day may be low",
                sku.longest_zero_run
            )
        } else {
            String::new()
        });
        writer.write_record(&row)?;
    }
    text.push_str(std::str::from_utf8(&writer.into_inner()?)?);
    Ok(text)
}
