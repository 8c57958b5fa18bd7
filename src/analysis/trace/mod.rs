//! One trial traced in full: the step series of physical stock and of every channel's listing,
//! every oversell, exposure window and sync delivery, and every event with the state after it.
//! Pure: the `timeline` and `demo` commands write what it finds.

use crate::scenario::{Scenario, Window};
use crate::sim::engine::listed_units;
use crate::sim::{Engine, Event, Payload, Plan, Snapshot, TrialOutcome};

/// From `time` on (seconds), a series has `value` (units), until its next step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Seconds since the start of the trial.
    pub time: f64,
    /// Units.
    pub value: i64,
}

/// What kind of event a row of the trace is, as written in `events.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A demand order arrived at a channel.
    Demand,
    /// A scheduled order arrived at a channel.
    Scheduled,
    /// A fixed receipt arrived.
    Receipt,
    /// The open reorder arrived.
    Reorder,
    /// Every view was set to the physical stock.
    Reconcile,
    /// A poll link polled.
    Poll,
    /// A failed webhook message was attempted again.
    Retry,
    /// A message reached a link's receiver.
    Deliver,
    /// A polled batch of orders reached a link's receiver.
    Batch,
    /// A background order (another SKU) joined a processing queue.
    Background,
    /// A processing node finished serving an item.
    ServiceEnd,
    /// An accepted order shipped (or an oversold one was cancelled): its units are no longer
    /// committed.
    Ship,
    /// Something happened to the stock or the monitoring (shrink, an alert, a fix, a day's
    /// demand multiplier).
    Other,
}

impl EventKind {
    /// The name written in `events.csv`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Demand => "demand",
            EventKind::Scheduled => "scheduled",
            EventKind::Receipt => "receipt",
            EventKind::Reorder => "reorder",
            EventKind::Reconcile => "reconcile",
            EventKind::Poll => "poll",
            EventKind::Retry => "retry",
            EventKind::Deliver => "deliver",
            EventKind::Batch => "batch",
            EventKind::Background => "background",
            EventKind::ServiceEnd => "service_end",
            EventKind::Ship => "ship",
            EventKind::Other => "other",
        }
    }
}

/// What an event concerns, by index into the timeline's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// Nothing in particular (receipts, reorders, reconciliations).
    None,
    /// A channel (sales).
    Channel(usize),
    /// A link (polls, messages, batches).
    Link(usize),
    /// A node (its processing queue).
    Node(usize),
}

/// One handled event and the state just after it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Seconds since the start of the trial.
    pub time: f64,
    /// What happened.
    pub kind: EventKind,
    /// Where it happened.
    pub subject: Subject,
    /// Units of the order (or batch, or receipt) it carried, or the value of a level message.
    pub quantity: Option<i64>,
    /// Physical units on hand after the event.
    pub physical: i64,
    /// Each node's view after the event, units.
    pub views: Vec<i64>,
    /// Each channel's listed quantity after the event, units.
    pub listed: Vec<i64>,
    /// Each channel's oversold orders so far.
    pub oversold: Vec<u64>,
}

/// An accepted order that found too few physical units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Oversell {
    /// Seconds since the start of the trial.
    pub time: f64,
    /// Channel index.
    pub channel: usize,
    /// Units ordered.
    pub qty: i64,
    /// Units the channel listed when it accepted the order.
    pub listed: i64,
}

/// What a delivered message told its receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// The sender's view, units.
    Level(i64),
    /// `count` orders of `units` units in all.
    Orders {
        /// Orders in the message or polled batch.
        count: u32,
        /// Their units.
        units: i64,
    },
}

/// A message that reached a link's receiver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    /// Seconds since the start of the trial.
    pub time: f64,
    /// Link index.
    pub link: usize,
    /// What it carried.
    pub sync: Sync,
    /// Whether it told the receiver anything new: always for orders; for a level, whether it
    /// changed the receiver's view.
    pub news: bool,
}

/// A link as the timeline shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TracedLink {
    /// Link name.
    pub name: String,
    /// Windows in which it was down, seconds.
    pub outages: Vec<Window>,
}

