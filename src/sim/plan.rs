//! A scenario prepared for the engine: demand rates cut into segments and, per node, the links
//! that push what it learns. Built once per run and shared by every worker.

use super::demand::{Segment, rate_segments};
use super::dist::Dist;
use crate::scenario::{Carries, Scenario, Transport};

/// A scenario plus the lookup tables the event loop needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The checked scenario.
    pub scenario: Scenario,
    /// Per channel: its demand rate over the horizon.
    pub segments: Vec<Vec<Segment>>,
    /// Per node: indices of the `levels` webhook links it sends on.
    pub level_webhooks_from: Vec<Vec<usize>>,
    /// Per node: indices of the `orders` webhook links it relays on.
    pub order_webhooks_from: Vec<Vec<usize>>,
    /// Per node: its processing queue, flattened for the event loop.
    pub queues: Vec<QueuePlan>,
}

/// A node's processing queue as the event loop reads it.
#[derive(Debug, Clone, Copy)]
pub struct QueuePlan {
    /// Servers (0: the node has no queue and applies orders at once).
    pub servers: u32,
    /// Service time, seconds.
    pub service: Dist,
    /// Background orders per hour (0: none).
    pub background_per_hour: f64,
}

impl Plan {
    /// Prepares `scenario` for simulation.
    pub fn new(scenario: Scenario) -> Plan {
        let segments = (0..scenario.channels.len())
            .map(|c| rate_segments(&scenario, c))
            .collect();
        let webhooks_from = |carries: Carries| {
            let mut from = vec![Vec::new(); scenario.nodes.len()];
            for (l, link) in scenario.links.iter().enumerate() {
                if link.carries == carries && matches!(link.transport, Transport::Webhook { .. }) {
                    from[link.from].push(l);
                }
            }
            from
        };
        let queues = (scenario.nodes.iter())
            .map(|node| match &node.processing {
                Some(p) => QueuePlan {
                    servers: p.servers,
                    service: p.service,
                    background_per_hour: p.background_per_hour,
                },
                None => QueuePlan {
                    servers: 0,
                    service: Dist::Fixed(0.0),
                    background_per_hour: 0.0,
                },
            })
            .collect();
        let level_webhooks_from = webhooks_from(Carries::Levels);
        let order_webhooks_from = webhooks_from(Carries::Orders);
        Plan {
            scenario,
            segments,
            level_webhooks_from,
            order_webhooks_from,
            queues,
        }
    }

    /// Whether link `l` is down at time `t` (outages cover `[from, to)`).
    #[inline]
    pub fn in_outage(&self, l: usize, t: f64) -> bool {
        self.scenario.links[l].outages.iter().any(|w| w.contains(t))
    }
}
