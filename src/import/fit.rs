//! `fit.md`: what was read, what was left out and why, and how every number of the catalog and
//! the scenario was estimated, with its standard error and the estimator's known bias.

use std::fmt::Write as _;

use super::Tally;
use super::estimate::{
    CvBasis, DaysBasis, Fit, MIN_DAYS_FOR_CV, MIN_ORDERS_FOR_CV, MIN_ORDERS_FOR_PROFILE,
    PLACEHOLDER_DAYS, QtyModel, STOCKOUT_RUN_P,
};
use super::time::add_days;

/// The report's file name.
pub const FILE: &str = "fit.md";

/// One input file, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSummary {
    /// The path as given.
    pub path: String,
    /// The format it was read as.
    pub format: &'static str,
    /// Order lines kept from it (before de-duplication).
    pub kept: u64,
    /// What else it held.
    pub tally: Tally,
}

/// What the report says besides the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// Every file read.
    pub files: Vec<FileSummary>,
    /// All files together, duplicates included.
    pub total: Tally,
    /// The clock times are counted in.
    pub zone: String,
    /// Warnings raised while reading.
    pub warnings: Vec<String>,
    /// The chart files written (name without folder), in report order.
    pub charts: Vec<String>,
    /// Whether `--inventory` was given (then a placeholder means the SKU is not in it).
    pub inventory_given: bool,
}

/// The text of `fit.md`.
pub fn fit_markdown(fit: &Fit, inputs: &Inputs) -> String {
    let mut md = String::new();
    let last_day = add_days(fit.first_day, fit.days as i64 - 1);
    let orders: u64 = fit.skus.iter().map(|s| s.orders).sum();
    let _ = writeln!(md, "# Demand fitted by `oversell import`\n");
    let _ = writeln!(
        md,
        "{orders} orders of {} SKUs on {} channel(s), {} to {last_day} ({} days), times counted in \
         {}. An *order* below is one SKU of one order (an order of two SKUs counts once for each).\n",
        fit.skus.len(),
        fit.channels.len(),
        fit.first_day,
        fit.days,
        inputs.zone
    );
    inputs_section(&mut md, inputs);
    channels_section(&mut md, fit);
    velocity_section(&mut md, fit, inputs.inventory_given);
    cv_section(&mut md, fit);
    skus_table(&mut md, fit);
    if !inputs.charts.is_empty() {
        let _ = writeln!(md, "\n## Charts\n");
        for chart in &inputs.charts {
            let _ = writeln!(md, "![{chart}]({chart})");
        }
    }
    md
}

fn inputs_section(md: &mut String, inputs: &Inputs) {
    let _ = writeln!(md, "## Inputs\n");
    let _ = writeln!(
        md,
        "| file | format | rows | kept | cancelled | test | shipped by marketplace | refunded (kept) | no SKU (keyed by name) | blank |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
    for f in &inputs.files {
        let t = &f.tally;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            f.path,
            f.format,
            t.rows,
            f.kept,
            t.cancelled,
            t.test,
            t.marketplace_fulfilled.values().sum::<u64>(),
            t.refunded,
            t.keyed_by_name,
            t.blank
        );
    }
    let total = &inputs.total;
    let _ = writeln!(
        md,
        "\nLeft out: {} cancelled or voided, {} test, {} with 0 units, {} already read from another \
         file (the same order and SKU in overlapping exports). Refunded orders are kept: the sale \
         took the unit when it was placed.",
        total.cancelled, total.test, total.zero_qty, total.duplicates
    );
    if !total.currencies.is_empty() {
        let list: Vec<String> = total
            .currencies
            .iter()
            .map(|(code, n)| format!("{code} ({n} rows)"))
            .collect();
        let _ = writeln!(
            md,
            "\nCurrencies written with the orders: {}.{}",
            list.join(", "),
            if total.currencies.len() > 1 {
                " Prices are taken as written, unconverted: convert them before trusting `price`."
            } else {
                ""
            }
        );
    }
    if !total.marketplace_fulfilled.is_empty() {
        let list: Vec<String> = total
            .marketplace_fulfilled
            .iter()
            .map(|(sku, n)| format!("{sku} ({n})"))
            .collect();
        let _ = writeln!(
            md,
            "\nShipped from a marketplace's own stock (Amazon FBA/AFN), so not part of the shared \
             stock and left out of the catalog: {}.",
            list.join(", ")
        );
    }
    if !inputs.warnings.is_empty() {
        let _ = writeln!(md, "\nWarnings:\n");
        for w in &inputs.warnings {
            let _ = writeln!(md, "- {w}");
        }
    }
}

