//! One trial of the model in docs/model.md: the world state, the events and their handling.
//!
//! An `Engine` is built once per worker from a `Plan` and reused for every trial it runs: all
//! buffers keep their memory between trials, so the event loop allocates nothing once warm.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

pub use super::event::{Event, Message, Payload};
use super::outcome::{ChannelOutcome, TrialOutcome};
use super::plan::Plan;
use super::queue::EventQueue;
use super::rng::{SYSTEM_STREAM, TrialRng, named_stream, trial_rng};
pub use super::runaway::Runaway;
use crate::scenario::{Carries, Channel, Transport};

/// Marks a background order (another SKU) in a processing queue.
const BACKGROUND: u32 = u32::MAX;

/// An order on its way through the stack.
#[derive(Debug, Clone, Copy)]
struct Order {
    /// Units.
    qty: u32,
    /// Bit `n` set once the order has visited node `n`.
    seen: u64,
}

/// A channel's exposure bookkeeping.
#[derive(Debug, Clone, Copy, Default)]
struct Exposure {
    exposed: bool,
    /// When the current exposure began, seconds.
    since: f64,
}

/// Runs trials of one plan, reusing its memory.
pub struct Engine<'a> {
    plan: &'a Plan,
    /// The scenario's horizon, seconds (read at every scheduling).
    horizon: f64,
    queue: EventQueue<Event>,
    /// Current time, seconds.
    now: f64,
    /// Physical units on hand.
    physical: i64,
    /// Each node's view, units.
    views: Vec<i64>,
    orders: Vec<Order>,
    /// Each node's applied orders, in order of application (for order polls).
    order_logs: Vec<Vec<u32>>,
    /// Per link: the next order-log position an order poll fetches from.
    poll_cursor: Vec<u32>,
    /// Per link: the send time of the last level message applied (for `ordered`).
    last_applied: Vec<f64>,
    /// Per node: items waiting for a server.
    waiting: Vec<std::collections::VecDeque<u32>>,
    /// Per node: servers busy.
    busy: Vec<u32>,
    reorder_open: bool,
    /// Per link: messages attempted and polls made, this trial (to name a runaway's links).
    link_messages: Vec<u64>,
    /// Units of the last order that arrived at a channel (for tracing).
    sale_qty: u32,
    /// A view or the physical stock changed during the current event.
    dirty: bool,
    exposure: Vec<Exposure>,
    any_exposure: Exposure,
    /// Per channel: the demand segment the next arrival search starts from.
    segment_cursor: Vec<usize>,
    rng: TrialRng,
    demand_rngs: Vec<TrialRng>,
    penalty_rngs: Vec<TrialRng>,
    out: TrialOutcome,
}

impl<'a> Engine<'a> {
    /// An engine for `plan`, with empty buffers.
    pub fn new(plan: &'a Plan) -> Self {
        let s = &plan.scenario;
        let (nodes, links, channels) = (s.nodes.len(), s.links.len(), s.channels.len());
        Engine {
            plan,
            horizon: s.horizon,
            queue: EventQueue::default(),
            now: 0.0,
            physical: 0,
            views: vec![0; nodes],
            orders: Vec::new(),
            order_logs: vec![Vec::new(); nodes],
            poll_cursor: vec![0; links],
            last_applied: vec![f64::NEG_INFINITY; links],
            waiting: vec![Default::default(); nodes],
            busy: vec![0; nodes],
            reorder_open: false,
            link_messages: vec![0; links],
            sale_qty: 0,
            dirty: false,
            exposure: vec![Exposure::default(); channels],
            any_exposure: Exposure::default(),
            segment_cursor: vec![0; channels],
            rng: trial_rng(0, 0, SYSTEM_STREAM),
            demand_rngs: vec![trial_rng(0, 0, SYSTEM_STREAM); channels],
            penalty_rngs: vec![trial_rng(0, 0, SYSTEM_STREAM); channels],
            out: TrialOutcome::default(),
        }
    }

