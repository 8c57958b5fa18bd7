//! The start of a trial (docs/model.md, "Order of events"): every per-trial state reset and
//! reseeded from `(seed, trial)`, then what is known at time 0 scheduled in the model's order.

use rand::RngExt;

use super::Engine;
use crate::scenario::Transport;
use crate::sim::event::Event;
use crate::sim::outcome::{ChannelOutcome, FeedOutcome, LinkOutcome, QueueOutcome};
use crate::sim::rng::{SYSTEM_STREAM, trial_rng};

impl Engine<'_> {
    pub(super) fn reset(&mut self, seed: u64, trial: u64) {
        let s = &self.plan.scenario;
        self.queue.clear();
        self.now = 0.0;
        for (k, sku) in s.catalog.skus.iter().enumerate() {
            self.physical[k] = sku.initial;
            let views = &mut self.views[k * self.nodes..(k + 1) * self.nodes];
            for (view, node) in views.iter_mut().zip(&s.nodes) {
                *view = node.initial.unwrap_or(sku.initial);
            }
        }
        self.derive_all_bundles();
        self.committed.fill(0);
        self.orders.clear();
        self.order_logs.iter_mut().for_each(Vec::clear);
        self.last_applied.fill(f64::NEG_INFINITY);
        self.waiting.iter_mut().for_each(|w| w.clear());
        self.busy.fill(0);
        for n in 0..self.nodes {
            if self.plan.queues[n].bulk {
                let rng = &mut self.queue_rngs[n];
                *rng = trial_rng(seed, trial, self.streams.queue[n]);
                self.workloads[n].reset(rng);
            }
        }
        self.reorder_open.fill(false);
        self.link_messages.fill(0);
        self.levels.reset(self.plan, &self.views, self.nodes);
        self.polls.reset(self.plan);
        self.measures.reset();
        self.monitor.reset();
        self.segment_cursor.fill(0);
        self.rng = trial_rng(seed, trial, SYSTEM_STREAM);
        let ids = &self.streams;
        for (rng, &id) in self.demand_rngs.iter_mut().zip(&ids.demand) {
            *rng = trial_rng(seed, trial, id);
        }
        (self.seed, self.trial) = (seed, trial);
        self.penalty_seeded.fill(false);
        self.ship_seeded.fill(false);
        // Every SKU is checked at the first recount (a node's `initial` may differ from stock).
        self.recount_dirty.fill(true);
        self.recount_list.clear();
        self.recount_list.extend(0..self.physical.len() as u32);
        for (rng, &id) in self.shrink_rngs.iter_mut().zip(&ids.shrink) {
            *rng = trial_rng(seed, trial, id);
        }
        if !self.day_factors.is_empty() {
            self.draw_day_factors(seed, trial);
        }
        self.out.channels.clear();
        self.out
            .channels
            .resize(s.channels.len(), ChannelOutcome::default());
        self.out.links.clear();
        self.out.links.resize(s.links.len(), LinkOutcome::default());
        self.out.feeds.clear();
        self.out.feeds.resize(s.nodes.len(), FeedOutcome::default());
        self.out.queues.clear();
        self.out
            .queues
            .resize(s.nodes.len(), QueueOutcome::default());
        self.out.skus.clear();
        self.out.any_exposure_seconds = 0.0;
        self.out.first_stockout_seconds = f64::NAN;
        self.out.reconciled_units = 0;
        self.out.received_units = 0;
        self.out.shrunk_units = 0;
        self.out.events = 0;
        self.out.alerts = 0;
        self.out.disabled_seconds = 0.0;
        self.out.low_stock_alert_seconds = f64::NAN;
    }

    /// Schedules what is known at time 0, in docs/model.md's order: scheduled orders, receipts,
    /// reconciliation, polls, demand streams; then background streams and the reorder check.
    pub(super) fn schedule_start(&mut self) {
        let plan = self.plan;
        let s = &plan.scenario;
        for (i, order) in s.scheduled_orders.iter().enumerate() {
            self.schedule(order.at, Event::Scheduled { index: i as u32 });
        }
        for (i, receipt) in s.stock.receipts.iter().enumerate() {
            self.schedule(receipt.at, Event::Receipt { index: i as u32 });
        }
        if let Some(reconcile) = &s.reconcile {
            self.schedule(reconcile.first, Event::Reconcile);
        }
        for (l, link) in s.links.iter().enumerate() {
            if let Transport::Poll { every, phase, .. } = link.transport {
                let first = phase.unwrap_or_else(|| every * self.rng.random::<f64>());
                self.schedule(first, Event::Poll { link: l as u32 });
            }
        }
        for stream in 0..self.segment_cursor.len() {
            if plan.sells[stream].scale > 0.0 {
                self.schedule_demand(stream);
            }
        }
        for k in 0..self.shrink_rngs.len() {
            self.schedule_shrink(k);
        }
        for (n, node) in s.nodes.iter().enumerate() {
            if node.processing.is_some() && !plan.queues[n].bulk {
                self.schedule_background(n);
            }
        }
        for k in 0..plan.skus() {
            self.check_reorder(k);
            self.check_low_stock(k);
        }
    }
}
