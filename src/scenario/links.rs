//! `[[links]]`: who tells whom about orders or levels, by webhook or by poll.

use std::collections::HashMap;

use super::fields::{
    Check, Invalid, at_least, between, count, duration, duration_dist, positive_duration, required,
    seconds_text, window,
};
use super::model::{Carries, Link, Publishes, Sync, Transport, Window};
use super::nodes::Nodes;
use super::path::KeyPath;
use super::raw::{RawLink, RawPoll, RawWebhook, RawWindow};
use crate::dist::Dist;

/// Checks every link; names must be unique.
pub(crate) fn links(raw: &[RawLink], nodes: &Nodes) -> Check<Vec<Link>> {
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut links = Vec::with_capacity(raw.len());
    for (i, raw_link) in raw.iter().enumerate() {
        let path = KeyPath::root().key("links").index(i);
        let link = link(raw_link, nodes, &path)?;
        if let Some(first) = names.insert(link.name.clone(), i) {
            let at = if raw_link.name.is_some() {
                path.key("name")
            } else {
                path
            };
            return Err(Invalid::new(
                &at,
                format!(
                    "link name `{}` is already used by links[{first}]; names must be unique",
                    link.name
                ),
            ));
        }
        links.push(link);
    }
    Ok(links)
}

fn link(raw: &RawLink, nodes: &Nodes, path: &KeyPath) -> Check<Link> {
    let from_name = required(raw.from.as_deref(), &path.key("from"), "a node name")?;
    let to_name = required(raw.to.as_deref(), &path.key("to"), "a node name")?;
    let from = nodes.lookup(from_name, &path.key("from"))?;
    let to = nodes.lookup(to_name, &path.key("to"))?;
    if from == to {
        return Err(Invalid::new(
            &path.key("to"),
            format!("a link cannot go from `{from_name}` to itself"),
        ));
    }
    let name = raw
        .name
        .clone()
        .unwrap_or_else(|| format!("{from_name}->{to_name}"));
    let carries = carries(raw.carries.as_deref(), &path.key("carries"))?;
    let publishes = publishes(raw.publishes.as_deref(), carries, &path.key("publishes"))?;
    let (transport, transport_outages) = transport(raw, &name, path)?;
    let mut outages = windows(&raw.outages, &path.key("outages"))?;
    outages.extend(transport_outages);
    outages.sort_by(|a, b| a.from.total_cmp(&b.from));
    Ok(Link {
        name,
        carries,
        from,
        to,
        ordered: raw.ordered.unwrap_or(false),
        publishes,
        outages,
        transport,
    })
}

fn carries(raw: Option<&str>, path: &KeyPath) -> Check<Carries> {
    match required(raw, path, "\"orders\" or \"levels\"")? {
        "orders" => Ok(Carries::Orders),
        "levels" => Ok(Carries::Levels),
        other => Err(Invalid::new(
            path,
            format!("expected \"orders\" or \"levels\", found {other:?}"),
        )),
    }
}

/// `publishes`: what a levels link carries of its sender's stock.
fn publishes(raw: Option<&str>, carries: Carries, path: &KeyPath) -> Check<Publishes> {
    let publishes = match raw {
        None | Some("available") => Publishes::Available,
        Some("on_hand") => Publishes::OnHand,
        Some(other) => {
            return Err(Invalid::new(
                path,
                format!("expected \"available\" or \"on_hand\", found {other:?}"),
            ));
        }
    };
    if raw.is_some() && carries == Carries::Orders {
        return Err(Invalid::new(
            path,
            "only a levels link publishes a stock figure; an orders link carries orders",
        ));
    }
    Ok(publishes)
}

/// The link's transport and the outages written inside it.
fn transport(raw: &RawLink, name: &str, path: &KeyPath) -> Check<(Transport, Vec<Window>)> {
    match (&raw.webhook, &raw.poll) {
        (Some(webhook), None) => self::webhook(webhook, &path.key("webhook")),
        (None, Some(poll)) => self::poll(poll, &path.key("poll")),
        (Some(_), Some(_)) => Err(Invalid::new(
            path,
            format!("link `{name}` has both `webhook` and `poll`; give exactly one"),
        )),
        (None, None) => Err(Invalid::new(
            path,
            format!("link `{name}` has neither `webhook` nor `poll`; give exactly one"),
        )),
    }
}

