//! One trial of the model in docs/model.md: the world state, the events and their handling.
//!
//! An `Engine` is built once per worker from a `Plan` and reused for every trial it runs: all
//! buffers keep their memory between trials, so the event loop allocates nothing once warm.
//!
//! State that exists per SKU is kept in flat vectors: physical stock by SKU, views by
//! `sku * nodes + node`, per-channel bookkeeping by `sku * channels + channel`. A scenario
//! without a catalog is the catalog of one SKU, and then every index is the Part 1 one.

mod arrivals;
mod bundles;
mod levels;
mod measure;
mod monitor;
mod polls;
mod pristine;
mod processing;
mod records;
mod ship;
mod snapshot;
mod start;
mod stock;
mod webhooks;

pub use super::event::{Event, Payload};
use super::outcome::TrialOutcome;
use super::plan::Plan;
use super::queue::EventQueue;
use super::rng::{SYSTEM_STREAM, TrialRng, trial_rng};
pub use super::runaway::Runaway;
use super::workload::Workload;
use levels::Levels;
use measure::Measures;
use monitor::Monitor;
use polls::Polls;
use pristine::Start;
use records::{DemandStream, Order, SkuState};
pub use snapshot::{Snapshot, listed_units, listing_units};
use start::StreamIds;

/// Marks a background order (another SKU) in a processing queue.
const BACKGROUND: u32 = u32::MAX;

/// Runs trials of one plan, reusing its memory.
pub struct Engine<'a> {
    plan: &'a Plan,
    /// The scenario's horizon, seconds (read at every scheduling).
    horizon: f64,
    queue: EventQueue<Event>,
    /// Current time, seconds.
    now: f64,
    /// Nodes and channels of the scenario (strides of the flat vectors).
    nodes: usize,
    channels: usize,
    /// Per SKU: stock, thresholds, money and flags (`SkuState`).
    sku: Vec<SkuState>,
    /// Per SKU: its price and unit margin (the horizon's money sums).
    prices: Vec<(f64, f64)>,
    /// Views, `sku * nodes + node`, units.
    views: Vec<i64>,
    /// Committed units (applied, not yet shipped or cancelled), `sku * nodes + node`.
    committed: Vec<i64>,
    orders: Vec<Order>,
    /// Each node's applied orders, in order of application (for order polls).
    order_logs: Vec<Vec<u32>>,
    /// Per SKU and `ordered` link (`applied_at`): the send time of the last level message
    /// applied; per link its column (`usize::MAX`: not `ordered`), and the columns.
    last_applied: Vec<f64>,
    ordered_column: Vec<usize>,
    ordered: usize,
    /// Per node queued event by event: items waiting for a server, with when they joined.
    waiting: Vec<std::collections::VecDeque<(u32, f64)>>,
    /// Per node queued event by event: servers busy.
    busy: Vec<u32>,
    /// Per node queued in bulk: its servers and background stream (`sim::workload`), and the
    /// generator of its background orders and service times.
    workloads: Vec<Workload>,
    queue_rngs: Vec<TrialRng>,
    /// Per link: messages attempted and polls made, this trial (to name a runaway's links).
    link_messages: Vec<u64>,
    /// Units of the last order that arrived at a channel (for tracing).
    sale_qty: u32,
    /// Level batches, dirty sets and feed queues.
    levels: Levels,
    /// Poll schedules and API token buckets.
    polls: Polls,
    /// Exposure, money, windows and per-SKU counts.
    measures: Measures,
    /// Disabled webhooks, debts and alerts.
    monitor: Monitor,
    /// Per demand stream (`sku * channels + channel`): its generator (seeded when the stream
    /// has an arrival before the horizon), scale and where its searches stand this trial.
    demand: Vec<DemandStream>,
    rng: TrialRng,
    /// The stream ids of every generator but the system's, hashed from names once per engine
    /// instead of once per trial.
    streams: StreamIds,
    /// Per demand stream: penalty draws, seeded when the stream first oversells (most never
    /// do; `StreamState::penalty_seeded`).
    penalty_rngs: Vec<TrialRng>,
    /// Per demand stream: `ship_after` draws (only with `ship_after`), seeded at the stream's
    /// first accepted order (`StreamState::ship_seeded`).
    ship_rngs: Vec<TrialRng>,
    /// The trial's seed and index (for generators seeded when first used).
    seed: u64,
    trial: u64,
    /// The SKUs whose stock or a view changed since the last recount
    /// (`SkuState::recount_dirty`).
    recount_list: Vec<u32>,
    /// Per SKU: shrink draws (only when some SKU shrinks).
    shrink_rngs: Vec<TrialRng>,
    /// Days a trial covers, and per SKU and day (`sku * days + day`) the `demand_cv` multiplier
    /// (only when some SKU has a `demand_cv`).
    days: usize,
    day_factors: Vec<f64>,
    /// Per demand stream and per SKU that shrinks: its stream id and the largest first draw
    /// that can give an arrival before the horizon (`start::first_before`), side by side so that
    /// the start of a trial reads them in one sweep.
    first_demand: Vec<(u64, f64)>,
    first_shrink: Vec<(u64, f64)>,
    /// Per SKU, a bit set once the trial changes the SKU's state: the SKUs the next trial
    /// restores and the horizon's sums visit (`pristine.rs`).
    active: Vec<u64>,
    /// The active SKUs as a list, and per channel the lost margin and revenue, at the horizon
    /// (their memory kept between trials).
    active_list: Vec<usize>,
    money_sums: Vec<(f64, f64)>,
    /// The per-SKU state at time 0.
    start: Start,
    out: TrialOutcome,
    /// Rows (`TrialOutcome::skus`) of the last trial's outcome, which `finish` hands out.
    last_rows: usize,
}

