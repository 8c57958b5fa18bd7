//! `scenario.toml`: a starter scenario over the imported catalog. The demand part (the catalog,
//! each channel's share, `qty` and `hourly_profile`) comes from the exports; the integration stack
//! (links, penalties, limits, reconciliation) is a template, marked as such, to replace with the
//! client's own.

use super::catalog;
use super::estimate::{Fit, MIN_ORDERS_FOR_PROFILE, QtyModel};
use super::time::add_days;

/// The scenario file's name.
pub const FILE: &str = "scenario.toml";

/// The channel every other channel syncs through in the template: Shopify where it is imported,
/// else the channel with the most orders.
pub fn hub(fit: &Fit) -> &str {
    fit.channels
        .iter()
        .find(|c| c.name == "shopify")
        .or(fit.channels.first())
        .map_or("shopify", |c| c.name.as_str())
}

/// The text of `scenario.toml` for `fit`; `zone` names the clock the hourly profiles are in and
/// `currency` is the exports' currency (and whether they used others too), where they give one.
pub fn scenario_toml(fit: &Fit, zone: &str, currency: Option<(&str, bool)>) -> String {
    let currency_line = match currency {
        Some((code, false)) => {
            format!("currency = \"{code}\"                  # the exports' currency")
        }
        Some((code, true)) => format!(
            "currency = \"{code}\"                  # CHECK: the exports mix currencies; prices are as written"
        ),
        None => "currency = \"USD\"                  # TEMPLATE: the currency of your prices"
            .to_string(),
    };
    let last_day = add_days(fit.first_day, fit.days as i64 - 1);
    let orders: u64 = fit.channels.iter().map(|c| c.orders).sum();
    let mut text = format!(
        "# Starter scenario written by `oversell import`.\n\
         # FROM YOUR DATA: [catalog] (skus.csv) and each channel's share, qty and hourly_profile,\n\
         #   fitted to {orders} orders from {} to {last_day} ({} days); fit.md says how.\n\
         # TEMPLATE: everything marked TEMPLATE (margins, penalties, limits, the links, reconcile)\n\
         #   is a common setup, not your stack: replace it before trusting the numbers.\n\n\
         name = \"Imported catalog, {} to {last_day}\"\n\
         horizon = \"28d\"\n\
         {currency_line}\n\n\
         [catalog]\n\
         file = \"{}\"                # sku, orders_per_day, initial, price, demand_cv, share_<channel>\n\n\
         [stock]\n\
         unit_margin = 0.0                 # TEMPLATE: margin per unit (not in order exports)\n\n",
        fit.first_day,
        fit.days,
        fit.first_day,
        catalog::FILE,
    );
    text.push_str(
        "# ---------------------------------------------------------------------------------------\n\
         # Channels. share: the channel's part of all orders (a SKU's share_<channel> in skus.csv\n\
         # overrides it); qty: units per order; hourly_profile: orders per hour of the day\n",
    );
    text.push_str(&format!(
        "# ({zone}) over the day's average, hour 0 first.\n\
         # ---------------------------------------------------------------------------------------\n",
    ));
    for channel in &fit.channels {
        text.push_str(&format!("\n[channels.{}]\n", channel.name));
        text.push_str(&format!(
            "share = {:.4}                     # {} orders\n",
            channel.share, channel.orders
        ));
        let qty_note = match channel.qty.model {
            QtyModel::Fixed(q) => format!("every order had {q} unit(s)"),
            QtyModel::Geometric(_) => format!(
                "mean {:.3} units; {:.0}% of orders had one unit (a geometric predicts {:.0}%)",
                channel.qty.mean,
                100.0 * channel.qty.share_one,
                100.0 / channel.qty.mean
            ),
        };
        text.push_str(&format!(
            "qty = {}    # {qty_note}\n",
            channel.qty.model.toml()
        ));
        match &channel.profile {
            Some(profile) => {
                let values: Vec<String> = profile.iter().map(|v| format!("{v:.3}")).collect();
                text.push_str(&format!(
                    "hourly_profile = [\n    {},\n    {},\n]\n",
                    values[..12].join(", "),
                    values[12..].join(", ")
                ));
            }
            None => text.push_str(&format!(
                "# no hourly_profile: {} orders with a time of day, fewer than the {} a profile \
                 needs; demand is flat over the day\n",
                channel.hours.iter().sum::<u64>(),
                MIN_ORDERS_FOR_PROFILE
            )),
        }
        if channel.name == "pos" && hub(fit) == "shopify" {
            text.push_str(
                "node = \"shopify\"                   # TEMPLATE: Shopify POS sells against Shopify's own count\n",
            );
        }
        text.push_str(&template_limits(&channel.name));
    }
    text.push_str(&stack(fit));
    text
}

