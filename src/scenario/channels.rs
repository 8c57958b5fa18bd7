//! `[channels.NAME]`: where orders arrive, and how each lists the stock it sees.

use indexmap::IndexMap;

use super::fields::{
    Check, Invalid, amount_dist, at_least, between, count, hourly_profile, positive_duration,
    quantity,
};
use super::model::Channel;
use super::nodes::Nodes;
use super::path::KeyPath;
use super::raw::RawChannel;
use crate::dist::{Dist, QtyDist};

/// Checks every channel; `profile` is the scenario's `hourly_profile`, for channels without one.
/// In a catalog scenario (`catalog`), channels give a `share` instead of a rate.
pub(crate) fn channels(
    raw: &IndexMap<String, RawChannel>,
    nodes: &Nodes,
    profile: Option<[f64; 24]>,
    horizon: f64,
    catalog: bool,
) -> Check<Vec<Channel>> {
    raw.iter()
        .map(|(name, channel)| {
            let path = KeyPath::root().key("channels").key(name);
            self::channel(name, channel, nodes, profile, horizon, catalog, &path)
        })
        .collect()
}

fn channel(
    name: &str,
    raw: &RawChannel,
    nodes: &Nodes,
    profile: Option<[f64; 24]>,
    horizon: f64,
    catalog: bool,
    path: &KeyPath,
) -> Check<Channel> {
    let node = nodes.lookup(raw.node.as_deref().unwrap_or(name), &path.key("node"))?;
    let non_negative =
        |value: Option<i64>, key: &str| value.map(|v| count(v, 0, &path.key(key))).transpose();
    let hourly = match &raw.hourly_profile {
        Some(values) => Some(hourly_profile(values, &path.key("hourly_profile"))?),
        None => profile,
    };
    Ok(Channel {
        name: name.to_owned(),
        node,
        orders_per_hour: if catalog {
            catalog_rate(raw, path)?
        } else {
            orders_per_hour(raw, path)?
        },
        share: share(raw, catalog, path)?,
        qty: match &raw.qty {
            Some(qty) => quantity(qty, &path.key("qty"))?,
            None => QtyDist::Fixed(1),
        },
        buffer: non_negative(raw.buffer, "buffer")?.unwrap_or(0),
        list_percent: raw
            .list_percent
            .map(|p| between(p, 0.0, 100.0, "a percentage", &path.key("list_percent")))
            .transpose()?,
        out_of_stock_at: non_negative(raw.out_of_stock_at, "out_of_stock_at")?,
        max_listed: non_negative(raw.max_listed, "max_listed")?,
        penalty: match &raw.penalty {
            Some(penalty) => amount_dist(penalty, &path.key("penalty"))?,
            None => Dist::Fixed(0.0),
        },
        cancel_rate_limit: raw
            .cancel_rate_limit
            .map(|r| between(r, 0.0, 1.0, "a rate", &path.key("cancel_rate_limit")))
            .transpose()?,
        cancel_rate_window: match &raw.cancel_rate_window {
            Some(window) => positive_duration(
                window,
                "a zero window judges no order",
                &path.key("cancel_rate_window"),
            )?,
            None => horizon,
        },
        hourly_profile: hourly,
    })
}

/// In a catalog the SKUs carry the demand: a channel's own rate is refused. The channel's
/// `orders_per_hour` is filled in from the SKUs later.
fn catalog_rate(raw: &RawChannel, path: &KeyPath) -> Check<f64> {
    let key = match (raw.orders_per_hour, raw.orders_per_day) {
        (Some(_), _) => "orders_per_hour",
        (None, Some(_)) => "orders_per_day",
        (None, None) => return Ok(0.0),
    };
    Err(Invalid::new(
        &path.key(key),
        "in a catalog scenario the demand comes from the catalog's orders_per_day; give the \
         channel a `share` (a weight, default 1) instead of a rate",
    ))
}

/// The channel's `share` (catalog only, default 1).
fn share(raw: &RawChannel, catalog: bool, path: &KeyPath) -> Check<f64> {
    match raw.share {
        None => Ok(1.0),
        Some(_) if !catalog => Err(Invalid::new(
            &path.key("share"),
            "`share` splits a catalog's demand over channels and needs a [catalog]; without \
             one give orders_per_hour or orders_per_day",
        )),
        Some(share) => at_least(share, 0.0, &path.key("share")),
    }
}

