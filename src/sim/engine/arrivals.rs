//! Arrivals: demand streams (with `demand_cv`'s day multipliers), shrink and background orders.

use rand_distr::{Distribution, Exp1, Gamma};

use super::Engine;
use crate::sim::event::Event;
use crate::sim::rng::{named_stream, trial_rng};

impl Engine<'_> {
    /// Schedules the next arrival of demand stream `stream` (`sku * channels + channel`).
    pub(super) fn schedule_demand(&mut self, stream: usize) {
        let c = stream % self.channels;
        let demand = &mut self.demand[stream];
        let mut need: f64 = Exp1.sample(&mut demand.rng);
        let scale = demand.scale;
        if scale != 1.0 {
            need /= scale;
        }
        let segments = &self.plan.segments[c];
        let k = stream / self.channels;
        let cursor = &mut self.demand[stream].state.segment;
        // `day_factors` is empty when no SKU has a `demand_cv`: most arrivals then never read
        // the SKU's (large, cold) scenario record.
        let next =
            if !self.day_factors.is_empty() && self.plan.scenario.catalog.skus[k].demand_cv > 0.0 {
                let days = &self.day_factors[k * self.days..(k + 1) * self.days];
                crate::sim::demand::next_arrival_daily(segments, cursor, self.now, need, days)
            } else {
                crate::sim::demand::next_arrival(segments, cursor, self.now, need)
            };
        if let Some(at) = next {
            let event = Event::Demand {
                channel: c as u32,
                sku: (stream / self.channels) as u32,
            };
            self.schedule(at, event);
        }
    }

    /// Draws every day's demand multiplier of every SKU with a `demand_cv`: gamma with shape
    /// `1/cv^2` and scale `cv^2` (mean 1), from a stream keyed by the SKU.
    pub(super) fn draw_day_factors(&mut self, seed: u64, trial: u64) {
        let days = self.days;
        for (k, sku) in self.plan.scenario.catalog.skus.iter().enumerate() {
            let cv = sku.demand_cv;
            if cv <= 0.0 {
                continue;
            }
            let mut rng = trial_rng(seed, trial, named_stream("cv", &sku.name));
            let gamma = Gamma::new(1.0 / (cv * cv), cv * cv).expect("a finite cv > 0");
            for factor in &mut self.day_factors[k * days..(k + 1) * days] {
                *factor = gamma.sample(&mut rng);
            }
        }
    }

    /// Schedules SKU `k`'s next shrink: a Poisson process at `shrink_per_day`.
    pub(super) fn schedule_shrink(&mut self, k: usize) {
        let per_day = self.sku[k].shrink_per_day;
        if per_day > 0.0 {
            let gap: f64 = Exp1.sample(&mut self.shrink_rngs[k]);
            let at = self.now + gap * 86_400.0 / per_day;
            self.schedule(at, Event::Shrink { sku: k as u32 });
        }
    }

    /// A unit of SKU `k` vanishes from the shelf, if any is left; no view changes.
    pub(super) fn shrink(&mut self, k: usize) {
        if self.sku[k].physical > 0 {
            self.sku[k].physical -= 1;
            self.out.shrunk_units += 1;
            self.measures.shrunk(k);
            self.touch(k);
            self.physical_changed(k);
        }
        self.schedule_shrink(k);
    }

    pub(super) fn schedule_background(&mut self, n: usize) {
        let per_hour = self.plan.queues[n].background_per_hour;
        if per_hour > 0.0 {
            let gap: f64 = Exp1.sample(&mut self.rng);
            let at = self.now + gap * 3600.0 / per_hour;
            self.schedule(at, Event::Background { node: n as u32 });
        }
    }
}
