//! Webhooks: a level message per change of what a link publishes, a message per order; attempts,
//! retries and deliveries (MODEL.md "Links" and "Transports").

use rand::RngExt;

use super::Engine;
use crate::scenario::Transport;
use crate::sim::event::{Event, Payload};

impl Engine<'_> {
    /// SKU `k`'s view at node `n` changed: `n` sends what its level webhooks publish (except back
    /// to `except`, the node whose level message caused the change), and the reorder policy
    /// looks.
    pub(super) fn view_changed(&mut self, n: usize, k: usize, except: Option<usize>) {
        self.send_levels(n, k, except, true, true);
        if self.plan.scenario.record == Some(n) {
            self.check_reorder(k);
        }
    }

    /// Node `n` sends SKU `k` on its level webhooks: those publishing the view when `available`
    /// changed, those publishing on-hand (view plus committed units) when `on_hand` changed.
    pub(super) fn send_levels(
        &mut self,
        n: usize,
        k: usize,
        except: Option<usize>,
        available: bool,
        on_hand: bool,
    ) {
        let plan = self.plan;
        for &l in &plan.level_webhooks_from[n] {
            let changed = if plan.on_hand[l] { on_hand } else { available };
            if changed && Some(plan.scenario.links[l].to) != except {
                let value = self.carried(l, k);
                self.attempt(l, 0, k as u32, self.now, Payload::Level(value));
            }
        }
    }

    /// A webhook attempt at the current time; `attempt` retries have been made before.
    pub(super) fn attempt(
        &mut self,
        l: usize,
        attempt: usize,
        sku: u32,
        sent: f64,
        payload: Payload,
    ) {
        self.link_messages[l] += 1;
        let link = &self.plan.scenario.links[l];
        let Transport::Webhook {
            latency,
            drop,
            retries,
            ..
        } = &link.transport
        else {
            unreachable!("webhook attempt on a poll link");
        };
        let failed =
            self.plan.in_outage(l, self.now) || (*drop > 0.0 && self.rng.random::<f64>() < *drop);
        if !failed {
            let at = self.now + latency.sample(&mut self.rng);
            let event = Event::Deliver {
                link: l as u32,
                sku,
                sent,
                message: payload.message(),
            };
            self.schedule(at, event);
        } else if let Some(delay) = retries.get(attempt) {
            // The loader allows at most 1000 retries, so the count fits.
            let event = Event::Retry {
                link: l as u32,
                attempt: attempt as u16 + 1,
                sku,
                sent,
                message: payload.message(),
            };
            self.schedule(self.now + delay, event);
        }
    }

    pub(super) fn deliver(&mut self, l: usize, k: usize, sent: f64, payload: Payload) {
        let link = &self.plan.scenario.links[l];
        match payload {
            Payload::Order(order) => self.arrive(link.to, order),
            Payload::Level(value) => {
                if self.plan.scenario.nodes[link.to].feeds.is_some() {
                    self.feed_message(l, k, sent, value);
                } else {
                    self.write_level(l, k, sent, value);
                }
            }
        }
    }

    /// A level message of link `l` for SKU `k`, sent at `sent`, is written at `to`.
    pub(super) fn write_level(&mut self, l: usize, k: usize, sent: f64, value: i64) {
        let link = &self.plan.scenario.links[l];
        let skus = self.plan.skus();
        if link.ordered {
            let last = &mut self.last_applied[l * skus + k];
            if sent < *last {
                return;
            }
            *last = sent;
        }
        let (to, from) = (link.to, link.from);
        if self.views[self.at(k, to)] != value {
            self.set_view(to, k, value);
            self.view_changed(to, k, Some(from));
        }
    }
}