impl<'a> Engine<'a> {
    /// An engine for `plan`, with empty buffers.
    pub fn new(plan: &'a Plan) -> Self {
        let s = &plan.scenario;
        let (nodes, links, channels) = (s.nodes.len(), s.links.len(), s.channels.len());
        let skus = plan.skus();
        let streams = skus * channels;
        let mut ordered_column = vec![usize::MAX; links];
        let mut ordered = 0;
        for (l, link) in s.links.iter().enumerate() {
            if link.ordered {
                ordered_column[l] = ordered;
                ordered += 1;
            }
        }
        let first_shrink = start::first_shrink(plan);
        let mut engine = Engine {
            plan,
            horizon: s.horizon,
            queue: EventQueue::with_buckets(s.horizon, queue_buckets(s)),
            now: 0.0,
            nodes,
            channels,
            sku: (s.catalog.skus.iter().enumerate())
                .map(|(k, sku)| SkuState {
                    physical: 0,
                    start_physical: 0,
                    reorder_point: plan.reorder_point[k],
                    low_stock_at: plan.low_stock_at[k],
                    low_at: f64::NAN,
                    reorder_qty: sku.reorder.as_ref().map_or(0, |r| r.qty),
                    lead_time: plan.lead_time[k],
                    shrink_per_day: sku.shrink_per_day,
                    recount_dirty: false,
                    start_recount_dirty: false,
                    reorder_open: false,
                })
                .collect(),
            prices: (s.catalog.skus.iter())
                .map(|sku| (sku.price, sku.unit_margin))
                .collect(),
            views: vec![0; skus * nodes],
            committed: vec![0; skus * nodes],
            orders: Vec::new(),
            order_logs: vec![Vec::new(); nodes],
            last_applied: vec![f64::NEG_INFINITY; ordered * skus],
            ordered_column,
            ordered,
            waiting: vec![Default::default(); nodes],
            busy: vec![0; nodes],
            workloads: (plan.queues.iter())
                .map(|q| Workload::new(q.servers, q.background_per_hour))
                .collect(),
            queue_rngs: vec![trial_rng(0, 0, SYSTEM_STREAM); nodes],
            link_messages: vec![0; links],
            sale_qty: 0,
            levels: Levels::new(plan),
            polls: Polls::new(plan),
            measures: Measures::new(plan),
            monitor: Monitor::new(plan),
            demand: start::demand_streams(plan),
            rng: trial_rng(0, 0, SYSTEM_STREAM),
            streams: StreamIds::new(plan),
            penalty_rngs: vec![trial_rng(0, 0, SYSTEM_STREAM); streams],
            ship_rngs: if s.stock.ship_after.is_some() {
                vec![trial_rng(0, 0, SYSTEM_STREAM); streams]
            } else {
                Vec::new()
            },
            seed: 0,
            trial: 0,
            recount_list: Vec::new(),
            // One per entry of `first_shrink`: one per SKU when some SKU shrinks, else none.
            shrink_rngs: vec![trial_rng(0, 0, SYSTEM_STREAM); first_shrink.len()],
            days: (s.horizon / super::demand::DAY).ceil() as usize,
            day_factors: if s.catalog.skus.iter().any(|k| k.demand_cv > 0.0) {
                vec![1.0; skus * (s.horizon / super::demand::DAY).ceil() as usize]
            } else {
                Vec::new()
            },
            first_demand: Vec::new(),
            first_shrink,
            active: vec![0; skus.div_ceil(64)],
            active_list: Vec::new(),
            money_sums: Vec::new(),
            start: Start::default(),
            out: TrialOutcome::default(),
            last_rows: 0,
        };
        let cv = !engine.day_factors.is_empty();
        engine.first_demand = start::first_demand(plan, cv);
        engine.capture_start();
        engine
    }