    /// Runs trial `trial` of a run seeded with `seed` and returns what it measured, or
    /// `Runaway` when it needs more than the scenario's `max_events` events.
    pub fn run_trial(&mut self, seed: u64, trial: u64) -> Result<TrialOutcome, Runaway> {
        self.trace_trial(seed, trial, |_, _, _| {})
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
        self.refresh_exposure();
        let max_events = self.plan.scenario.monte_carlo.max_events;
        while let Some((time, event)) = self.queue.pop() {
            if self.out.events == max_events {
                return Err(self.runaway(trial));
            }
            self.now = time;
            self.out.events += 1;
            self.handle(event);
            if self.dirty {
                self.refresh_exposure();
            }
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
            physical: self.physical,
            views: &self.views,
            channels: &self.out.channels,
            plan: self.plan,
            orders: &self.orders,
            order_logs: &self.order_logs,
            sale_qty: self.sale_qty,
        }
    }

    fn reset(&mut self, seed: u64, trial: u64) {
        let s = &self.plan.scenario;
        self.queue.clear();
        self.now = 0.0;
        self.physical = s.stock.initial;
        for (view, node) in self.views.iter_mut().zip(&s.nodes) {
            *view = node.initial.unwrap_or(s.stock.initial);
        }
        self.orders.clear();
        self.order_logs.iter_mut().for_each(Vec::clear);
        self.poll_cursor.fill(0);
        self.last_applied.fill(f64::NEG_INFINITY);
        self.waiting.iter_mut().for_each(|w| w.clear());
        self.busy.fill(0);
        self.reorder_open = false;
        self.link_messages.fill(0);
        self.dirty = false;
        self.exposure.fill(Exposure::default());
        self.any_exposure = Exposure::default();
        self.segment_cursor.fill(0);
        self.rng = trial_rng(seed, trial, SYSTEM_STREAM);
        for (c, channel) in s.channels.iter().enumerate() {
            self.demand_rngs[c] = trial_rng(seed, trial, named_stream("demand", &channel.name));
            self.penalty_rngs[c] = trial_rng(seed, trial, named_stream("penalty", &channel.name));
        }
        self.out.channels.clear();
        self.out
            .channels
            .resize(s.channels.len(), ChannelOutcome::default());
        self.out.any_exposure_seconds = 0.0;
        self.out.first_stockout_seconds = f64::NAN;
        self.out.reconciled_units = 0;
        self.out.received_units = 0;
        self.out.events = 0;
    }

    /// Schedules what is known at time 0, in docs/model.md's order: scheduled orders, receipts,
    /// reconciliation, polls, demand streams; then background streams and the reorder check.
    fn schedule_start(&mut self) {
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
        for c in 0..s.channels.len() {
            self.schedule_demand(c);
        }
        for (n, node) in s.nodes.iter().enumerate() {
            if node.processing.is_some() {
                self.schedule_background(n);
            }
        }
        self.check_reorder();
    }

    /// Schedules `event` at `time` unless that is at or beyond the horizon.
    #[inline]
    fn schedule(&mut self, time: f64, event: Event) {
        if time < self.horizon {
            self.queue.push(time, event);
        }
    }

    fn schedule_demand(&mut self, c: usize) {
        let need: f64 = Exp1.sample(&mut self.demand_rngs[c]);
        let segments = &self.plan.segments[c];
        if let Some(at) =
            super::demand::next_arrival(segments, &mut self.segment_cursor[c], self.now, need)
        {
            self.schedule(at, Event::Demand { channel: c as u32 });
        }
    }

    fn schedule_background(&mut self, n: usize) {
        let per_hour = self.plan.queues[n].background_per_hour;
        if per_hour > 0.0 {
            let gap: f64 = Exp1.sample(&mut self.rng);
            let at = self.now + gap * 3600.0 / per_hour;
            self.schedule(at, Event::Background { node: n as u32 });
        }
    }

