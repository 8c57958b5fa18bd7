//! What every trial starts from, and what a trial changed. The per-SKU state at time 0 is
//! deterministic (stock, views, dirty sets, exposure), so an engine works it out once; a trial
//! notes every SKU it changes (`activate`) and restores only those at the horizon. With demand
//! and shrink streams whose first draw is made without seeding their generator
//! (`sim::rng::first_output`), a trial costs time in proportion to the SKUs that sell or change,
//! not to the catalog: a long tail of SKUs that sell nothing in a trial costs a few
//! instructions each (docs/model.md, "How fast").

use super::Engine;

/// The per-SKU state at time 0 and the SKUs every trial must look at.
#[derive(Debug, Default)]
pub(super) struct Start {
    /// Per SKU and node: views (per SKU, physical stock and whether a view differs from it are
    /// `SkuState::start_physical` and `start_recount_dirty`).
    views: Vec<i64>,
    /// The SKUs with a view that differs from their stock (the first recount looks at them).
    pub(super) recount: Vec<u32>,
    /// SKUs the checks at time 0 (reorder point, low-stock alert) act on.
    pub(super) checks: Vec<u32>,
    /// SKUs whose state at time 0 counts at the horizon or is changed by the start itself (out
    /// of stock, views that disagree, the checks'): made active at the start of every trial.
    special: Vec<u32>,
    /// Physical units of every SKU but bundles at time 0.
    final_physical: i64,
    /// The trial's first stockout at time 0 (0 when a SKU starts out of stock, else NaN).
    pub(super) first_stockout_seconds: f64,
}

impl Start {
    /// Starts loading SKU `k`'s views at time 0 (`nodes` per SKU).
    #[inline]
    pub(super) fn prefetch(&self, k: usize, nodes: usize) {
        super::records::prefetch(&self.views[k * nodes]);
    }
}

/// The indices of the bits set in `words`, in increasing order.
pub(super) fn bits(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    (words.iter().enumerate()).flat_map(|(w, &word)| {
        let mut word = word;
        std::iter::from_fn(move || {
            (word != 0).then(|| {
                let bit = word.trailing_zeros() as usize;
                word &= word - 1;
                w * 64 + bit
            })
        })
    })
}

impl Engine<'_> {
    /// Works out the state at time 0 and keeps it as every trial's start (once, when the
    /// engine is built).
    pub(super) fn capture_start(&mut self) {
        let plan = self.plan;
        let s = &plan.scenario;
        let nodes = self.nodes;
        for (k, sku) in s.catalog.skus.iter().enumerate() {
            self.sku[k].physical = sku.initial;
            let views = &mut self.views[k * nodes..(k + 1) * nodes];
            for (view, node) in views.iter_mut().zip(&s.nodes) {
                *view = node.initial.unwrap_or(sku.initial);
            }
        }
        self.derive_all_bundles();
        self.levels.capture_start(plan, &self.views, nodes);
        self.now = 0.0;
        self.out.first_stockout_seconds = f64::NAN;
        self.refresh_all();
        self.measures.capture_start();
        let mut start = Start {
            views: self.views.clone(),
            first_stockout_seconds: self.out.first_stockout_seconds,
            ..Start::default()
        };
        let mut special = vec![false; plan.skus()];
        for (k, special) in special.iter_mut().enumerate() {
            let views = &self.views[k * nodes..(k + 1) * nodes];
            // A view that differs from the stock: the first recount looks at it.
            let physical = self.sku[k].physical;
            self.sku[k].start_physical = physical;
            if views.iter().any(|&v| v != physical) {
                self.sku[k].start_recount_dirty = true;
                start.recount.push(k as u32);
                *special = true;
            }
            // Out of stock: exposed, stocked out from time 0.
            if physical <= 0 {
                *special = true;
            }
            if let Some(record) = s.record {
                let view = self.views[k * nodes + record];
                if view <= plan.reorder_point[k] || view as f64 <= plan.low_stock_at[k] {
                    start.checks.push(k as u32);
                    *special = true;
                }
            }
            if !plan.is_bundle(k) {
                start.final_physical += physical;
            }
        }
        for k in self.levels.dirty_at_start() {
            special[k as usize] = true;
        }
        start.special = (0..plan.skus() as u32)
            .filter(|&k| special[k as usize])
            .collect();
        self.start = start;
    }

    /// Notes that the trial changes SKU `k`'s state (restored at the horizon, `finish`).
    #[inline(always)]
    pub(super) fn activate(&mut self, k: usize) {
        self.active[k / 64] |= 1 << (k % 64);
    }

    /// Every SKU a trial stopped as a runaway changed back to time 0 (a trial that reached the
    /// horizon restored its own); then the SKUs every trial looks at are active.
    pub(super) fn restore_changed(&mut self) {
        let mut active = std::mem::take(&mut self.active);
        for k in bits(&active) {
            self.restore(k);
        }
        active.fill(0);
        self.active = active;
        for i in 0..self.start.special.len() {
            let k = self.start.special[i] as usize;
            self.activate(k);
            self.measures.restore_start(k, self.channels);
        }
    }

    /// SKU `k` back to time 0.
    pub(super) fn restore(&mut self, k: usize) {
        let (nodes, channels) = (self.nodes, self.channels);
        let sku = &mut self.sku[k];
        sku.physical = sku.start_physical;
        sku.recount_dirty = sku.start_recount_dirty;
        sku.reorder_open = false;
        sku.low_at = f64::NAN;
        let views = k * nodes..(k + 1) * nodes;
        self.views[views.clone()].copy_from_slice(&self.start.views[views.clone()]);
        self.committed[views].fill(0);
        let ordered = self.ordered;
        self.last_applied[k * ordered..(k + 1) * ordered].fill(f64::NEG_INFINITY);
        // A demand stream's state is reset when a trial starts using it (`schedule_start`).
        self.measures.restore(k, channels);
        self.levels.restore(k, &self.start.views, nodes);
    }

    /// Physical units of every SKU but bundles at time 0.
    pub(super) fn start_final_physical(&self) -> i64 {
        self.start.final_physical
    }

    /// Checks that every SKU the trial did not note as active is exactly at its start, and
    /// that its start adds nothing to the horizon's sums (builds with debug assertions: every
    /// test run). A demand stream's state is not among them: a trial resets it when it starts
    /// using the stream (`schedule_start`), whatever the trial before left.
    #[cfg(debug_assertions)]
    pub(super) fn check_inactive(&self) {
        let (nodes, channels) = (self.nodes, self.channels);
        let skus = self.sku.len();
        let mut active = vec![false; skus];
        bits(&self.active).for_each(|k| active[k] = true);
        for k in (0..skus).filter(|&k| !active[k]) {
            let views = k * nodes..(k + 1) * nodes;
            let sku = &self.sku[k];
            let at_start = sku.physical == sku.start_physical
                && self.views[views.clone()] == self.start.views[views.clone()]
                && self.committed[views].iter().all(|&c| c == 0)
                && (self.last_applied[k * self.ordered..(k + 1) * self.ordered].iter())
                    .all(|&t| t == f64::NEG_INFINITY)
                && !sku.reorder_open
                && sku.recount_dirty == sku.start_recount_dirty
                && self.measures.at_start(k, channels)
                && sku.low_at.is_nan()
                && self.levels.at_start(k, &self.start.views, nodes)
                && sku.physical > 0;
            assert!(
                at_start,
                "SKU {k} changed in trial {} without being noted active",
                self.trial
            );
        }
    }
}