fn channels_section(md: &mut String, fit: &Fit) {
    let total: u64 = fit.channels.iter().map(|c| c.orders).sum();
    let _ = writeln!(md, "\n## Channels\n");
    let _ = writeln!(
        md,
        "`share` is the channel's part of all orders, with its standard error sqrt(s(1-s)/n). \
         `qty` is `geometric(mean)` when quantities vary (the check: a geometric distribution has \
         1/mean of its orders at one unit), else the one quantity seen. The hourly profile is each \
         hour's orders over the day's average (mean 1), so it shapes the day without changing \
         orders_per_day; each value has a standard error of about 24 sqrt(p(1-p)/n) for its share \
         p of the channel's n orders. A channel with fewer than {MIN_ORDERS_FOR_PROFILE} orders with a \
         time of day gets no profile (flat): 24 values from fewer orders are mostly noise.\n"
    );
    let _ = writeln!(
        md,
        "| channel | orders | share | ± SE | qty | mean units | one-unit orders | peak hour |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for c in &fit.channels {
        let se = (c.share * (1.0 - c.share) / total.max(1) as f64).sqrt();
        let qty = match c.qty.model {
            QtyModel::Fixed(q) => q.to_string(),
            QtyModel::Geometric(m) => format!("geometric({m:.3})"),
        };
        let peak = c
            .profile
            .map(|p| {
                let (h, v) = p
                    .iter()
                    .enumerate()
                    .fold((0, f64::MIN), |a, (h, &v)| if v > a.1 { (h, v) } else { a });
                format!("{h:02}h (x{v:.2})")
            })
            .unwrap_or_else(|| {
                format!(
                    "flat: {} orders with a time of day (< {MIN_ORDERS_FOR_PROFILE})",
                    c.hours.iter().sum::<u64>()
                )
            });
        let _ = writeln!(
            md,
            "| {} | {} | {:.4} | {se:.4} | {qty} | {:.3} | {:.1}% (geometric: {:.1}%) | {peak} |",
            c.name,
            c.orders,
            c.share,
            c.qty.mean,
            100.0 * c.qty.share_one,
            100.0 / c.qty.mean.max(1.0),
        );
    }
    if fit.untimed > 0 {
        let _ = writeln!(
            md,
            "\n{} orders had a date but no time of day: they count for their day but not for the \
             hourly profile.",
            fit.untimed
        );
    }
}

fn velocity_section(md: &mut String, fit: &Fit, inventory_given: bool) {
    let _ = writeln!(md, "\n## Velocity: orders_per_day\n");
    let window = fit
        .days_basis
        .iter()
        .filter(|b| **b == DaysBasis::Window)
        .count();
    let _ = writeln!(
        md,
        "orders_per_day = the SKU's orders / the days it could be sold. Its standard error is \
         sqrt(max(var, mean) / days) scaled to the rate, from the spread of the daily counts (so \
         it includes day-to-day variation). The window runs from the first to the last day with an \
         order, whole days in the clock above: an export taken in the middle of a day makes that \
         day short and the velocities slightly low (by about half a day in the window's length)."
    );
    if window > 0 {
        let _ = writeln!(
            md,
            "\n**Bias.** For {window} SKU(s) no inventory history was given, so the days are every \
             day of the window ({} days). Orders alone cannot show the days a SKU was sold out: on \
             those days it sold nothing because it had nothing to sell, and the estimate is too low \
             by the share of days it was out of stock (a SKU out of stock for a third of the window \
             shows two thirds of its demand). Give `--in-stock-days` (sku,days_in_stock, or a dated \
             history date,sku,available) to divide by the days in stock instead.",
            fit.days
        );
        let suspects: Vec<String> = fit
            .skus
            .iter()
            .filter(|s| s.stockout_suspect)
            .map(|s| format!("{} ({} days)", s.sku, s.longest_zero_run))
            .collect();
        if suspects.is_empty() {
            let _ = writeln!(
                md,
                "\nNo SKU has a run of days without orders too long for its rate (a run that would \
                 happen with probability below {STOCKOUT_RUN_P} in the window), so no stockout \
                 shows in the orders."
            );
        } else {
            let _ = writeln!(
                md,
                "\nLikely sold out for a while (a run of days without orders that would happen with \
                 probability below {STOCKOUT_RUN_P} at the fitted rate): {}. Their orders_per_day is \
                 probably too low.",
                suspects.join(", ")
            );
        }
    }
    let placeholders = fit.skus.iter().filter(|s| s.initial_placeholder).count();
    if placeholders > 0 {
        let _ = writeln!(
            md,
            "\n**initial is a placeholder** for {placeholders} SKU(s): {PLACEHOLDER_DAYS} days of \
             their units per day, not a stock count (`x_initial` = PLACEHOLDER in skus.csv). {}",
            if inventory_given {
                "They are not in the --inventory file."
            } else {
                "Give `--inventory` (sku,initial, or Shopify's inventory export) for real counts."
            }
        );
    }
}

