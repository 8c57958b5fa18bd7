//! From the file as written (`raw`) to the checked [`Scenario`]: defaults filled in, names
//! resolved to indices, every rule of docs/model.md that a file can break checked.

use indexmap::IndexMap;

use super::catalog::CatalogRow;
use super::channels::channels;
use super::fields::{
    Check, Invalid, at_least, count, duration, duration_dist, hourly_profile, positive_duration,
    quantity, required, window_order,
};
use super::limits;
use super::links::links;
use super::model::{
    Catalog, Channel, Listing, Monitoring, MonteCarlo, Peak, Receipt, Reconcile, Reorder, Scenario,
    ScheduledOrder, Sku, SkuChannel, Stock, Window,
};
use super::nodes::Nodes;
use super::path::KeyPath;
use super::raw::{
    RawChannel, RawMonitoring, RawMonteCarlo, RawPeak, RawReconcile, RawReorder, RawScenario,
    RawScheduledOrder, RawStock,
};
use crate::dist::Dist;

const DURATION: &str = "a duration like \"24h\"";

/// Checks a whole scenario; `catalog` holds the rows of its `[catalog] file`, read beforehand.
pub(crate) fn scenario(
    raw: &RawScenario,
    catalog: Option<(&str, &[CatalogRow])>,
) -> Check<Scenario> {
    let root = KeyPath::root();
    limits::counts(raw)?;
    let is_catalog = raw.catalog.is_some();
    let name = required(raw.name.clone(), &root.key("name"), "the scenario's name")?;
    let horizon_path = root.key("horizon");
    let horizon = required(raw.horizon.as_ref(), &horizon_path, DURATION)?;
    let horizon = positive_duration(horizon, "a zero horizon simulates nothing", &horizon_path)?;
    let horizon = limits::horizon(horizon, &horizon_path)?;
    let profile = raw
        .hourly_profile
        .as_deref()
        .map(|values| hourly_profile(values, &root.key("hourly_profile")))
        .transpose()?;
    let monte_carlo = monte_carlo(raw.monte_carlo.as_ref())?;
    let nodes = Nodes::resolve(&raw.nodes, &raw.channels)?;
    if is_catalog {
        no_node_initial(raw)?;
    }
    let stock_raw = required(raw.stock.as_ref(), &root.key("stock"), "a [stock] table")?;
    let sku_names: Option<Vec<&str>> =
        catalog.map(|(_, rows)| rows.iter().map(|r| r.sku.as_str()).collect());
    let stock = stock(stock_raw, nodes.record.is_some(), sku_names.as_deref())?;
    let mut channels = channels(&raw.channels, &nodes, profile, horizon, is_catalog)?;
    let catalog = match (&raw.catalog, catalog) {
        (Some(_), Some((file, rows))) => catalog_skus(file, rows, &stock, &mut channels),
        (Some(_), None) => {
            return Err(Invalid::new(
                &root.key("catalog").key("file"),
                "is missing; expected the catalog CSV, like \"skus.csv\" (relative to this file)",
            ));
        }
        (None, _) => one_sku(&stock, &channels),
    };
    let scenario = Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        horizon,
        currency: raw.currency.clone().unwrap_or_else(|| "USD".to_owned()),
        monte_carlo,
        stock,
        channels,
        links: links(&raw.links, &nodes)?,
        peaks: each(&raw.peaks, "peaks", |p, path| peak(p, &raw.channels, path))?,
        scheduled_orders: each(&raw.scheduled_orders, "scheduled_orders", |o, path| {
            scheduled_order(o, &raw.channels, sku_names.as_deref(), path)
        })?,
        catalog,
        reconcile: raw.reconcile.as_ref().map(reconcile).transpose()?,
        monitoring: raw
            .monitoring
            .as_ref()
            .map(|m| monitoring(m, nodes.record.is_some()))
            .transpose()?,
        record: nodes.record,
        nodes: nodes.list,
    };
    no_bundle_receipts(&scenario)?;
    limits::scenario(&scenario, raw)?;
    super::events::check(&scenario, raw)?;
    super::intervals::check(&scenario, raw)?;
    Ok(scenario)
}

/// Checks each element of the array of tables `key`.
fn each<R, T>(raw: &[R], key: &str, check: impl Fn(&R, &KeyPath) -> Check<T>) -> Check<Vec<T>> {
    let path = KeyPath::root().key(key);
    raw.iter()
        .enumerate()
        .map(|(i, r)| check(r, &path.index(i)))
        .collect()
}

