//! The start of a trial (docs/model.md, "Order of events"): every per-trial state reset and
//! reseeded from `(seed, trial)`, then what is known at time 0 scheduled in the model's order.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::Engine;
use super::records::{DemandStream, StreamState};
use crate::scenario::Transport;
use crate::sim::demand::expected_arrivals;
use crate::sim::event::Event;
use crate::sim::outcome::{ChannelOutcome, FeedOutcome, LinkOutcome, QueueOutcome, TrialOutcome};
use crate::sim::plan::Plan;
use crate::sim::rng::{
    OneOutput, SYSTEM_STREAM, SkuStreams, first_output, named_stream, trial_key, trial_rng,
};

impl Engine<'_> {
    pub(super) fn reset(&mut self, seed: u64, trial: u64) {
        let s = &self.plan.scenario;
        self.queue.clear();
        self.now = 0.0;
        // Per SKU, only what the last trial changed differs from time 0 (`pristine.rs`).
        self.restore_changed();
        self.orders.clear();
        self.order_logs.iter_mut().for_each(Vec::clear);
        self.waiting.iter_mut().for_each(|w| w.clear());
        self.busy.fill(0);
        for n in 0..self.nodes {
            if self.plan.queues[n].bulk {
                let rng = &mut self.queue_rngs[n];
                *rng = trial_rng(seed, trial, self.streams.queue[n]);
                self.workloads[n].reset(rng);
            }
        }
        self.link_messages.fill(0);
        self.levels.reset();
        self.polls.reset(self.plan);
        self.measures.reset();
        self.monitor.reset();
        self.rng = trial_rng(seed, trial, SYSTEM_STREAM);
        (self.seed, self.trial) = (seed, trial);
        // The first recount looks at the SKUs whose views differ from their stock at time 0
        // (a node's own `initial`), and at those changed since.
        self.recount_list.clear();
        self.recount_list.extend_from_slice(&self.start.recount);
        if !self.day_factors.is_empty() {
            self.draw_day_factors(seed, trial);
        }
        // A fresh outcome in the memory of the last one handed back (`recycle`), if any: its
        // vectors keep their room, every other field starts anew.
        let TrialOutcome {
            mut channels,
            mut links,
            mut feeds,
            mut queues,
            mut skus,
            ..
        } = std::mem::take(&mut self.out);
        channels.clear();
        channels.resize(s.channels.len(), ChannelOutcome::default());
        links.clear();
        links.resize(s.links.len(), LinkOutcome::default());
        feeds.clear();
        feeds.resize(s.nodes.len(), FeedOutcome::default());
        queues.clear();
        queues.resize(s.nodes.len(), QueueOutcome::default());
        skus.clear();
        skus.reserve(self.last_rows);
        self.out = TrialOutcome {
            channels,
            links,
            feeds,
            queues,
            skus,
            first_stockout_seconds: self.start.first_stockout_seconds,
            low_stock_alert_seconds: f64::NAN,
            ..TrialOutcome::default()
        };
    }

    /// Schedules what is known at time 0, in docs/model.md's order: scheduled orders, receipts,
    /// reconciliation, polls, demand streams; then background streams and the reorder check.
    pub(super) fn schedule_start(&mut self) {
        let plan = self.plan;
        let s = &plan.scenario;
        for (i, order) in s.scheduled_orders.iter().enumerate() {
            self.schedule(order.at, Event::Scheduled { index: i as u32 });
            // The only streams a trial uses besides those it seeds below: reset here, as those
            // are when seeded, not when the SKU is restored.
            let stream = order.sku * self.channels + order.channel;
            self.demand[stream].state = StreamState::default();
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
        let key = trial_key(self.seed, self.trial);
        for stream in 0..self.demand.len() {
            let first = self.first_demand[stream];
            if self.first_before(key, first) {
                let id = first.0;
                self.demand[stream] = DemandStream {
                    rng: trial_rng(self.seed, self.trial, id),
                    state: StreamState::default(),
                    ..self.demand[stream]
                };
                self.activate(stream / self.channels);
                self.schedule_demand(stream);
            }
        }
        for k in 0..self.first_shrink.len() {
            let first = self.first_shrink[k];
            if self.first_before(key, first) {
                let id = first.0;
                self.shrink_rngs[k] = trial_rng(self.seed, self.trial, id);
                self.schedule_shrink(k);
            }
        }
        for (n, node) in s.nodes.iter().enumerate() {
            if node.processing.is_some() && !plan.queues[n].bulk {
                self.schedule_background(n);
            }
        }
        // Only SKUs at or below their reorder point or low-stock threshold at time 0 can act.
        for i in 0..self.start.checks.len() {
            let k = self.start.checks[i] as usize;
            self.check_reorder(k);
            self.check_low_stock(k);
        }
    }

    /// Whether the stream `(id, limit)` (`first_demand`, `first_shrink`) may have an arrival
    /// before the horizon: whether its first `Exp1` draw, made from its generator's first
    /// output without seeding it, is below `limit`. When the draw needs a second output (the
    /// ziggurat's slow path, about once in 80) the answer is yes. Exact as used: the limits
    /// exceed the draw that reaches the horizon by a margin far above rounding, and a stream
    /// that may is then seeded and drawn by `schedule_demand` or `schedule_shrink` as always,
    /// from the same first output (a stream that turns out to have no arrival schedules none).
    #[inline]
    fn first_before(&self, key: u64, (id, limit): (u64, f64)) -> bool {
        if limit == f64::INFINITY {
            return true;
        }
        limit > 0.0 && {
            let Some(first) = first_output(key, id) else {
                return true;
            };
            let mut one = OneOutput::new(first);
            let draw: f64 = Exp1.sample(&mut one);
            draw < limit || one.wanted_more()
        }
    }
}