    fn handle(&mut self, event: Event) {
        let s = &self.plan.scenario;
        match event {
            Event::Demand { channel } => {
                let c = channel as usize;
                let qty = s.channels[c].qty.sample(&mut self.demand_rngs[c]);
                self.sell(c, qty);
                self.schedule_demand(c);
            }
            Event::Scheduled { index } => {
                let order = &s.scheduled_orders[index as usize];
                let qty = order.qty.sample(&mut self.rng);
                self.sell(order.channel, qty);
            }
            Event::Receipt { index } => self.receive(s.stock.receipts[index as usize].qty),
            Event::ReorderArrival => {
                self.reorder_open = false;
                let qty = s.stock.reorder.as_ref().map_or(0, |r| r.qty);
                self.receive(qty);
            }
            Event::Reconcile => self.reconcile(),
            Event::Poll { link } => self.poll(link as usize),
            Event::Retry {
                link,
                attempt,
                sent,
                message,
            } => {
                let payload = Payload::of(s.links[link as usize].carries, message);
                self.attempt(link as usize, usize::from(attempt), sent, payload);
            }
            Event::Deliver {
                link,
                sent,
                message,
            } => {
                let payload = Payload::of(s.links[link as usize].carries, message);
                self.deliver(link as usize, sent, payload);
            }
            Event::Batch { link, start, end } => {
                let link = &s.links[link as usize];
                for i in start..end {
                    let order = self.order_logs[link.from][i as usize];
                    self.arrive(link.to, order);
                }
            }
            Event::Background { node } => {
                self.enqueue(node as usize, BACKGROUND);
                self.schedule_background(node as usize);
            }
            Event::ServiceEnd { node, item } => {
                let n = node as usize;
                self.busy[n] -= 1;
                if item != BACKGROUND {
                    self.apply_order(n, item);
                }
                self.start_service(n);
            }
        }
    }

    /// Units a channel lists now, by the listing rule (docs/model.md, "Listing").
    #[inline]
    fn listed(&self, c: usize) -> i64 {
        let channel = &self.plan.scenario.channels[c];
        listed_units(channel, self.views[channel.node])
    }

    /// An order of `qty` units arrives at channel `c`.
    fn sell(&mut self, c: usize, qty: u32) {
        let q = i64::from(qty);
        self.sale_qty = qty;
        let listed = self.listed(c);
        let out = &mut self.out.channels[c];
        out.arrivals += 1;
        if listed < q {
            if self.physical >= q {
                out.rejected_withheld += 1;
                out.withheld_units += u64::from(qty);
            } else {
                out.rejected_stockout += 1;
            }
            return;
        }
        out.accepted += 1;
        if self.physical >= q {
            out.fulfilled += 1;
            self.physical -= q;
        } else {
            out.oversold += 1;
            out.penalty += self.plan.scenario.channels[c]
                .penalty
                .sample(&mut self.penalty_rngs[c]);
        }
        self.dirty = true;
        let node = self.plan.scenario.channels[c].node;
        let order = self.orders.len() as u32;
        self.orders.push(Order {
            qty,
            seen: 1 << node,
        });
        self.apply_order(node, order);
    }

    /// Node `n` applies an order: its view drops, the order joins its log, the change
    /// propagates, then the order is relayed.
    fn apply_order(&mut self, n: usize, order: u32) {
        self.views[n] -= i64::from(self.orders[order as usize].qty);
        self.order_logs[n].push(order);
        self.view_changed(n, None);
        let plan = self.plan;
        for &l in &plan.order_webhooks_from[n] {
            let to = plan.scenario.links[l].to;
            if self.orders[order as usize].seen & (1 << to) == 0 {
                self.attempt(l, 0, self.now, Payload::Order(order));
            }
        }
    }

    /// An order reaches node `n` over a link: it waits for a server or is applied at once.
    fn arrive(&mut self, n: usize, order: u32) {
        let seen = &mut self.orders[order as usize].seen;
        if *seen & (1 << n) != 0 {
            return;
        }
        *seen |= 1 << n;
        if self.plan.scenario.nodes[n].processing.is_some() {
            self.enqueue(n, order);
        } else {
            self.apply_order(n, order);
        }
    }

    /// An item (an order, or `BACKGROUND`) joins node `n`'s queue, or goes straight to a free
    /// server when nobody is waiting.
    #[inline]
    fn enqueue(&mut self, n: usize, item: u32) {
        let servers = self.plan.queues[n].servers;
        if self.waiting[n].is_empty() && self.busy[n] < servers {
            self.serve(n, item);
        } else {
            self.waiting[n].push_back(item);
        }
    }

    /// Serves waiting items while node `n` has free servers.
    fn start_service(&mut self, n: usize) {
        let servers = self.plan.queues[n].servers;
        while self.busy[n] < servers {
            let Some(item) = self.waiting[n].pop_front() else {
                break;
            };
            self.serve(n, item);
        }
    }