fn webhook(raw: &RawWebhook, path: &KeyPath) -> Check<(Transport, Vec<Window>)> {
    if raw.retries.len() > super::limits::MAX_RETRIES {
        return Err(super::limits::too_many(
            path.key("retries").index(super::limits::MAX_RETRIES),
            raw.retries.len(),
            "retries",
            super::limits::MAX_RETRIES,
        ));
    }
    let retries = raw
        .retries
        .iter()
        .enumerate()
        .map(|(i, delay)| duration(delay, &path.key("retries").index(i)))
        .collect::<Check<Vec<f64>>>()?;
    let transport = Transport::Webhook {
        latency: latency(raw.latency.as_ref(), &path.key("latency"))?,
        drop: between(
            raw.drop.unwrap_or(0.0),
            0.0,
            1.0,
            "a probability",
            &path.key("drop"),
        )?,
        retries,
        disable_after: raw
            .disable_after
            .map(|n| {
                let n = count(n, 1, &path.key("disable_after"))?;
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            })
            .transpose()?,
        duplicate: between(
            raw.duplicate.unwrap_or(0.0),
            0.0,
            1.0,
            "a probability",
            &path.key("duplicate"),
        )?,
    };
    Ok((transport, windows(&raw.outages, &path.key("outages"))?))
}

fn poll(raw: &RawPoll, path: &KeyPath) -> Check<(Transport, Vec<Window>)> {
    let every_path = path.key("every");
    let every = required(
        raw.every.as_ref(),
        &every_path,
        "a poll interval like \"15m\"",
    )?;
    let every = positive_duration(
        every,
        "a zero poll interval would poll without end",
        &every_path,
    )?;
    let phase_path = path.key("phase");
    let phase = raw
        .phase
        .as_ref()
        .map(|phase| duration(phase, &phase_path))
        .transpose()?;
    if let Some(phase) = phase.filter(|&phase| phase >= every) {
        return Err(Invalid::new(
            &phase_path,
            format!(
                "expected a phase below the poll interval ({}), found {}",
                seconds_text(every),
                seconds_text(phase)
            ),
        ));
    }
    let transport = Transport::Poll {
        every,
        phase,
        latency: latency(raw.latency.as_ref(), &path.key("latency"))?,
        requests_per_poll: at_least(
            raw.requests_per_poll.unwrap_or(1.0),
            0.0,
            &path.key("requests_per_poll"),
        )?,
        sync: match raw.sync.as_deref() {
            None | Some("full") => Sync::Full,
            Some("changed") => Sync::Changed,
            Some(other) => {
                return Err(Invalid::new(
                    &path.key("sync"),
                    format!("expected \"full\" or \"changed\", found {other:?}"),
                ));
            }
        },
        page_size: raw
            .page_size
            .map(|size| count(size, 1, &path.key("page_size")).map(i64::unsigned_abs))
            .transpose()?,
    };
    Ok((transport, windows(&raw.outages, &path.key("outages"))?))
}

fn latency(raw: Option<&toml::Value>, path: &KeyPath) -> Check<Dist> {
    raw.map_or(Ok(Dist::Fixed(0.0)), |latency| duration_dist(latency, path))
}