    /// Runs trial `trial` of a run seeded with `seed` and returns what it measured, or
    /// `Runaway` when it needs more than the scenario's `max_events` events.
    pub fn run_trial(&mut self, seed: u64, trial: u64) -> Result<TrialOutcome, Runaway> {
        self.trace_trial(seed, trial, |_, _, _| {})
    }

    /// Hands back an outcome of this plan no longer needed: the next trial's outcome is made
    /// in its memory. A large catalog's outcome holds thousands of rows, and memory taken anew
    /// every trial costs the kernel's page faults.
    pub fn recycle(&mut self, outcome: TrialOutcome) {
        self.out = outcome;
    }

    /// Whether the next trial's outcome would take memory anew: the last trial had rows and
    /// no outcome was handed back since (`recycle`).
    pub fn wants_outcome(&self) -> bool {
        self.out.skus.capacity() < self.last_rows
    }

    /// Runs one trial and calls `observe` after every event with the time, the event and the
    /// state after it (for tracing a trial).
    pub fn trace_trial(
        &mut self,
        seed: u64,
        trial: u64,
        mut observe: impl FnMut(f64, &Event, &Snapshot<'_>),
    ) -> Result<TrialOutcome, Runaway> {
        self.reset(seed, trial);
        self.schedule_start();
        let max_events = self.plan.scenario.monte_carlo.max_events;
        while let Some((time, event)) = self.queue.pop() {
            if self.out.events == max_events {
                return Err(self.runaway(trial));
            }
            self.now = time;
            self.out.events += 1;
            self.handle(event);
            self.refresh_touched();
            observe(time, &event, &self.snapshot());
        }
        Ok(self.finish())
    }

    /// What a trial that hit `max_events` was busy with: its busiest links and channels.
    fn runaway(&self, trial: u64) -> Runaway {
        let s = &self.plan.scenario;
        let busiest = |counts: Vec<(String, u64)>| {
            let mut counts: Vec<_> = counts.into_iter().filter(|c| c.1 > 0).collect();
            counts.sort_by_key(|c| std::cmp::Reverse(c.1));
            counts.truncate(3);
            counts
        };
        Runaway {
            scenario: s.name.clone(),
            trial,
            at_seconds: self.now,
            events: self.out.events,
            links: busiest(
                (s.links.iter().zip(&self.link_messages))
                    .map(|(l, &n)| (l.name.clone(), n))
                    .collect(),
            ),
            channels: busiest(
                (s.channels.iter().zip(&self.out.channels))
                    .map(|(c, o)| (c.name.clone(), o.arrivals))
                    .collect(),
            ),
        }
    }

    fn snapshot(&self) -> Snapshot<'_> {
        Snapshot {
            physical: self.sku[0].physical,
            views: &self.views[..self.nodes],
            channels: &self.out.channels,
            plan: self.plan,
            all_skus: &self.sku,
            all_views: &self.views,
            all_committed: &self.committed,
            orders: &self.orders,
            order_logs: &self.order_logs,
            sale_qty: self.sale_qty,
        }
    }

    /// Schedules `event` at `time` unless that is at or beyond the horizon.
    #[inline]
    fn schedule(&mut self, time: f64, event: Event) {
        if time < self.horizon {
            self.queue.push(time, event);
        }
    }