    /// A free server of node `n` starts on `item`.
    #[inline]
    fn serve(&mut self, n: usize, item: u32) {
        self.busy[n] += 1;
        let service = self.plan.queues[n].service.sample(&mut self.rng);
        let event = Event::ServiceEnd {
            node: n as u32,
            item,
        };
        self.schedule(self.now + service, event);
    }

    /// Node `n`'s view changed: it sends the new view on its level webhooks (except back to
    /// `except`, the node whose level message caused the change), and the reorder policy looks.
    fn view_changed(&mut self, n: usize, except: Option<usize>) {
        self.dirty = true;
        let plan = self.plan;
        for &l in &plan.level_webhooks_from[n] {
            if Some(plan.scenario.links[l].to) != except {
                self.attempt(l, 0, self.now, Payload::Level(self.views[n]));
            }
        }
        if plan.scenario.record == Some(n) {
            self.check_reorder();
        }
    }

    /// A webhook attempt at the current time; `attempt` retries have been made before.
    fn attempt(&mut self, l: usize, attempt: usize, sent: f64, payload: Payload) {
        self.link_messages[l] += 1;
        let link = &self.plan.scenario.links[l];
        let Transport::Webhook {
            latency,
            drop,
            retries,
        } = &link.transport
        else {
            unreachable!("webhook attempt on a poll link");
        };
        let failed =
            self.plan.in_outage(l, self.now) || (*drop > 0.0 && self.rng.random::<f64>() < *drop);
        if !failed {
            let at = self.now + latency.sample(&mut self.rng);
            let link = l as u32;
            self.schedule(
                at,
                Event::Deliver {
                    link,
                    sent,
                    message: payload.message(),
                },
            );
        } else if let Some(delay) = retries.get(attempt) {
            // The loader allows at most 1000 retries, so the count fits.
            let event = Event::Retry {
                link: l as u32,
                attempt: attempt as u16 + 1,
                sent,
                message: payload.message(),
            };
            self.schedule(self.now + delay, event);
        }
    }

    fn deliver(&mut self, l: usize, sent: f64, payload: Payload) {
        let link = &self.plan.scenario.links[l];
        match payload {
            Payload::Order(order) => self.arrive(link.to, order),
            Payload::Level(value) => {
                if link.ordered {
                    if sent < self.last_applied[l] {
                        return;
                    }
                    self.last_applied[l] = sent;
                }
                if self.views[link.to] != value {
                    self.views[link.to] = value;
                    self.view_changed(link.to, Some(link.from));
                }
            }
        }
    }

    fn poll(&mut self, l: usize) {
        self.link_messages[l] += 1;
        let link = &self.plan.scenario.links[l];
        let Transport::Poll { every, latency, .. } = &link.transport else {
            unreachable!("poll on a webhook link");
        };
        if !self.plan.in_outage(l, self.now) {
            let link_id = l as u32;
            match link.carries {
                Carries::Levels => {
                    let message = Payload::Level(self.views[link.from]).message();
                    let at = self.now + latency.sample(&mut self.rng);
                    let event = Event::Deliver {
                        link: link_id,
                        sent: self.now,
                        message,
                    };
                    self.schedule(at, event);
                }
                Carries::Orders => {
                    let start = self.poll_cursor[l];
                    let end = self.order_logs[link.from].len() as u32;
                    if end > start {
                        self.poll_cursor[l] = end;
                        let at = self.now + latency.sample(&mut self.rng);
                        let event = Event::Batch {
                            link: link_id,
                            start,
                            end,
                        };
                        self.schedule(at, event);
                    }
                }
            }
        }
        self.schedule(self.now + every, Event::Poll { link: l as u32 });
    }

    /// `qty` units arrive: physical stock and the record's view rise.
    fn receive(&mut self, qty: i64) {
        self.physical += qty;
        self.out.received_units += qty.unsigned_abs();
        self.dirty = true;
        if let Some(record) = self.plan.scenario.record
            && qty != 0
        {
            self.views[record] += qty;
            self.view_changed(record, None);
        }
    }

    fn check_reorder(&mut self) {
        let s = &self.plan.scenario;
        let (Some(policy), Some(record)) = (&s.stock.reorder, s.record) else {
            return;
        };
        if !self.reorder_open && self.views[record] <= policy.point {
            self.reorder_open = true;
            let lead = policy.lead_time.sample(&mut self.rng);
            self.schedule(self.now + lead, Event::ReorderArrival);
        }
    }