/// Everything one trial did, ready to write and draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Scenario name.
    pub scenario: String,
    /// Currency of penalties.
    pub currency: String,
    /// Length of the trial, seconds.
    pub horizon: f64,
    /// Base seed of the run the trial belongs to.
    pub seed: u64,
    /// Trial index (its row in the run's trials.csv).
    pub trial: u64,
    /// Node names, in scenario order.
    pub nodes: Vec<String>,
    /// Channel names, in scenario order.
    pub channels: Vec<String>,
    /// Links, in scenario order.
    pub links: Vec<TracedLink>,
    /// Physical stock over time, from time 0; a step only where it changed.
    pub physical: Vec<Step>,
    /// Per channel: its listed quantity over time, from time 0; a step only where it changed.
    pub listed: Vec<Vec<Step>>,
    /// Every oversell, in time order.
    pub oversells: Vec<Oversell>,
    /// Per channel: the windows in which it listed at least one unit while the physical stock
    /// was 0, seconds.
    pub exposures: Vec<Vec<Window>>,
    /// Every message that reached a link's receiver, in time order.
    pub deliveries: Vec<Delivery>,
    /// Every handled event with the state after it.
    pub events: Vec<EventRow>,
    /// What the trial measured (as in trials.csv).
    pub outcome: TrialOutcome,
}

impl Timeline {
    /// The name of what a row concerns: a channel, link or node name, or "".
    pub fn subject_name(&self, subject: Subject) -> &str {
        match subject {
            Subject::None => "",
            Subject::Channel(c) => &self.channels[c],
            Subject::Link(l) => &self.links[l].name,
            Subject::Node(n) => &self.nodes[n],
        }
    }

    /// Oversold orders of all channels together.
    pub fn total_oversold(&self) -> u64 {
        self.outcome.channels.iter().map(|c| c.oversold).sum()
    }

    /// Penalties of all channels together, currency.
    pub fn total_penalty(&self) -> f64 {
        self.outcome.channels.iter().map(|c| c.penalty).sum()
    }
}

/// The most memory a trace may take, bytes (256 MiB): every event is kept with the state after
/// it, so a trial of millions of events is refused rather than traced until memory runs out.
pub const MAX_TRACE_BYTES: usize = 256 << 20;

/// A trial with more events than a trace can keep (see [`MAX_TRACE_BYTES`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "timeline: scenario `{scenario}`: a trial {expected} events, more than the {limit} a trace \
     keeps ({bytes} bytes each with the state after it, at most 256 MiB in all); trace a \
     shorter horizon or fewer channels"
)]
pub struct TraceTooLong {
    /// The scenario's name.
    pub scenario: String,
    /// "is expected to have about N" or "had more than N".
    pub expected: String,
    /// The most events a trace of this scenario keeps.
    pub limit: usize,
    /// Memory per traced event, bytes.
    pub bytes: usize,
}

/// Memory one traced event of `s` takes, bytes (its row, the state vectors, and at most one
/// delivery and one step per series).
pub fn event_bytes(s: &Scenario) -> usize {
    let state = 8 * (s.nodes.len() + 2 * s.channels.len()) + 3 * 16;
    let steps = std::mem::size_of::<Step>() * (1 + s.channels.len());
    std::mem::size_of::<EventRow>() + state + steps + std::mem::size_of::<Delivery>()
}

/// Traces trial `trial` of a run of `plan` seeded with `seed`: the same trial, with the same
/// outcome, as row `trial` of that run's trials.csv. Fails with
/// [`Runaway`](crate::sim::Runaway) as `run` would, and with [`TraceTooLong`] (before running,
/// if the expected events already do not fit) when the trace would take more than
/// [`MAX_TRACE_BYTES`].
pub fn trace(plan: &Plan, seed: u64, trial: u64) -> anyhow::Result<Timeline> {
    trace_within(plan, seed, trial, MAX_TRACE_BYTES)
}

