//! Node resolution: declared nodes in file order, then the implicit node of every channel that
//! sells against its own name without declaring it (docs/model.md, "A trial and its state").

use indexmap::IndexMap;

use super::fields::{Check, Invalid, at_least, count, duration_dist, required};
use super::model::{Api, Feeds, Node, Processing};
use super::path::KeyPath;
use super::raw::{RawApi, RawChannel, RawFeeds, RawNode, RawProcessing};
use crate::dist::Dist;

/// The most nodes a scenario may have (views are tracked in a 64-bit set).
pub(crate) const MAX_NODES: usize = 64;

/// The checked nodes and their names.
#[derive(Debug)]
pub(crate) struct Nodes {
    /// Declared nodes, then implicit channel nodes.
    pub list: Vec<Node>,
    /// Index of the record node.
    pub record: Option<usize>,
}

impl Nodes {
    /// Checks the declared nodes and adds the implicit ones of `channels`.
    pub(crate) fn resolve(
        declared: &IndexMap<String, RawNode>,
        channels: &IndexMap<String, RawChannel>,
    ) -> Check<Nodes> {
        let mut nodes = Nodes {
            list: Vec::new(),
            record: None,
        };
        for (name, raw) in declared {
            let path = KeyPath::root().key("nodes").key(name);
            nodes.declare(name, raw, &path)?;
        }
        for (name, channel) in channels {
            let own = channel.node.as_deref().is_none_or(|node| node == name);
            if own && nodes.find(name).is_none() {
                let path = KeyPath::root().key("channels").key(name);
                nodes.push(implicit(name), &path)?;
            }
        }
        Ok(nodes)
    }

    /// The index of the node called `name`; an error at `path` listing the nodes otherwise.
    pub(crate) fn lookup(&self, name: &str, path: &KeyPath) -> Check<usize> {
        self.find(name).ok_or_else(|| {
            let known: Vec<String> = self.list.iter().map(|n| format!("`{}`", n.name)).collect();
            let known = if known.is_empty() {
                "there are none".to_owned()
            } else {
                format!("the nodes are {}", known.join(", "))
            };
            Invalid::new(
                path,
                format!(
                    "no node is called `{name}`; {known} (declared under [nodes], or a \
                     channel's own name when the channel has no `node`)"
                ),
            )
        })
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.list.iter().position(|n| n.name == name)
    }

    fn declare(&mut self, name: &str, raw: &RawNode, path: &KeyPath) -> Check<()> {
        let processing = raw
            .processing
            .as_ref()
            .map(|p| processing(p, &path.key("processing")))
            .transpose()?;
        let record = raw.record.unwrap_or(false);
        if record {
            if let Some(first) = self.record {
                return Err(Invalid::new(
                    &path.key("record"),
                    format!(
                        "only one node can be the record, and `{}` already is",
                        self.list[first].name
                    ),
                ));
            }
            self.record = Some(self.list.len());
        }
        let api_limit_per_hour = raw
            .api_limit_per_hour
            .map(|limit| api_limit(limit, &path.key("api_limit_per_hour")))
            .transpose()?;
        let node = Node {
            name: name.to_owned(),
            record,
            initial: raw.initial,
            processing,
            api_limit_per_hour,
            api: raw
                .api
                .as_ref()
                .map(|a| api(a, &path.key("api")))
                .transpose()?,
            feeds: raw
                .feeds
                .as_ref()
                .map(|f| feeds(f, &path.key("feeds")))
                .transpose()?,
        };
        self.push(node, path)
    }

    fn push(&mut self, node: Node, path: &KeyPath) -> Check<()> {
        if self.list.len() == MAX_NODES {
            return Err(Invalid::new(
                path,
                format!(
                    "too many nodes: at most {MAX_NODES} (declared ones plus channels selling \
                     against their own name)"
                ),
            ));
        }
        self.list.push(node);
        Ok(())
    }
}

/// The node a channel sells against when it has no `node` and none of its name is declared.
fn implicit(name: &str) -> Node {
    Node {
        name: name.to_owned(),
        record: false,
        initial: None,
        processing: None,
        api_limit_per_hour: None,
        api: None,
        feeds: None,
    }
}