fn cv_section(md: &mut String, fit: &Fit) {
    let estimated = fit
        .skus
        .iter()
        .filter(|s| s.cv_basis == CvBasis::Estimated)
        .count();
    let _ = writeln!(md, "\n## Day-to-day variability: demand_cv\n");
    let _ = writeln!(
        md,
        "If each day's demand is Poisson with its rate multiplied by a gamma factor of mean 1 and \
         coefficient of variation cv, a day's count has mean m and variance m + cv² m². So cv² = \
         max(0, (var - m) / m²) from the daily counts (method of moments); the dispersion index \
         var/m is 1 for Poisson, and p(Poisson) is the chance of a dispersion index at least this \
         large if demand were Poisson (chi-square test with days - 1 degrees of freedom). \
         demand_cv is estimated for {estimated} of {} SKUs; below a floor of evidence \
         ({MIN_DAYS_FOR_CV} days of counts and {MIN_ORDERS_FOR_CV} orders) it is written as 0 \
         (plain Poisson), since a few orders cannot tell variability from chance. The estimate is \
         noisy: its standard error is roughly sqrt(2 / days) x var / m² on cv². Daily counts of the \
         days in stock are used where a dated history is given, else every day of the window (a \
         stockout then adds empty days and inflates cv).",
        fit.skus.len()
    );
}

fn skus_table(md: &mut String, fit: &Fit) {
    let _ = writeln!(md, "\n## SKUs\n");
    let mut header = String::from(
        "| sku | orders | days | orders/day | ± SE | demand_cv | dispersion | p(Poisson) | longest run without orders |",
    );
    let mut rule = String::from("|---|---|---|---|---|---|---|---|---|");
    for c in &fit.channels {
        header.push_str(&format!(" share_{} |", c.name));
        rule.push_str("---|");
    }
    header.push_str(" initial | price |");
    rule.push_str("---|---|");
    let _ = writeln!(md, "{header}\n{rule}");
    for s in &fit.skus {
        let cv = match s.cv_basis {
            CvBasis::Estimated => format!("{:.3}", s.demand_cv),
            CvBasis::TooFewDays => format!("0 (est. {:.2}; too few days)", s.cv_estimate),
            CvBasis::TooFewOrders => format!("0 (est. {:.2}; too few orders)", s.cv_estimate),
        };
        let mut row = format!(
            "| {} | {} | {} | {:.3} | {:.3} | {cv} | {:.2} | {} | {}{} |",
            s.sku.replace('|', "\\|").replace('\n', " "),
            s.orders,
            s.days,
            s.orders_per_day,
            s.orders_per_day_se,
            s.dispersion,
            s.p_poisson.map_or("-".to_string(), |p| format!("{p:.3}")),
            s.longest_zero_run,
            if s.stockout_suspect {
                " (stockout?)"
            } else {
                ""
            },
        );
        for &n in &s.channel_orders {
            row.push_str(&format!(" {:.3} |", n as f64 / s.orders.max(1) as f64));
        }
        row.push_str(&format!(
            " {}{} | {} |",
            s.initial,
            if s.initial_placeholder {
                " (placeholder)"
            } else {
                ""
            },
            s.price.map_or("-".to_string(), |p| format!("{p:.2}"))
        ));
        let _ = writeln!(md, "{row}");
    }
}