/// [`trace`] keeping at most `max_bytes` of events.
pub fn trace_within(
    plan: &Plan,
    seed: u64,
    trial: u64,
    max_bytes: usize,
) -> anyhow::Result<Timeline> {
    let s = &plan.scenario;
    let bytes = event_bytes(s);
    let limit = max_bytes / bytes;
    let too_long = |expected: String| TraceTooLong {
        scenario: s.name.clone(),
        expected,
        limit,
        bytes,
    };
    let expected = crate::scenario::expected_events(s).total();
    if expected > limit as f64 {
        let about = format!("is expected to have about {expected:.0}");
        return Err(too_long(about).into());
    }
    let mut tracer = Tracer::new(s);
    let mut overflowed = false;
    let outcome = Engine::new(plan).trace_trial(seed, trial, |time, event, snapshot| {
        if tracer.events.len() < limit {
            tracer.observe(s, time, event, snapshot);
        } else {
            overflowed = true;
        }
    })?;
    if overflowed {
        return Err(too_long(format!("had more than {limit}")).into());
    }
    Ok(tracer.finish(s, seed, trial, outcome))
}

/// Builds a `Timeline` event by event, remembering the state before each event.
struct Tracer {
    physical: Vec<Step>,
    listed: Vec<Vec<Step>>,
    oversells: Vec<Oversell>,
    exposures: Vec<Vec<Window>>,
    /// Per channel: when its current exposure began.
    exposed_since: Vec<Option<f64>>,
    deliveries: Vec<Delivery>,
    events: Vec<EventRow>,
    views: Vec<i64>,
    oversold: Vec<u64>,
}

impl Tracer {
    /// The state at time 0, before any event.
    fn new(s: &Scenario) -> Tracer {
        let physical = s.stock.initial;
        let views: Vec<i64> = s
            .nodes
            .iter()
            .map(|n| n.initial.unwrap_or(physical))
            .collect();
        let listed: Vec<i64> = s
            .channels
            .iter()
            .map(|c| listed_units(c, views[c.node]))
            .collect();
        let exposed_since = listed
            .iter()
            .map(|&l| (physical <= 0 && l >= 1).then_some(0.0))
            .collect();
        let step = |value| vec![Step { time: 0.0, value }];
        Tracer {
            physical: step(physical),
            listed: listed.iter().map(|&l| step(l)).collect(),
            oversells: Vec::new(),
            exposures: vec![Vec::new(); s.channels.len()],
            exposed_since,
            deliveries: Vec::new(),
            events: Vec::new(),
            views,
            oversold: vec![0; s.channels.len()],
        }
    }

    fn observe(&mut self, s: &Scenario, time: f64, event: &Event, snapshot: &Snapshot<'_>) {
        let quantity = snapshot.quantity(event);
        let listed: Vec<i64> = (0..s.channels.len()).map(|c| snapshot.listed(c)).collect();
        let oversold: Vec<u64> = snapshot.channels.iter().map(|c| c.oversold).collect();
        for (c, (&now, &before)) in oversold.iter().zip(&self.oversold).enumerate() {
            if now > before {
                self.oversells.push(Oversell {
                    time,
                    channel: c,
                    qty: quantity.unwrap_or(1),
                    listed: self.listed[c].last().map_or(0, |step| step.value),
                });
            }
        }
        self.record_delivery(s, time, event, snapshot, quantity);
        push_step(&mut self.physical, time, snapshot.physical);
        for (c, &value) in listed.iter().enumerate() {
            push_step(&mut self.listed[c], time, value);
            let exposed = snapshot.physical <= 0 && value >= 1;
            match (self.exposed_since[c], exposed) {
                (None, true) => self.exposed_since[c] = Some(time),
                (Some(from), false) => {
                    self.exposures[c].push(Window { from, to: time });
                    self.exposed_since[c] = None;
                }
                _ => {}
            }
        }
        let (kind, subject) = describe(s, event);
        self.views.copy_from_slice(snapshot.views);
        self.oversold.copy_from_slice(&oversold);
        self.events.push(EventRow {
            time,
            kind,
            subject,
            quantity,
            physical: snapshot.physical,
            views: snapshot.views.to_vec(),
            listed,
            oversold,
        });
    }

