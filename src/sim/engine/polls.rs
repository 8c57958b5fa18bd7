//! Polls and API budgets (MODEL.md Part 2, "API budgets and feed queues"): a poll needs
//! `max(1, ceil(n / page_size))` requests; a node with `api` is a token bucket (real tokens,
//! refilled at `r` up to `b`, full at the start) whose polls are served first come, first
//! served, one request at a time. A poll fixes what it carries at its first grant, reads levels
//! at its last, and its latency starts then. Without `api` both grants are at the due time.

use std::collections::VecDeque;

use super::Engine;
use super::monitor::NO_DEBT;
use crate::scenario::{Carries, Sync, Transport};
use crate::sim::event::Event;
use crate::sim::plan::Plan;

/// Marks a poll without a levels batch.
const NO_BATCH: u32 = u32::MAX;

/// One link's poll in progress.
#[derive(Debug, Clone, Copy)]
struct PollState {
    /// Whether a poll waits for tokens (a poll due meanwhile is skipped).
    waiting: bool,
    /// When it was due, seconds.
    due: f64,
    /// Whether it was due inside an outage (it then spends one request and fetches nothing).
    outage: bool,
    /// Requests it needs.
    requests: u64,
    /// Changed sync: the batch fixed at the first grant.
    batch: u32,
    /// Orders: the slice of `from`'s order log it fetches.
    start: u32,
    end: u32,
    /// What it owes (for monitoring): its own debt and an earlier failed poll's.
    debts: (u32, u32),
}

/// A node's token bucket.
#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Tokens at time `at`.
    tokens: f64,
    at: f64,
    /// Whether a poll is being granted.
    busy: bool,
    /// Links whose polls wait, first come first served.
    queue: VecDeque<u32>,
}

/// Poll schedules and token buckets of one engine.
pub(super) struct Polls {
    state: Vec<PollState>,
    /// Per link: the next order-log position an order poll fetches from.
    cursor: Vec<u32>,
    /// Per node (used for nodes with `api`).
    buckets: Vec<Bucket>,
}

impl Polls {
    pub(super) fn new(plan: &Plan) -> Polls {
        let s = &plan.scenario;
        Polls {
            state: vec![PollState::idle(); s.links.len()],
            cursor: vec![0; s.links.len()],
            buckets: vec![Bucket::default(); s.nodes.len()],
        }
    }

    pub(super) fn reset(&mut self, plan: &Plan) {
        self.state.fill(PollState::idle());
        self.cursor.fill(0);
        for (bucket, node) in self.buckets.iter_mut().zip(&plan.scenario.nodes) {
            bucket.tokens = node.api.map_or(0.0, |api| api.burst);
            bucket.at = 0.0;
            bucket.busy = false;
            bucket.queue.clear();
        }
    }
}

impl PollState {
    fn idle() -> PollState {
        PollState {
            waiting: false,
            due: 0.0,
            outage: false,
            requests: 0,
            batch: NO_BATCH,
            start: 0,
            end: 0,
            debts: (NO_DEBT, NO_DEBT),
        }
    }
}

