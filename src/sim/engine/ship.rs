//! Shipping and committed units (MODEL.md Part 2): an accepted order ships (an oversold one is
//! cancelled) `stock.ship_after` after its acceptance; until then its units are committed at
//! every node that applied it before that moment. A levels link publishing `on_hand` carries the
//! sender's view plus its committed units, so it sends when a shipment releases them.

use super::Engine;
use crate::sim::event::Event;

impl Engine<'_> {
    /// When an order accepted now on demand stream `stream` ships: `ship_after` drawn from the
    /// stream's own generator; now (nothing is ever committed) without `ship_after`.
    pub(super) fn ship_time(&mut self, stream: usize) -> f64 {
        let plan = self.plan;
        match &plan.scenario.stock.ship_after {
            Some(after) => self.now + after.sample(self.ship_rng(stream)),
            None => self.now,
        }
    }

    /// Schedules order `order`'s shipment, if it comes after now and before the horizon.
    pub(super) fn schedule_ship(&mut self, order: u32) {
        let ship_at = self.orders[order as usize].ship_at;
        if ship_at > self.now {
            self.schedule(ship_at, Event::Ship { order });
        }
    }

    /// Node `n` applies `order`: its units are committed there when that is before the ship
    /// time. Returns whether they were.
    pub(super) fn commit(&mut self, n: usize, order: u32) -> bool {
        let o = &mut self.orders[order as usize];
        if self.now >= o.ship_at {
            return false;
        }
        o.committed |= 1 << n;
        let (sku, qty) = (o.sku as usize, i64::from(o.qty));
        // A bundle's units are committed in component units.
        for (k, per) in self.plan.units_of(sku) {
            let at = self.at(k, n);
            self.committed[at] += qty * per;
        }
        true
    }

    /// `order` ships (or is cancelled): every node that committed its units releases them, and
    /// that node's on-hand links send.
    pub(super) fn ship(&mut self, order: u32) {
        let o = self.orders[order as usize];
        let (sku, qty) = (o.sku as usize, i64::from(o.qty));
        let plan = self.plan;
        let mut nodes = o.committed;
        while nodes != 0 {
            let n = nodes.trailing_zeros() as usize;
            nodes &= nodes - 1;
            for (k, per) in plan.units_of(sku) {
                let at = self.at(k, n);
                self.committed[at] -= qty * per;
                self.levels.mark_dirty(plan, n, k);
                self.send_levels(n, k, None, false, true);
            }
        }
        self.orders[order as usize].committed = 0;
    }
}