/// Penalty and cancel-rate lines for a channel: known marketplace targets where there are some.
fn template_limits(channel: &str) -> String {
    let limits = match channel {
        "amazon" => {
            "cancel_rate_limit = 0.025           # TEMPLATE: Amazon's pre-fulfilment cancel rate target\n\
                     cancel_rate_window = \"7d\"\n"
        }
        "walmart" => {
            "cancel_rate_limit = 0.02            # TEMPLATE: Walmart's cancellation target\n\
                      cancel_rate_window = \"30d\"\n"
        }
        _ => "",
    };
    format!("penalty = 0.0                       # TEMPLATE: cost of one cancelled order\n{limits}")
}

/// The template stack: the hub's count pushed to every other channel and their orders polled
/// into the hub, every 15 minutes (a common connector-app setup), and a daily recount.
fn stack(fit: &Fit) -> String {
    let hub = hub(fit);
    let mut text = format!(
        "\n# =======================================================================================\n\
         # TEMPLATE: the integration stack. Nothing below comes from your exports.\n\
         # A common setup: `{hub}` is the hub; a connector polls every other channel's orders into\n\
         # it and pushes its count to them every 15 minutes. Replace with your own nodes and links\n\
         # (see the README's scenario reference and scenarios/).\n\
         # =======================================================================================\n"
    );
    // Shopify POS shares Shopify's count (its `node` above): no links of its own.
    let linked = |name: &str| name != hub && !(name == "pos" && hub == "shopify");
    for channel in fit.channels.iter().filter(|c| linked(&c.name)) {
        let c = &channel.name;
        text.push_str(&format!(
            "\n[[links]]                         # TEMPLATE\n\
             name = \"{c}-orders\"\n\
             carries = \"orders\"\n\
             from = \"{c}\"\n\
             to = \"{hub}\"\n\
             poll = {{ every = \"15m\", latency = \"30s\" }}\n\
             \n[[links]]                         # TEMPLATE\n\
             name = \"{c}-feed\"\n\
             carries = \"levels\"\n\
             from = \"{hub}\"\n\
             to = \"{c}\"\n\
             poll = {{ every = \"15m\", latency = \"30s\" }}\n"
        ));
    }
    text.push_str(
        "\n[reconcile]                       # TEMPLATE: a daily recount\nevery = \"24h\"\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::estimate::{ChannelFit, QtyFit};

    fn channel(name: &str, orders: u64) -> ChannelFit {
        ChannelFit {
            name: name.to_string(),
            orders,
            share: 0.0,
            daily: vec![orders],
            hours: [0; 24],
            profile: None,
            qty: QtyFit {
                model: QtyModel::Fixed(1),
                mean: 1.0,
                sd: 0.0,
                share_one: 1.0,
            },
        }
    }

    fn fit(channels: Vec<ChannelFit>) -> Fit {
        Fit {
            first_day: jiff::civil::date(2025, 10, 1),
            days: 1,
            channels,
            skus: Vec::new(),
            days_basis: Vec::new(),
            untimed: 0,
        }
    }

    #[test]
    fn pos_sells_on_shopify_s_count_and_marketplaces_sync_through_the_hub() {
        let text = scenario_toml(
            &fit(vec![
                channel("amazon", 9),
                channel("shopify", 5),
                channel("pos", 2),
            ]),
            "UTC",
            Some(("EUR", false)),
        );
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["currency"].as_str(), Some("EUR"));
        assert_eq!(doc["channels"]["pos"]["node"].as_str(), Some("shopify"));
        let links: Vec<(&str, &str)> = doc["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["from"].as_str().unwrap(), l["to"].as_str().unwrap()))
            .collect();
        assert_eq!(links, [("amazon", "shopify"), ("shopify", "amazon")]);
    }

    #[test]
    fn without_shopify_the_busiest_channel_is_the_hub() {
        let busiest = fit(vec![channel("walmart", 9), channel("ebay", 5)]);
        assert_eq!(hub(&busiest), "walmart");
        let text = scenario_toml(&busiest, "UTC", None);
        assert!(text.contains("currency = \"USD\"                  # TEMPLATE"));
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["links"].as_array().unwrap().len(), 2);
        // One channel: nothing to sync.
        let alone = scenario_toml(&fit(vec![channel("shopify", 3)]), "UTC", None);
        let doc: toml::Table = toml::from_str(&alone).unwrap();
        assert!(!doc.contains_key("links"));
    }
}
