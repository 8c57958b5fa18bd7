//! The record's stock (MODEL.md, "The record, receipts, reorders and recounts"): receipts
//! raise it, the (s, Q) policy reorders, and a recount sets every view to the physical stock.

use super::Engine;
use crate::sim::event::Event;

impl Engine<'_> {
    /// `qty` units of SKU `k` arrive: its physical stock and the record's view rise.
    pub(super) fn receive(&mut self, k: usize, qty: i64) {
        self.sku[k].physical += qty;
        self.out.received_units += qty.unsigned_abs();
        self.touch(k);
        self.physical_changed(k);
        if let Some(record) = self.plan.scenario.record
            && qty != 0
        {
            let value = self.views[self.at(k, record)] + qty;
            self.set_view(record, k, value);
            self.view_changed(record, k, None);
        }
    }

    pub(super) fn check_reorder(&mut self, k: usize) {
        let s = &self.plan.scenario;
        let Some(record) = s.record else {
            return;
        };
        // `reorder_point` is `i64::MIN` for a SKU without a policy: never at or below it.
        let sku = &self.sku[k];
        if !sku.reorder_open && self.views[self.at(k, record)] <= sku.reorder_point {
            let Some(lead) = self.plan.lead_times.get(sku.lead_time as usize) else {
                return;
            };
            self.activate(k);
            self.sku[k].reorder_open = true;
            let lead = lead.sample(&mut self.rng);
            let event = Event::ReorderArrival { sku: k as u32 };
            self.schedule(self.now + lead, event);
        }
    }

    /// Every view of every SKU is set to its stock. Only SKUs whose stock or views changed since
    /// the last recount can differ, so only those are looked at, in SKU order as the model says.
    pub(super) fn reconcile(&mut self) {
        let mut list = std::mem::take(&mut self.recount_list);
        list.sort_unstable();
        for &k in &list {
            self.sku[k as usize].recount_dirty = false;
        }
        for &k in &list {
            let k = k as usize;
            // A bundle's views follow its components'.
            if self.plan.is_bundle(k) {
                continue;
            }
            for n in 0..self.nodes {
                let physical = self.sku[k].physical;
                let gap = self.views[self.at(k, n)] - physical;
                self.out.reconciled_units += gap.unsigned_abs();
                if gap != 0 {
                    self.set_view(n, k, physical);
                    self.view_changed(n, k, None);
                }
            }
        }
        // SKUs changed while recounting were noted again in the (emptied) list; keep its memory.
        list.clear();
        list.append(&mut self.recount_list);
        self.recount_list = list;
        if let Some(reconcile) = &self.plan.scenario.reconcile {
            self.schedule(self.now + reconcile.every, Event::Reconcile);
        }
    }
}