impl Engine<'_> {
    /// Link `l`'s poll is due: it is made at once, or queues for its node's tokens.
    pub(super) fn poll_due(&mut self, l: usize) {
        self.link_messages[l] += 1;
        let link = &self.plan.scenario.links[l];
        let Transport::Poll { every, .. } = link.transport else {
            unreachable!("poll on a webhook link");
        };
        let from = link.from;
        let outage = self.plan.in_outage(l, self.now);
        if self.plan.scenario.nodes[from].api.is_none() {
            self.start_poll(l, outage);
            self.first_grant(l);
        } else if !self.polls.state[l].waiting {
            self.start_poll(l, outage);
            self.polls.state[l].waiting = true;
            self.polls.buckets[from].queue.push_back(l as u32);
            if !self.polls.buckets[from].busy {
                self.next_in_bucket(from);
            }
        }
        self.schedule(self.now + every, Event::Poll { link: l as u32 });
    }

    fn start_poll(&mut self, l: usize, outage: bool) {
        self.out.links[l].polls += 1;
        let debts = self.owe_poll(l, outage);
        let state = &mut self.polls.state[l];
        state.due = self.now;
        state.outage = outage;
        state.debts = debts;
    }

    /// Poll `state`'s debts are settled at `at`.
    fn settle_poll(&mut self, state: &PollState, at: f64) {
        self.monitor.settle(state.debts.0, at);
        self.monitor.settle(state.debts.1, at);
    }

    /// Tokens of node `n`'s bucket now.
    fn refill(&mut self, n: usize) -> f64 {
        let api = self.plan.scenario.nodes[n]
            .api
            .expect("a node with a bucket");
        let bucket = &mut self.polls.buckets[n];
        if self.now > bucket.at {
            let grown = bucket.tokens + api.requests_per_second * (self.now - bucket.at);
            bucket.tokens = grown.min(api.burst);
            bucket.at = self.now;
        }
        bucket.tokens
    }

    /// The next waiting poll of node `n` starts: its first request waits for a token.
    fn next_in_bucket(&mut self, n: usize) {
        let Some(l) = self.polls.buckets[n].queue.pop_front() else {
            self.polls.buckets[n].busy = false;
            return;
        };
        self.polls.buckets[n].busy = true;
        let tokens = self.refill(n);
        if tokens >= 1.0 {
            self.first_grant(l as usize);
        } else {
            let rate = self.plan.scenario.nodes[n]
                .api
                .map_or(1.0, |a| a.requests_per_second);
            let at = self.now + (1.0 - tokens) / rate;
            self.schedule(at, Event::ApiGrant { link: l });
        }
    }

    /// Link `l`'s poll gets its first request: it fixes what it carries and so how many
    /// requests it needs; the rest wait for tokens.
    pub(super) fn first_grant(&mut self, l: usize) {
        let link = &self.plan.scenario.links[l];
        let Transport::Poll {
            sync, page_size, ..
        } = link.transport
        else {
            unreachable!("grant on a webhook link");
        };
        let (from, carries) = (link.from, link.carries);
        let items = if self.polls.state[l].outage {
            0
        } else {
            match (carries, sync) {
                (Carries::Levels, Sync::Full) => self.plan.full_count[l],
                (Carries::Levels, Sync::Changed) => {
                    let b = self.collect_changed(l);
                    self.polls.state[l].batch = b;
                    self.levels_len(b)
                }
                (Carries::Orders, _) => {
                    let start = self.polls.cursor[l];
                    let end = self.order_logs[from].len() as u32;
                    self.polls.cursor[l] = end;
                    let state = &mut self.polls.state[l];
                    (state.start, state.end) = (start, end);
                    u64::from(end - start)
                }
            }
        };
        let requests = match page_size {
            Some(size) if !self.polls.state[l].outage => items.div_ceil(size).max(1),
            _ => 1,
        };
        self.polls.state[l].requests = requests;
        let Some(api) = self.plan.scenario.nodes[from].api else {
            self.last_grant(l);
            return;
        };
        let tokens = self.refill(from) - 1.0;
        let rest = (requests - 1) as f64;
        let bucket = &mut self.polls.buckets[from];
        if tokens >= rest {
            bucket.tokens = tokens - rest;
            self.last_grant(l);
        } else {
            let wait = (rest - tokens) / api.requests_per_second;
            bucket.tokens = 0.0;
            bucket.at = self.now + wait;
            self.schedule(self.now + wait, Event::ApiRead { link: l as u32 });
        }
    }

    fn levels_len(&self, b: u32) -> u64 {
        self.levels.len_of(b)
    }

    /// Link `l`'s poll gets its last request: it reads what it carries, and its latency starts.
    pub(super) fn last_grant(&mut self, l: usize) {
        let state = self.polls.state[l];
        let out = &mut self.out.links[l];
        out.requests += state.requests;
        out.api_wait_seconds += self.now - state.due;
        self.read_poll(l, state);
        self.polls.state[l].batch = NO_BATCH;
        let from = self.plan.scenario.links[l].from;
        if self.plan.scenario.nodes[from].api.is_some() {
            self.polls.state[l].waiting = false;
            self.next_in_bucket(from);
        }
    }

    fn read_poll(&mut self, l: usize, state: PollState) {
        if state.outage {
            return;
        }
        let link = &self.plan.scenario.links[l];
        let Transport::Poll { latency, sync, .. } = &link.transport else {
            unreachable!("read on a webhook link");
        };
        match (link.carries, sync) {
            (Carries::Levels, Sync::Full) => {
                let b = self.read_full(l);
                self.set_batch_debts(b, state.debts);
                let at = self.now + latency.sample(&mut self.rng);
                self.send_batch(b, at);
            }
            (Carries::Levels, Sync::Changed) => {
                self.read_changed(state.batch);
                let at = self.now + latency.sample(&mut self.rng);
                if self.levels_len(state.batch) > 0 {
                    self.set_batch_debts(state.batch, state.debts);
                    self.send_batch(state.batch, at);
                } else {
                    // An empty batch counts as written at poll + latency.
                    self.settle_poll(&state, at);
                    self.drop_batch(state.batch);
                }
            }
            (Carries::Orders, _) => {
                if state.end > state.start {
                    let at = self.now + latency.sample(&mut self.rng);
                    // Orders settle when they reach `to`, before any processing queue.
                    if at < self.horizon {
                        self.settle_poll(&state, at);
                    }
                    let event = Event::Batch {
                        link: l as u32,
                        start: state.start,
                        end: state.end,
                    };
                    self.schedule(at, event);
                } else {
                    // An empty orders poll fetches nothing and owes nothing more.
                    self.settle_poll(&state, self.now);
                }
            }
        }
    }
}