fn monte_carlo(raw: Option<&RawMonteCarlo>) -> Check<MonteCarlo> {
    let path = KeyPath::root().key("monte_carlo");
    let trials = raw.and_then(|r| r.trials).unwrap_or(10_000);
    let seed = raw.and_then(|r| r.seed).unwrap_or(2026);
    let max_events = raw
        .and_then(|r| r.max_events)
        .unwrap_or(MonteCarlo::DEFAULT_MAX_EVENTS as i64);
    Ok(MonteCarlo {
        trials: count(trials, 1, &path.key("trials"))?.unsigned_abs(),
        seed: count(seed, 0, &path.key("seed"))?.unsigned_abs(),
        max_events: count(max_events, 1, &path.key("max_events"))?.unsigned_abs(),
    })
}

/// `[stock]`; `skus` names the catalog's SKUs (`None` without a catalog).
fn stock(raw: &RawStock, has_record: bool, skus: Option<&[&str]>) -> Check<Stock> {
    let path = KeyPath::root().key("stock");
    let initial_path = path.key("initial");
    let initial = match (raw.initial, skus) {
        (Some(_), Some(_)) => {
            return Err(Invalid::new(
                &initial_path,
                "in a catalog scenario every SKU's stock is the catalog's `initial` column; \
                 remove stock.initial",
            ));
        }
        (None, Some(_)) => 0,
        (initial, None) => required(initial, &initial_path, "the units on hand at time 0")?,
    };
    let needs_record = |key: &str| {
        Invalid::new(
            &path.key(key),
            "needs a record node, and no node has `record = true`: receipts and reorders go to \
             the inventory of record; mark it with `record = true` under [nodes.NAME]",
        )
    };
    if !raw.receipts.is_empty() && !has_record {
        return Err(needs_record("receipts"));
    }
    if raw.reorder.is_some() && !has_record {
        return Err(needs_record("reorder"));
    }
    let receipts_path = path.key("receipts");
    Ok(Stock {
        initial: count(initial, 0, &initial_path)?,
        unit_margin: at_least(
            raw.unit_margin.unwrap_or(0.0),
            0.0,
            &path.key("unit_margin"),
        )?,
        price: at_least(raw.price.unwrap_or(0.0), 0.0, &path.key("price"))?,
        receipts: raw
            .receipts
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let path = receipts_path.index(i);
                let at = duration(
                    required(r.at.as_ref(), &path.key("at"), DURATION)?,
                    &path.key("at"),
                )?;
                let qty = required(r.qty, &path.key("qty"), "a whole number of units")?;
                Ok(Receipt {
                    at,
                    sku: sku_index(r.sku.as_deref(), skus, &path.key("sku"))?,
                    qty: count(qty, 0, &path.key("qty"))?,
                })
            })
            .collect::<Check<_>>()?,
        reorder: raw
            .reorder
            .as_ref()
            .map(|r| reorder(r, &path.key("reorder")))
            .transpose()?,
        ship_after: raw
            .ship_after
            .as_ref()
            .map(|d| duration_dist(d, &path.key("ship_after")))
            .transpose()?
            .filter(|d| !d.is_zero()),
        shrink_per_day: at_least(
            raw.shrink_per_day.unwrap_or(0.0),
            0.0,
            &path.key("shrink_per_day"),
        )?,
        demand_cv: at_least(raw.demand_cv.unwrap_or(0.0), 0.0, &path.key("demand_cv"))?,
    })
}

fn reorder(raw: &RawReorder, path: &KeyPath) -> Check<Reorder> {
    let point = required(raw.point, &path.key("point"), "the reorder point, units")?;
    let qty = required(raw.qty, &path.key("qty"), "the units ordered")?;
    let lead_path = path.key("lead_time");
    let lead_time = required(raw.lead_time.as_ref(), &lead_path, "a duration like \"3d\"")?;
    Ok(Reorder {
        point,
        qty: count(qty, 1, &path.key("qty"))?,
        lead_time: duration_dist(lead_time, &lead_path)?,
    })
}

fn peak(raw: &RawPeak, channels: &IndexMap<String, RawChannel>, path: &KeyPath) -> Check<Peak> {
    let (from_path, to_path) = (path.key("from"), path.key("to"));
    let from = duration(
        required(raw.from.as_ref(), &from_path, DURATION)?,
        &from_path,
    )?;
    let to = duration(required(raw.to.as_ref(), &to_path, DURATION)?, &to_path)?;
    window_order(from, to, &to_path)?;
    let multiplier_path = path.key("multiplier");
    let multiplier = required(raw.multiplier, &multiplier_path, "a demand factor like 4")?;
    let mut indices = Vec::new();
    for (i, name) in raw.channels.iter().flatten().enumerate() {
        let index = channel_index(name, channels, &path.key("channels").index(i))?;
        if !indices.contains(&index) {
            indices.push(index);
        }
    }
    Ok(Peak {
        window: Window { from, to },
        multiplier: at_least(multiplier, 0.0, &multiplier_path)?,
        channels: raw.channels.as_ref().map(|_| indices),
    })
}