    /// Notes a message or batch that reached its receiver; `self.views` still holds the views
    /// before the event.
    fn record_delivery(
        &mut self,
        s: &Scenario,
        time: f64,
        event: &Event,
        snapshot: &Snapshot<'_>,
        quantity: Option<i64>,
    ) {
        let units = quantity.unwrap_or(0);
        let (link, sync) = match *event {
            Event::Deliver { link, message, .. } => {
                match Payload::of(s.links[link as usize].carries, message) {
                    Payload::Level(value) => (link as usize, Sync::Level(value)),
                    Payload::Order(_) => (link as usize, Sync::Orders { count: 1, units }),
                }
            }
            Event::Batch { link, start, end } => {
                let count = end - start;
                (link as usize, Sync::Orders { count, units })
            }
            _ => return,
        };
        let to = s.links[link].to;
        let news = match sync {
            Sync::Level(_) => snapshot.views[to] != self.views[to],
            Sync::Orders { .. } => true,
        };
        self.deliveries.push(Delivery {
            time,
            link,
            sync,
            news,
        });
    }

    fn finish(mut self, s: &Scenario, seed: u64, trial: u64, outcome: TrialOutcome) -> Timeline {
        for (c, since) in self.exposed_since.iter().enumerate() {
            if let Some(from) = *since {
                self.exposures[c].push(Window {
                    from,
                    to: s.horizon,
                });
            }
        }
        Timeline {
            scenario: s.name.clone(),
            currency: s.currency.clone(),
            horizon: s.horizon,
            seed,
            trial,
            nodes: s.nodes.iter().map(|n| n.name.clone()).collect(),
            channels: s.channels.iter().map(|c| c.name.clone()).collect(),
            links: s
                .links
                .iter()
                .map(|l| TracedLink {
                    name: l.name.clone(),
                    outages: l.outages.clone(),
                })
                .collect(),
            physical: self.physical,
            listed: self.listed,
            oversells: self.oversells,
            exposures: self.exposures,
            deliveries: self.deliveries,
            events: self.events,
            outcome,
        }
    }
}

/// Appends a step unless the series already has `value`.
fn push_step(series: &mut Vec<Step>, time: f64, value: i64) {
    if series.last().is_none_or(|step| step.value != value) {
        series.push(Step { time, value });
    }
}

/// The kind of `event` and what it concerns.
fn describe(s: &Scenario, event: &Event) -> (EventKind, Subject) {
    match *event {
        Event::Demand { channel, .. } => (EventKind::Demand, Subject::Channel(channel as usize)),
        Event::Scheduled { index } => {
            let channel = s.scheduled_orders[index as usize].channel;
            (EventKind::Scheduled, Subject::Channel(channel))
        }
        Event::Receipt { .. } => (EventKind::Receipt, Subject::None),
        Event::ReorderArrival { .. } => (EventKind::Reorder, Subject::None),
        Event::Reconcile => (EventKind::Reconcile, Subject::None),
        Event::Poll { link } => (EventKind::Poll, Subject::Link(link as usize)),
        Event::Retry { link, .. } => (EventKind::Retry, Subject::Link(link as usize)),
        Event::Deliver { link, .. } => (EventKind::Deliver, Subject::Link(link as usize)),
        Event::Batch { link, .. } => (EventKind::Batch, Subject::Link(link as usize)),
        Event::Background { node } => (EventKind::Background, Subject::Node(node as usize)),
        Event::ServiceEnd { node, .. } => (EventKind::ServiceEnd, Subject::Node(node as usize)),
        Event::ApiGrant { link } | Event::ApiRead { link } => {
            (EventKind::Poll, Subject::Link(link as usize))
        }
        Event::LevelBatch { .. } => (EventKind::Batch, Subject::None),
        Event::FeedEnd { node, .. } => (EventKind::ServiceEnd, Subject::Node(node as usize)),
        Event::Ship { .. } => (EventKind::Ship, Subject::None),
        Event::LagCheck { link } => (EventKind::Other, Subject::Link(link as usize)),
        Event::Fix | Event::Shrink { .. } => (EventKind::Other, Subject::None),
    }
}
#[cfg(test)]
mod tests;