    fn handle(&mut self, event: Event) {
        let s = &self.plan.scenario;
        match event {
            Event::Demand { channel, sku } => {
                let (c, k) = (channel as usize, sku as usize);
                let stream = k * self.channels + c;
                let qty = s.channels[c].qty.sample(&mut self.demand[stream].rng);
                self.sell(c, k, qty);
                self.schedule_demand(stream);
            }
            Event::Scheduled { index } => {
                let order = &s.scheduled_orders[index as usize];
                let qty = order.qty.sample(&mut self.rng);
                self.sell(order.channel, order.sku, qty);
            }
            Event::Receipt { index } => {
                let receipt = &s.stock.receipts[index as usize];
                self.receive(receipt.sku, receipt.qty);
            }
            Event::ReorderArrival { sku } => {
                let k = sku as usize;
                self.sku[k].reorder_open = false;
                let qty = self.sku[k].reorder_qty;
                self.receive(k, qty);
            }
            Event::Reconcile => self.reconcile(),
            Event::Poll { link } => self.poll_due(link as usize),
            Event::ApiGrant { link } => self.first_grant(link as usize),
            Event::ApiRead { link } => self.last_grant(link as usize),
            Event::Retry {
                link,
                attempt,
                epoch,
                sku,
                debt,
                sent,
                message,
            } => {
                let l = usize::from(link);
                // A retry pending when its link was disabled is lost.
                if epoch == self.monitor.epoch(l) {
                    let payload = Payload::of(s.links[l].carries, message);
                    self.attempt(l, usize::from(attempt), sku, sent, payload, debt);
                }
            }
            Event::Deliver {
                link,
                sku,
                debt,
                sent,
                message,
            } => {
                let payload = Payload::of(s.links[link as usize].carries, message);
                self.deliver(link as usize, sku as usize, sent, payload, debt);
            }
            Event::Batch { link, start, end } => {
                let link = &s.links[link as usize];
                for i in start..end {
                    let order = self.order_logs[link.from][i as usize];
                    self.arrive(link.to, order);
                }
            }
            Event::LevelBatch { batch } => self.batch_arrives(batch),
            Event::Background { node } => {
                self.enqueue(node as usize, BACKGROUND);
                self.schedule_background(node as usize);
            }
            Event::ServiceEnd { node, item } if self.plan.queues[node as usize].bulk => {
                self.apply_order(node as usize, item);
            }
            Event::ServiceEnd { node, item } => {
                let n = node as usize;
                self.busy[n] -= 1;
                if item != BACKGROUND {
                    self.apply_order(n, item);
                }
                self.start_service(n);
            }
            Event::FeedEnd { node, slot } => self.feed_end(node as usize, slot),
            Event::Ship { order } => self.ship(order),
            Event::LagCheck { link } => self.lag_check(link as usize),
            Event::Fix => self.fix(),
            Event::Shrink { sku } => self.shrink(sku as usize),
        }
    }

    /// The index of SKU `k`'s view at node `n`.
    #[inline]
    fn at(&self, k: usize, n: usize) -> usize {
        k * self.nodes + n
    }

    /// The index of SKU `k`'s last applied send time on `ordered` link `l` in `last_applied`.
    #[inline]
    fn applied_at(&self, k: usize, l: usize) -> usize {
        debug_assert!(
            self.ordered_column[l] != usize::MAX,
            "link {l} is not ordered"
        );
        k * self.ordered + self.ordered_column[l]
    }

    /// Units channel `c` lists of SKU `k` now, by the listing rule (docs/model.md, "Listing").
    #[inline]
    fn listed(&self, c: usize, k: usize) -> i64 {
        match self.plan.listing(c, k) {
            Some((node, listing)) => listing_units(listing, self.views[self.at(k, node)]),
            None => 0,
        }
    }

    /// What levels link `l` carries of SKU `k` now: `from`'s view, plus its committed units
    /// when the link publishes on-hand.
    #[inline]
    fn carried(&self, l: usize, k: usize) -> i64 {
        let at = self.at(k, self.plan.scenario.links[l].from);
        if self.plan.on_hand[l] {
            self.views[at] + self.committed[at]
        } else {
            self.views[at]
        }
    }