    fn reconcile(&mut self) {
        for n in 0..self.views.len() {
            let gap = self.views[n] - self.physical;
            self.out.reconciled_units += gap.unsigned_abs();
            if gap != 0 {
                self.views[n] = self.physical;
                self.view_changed(n, None);
            }
        }
        if let Some(reconcile) = &self.plan.scenario.reconcile {
            self.schedule(self.now + reconcile.every, Event::Reconcile);
        }
    }

    /// Brings exposure and the first stockout up to date with the current state.
    fn refresh_exposure(&mut self) {
        self.dirty = false;
        let now = self.now;
        let out_of_stock = self.physical <= 0;
        if out_of_stock && self.out.first_stockout_seconds.is_nan() {
            self.out.first_stockout_seconds = now;
        }
        let mut any = false;
        for c in 0..self.exposure.len() {
            let exposed = out_of_stock && self.listed(c) >= 1;
            any |= exposed;
            let state = &mut self.exposure[c];
            if exposed != state.exposed {
                if !exposed {
                    self.out.channels[c].exposure_seconds += now - state.since;
                }
                *state = Exposure {
                    exposed,
                    since: now,
                };
            }
        }
        if any != self.any_exposure.exposed {
            if !any {
                self.out.any_exposure_seconds += now - self.any_exposure.since;
            }
            self.any_exposure = Exposure {
                exposed: any,
                since: now,
            };
        }
    }

    /// Closes open exposures at the horizon and hands out the outcome.
    fn finish(&mut self) -> TrialOutcome {
        let horizon = self.plan.scenario.horizon;
        for (c, state) in self.exposure.iter().enumerate() {
            if state.exposed {
                self.out.channels[c].exposure_seconds += horizon - state.since;
            }
        }
        if self.any_exposure.exposed {
            self.out.any_exposure_seconds += horizon - self.any_exposure.since;
        }
        if self.out.first_stockout_seconds.is_nan() {
            self.out.first_stockout_seconds = horizon;
        }
        self.out.final_physical = self.physical;
        self.out.clone()
    }
}

/// Units `channel` lists when its node's view is `view`, by docs/model.md's listing rule: the view
/// less the buffer, times `list_percent` rounded down, 0 at or below `out_of_stock_at`, clamped
/// to `[0, max_listed]`.
#[inline]
pub fn listed_units(channel: &Channel, view: i64) -> i64 {
    let mut listed = view - channel.buffer;
    if let Some(percent) = channel.list_percent {
        listed = (listed as f64 * percent / 100.0).floor() as i64;
    }
    if channel.out_of_stock_at.is_some_and(|at| view <= at) {
        listed = 0;
    }
    listed.clamp(0, channel.max_listed.unwrap_or(i64::MAX))
}

/// The state after an event, for tracing.
#[derive(Debug)]
pub struct Snapshot<'e> {
    /// Physical units on hand.
    pub physical: i64,
    /// Each node's view.
    pub views: &'e [i64],
    /// Each channel's counts so far.
    pub channels: &'e [ChannelOutcome],
    plan: &'e Plan,
    orders: &'e [Order],
    order_logs: &'e [Vec<u32>],
    sale_qty: u32,
}

impl Snapshot<'_> {
    /// Units channel `c` lists now.
    pub fn listed(&self, c: usize) -> i64 {
        let channel = &self.plan.scenario.channels[c];
        listed_units(channel, self.views[channel.node])
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
            Event::ReorderArrival => s.stock.reorder.as_ref().map(|r| r.qty),
            Event::Retry { link, message, .. } | Event::Deliver { link, message, .. } => {
                let carries = s.links[link as usize].carries;
                Some(payload_units(Payload::of(carries, message)))
            }
            Event::Batch { link, start, end } => {
                let log = &self.order_logs[s.links[link as usize].from];
                let batch = &log[start as usize..end as usize];
                Some(batch.iter().map(|&o| order_units(o)).sum())
            }
            Event::ServiceEnd { item, .. } if item != BACKGROUND => Some(order_units(item)),
            Event::Reconcile | Event::Poll { .. } | Event::Background { .. } => None,
            Event::ServiceEnd { .. } => None,
        }
    }
}