fn windows(raw: &[RawWindow], path: &KeyPath) -> Check<Vec<Window>> {
    raw.iter()
        .enumerate()
        .map(|(i, w)| window(w, &path.index(i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::scenario::load::testing::{assert_error, edited};
    use crate::scenario::load_str;
    use crate::scenario::model::Window;

    const AMAZON_POLL: &str = "poll = { every = \"15m\", latency = \"uniform(1m, 5m)\" }\n\n[[links]]\nname = \"walmart-feed\"";

    fn amazon_poll(new: &str) -> String {
        format!("{new}\n\n[[links]]\nname = \"walmart-feed\"")
    }

    #[test]
    fn a_zero_poll_interval_is_refused() {
        let new = amazon_poll("poll = { every = \"0s\", latency = \"uniform(1m, 5m)\" }");
        assert_error(
            &[(AMAZON_POLL, &new)],
            "links[0].poll.every",
            "every = \"0s\"",
            "a zero poll interval",
        );
    }

    #[test]
    fn a_probability_outside_0_1_is_refused() {
        assert_error(
            &[("drop = 0.002", "drop = 1.5")],
            "links[4].webhook.drop",
            "drop = 1.5",
            "expected a probability from 0 to 1, found 1.5",
        );
    }

    #[test]
    fn a_link_naming_an_unknown_node_is_refused() {
        assert_error(
            &[(
                "from = \"walmart\"\nto = \"shopify\"",
                "from = \"pos\"\nto = \"shopify\"",
            )],
            "links[3].from",
            "from = \"pos\"",
            "no node is called `pos`",
        );
    }

    #[test]
    fn carries_must_be_orders_or_levels() {
        assert_error(
            &[(
                "name = \"orders-to-erp\"\ncarries = \"orders\"",
                "name = \"orders-to-erp\"\ncarries = \"stock\"",
            )],
            "links[4].carries",
            "carries = \"stock\"",
            "expected \"orders\" or \"levels\", found \"stock\"",
        );
    }

    #[test]
    fn a_link_needs_exactly_one_transport() {
        let both = amazon_poll(
            "poll = { every = \"15m\", latency = \"uniform(1m, 5m)\" }\nwebhook = { drop = 0.1 }",
        );
        assert_error(
            &[(AMAZON_POLL, &both)],
            "links[0]",
            "[[links]]",
            "link `amazon-feed` has both `webhook` and `poll`",
        );
        assert_error(
            &[(AMAZON_POLL, &amazon_poll(""))],
            "links[0]",
            "[[links]]",
            "link `amazon-feed` has neither `webhook` nor `poll`",
        );
    }

    #[test]
    fn an_unparsable_or_negative_duration_is_refused() {
        assert_error(
            &[("phase = \"10m\"", "phase = \"soon\"")],
            "links[5].poll.phase",
            "phase = \"soon\"",
            "`soon` is not a duration",
        );
        assert_error(
            &[(
                "latency = \"30s\" }\n\n[[links]]\nname = \"walmart-orders\"",
                "latency = \"-30s\" }\n\n[[links]]\nname = \"walmart-orders\"",
            )],
            "links[2].poll.latency",
            "latency = \"-30s\"",
            "negative",
        );
    }

    #[test]
    fn link_names_are_unique_and_default_to_from_to() {
        assert_error(
            &[("name = \"walmart-feed\"", "name = \"amazon-feed\" # again")],
            "links[1].name",
            "name = \"amazon-feed\" # again",
            "already used by links[0]",
        );
        let text = edited(&[("name = \"walmart-orders\"\n", "")]);
        let s = load_str("s.toml", &text).unwrap();
        assert_eq!(s.links[3].name, "walmart->shopify");
    }

    #[test]
    fn transport_outages_join_link_outages_sorted() {
        let text = edited(&[(
            "latency = \"2m\", phase = \"10m\" }",
            "latency = \"2m\", phase = \"10m\", outages = [{ from = \"3h\", to = \"4h\" }] }\noutages = [{ from = \"5h\", to = \"6h\" }, { from = \"1h\", to = \"2h\" }]",
        )]);
        let s = load_str("s.toml", &text).unwrap();
        let starts: Vec<f64> = s.links[5]
            .outages
            .iter()
            .map(|w: &Window| w.from / 3600.0)
            .collect();
        assert_eq!(starts, [1.0, 3.0, 5.0]);
    }

    #[test]
    fn requests_per_poll_defaults_to_1_and_is_not_negative() {
        use crate::scenario::model::Transport;
        let requests = |s: &crate::scenario::Scenario, l: usize| match s.links[l].transport {
            Transport::Poll {
                requests_per_poll, ..
            } => requests_per_poll,
            Transport::Webhook { .. } => panic!("links[{l}] is a webhook"),
        };
        let s = load_str("s.toml", &edited(&[])).unwrap();
        assert_eq!(requests(&s, 0), 1.0);
        let three = amazon_poll(
            "poll = { every = \"15m\", latency = \"uniform(1m, 5m)\", requests_per_poll = 3 }",
        );
        let s = load_str("s.toml", &edited(&[(AMAZON_POLL, &three)])).unwrap();
        assert_eq!(requests(&s, 0), 3.0);
        let negative = amazon_poll(
            "poll = { every = \"15m\", latency = \"uniform(1m, 5m)\", requests_per_poll = -1 }",
        );
        assert_error(
            &[(AMAZON_POLL, &negative)],
            "links[0].poll.requests_per_poll",
            "requests_per_poll = -1",
            "expected a number of at least 0, found -1",
        );
    }
}
