//! The listing rule, and the state after an event as a trace sees it.

use super::{BACKGROUND, Order};
use crate::scenario::{Channel, Listing};
use crate::sim::event::{Event, Payload};
use crate::sim::outcome::ChannelOutcome;
use crate::sim::plan::Plan;

/// Units `channel` lists when its node's view is `view`, by MODEL.md's listing rule (with the
/// channel's own listing parameters, as in a scenario without a catalog).
#[inline]
pub fn listed_units(channel: &Channel, view: i64) -> i64 {
    let listing = Listing {
        buffer: channel.buffer,
        list_percent: channel.list_percent,
        out_of_stock_at: channel.out_of_stock_at,
        max_listed: channel.max_listed,
    };
    listing_units(&listing, view)
}

/// Units listed when the node's view is `view`: the view less the buffer, times `list_percent`
/// rounded down, 0 at or below `out_of_stock_at`, clamped to `[0, max_listed]`.
#[inline]
pub fn listing_units(listing: &Listing, view: i64) -> i64 {
    let mut listed = view - listing.buffer;
    if let Some(percent) = listing.list_percent {
        listed = (listed as f64 * percent / 100.0).floor() as i64;
    }
    if listing.out_of_stock_at.is_some_and(|at| view <= at) {
        listed = 0;
    }
    listed.clamp(0, listing.max_listed.unwrap_or(i64::MAX))
}

/// The state after an event, for tracing (the first SKU of a catalog).
#[derive(Debug)]
pub struct Snapshot<'e> {
    /// Physical units on hand.
    pub physical: i64,
    /// Each node's view.
    pub views: &'e [i64],
    /// Each channel's counts so far.
    pub channels: &'e [ChannelOutcome],
    pub(super) plan: &'e Plan,
    /// Every SKU's physical stock, and views (`sku * nodes + node`).
    pub(super) all_skus: &'e [super::SkuState],
    pub(super) all_views: &'e [i64],
    pub(super) all_committed: &'e [i64],
    pub(super) orders: &'e [Order],
    pub(super) order_logs: &'e [Vec<u32>],
    pub(super) sale_qty: u32,
}

impl Snapshot<'_> {
    /// SKU `k`'s physical stock (a bundle's: `min floor(P_c / k)` over its components).
    pub fn physical_of(&self, k: usize) -> i64 {
        self.all_skus[k].physical
    }

    /// SKU `k`'s view at node `n`.
    pub fn view_of(&self, k: usize, n: usize) -> i64 {
        self.all_views[k * self.plan.scenario.nodes.len() + n]
    }

    /// Units of SKU `k` committed at node `n` (applied there, not yet shipped or cancelled).
    pub fn committed_of(&self, k: usize, n: usize) -> i64 {
        self.all_committed[k * self.plan.scenario.nodes.len() + n]
    }

    /// Units channel `c` lists of SKU `k` now.
    pub fn listed_of(&self, c: usize, k: usize) -> i64 {
        match self.plan.listing(c, k) {
            Some((node, listing)) => listing_units(listing, self.view_of(k, node)),
            None => 0,
        }
    }

    /// Units channel `c` lists now.
    pub fn listed(&self, c: usize) -> i64 {
        match self.plan.listing(c, 0) {
            Some((node, listing)) => listing_units(listing, self.views[node]),
            None => 0,
        }
    }

    /// What `event`, the one just handled, carried: an order's units (a sale, an order message
    /// or its retry, a served order), a polled batch's total units, a receipt's units, or a level
    /// message's value. `None` for polls, reconciliations and background orders.
    pub fn quantity(&self, event: &Event) -> Option<i64> {
        let s = &self.plan.scenario;
        let order_units = |order: u32| i64::from(self.orders[order as usize].qty);
        let payload_units = |payload: Payload| match payload {
            Payload::Level(value) => value,
            Payload::Order(order) => order_units(order),
        };
        match *event {
            Event::Demand { .. } | Event::Scheduled { .. } => Some(i64::from(self.sale_qty)),
            Event::Receipt { index } => Some(s.stock.receipts[index as usize].qty),
            Event::ReorderArrival { sku } => {
                s.catalog.skus[sku as usize].reorder.as_ref().map(|r| r.qty)
            }
            Event::Retry { link, message, .. } => {
                let carries = s.links[usize::from(link)].carries;
                Some(payload_units(Payload::of(carries, message)))
            }
            Event::Deliver { link, message, .. } => {
                let carries = s.links[link as usize].carries;
                Some(payload_units(Payload::of(carries, message)))
            }
            Event::Batch { link, start, end } => {
                let log = &self.order_logs[s.links[link as usize].from];
                let batch = &log[start as usize..end as usize];
                Some(batch.iter().map(|&o| order_units(o)).sum())
            }
            Event::ServiceEnd { item, .. } if item != BACKGROUND => Some(order_units(item)),
            _ => None,
        }
    }
}
