//! What polling costs: polls and API requests per hour per poll link, and per node with an
//! `api_limit_per_hour`, the requests its pollers make against that limit. Polls hit the API of
//! the link's `from` node (the system being asked). Pure arithmetic on the scenario: the engine
//! does not model rate limits.

use serde::Serialize;

use crate::scenario::{Scenario, Transport};

/// One poll link's cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkPolling {
    /// Link name.
    pub link: String,
    /// The node polled (whose API the requests hit).
    pub from: String,
    /// Poll interval, seconds.
    pub every_seconds: f64,
    /// Polls per hour: 3600 / every.
    pub polls_per_hour: f64,
    /// API requests per hour: polls per hour x `requests_per_poll`.
    pub requests_per_hour: f64,
}

/// One node's API use against its limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeApiUse {
    /// Node name.
    pub node: String,
    /// The node's `api_limit_per_hour`.
    pub limit_per_hour: f64,
    /// Requests per hour of every poll link from this node.
    pub requests_per_hour: f64,
    /// Whether the requests are strictly over the limit.
    pub over: bool,
}

/// The polling cost of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PollingCost {
    /// Every poll link, in file order.
    pub links: Vec<LinkPolling>,
    /// Every node with an `api_limit_per_hour`, in node order.
    pub nodes: Vec<NodeApiUse>,
}

impl PollingCost {
    /// The names of the nodes over their limit.
    pub fn over_limit(&self) -> Vec<&str> {
        self.nodes
            .iter()
            .filter(|n| n.over)
            .map(|n| n.node.as_str())
            .collect()
    }
}

/// The polling cost of `scenario`.
pub fn polling_cost(scenario: &Scenario) -> PollingCost {
    let links: Vec<(usize, LinkPolling)> = scenario
        .links
        .iter()
        .filter_map(|link| match link.transport {
            Transport::Poll {
                every,
                requests_per_poll,
                ..
            } => {
                let polls_per_hour = 3600.0 / every;
                Some((
                    link.from,
                    LinkPolling {
                        link: link.name.clone(),
                        from: scenario.nodes[link.from].name.clone(),
                        every_seconds: every,
                        polls_per_hour,
                        requests_per_hour: polls_per_hour * requests_per_poll,
                    },
                ))
            }
            Transport::Webhook { .. } => None,
        })
        .collect();
    let nodes = scenario
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(n, node)| {
            let limit = node.api_limit_per_hour?;
            let requests: f64 = links
                .iter()
                .filter(|(from, _)| *from == n)
                .map(|(_, l)| l.requests_per_hour)
                .sum();
            Some(NodeApiUse {
                node: node.name.clone(),
                limit_per_hour: limit,
                requests_per_hour: requests,
                over: requests > limit,
            })
        })
        .collect();
    PollingCost {
        links: links.into_iter().map(|(_, l)| l).collect(),
        nodes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    const TWO_POLLS: &str = r#"
name = "polls"
horizon = "1d"
[stock]
initial = 5
[nodes.hub]
api_limit_per_hour = 10
[nodes.shop]
[channels.shop]
orders_per_day = 1
[[links]]
name = "a"
carries = "levels"
from = "hub"
to = "shop"
poll = { every = "15m", requests_per_poll = 2 }
[[links]]
name = "b"
carries = "orders"
from = "shop"
to = "hub"
poll = { every = "1h" }
[[links]]
name = "c"
carries = "levels"
from = "hub"
to = "shop"
webhook = {}
"#;

    #[test]
    fn polls_and_requests_per_hour_per_link_and_per_limited_node() {
        let s = load_str("polls.toml", TWO_POLLS).unwrap();
        let cost = polling_cost(&s);
        assert_eq!(cost.links.len(), 2);
        assert_eq!(cost.links[0].polls_per_hour, 4.0);
        assert_eq!(cost.links[0].requests_per_hour, 8.0);
        assert_eq!(cost.links[0].from, "hub");
        assert_eq!(cost.links[1].requests_per_hour, 1.0);
        // Only `hub` has a limit; only link `a` polls it.
        assert_eq!(cost.nodes.len(), 1);
        assert_eq!(cost.nodes[0].requests_per_hour, 8.0);
        assert!(!cost.nodes[0].over);
        let busy = load_str(
            "polls.toml",
            &TWO_POLLS.replace("every = \"15m\"", "every = \"5m\""),
        )
        .unwrap();
        let cost = polling_cost(&busy);
        assert_eq!(cost.nodes[0].requests_per_hour, 24.0);
        assert_eq!(cost.over_limit(), ["hub"]);
    }
}
