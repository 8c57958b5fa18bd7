//! Bundles (MODEL.md Part 2): a bundle holds no stock. Its physical stock and its view at every
//! node are kept as `min over components of floor(x_c / k)`, brought up to date whenever a
//! component's stock or view changes, so that listing, exposure, stockouts and low-stock alerts
//! read a bundle like any SKU.

use super::Engine;

impl Engine<'_> {
    /// `min over components of floor(values[c] / k)` for bundle `b`, where `value(c)` reads a
    /// component's stock or view (floors toward minus infinity).
    fn derived(&self, b: usize, value: impl Fn(usize) -> i64) -> i64 {
        (self.plan.scenario.catalog.skus[b].components.iter())
            .map(|&(c, k)| value(c).div_euclid(k))
            .min()
            .unwrap_or(0)
    }

    /// SKU `k`'s physical stock changed: the bundles drawing on it follow.
    pub(super) fn physical_changed(&mut self, k: usize) {
        let plan = self.plan;
        for &b in plan.bundles_of(k) {
            self.sku[b].physical = self.derived(b, |c| self.sku[c].physical);
            self.touch(b);
        }
    }

    /// SKU `k`'s view at node `n` changed: the bundles drawing on it follow (a record's change
    /// is checked for their low-stock alerts).
    pub(super) fn bundle_views_follow(&mut self, n: usize, k: usize) {
        let plan = self.plan;
        for &b in plan.bundles_of(k) {
            let value = self.derived(b, |c| self.views[self.at(c, n)]);
            let at = self.at(b, n);
            if self.views[at] != value {
                self.views[at] = value;
                self.touch(b);
                if plan.scenario.record == Some(n) {
                    self.check_low_stock(b);
                }
            }
        }
    }

    /// Every bundle's stock and views from its components' (at the start of a trial).
    pub(super) fn derive_all_bundles(&mut self) {
        for b in 0..self.plan.skus() {
            if self.plan.is_bundle(b) {
                self.sku[b].physical = self.derived(b, |c| self.sku[c].physical);
                for n in 0..self.nodes {
                    let at = self.at(b, n);
                    self.views[at] = self.derived(b, |c| self.views[self.at(c, n)]);
                }
            }
        }
    }

    /// `qty` units of SKU `k` are fulfilled: its stock (a bundle's: `qty * k` of each
    /// component's) drops.
    pub(super) fn take_physical(&mut self, k: usize, qty: i64) {
        let plan = self.plan;
        for (unit, per) in plan.units_of(k) {
            self.sku[unit].physical -= qty * per;
            self.touch(unit);
            self.physical_changed(unit);
        }
    }
}