fn scheduled_order(
    raw: &RawScheduledOrder,
    channels: &IndexMap<String, RawChannel>,
    skus: Option<&[&str]>,
    path: &KeyPath,
) -> Check<ScheduledOrder> {
    let at_path = path.key("at");
    let at = duration(required(raw.at.as_ref(), &at_path, DURATION)?, &at_path)?;
    let channel_path = path.key("channel");
    let channel = required(raw.channel.as_deref(), &channel_path, "a channel name")?;
    let qty_path = path.key("qty");
    let qty = required(raw.qty.as_ref(), &qty_path, "a whole number of units")?;
    Ok(ScheduledOrder {
        at,
        channel: channel_index(channel, channels, &channel_path)?,
        sku: sku_index(raw.sku.as_deref(), skus, &path.key("sku"))?,
        qty: quantity(qty, &qty_path)?,
    })
}

/// The SKU a scheduled order or receipt names: required in a catalog, refused without one.
fn sku_index(name: Option<&str>, skus: Option<&[&str]>, path: &KeyPath) -> Check<usize> {
    match (name, skus) {
        (None, None) => Ok(0),
        (Some(_), None) => Err(Invalid::new(
            path,
            "names a SKU of a catalog, and the scenario has no [catalog]",
        )),
        (None, Some(_)) => Err(Invalid::new(
            path,
            "is missing; in a catalog scenario, name the SKU (a value of the catalog's `sku` column)",
        )),
        (Some(name), Some(skus)) => skus
            .iter()
            .position(|s| *s == name)
            .ok_or_else(|| Invalid::new(path, format!("the catalog has no SKU `{name}`"))),
    }
}

/// Receipts go to a SKU with stock: naming a bundle is an error.
fn no_bundle_receipts(scenario: &Scenario) -> Check<()> {
    let skus = &scenario.catalog.skus;
    match (scenario.stock.receipts.iter()).position(|r| skus[r.sku].is_bundle()) {
        Some(i) => Err(Invalid::new(
            &KeyPath::root()
                .key("stock")
                .key("receipts")
                .index(i)
                .key("sku"),
            format!(
                "`{}` is a bundle, which holds no stock; receive its components instead",
                skus[scenario.stock.receipts[i].sku].name
            ),
        )),
        None => Ok(()),
    }
}

/// A node's `initial` has no meaning when every SKU has its own.
fn no_node_initial(raw: &RawScenario) -> Check<()> {
    match raw.nodes.iter().find(|(_, node)| node.initial.is_some()) {
        Some((name, _)) => Err(Invalid::new(
            &KeyPath::root().key("nodes").key(name).key("initial"),
            "a node's `initial` is not allowed with a catalog: every view starts at its SKU's \
             `initial`",
        )),
        None => Ok(()),
    }
}

/// The one SKU of `scenario` as if it had no catalog (for hand-built test scenarios).
#[cfg(test)]
pub(crate) fn one_sku_for_tests(scenario: &Scenario) -> Vec<Sku> {
    one_sku(&scenario.stock, &scenario.channels).skus
}

/// The one SKU of a scenario without a catalog: the stock and the channels as written.
fn one_sku(stock: &Stock, channels: &[Channel]) -> Catalog {
    let sku = Sku {
        name: "stock".to_owned(),
        line: 0,
        initial: stock.initial,
        orders_per_day: channels.iter().map(|c| c.orders_per_hour * 24.0).sum(),
        price: stock.price,
        unit_margin: stock.unit_margin,
        reorder: stock.reorder.clone(),
        shrink_per_day: stock.shrink_per_day,
        demand_cv: stock.demand_cv,
        components: Vec::new(),
        channels: channels
            .iter()
            .map(|c| SkuChannel {
                orders_per_hour: c.orders_per_hour,
                listed: true,
                listing: Listing {
                    buffer: c.buffer,
                    list_percent: c.list_percent,
                    out_of_stock_at: c.out_of_stock_at,
                    max_listed: c.max_listed,
                },
                penalty: c.penalty,
            })
            .collect(),
    };
    Catalog {
        file: None,
        skus: vec![sku],
    }
}