/// The margin of `first_before`'s limits over the exact ones (relative).
const MARGIN: f64 = 1e-9;

/// Per demand stream (`sku * channels + c`): its demand stream id and the largest first draw that can
/// give an arrival before the horizon, the integral of its rate over the horizon (infinite for
/// a SKU with a `demand_cv`, whose rate is known only once its days are drawn; negative for a
/// stream that never sells).
pub(super) fn first_demand(plan: &Plan, cv: bool) -> Vec<(u64, f64)> {
    let s = &plan.scenario;
    let ids = per_stream_ids(plan, "demand");
    let channels = s.channels.len();
    let need: Vec<f64> = plan.segments.iter().map(|g| expected_arrivals(g)).collect();
    (0..ids.len())
        .map(|stream| {
            let scale = plan.scale[stream];
            let limit = if scale <= 0.0 {
                -1.0
            } else if cv && s.catalog.skus[stream / channels].demand_cv > 0.0 {
                f64::INFINITY
            } else {
                need[stream % channels] * scale * (1.0 + MARGIN)
            };
            (ids[stream], limit)
        })
        .collect()
}

/// Per SKU that shrinks (empty when none does): its shrink stream id and the largest first draw
/// that gives a shrink before the horizon (`horizon * shrink_per_day / 1 day`).
pub(super) fn first_shrink(plan: &Plan) -> Vec<(u64, f64)> {
    let s = &plan.scenario;
    if !s.catalog.skus.iter().any(|k| k.shrink_per_day > 0.0) {
        return Vec::new();
    }
    (s.catalog.skus.iter())
        .map(|sku| {
            let id = named_stream("shrink", &sku.name);
            let per_day = sku.shrink_per_day;
            let limit = match per_day > 0.0 {
                true => s.horizon * per_day / 86_400.0 * (1.0 + MARGIN),
                false => -1.0,
            };
            (id, limit)
        })
        .collect()
}

/// The stream ids of an engine's generators besides the demand and shrink streams' (kept with
/// their limits, `first_demand` and `first_shrink`; MODEL.md, "Randomness" and Part 2's random
/// streams): per demand stream (`sku * channels + c`) its penalty stream (its `ship_after`
/// stream is in its record, `DemandStream`), per node its queue's.
pub(super) struct StreamIds {
    pub(super) penalty: Vec<u64>,
    pub(super) queue: Vec<u64>,
}

impl StreamIds {
    pub(super) fn new(plan: &Plan) -> StreamIds {
        let s = &plan.scenario;
        StreamIds {
            penalty: per_stream_ids(plan, "penalty"),
            queue: (s.nodes.iter())
                .map(|node| named_stream("queue", &node.name))
                .collect(),
        }
    }
}

/// Per demand stream (`sku * channels + c`), its record at the start of an engine.
pub(super) fn demand_streams(plan: &Plan) -> Vec<DemandStream> {
    let ship = match plan.scenario.stock.ship_after {
        Some(_) => per_stream_ids(plan, "ship"),
        None => vec![0; plan.scale.len()],
    };
    (plan.scale.iter().zip(ship))
        .map(|(&scale, ship_id)| DemandStream {
            rng: trial_rng(0, 0, SYSTEM_STREAM),
            scale,
            state: StreamState::default(),
            ship_id,
        })
        .collect()
}

/// Per demand stream (`sku * channels + c`), the id of its stream for `purpose`: keyed by the
/// SKU in a catalog, by the channel alone in Part 1.
fn per_stream_ids(plan: &Plan, purpose: &str) -> Vec<u64> {
    let s = &plan.scenario;
    let catalog = s.catalog.is_catalog();
    let mut ids = Vec::with_capacity(s.catalog.skus.len() * s.channels.len());
    // A catalog's prefix (purpose, channel) is hashed once per channel, not per SKU.
    let prefixes: Vec<SkuStreams> = (s.channels.iter())
        .map(|channel| SkuStreams::new(purpose, &channel.name))
        .collect();
    for sku in &s.catalog.skus {
        for (channel, prefix) in s.channels.iter().zip(&prefixes) {
            ids.push(if catalog {
                prefix.of(&sku.name)
            } else {
                named_stream(purpose, &channel.name)
            });
        }
    }
    ids
}
