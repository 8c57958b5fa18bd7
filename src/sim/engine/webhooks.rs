//! Webhooks: a level message per change of what a link publishes, a message per order; attempts,
//! retries and deliveries (MODEL.md "Links" and "Transports").

use rand::RngExt;

use super::Engine;
use super::monitor::DUPLICATE;
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
            self.check_low_stock(k);
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
                self.send(l, k as u32, Payload::Level(value));
            }
        }
    }

    /// Link `l` sends a new message now: it owes it from now, and a deleted subscription
    /// sends nothing (the message is owed until a fix).
    pub(super) fn send(&mut self, l: usize, sku: u32, payload: Payload) {
        let debt = self.owe(l);
        if !self.monitor.disabled(l) {
            self.attempt(l, 0, sku, self.now, payload, debt);
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
        debt: u32,
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
            self.attempt_succeeded(l);
            let at = self.now + latency.sample(&mut self.rng);
            let event = Event::Deliver {
                link: l as u32,
                sku,
                debt,
                sent,
                message: payload.message(),
            };
            self.schedule(at, event);
        } else if self.attempt_failed(l) {
            // The subscription is deleted: no retry; the message stays owed.
        } else if let Some(&delay) = retries.get(attempt) {
            // The loader allows at most 1000 retries and 10,000 links, so both fit.
            let event = Event::Retry {
                link: l as u16,
                attempt: attempt as u16 + 1,
                epoch: self.monitor.epoch(l),
                sku,
                debt,
                sent,
                message: payload.message(),
            };
            self.schedule(self.now + delay, event);
        }
    }

    /// A message of link `l` reaches `to`: an order settles its debt on arrival, a level
    /// message when it is written (after `to`'s feed queue).
    pub(super) fn deliver(&mut self, l: usize, k: usize, sent: f64, payload: Payload, debt: u32) {
        let link = &self.plan.scenario.links[l];
        match payload {
            Payload::Order(order) => {
                self.monitor.settle(debt, self.now);
                self.arrive(link.to, order);
            }
            Payload::Level(value) => {
                if self.plan.scenario.nodes[link.to].feeds.is_some() {
                    self.feed_message(l, k, sent, value, debt);
                } else {
                    self.write_level(l, k, sent, value, debt);
                }
            }
        }
    }

    /// A level message of link `l` for SKU `k`, sent at `sent`, is written at `to` (or ignored
    /// under `ordered`); either settles its debt.
    pub(super) fn write_level(&mut self, l: usize, k: usize, sent: f64, value: i64, debt: u32) {
        self.monitor.settle(debt, self.now);
        let link = &self.plan.scenario.links[l];
        if link.ordered {
            self.activate(k);
            let at = self.applied_at(k, l);
            let last = &mut self.last_applied[at];
            if sent < *last {
                return;
            }
            *last = sent;
        }
        let Transport::Webhook {
            duplicate, latency, ..
        } = &link.transport
        else {
            unreachable!("a level message on a poll link");
        };
        // A written original is written once more with probability `duplicate`, at the later
        // of now and its send time plus a fresh latency.
        if debt != DUPLICATE && *duplicate > 0.0 && self.rng.random::<f64>() < *duplicate {
            let at = self.now.max(sent + latency.sample(&mut self.rng));
            let event = Event::Deliver {
                link: l as u32,
                sku: k as u32,
                debt: DUPLICATE,
                sent,
                message: value,
            };
            self.schedule(at, event);
        }
        let (to, from) = (link.to, link.from);
        if self.views[self.at(k, to)] != value {
            self.set_view(to, k, value);
            self.view_changed(to, k, Some(from));
        }
    }
}
