//! From the file as written (`raw`) to the checked [`Scenario`]: defaults filled in, names
//! resolved to indices, every rule of docs/model.md that a file can break checked.

use indexmap::IndexMap;

use super::channels::channels;
use super::fields::{
    Check, Invalid, at_least, count, duration, duration_dist, hourly_profile, positive_duration,
    quantity, required, window_order,
};
use super::limits;
use super::links::links;
use super::model::{
    MonteCarlo, Peak, Receipt, Reconcile, Reorder, Scenario, ScheduledOrder, Stock, Window,
};
use super::nodes::Nodes;
use super::path::KeyPath;
use super::raw::{
    RawChannel, RawMonteCarlo, RawPeak, RawReconcile, RawReorder, RawScenario, RawScheduledOrder,
    RawStock,
};

const DURATION: &str = "a duration like \"24h\"";

/// Checks a whole scenario.
pub(crate) fn scenario(raw: &RawScenario) -> Check<Scenario> {
    let root = KeyPath::root();
    limits::counts(raw)?;
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
    let stock_raw = required(raw.stock.as_ref(), &root.key("stock"), "a [stock] table")?;
    let stock = stock(stock_raw, nodes.record.is_some())?;
    let scenario = Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        horizon,
        currency: raw.currency.clone().unwrap_or_else(|| "USD".to_owned()),
        monte_carlo,
        stock,
        channels: channels(&raw.channels, &nodes, profile)?,
        links: links(&raw.links, &nodes)?,
        peaks: each(&raw.peaks, "peaks", |p, path| peak(p, &raw.channels, path))?,
        scheduled_orders: each(&raw.scheduled_orders, "scheduled_orders", |o, path| {
            scheduled_order(o, &raw.channels, path)
        })?,
        reconcile: raw.reconcile.as_ref().map(reconcile).transpose()?,
        record: nodes.record,
        nodes: nodes.list,
    };
    limits::scenario(&scenario, raw)?;
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

fn stock(raw: &RawStock, has_record: bool) -> Check<Stock> {
    let path = KeyPath::root().key("stock");
    let initial_path = path.key("initial");
    let initial = required(raw.initial, &initial_path, "the units on hand at time 0")?;
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
                    qty: count(qty, 0, &path.key("qty"))?,
                })
            })
            .collect::<Check<_>>()?,
        reorder: raw
            .reorder
            .as_ref()
            .map(|r| reorder(r, &path.key("reorder")))
            .transpose()?,
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
        qty: quantity(qty, &qty_path)?,
    })
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
mod tests {
    use crate::scenario::load::testing::assert_error;

    #[test]
    fn receipts_and_reorder_need_a_record_node() {
        assert_error(
            &[("record = true\n", "")],
            "stock.receipts",
            "receipts = [",
            "no node has `record = true`",
        );
        assert_error(
            &[
                ("record = true\n", ""),
                ("receipts = [{ at = \"30h\", qty = 40 }]\n", ""),
                ("# reorder = {", "reorder = {"),
            ],
            "stock.reorder",
            "reorder = {",
            "no node has `record = true`",
        );
    }

    #[test]
    fn a_peak_window_that_ends_before_it_starts_is_refused() {
        assert_error(
            &[("to = \"20h\"", "to = \"17h\"")],
            "peaks[0].to",
            "to = \"17h\"",
            "the window ends before it starts",
        );
    }

    #[test]
    fn an_outage_that_ends_before_it_starts_is_refused() {
        assert_error(
            &[("to = \"9h\"", "to = \"5h\"")],
            "links[1].outages[0].to",
            "to = \"5h\"",
            "the window ends before it starts",
        );
    }

    #[test]
    fn a_negative_stock_quantity_is_refused() {
        assert_error(
            &[("initial = 60", "initial = -1")],
            "stock.initial",
            "initial = -1",
            "expected a whole number of at least 0, found -1",
        );
        assert_error(
            &[("qty = 40", "qty = -40")],
            "stock.receipts[0].qty",
            "receipts = [",
            "found -40",
        );
    }

    #[test]
    fn a_top_level_hourly_profile_needs_24_values() {
        assert_error(
            &[(
                "currency = \"USD\"",
                "currency = \"USD\"\nhourly_profile = [1.0]",
            )],
            "hourly_profile",
            "hourly_profile = [1.0]",
            "found 1",
        );
    }

    #[test]
    fn a_peak_or_order_naming_an_unknown_channel_is_refused() {
        assert_error(
            &[(
                "channels = [\"shopify\", \"amazon\"]",
                "channels = [\"shopify\", \"ebay\"]",
            )],
            "peaks[0].channels[1]",
            "\"ebay\"",
            "no channel is called `ebay`",
        );
        assert_error(
            &[("channel = \"pos\"", "channel = \"wholesale\"")],
            "scheduled_orders[0].channel",
            "channel = \"wholesale\"",
            "the channels are `shopify`, `amazon`, `walmart`, `pos`",
        );
    }

    #[test]
    fn a_missing_required_key_points_at_its_table() {
        assert_error(
            &[("every = \"24h\"", "")],
            "reconcile.every",
            "[reconcile]",
            "is missing",
        );
        assert_error(
            &[("horizon = \"24h\"\n", "")],
            "horizon",
            "# Reference scenario",
            "is missing",
        );
    }
}