/// `api = { requests_per_second, burst }`; burst defaults to the rate, at least 1.
fn api(raw: &RawApi, path: &KeyPath) -> Check<Api> {
    let rate_path = path.key("requests_per_second");
    let rate = required(
        raw.requests_per_second,
        &rate_path,
        "a rate of requests per second",
    )?;
    if !rate.is_finite() || rate <= 0.0 {
        return Err(Invalid::new(
            &rate_path,
            format!("expected a number of requests per second above 0, found {rate}"),
        ));
    }
    let burst = at_least(raw.burst.unwrap_or(rate.max(1.0)), 1.0, &path.key("burst"))?;
    Ok(Api {
        requests_per_second: rate,
        burst,
    })
}

/// `feeds = { service, per_item, servers }`.
fn feeds(raw: &RawFeeds, path: &KeyPath) -> Check<Feeds> {
    let service_path = path.key("service");
    let service = required(
        raw.service.as_ref(),
        &service_path,
        "a service time per feed like \"lognormal(3m, 25m)\"",
    )?;
    let per_item = match &raw.per_item {
        Some(per_item) => duration_dist(per_item, &path.key("per_item"))?,
        None => Dist::Fixed(0.0),
    };
    let servers_path = path.key("servers");
    let servers = count(raw.servers.unwrap_or(1), 1, &servers_path)?;
    Ok(Feeds {
        service: duration_dist(service, &service_path)?,
        per_item,
        servers: u32::try_from(servers)
            .map_err(|_| Invalid::new(&servers_path, format!("{servers} servers is too many")))?,
    })
}

/// An API rate limit: requests per hour, above 0.
fn api_limit(limit: f64, path: &KeyPath) -> Check<f64> {
    if !limit.is_finite() || limit <= 0.0 {
        return Err(Invalid::new(
            path,
            format!("expected a number of requests per hour above 0, found {limit}"),
        ));
    }
    Ok(limit)
}

fn processing(raw: &RawProcessing, path: &KeyPath) -> Check<Processing> {
    let service_path = path.key("service");
    let service = required(
        raw.service.as_ref(),
        &service_path,
        "a service time distribution like \"exp(40s)\"",
    )?;
    let servers_path = path.key("servers");
    let servers = count(raw.servers.unwrap_or(1), 1, &servers_path)?;
    let servers = u32::try_from(servers)
        .map_err(|_| Invalid::new(&servers_path, format!("{servers} servers is too many")))?;
    let background_path = path.key("background_per_hour");
    Ok(Processing {
        service: duration_dist(service, &service_path)?,
        servers,
        background_per_hour: at_least(
            raw.background_per_hour.unwrap_or(0.0),
            0.0,
            &background_path,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use crate::scenario::load::testing::{assert_error, edited};
    use crate::scenario::load_str;

    #[test]
    fn implicit_nodes_follow_declared_ones_in_channel_order() {
        let text = edited(&[("[nodes.amazon]\n", ""), ("[nodes.shopify]\n", "")]);
        let s = load_str("s.toml", &text).unwrap();
        let names: Vec<&str> = s.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["erp", "walmart", "shopify", "amazon"]);
        assert_eq!(s.channels[1].node, 3);
        assert_eq!(s.links[0].from, 2);
    }

    #[test]
    fn only_one_node_can_be_the_record() {
        assert_error(
            &[("[nodes.shopify]\n", "[nodes.shopify]\nrecord = true\n")],
            "nodes.shopify.record",
            "record = true\n[nodes.amazon]",
            "`erp` already is",
        );
    }

    #[test]
    fn an_api_limit_is_a_positive_rate() {
        let text = edited(&[(
            "[nodes.shopify]\n",
            "[nodes.shopify]\napi_limit_per_hour = 7200\n",
        )]);
        let s = load_str("s.toml", &text).unwrap();
        assert_eq!(s.nodes[1].api_limit_per_hour, Some(7200.0));
        assert_eq!(s.nodes[0].api_limit_per_hour, None);
        assert_error(
            &[(
                "[nodes.shopify]\n",
                "[nodes.shopify]\napi_limit_per_hour = 0\n",
            )],
            "nodes.shopify.api_limit_per_hour",
            "api_limit_per_hour = 0",
            "expected a number of requests per hour above 0, found 0",
        );
    }

    #[test]
    fn at_most_64_nodes() {
        let many: String = (0..61).map(|i| format!("[nodes.n{i}]\n")).collect();
        let text = edited(&[("[nodes.walmart]\n", &format!("[nodes.walmart]\n{many}"))]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.key, "nodes.n60", "{e}");
        assert!(e.message.contains("at most 64"), "{e}");
    }
}