/// The base demand from exactly one of `orders_per_hour` and `orders_per_day`.
fn orders_per_hour(raw: &RawChannel, path: &KeyPath) -> Check<f64> {
    match (raw.orders_per_hour, raw.orders_per_day) {
        (Some(per_hour), None) => at_least(per_hour, 0.0, &path.key("orders_per_hour")),
        (None, Some(per_day)) => Ok(at_least(per_day, 0.0, &path.key("orders_per_day"))? / 24.0),
        (Some(_), Some(_)) => Err(Invalid::new(
            &path.key("orders_per_day"),
            "give either orders_per_hour or orders_per_day, not both",
        )),
        (None, None) => Err(Invalid::new(
            path,
            "the demand is missing: give orders_per_hour or orders_per_day (0 is allowed for a \
             channel that only takes scheduled orders)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::load::testing::{assert_error, edited};
    use crate::scenario::load_str;

    #[test]
    fn a_negative_rate_is_refused() {
        assert_error(
            &[("orders_per_day = 30", "orders_per_day = -3")],
            "channels.amazon.orders_per_day",
            "orders_per_day = -3",
            "expected a number of at least 0, found -3",
        );
    }

    #[test]
    fn a_negative_quantity_is_refused() {
        assert_error(
            &[("qty = \"geometric(1.2)\"", "qty = -2")],
            "channels.amazon.qty",
            "qty = -2",
            "found -2",
        );
    }

    #[test]
    fn a_negative_penalty_is_refused() {
        assert_error(
            &[("penalty = 30.0", "penalty = -30.0")],
            "channels.walmart.penalty",
            "penalty = -30.0",
            "found -30",
        );
        assert_error(
            &[(
                "penalty = \"uniform(8, 15)\"",
                "penalty = \"uniform(-8, 15)\"",
            )],
            "channels.shopify.penalty",
            "penalty = \"uniform(-8, 15)\"",
            "negative",
        );
    }

    #[test]
    fn an_unparsable_distribution_is_refused() {
        assert_error(
            &[(
                "penalty = \"uniform(25, 50)\"",
                "penalty = \"gamma(2, 10)\"",
            )],
            "channels.amazon.penalty",
            "gamma(2, 10)",
            "unknown distribution `gamma`",
        );
    }

    #[test]
    fn a_channel_naming_an_unknown_node_is_refused() {
        assert_error(
            &[("node = \"erp\"", "node = \"till\"")],
            "channels.pos.node",
            "node = \"till\"",
            "no node is called `till`; the nodes are `erp`, `shopify`, `amazon`, `walmart`",
        );
    }

    #[test]
    fn a_channel_needs_exactly_one_rate() {
        assert_error(
            &[(
                "orders_per_hour = 0.5",
                "orders_per_hour = 0.5\norders_per_day = 12",
            )],
            "channels.pos.orders_per_day",
            "orders_per_day = 12",
            "not both",
        );
        assert_error(
            &[("orders_per_hour = 0.5\n", "")],
            "channels.pos",
            "[channels.pos]",
            "0 is allowed for a channel that only takes scheduled orders",
        );
    }

    #[test]
    fn an_hourly_profile_needs_24_values() {
        assert_error(
            &[("buffer = 2", "buffer = 2\nhourly_profile = [1, 2, 3]")],
            "channels.amazon.hourly_profile",
            "hourly_profile = [1, 2, 3]",
            "expected 24 values (one per hour, from 00:00), found 3",
        );
    }

    #[test]
    fn hourly_profiles_apply_to_channels_without_their_own() {
        let top = format!("hourly_profile = [{}]\n", ["2"; 24].join(", "));
        let own = format!("buffer = 2\nhourly_profile = [{}]", ["0.5"; 24].join(", "));
        let text = edited(&[("currency = \"USD\"\n", &top), ("buffer = 2", &own)]);
        let s = load_str("s.toml", &text).unwrap();
        assert_eq!(s.channels[0].hourly_profile, Some([2.0; 24]));
        assert_eq!(s.channels[1].hourly_profile, Some([0.5; 24]));
    }
}