    /// An order of `qty` units of SKU `k` arrives at channel `c`.
    fn sell(&mut self, c: usize, k: usize, qty: u32) {
        let q = i64::from(qty);
        self.sale_qty = qty;
        self.activate(k);
        let listed = self.listed(c, k);
        let physical = self.sku[k].physical;
        let out = &mut self.out.channels[c];
        out.arrivals += 1;
        if listed < q {
            if physical >= q {
                out.rejected_withheld += 1;
                out.withheld_units += u64::from(qty);
                self.measures.withheld(k * self.channels + c, qty);
            } else {
                out.rejected_stockout += 1;
            }
            return;
        }
        out.accepted += 1;
        let stream = k * self.channels + c;
        if physical >= q {
            out.fulfilled += 1;
            self.measures.fulfilled(stream, qty);
            self.take_physical(k, q);
        } else {
            out.oversold += 1;
            let dist = self.plan.penalty[stream];
            let penalty = dist.sample(self.penalty_rng(stream));
            self.out.channels[c].penalty += penalty;
            self.measures.oversold(stream, penalty);
        }
        self.measures.accepted(c, self.now, physical < q);
        self.touch(k);
        let node = self.plan.scenario.channels[c].node;
        let order = self.orders.len() as u32;
        let ship_at = self.ship_time(stream);
        self.orders.push(Order {
            qty,
            sku: k as u32,
            seen: 1 << node,
            committed: 0,
            ship_at,
        });
        self.schedule_ship(order);
        self.apply_order(node, order);
    }

    /// Node `n` applies an order: its view drops (a bundle's components' views, by `qty * k`
    /// each; its units are committed until the order ships), the order joins its log, the
    /// change propagates, then the order is relayed.
    fn apply_order(&mut self, n: usize, order: u32) {
        let Order { qty, sku, .. } = self.orders[order as usize];
        let plan = self.plan;
        for (k, per) in plan.units_of(sku as usize) {
            let value = self.views[self.at(k, n)] - i64::from(qty) * per;
            self.set_view(n, k, value);
        }
        let committed = self.commit(n, order);
        self.order_logs[n].push(order);
        for (k, _) in plan.units_of(sku as usize) {
            // On-hand (view plus committed) is unchanged when the units were committed.
            self.send_levels(n, k, None, true, !committed);
            if plan.scenario.record == Some(n) {
                self.check_reorder(k);
                self.check_low_stock(k);
            }
        }
        for &l in &plan.order_webhooks_from[n] {
            let to = plan.scenario.links[l].to;
            if self.orders[order as usize].seen & (1 << to) == 0 {
                self.send(l, sku, Payload::Order(order));
            }
        }
    }

    /// Sets SKU `k`'s view at node `n` to `value` (a change): level batches in flight to `n`
    /// keep the value they carry, and the levels polls watching `n` note the SKU.
    fn set_view(&mut self, n: usize, k: usize, value: i64) {
        let at = self.at(k, n);
        let before = self.views[at];
        self.levels.before_change(self.plan, n, k, before);
        self.views[at] = value;
        self.levels.mark_dirty(self.plan, n, k);
        self.touch(k);
        self.bundle_views_follow(n, k);
    }

    /// Demand stream `stream`'s penalty generator, seeded at its first use in the trial.
    #[inline]
    fn penalty_rng(&mut self, stream: usize) -> &mut TrialRng {
        if !self.demand[stream].state.penalty_seeded {
            self.demand[stream].state.penalty_seeded = true;
            let id = self.streams.penalty[stream];
            self.penalty_rngs[stream] = trial_rng(self.seed, self.trial, id);
        }
        &mut self.penalty_rngs[stream]
    }

    /// Demand stream `stream`'s `ship_after` generator, seeded at its first use in the trial.
    #[inline]
    fn ship_rng(&mut self, stream: usize) -> &mut TrialRng {
        if !self.demand[stream].state.ship_seeded {
            self.demand[stream].state.ship_seeded = true;
            let id = self.demand[stream].ship_id;
            self.ship_rngs[stream] = trial_rng(self.seed, self.trial, id);
        }
        &mut self.ship_rngs[stream]
    }
}

/// Events per bucket of the event queue's far future, about: enough that moving a bucket into
/// the heap is cheap per event, few enough that the heap stays small.
const EVENTS_PER_BUCKET: f64 = 256.0;

/// How many buckets of time the event queue keeps the far future in: the expected events of a
/// trial over [`EVENTS_PER_BUCKET`], at most 65,536 (1: none).
fn queue_buckets(s: &crate::scenario::Scenario) -> usize {
    let events = crate::scenario::expected_events(s).total();
    (events / EVENTS_PER_BUCKET).clamp(1.0, 65_536.0) as usize
}