/// The SKUs of a catalog: every empty cell takes the scenario's value. Each channel's
/// `orders_per_hour` becomes the sum of its SKUs' demand.
fn catalog_skus(
    file: &str,
    rows: &[CatalogRow],
    stock: &Stock,
    channels: &mut [Channel],
) -> Catalog {
    let index: std::collections::HashMap<&str, usize> = (rows.iter().enumerate())
        .map(|(i, r)| (r.sku.as_str(), i))
        .collect();
    let skus: Vec<Sku> = rows
        .iter()
        .map(|row| {
            // The reader checked that every component names a SKU with stock.
            let components: Vec<(usize, i64)> = (row.components.iter())
                .map(|(name, k)| (index[name.as_str()], *k))
                .collect();
            // A bundle is listed on a channel only where all its components are.
            let listed: Vec<bool> = (0..channels.len())
                .map(|c| {
                    let own = |r: &CatalogRow| r.channels[c].listed != Some(false);
                    own(row) && components.iter().all(|&(k, _)| own(&rows[k]))
                })
                .collect();
            catalog_sku(row, stock, channels, &listed, components)
        })
        .collect();
    for (c, channel) in channels.iter_mut().enumerate() {
        channel.orders_per_hour = skus.iter().map(|k| k.channels[c].orders_per_hour).sum();
    }
    Catalog {
        file: Some(file.to_owned()),
        skus,
    }
}

fn catalog_sku(
    row: &CatalogRow,
    stock: &Stock,
    channels: &[Channel],
    listed: &[bool],
    components: Vec<(usize, i64)>,
) -> Sku {
    let bundle = !components.is_empty();
    let shares: Vec<f64> = (channels.iter().zip(&row.channels).zip(listed))
        .map(|((channel, cells), &listed)| {
            if listed {
                cells.share.unwrap_or(channel.share)
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = shares.iter().sum();
    // The stock's reorder policy and shrink skip bundle rows (a bundle holds no stock).
    let reorder = stock.reorder.as_ref().filter(|_| !bundle).map(|r| Reorder {
        point: row.reorder_point.unwrap_or(r.point),
        qty: row.reorder_qty.unwrap_or(r.qty),
        lead_time: row.lead_time.unwrap_or(r.lead_time),
    });
    Sku {
        name: row.sku.clone(),
        line: row.line,
        initial: row.initial,
        orders_per_day: row.orders_per_day,
        price: row.price.unwrap_or(stock.price),
        unit_margin: row.unit_margin.unwrap_or(stock.unit_margin),
        reorder,
        shrink_per_day: match bundle {
            true => 0.0,
            false => row.shrink_per_day.unwrap_or(stock.shrink_per_day),
        },
        demand_cv: row.demand_cv.unwrap_or(stock.demand_cv),
        components,
        channels: (channels.iter().zip(&row.channels).zip(shares))
            .zip(listed.iter().copied())
            .map(|(((channel, cells), share), listed)| SkuChannel {
                orders_per_hour: if total > 0.0 {
                    row.orders_per_day * share / total / 24.0
                } else {
                    0.0
                },
                listed,
                listing: Listing {
                    buffer: cells.buffer.unwrap_or(channel.buffer),
                    list_percent: cells.list_percent.or(channel.list_percent),
                    out_of_stock_at: cells.out_of_stock_at.or(channel.out_of_stock_at),
                    max_listed: cells.max_listed.or(channel.max_listed),
                },
                penalty: cells.penalty.unwrap_or(channel.penalty),
            })
            .collect(),
    }
}

fn channel_index(
    name: &str,
    channels: &IndexMap<String, RawChannel>,
    path: &KeyPath,
) -> Check<usize> {
    channels.get_index_of(name).ok_or_else(|| {
        let known: Vec<String> = channels.keys().map(|c| format!("`{c}`")).collect();
        Invalid::new(
            path,
            format!(
                "no channel is called `{name}`; the channels are {}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        )
    })
}

/// `[monitoring]`: needs a record node (the fix resyncs every view to the record's).
fn monitoring(raw: &RawMonitoring, has_record: bool) -> Check<Monitoring> {
    let path = KeyPath::root().key("monitoring");
    if !has_record {
        return Err(Invalid::new(
            &path,
            "needs a record node, and no node has `record = true`: the fix after an alert sets \
             every view to the record's; mark it with `record = true` under [nodes.NAME]",
        ));
    }
    Ok(Monitoring {
        lag_alert: raw
            .lag_alert
            .as_ref()
            .map(|d| duration(d, &path.key("lag_alert")))
            .transpose()?,
        fix_after: raw.fix_after.as_ref().map_or(Ok(Dist::Fixed(0.0)), |d| {
            duration_dist(d, &path.key("fix_after"))
        })?,
        low_stock_days: raw
            .low_stock_days
            .map(|x| at_least(x, 0.0, &path.key("low_stock_days")))
            .transpose()?,
    })
}

fn reconcile(raw: &RawReconcile) -> Check<Reconcile> {
    let path = KeyPath::root().key("reconcile");
    let every_path = path.key("every");
    let every = required(raw.every.as_ref(), &every_path, DURATION)?;
    let every = positive_duration(
        every,
        "a zero reconciliation interval never ends",
        &every_path,
    )?;
    let first = match &raw.first {
        Some(first) => duration(first, &path.key("first"))?,
        None => every,
    };
    Ok(Reconcile { first, every })
}
#[cfg(test)]
mod tests;
