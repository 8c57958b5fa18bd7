//! Levels polls carry batches (MODEL.md Part 2, "Polls carry batches"), and feed queues hold
//! level writes at a node ("API budgets and feed queues").
//!
//! A poll must cost time in proportion to the SKUs that changed, not to the catalog. Each levels
//! poll link keeps a dirty set: the SKUs whose view at `from` (and, for a full sync, at `to`)
//! changed since the link last looked. A SKU outside a full link's dirty set has equal views at
//! both ends, so the value the poll carries for it is the view `to` already has: the batch
//! stores only the dirty SKUs whose views differ, and captures the others' carried value lazily,
//! when `to`'s view of one of them changes while the batch is on its way (the stale write of
//! Part 1 is reproduced exactly, at no cost for SKUs that stay in agreement).

use std::collections::VecDeque;

use super::Engine;
use super::monitor::NO_DEBT;
use crate::sim::event::Event;
use crate::sim::plan::Plan;

/// A levels batch on its way from a poll to its writes at `to`.
#[derive(Debug, Default)]
struct Batch {
    link: u32,
    /// Poll time (the send time `ordered` compares), seconds.
    sent: f64,
    /// Whether it is a full sync (it then carries every SKU the link carries).
    full: bool,
    /// The SKUs and values it writes, in order.
    entries: Vec<(u32, i64)>,
    /// Full sync: bit per SKU set once the SKU is in `entries`.
    member: Vec<u64>,
    /// The debts its write settles (its poll's and an earlier failed poll's).
    debts: (u32, u32),
}

/// An item of a node's feed queue.
#[derive(Debug, Clone, Copy)]
enum FeedItem {
    /// A webhook level message.
    Message {
        link: u32,
        sku: u32,
        sent: f64,
        value: i64,
        debt: u32,
    },
    /// A levels batch.
    Batch(u32),
}

/// `Levels::column` of a link that is not a levels poll.
const NO_COLUMN: usize = usize::MAX;

/// Level batches, dirty sets and feed queues of one engine.
pub(super) struct Levels {
    /// Per SKU and levels poll (`at`): whether the SKU is in the poll's dirty set; per link,
    /// the set as a list.
    dirty: Vec<bool>,
    dirty_list: Vec<Vec<u32>>,
    /// Per SKU and levels poll (`at`, changed sync): the value the poll last carried.
    last_carried: Vec<i64>,
    /// Levels polls (the stride of `dirty` and `last_carried`: only they have a column, so a
    /// SKU's flags and values share a cache line), per link its column (`NO_COLUMN`: not a
    /// levels poll) and per column its link's `from` node.
    polls: usize,
    column: Vec<usize>,
    poll_from: Vec<usize>,
    /// Per link (full sync): the send time of the last batch applied (for `ordered`).
    last_full: Vec<f64>,
    batches: Vec<Batch>,
    free_batches: Vec<u32>,
    /// Per node: full-sync batches on their way to it.
    inflight_into: Vec<Vec<u32>>,
    /// Per node: feed items waiting, and feed servers busy.
    feed_waiting: Vec<VecDeque<u32>>,
    feed_busy: Vec<u32>,
    feed_items: Vec<FeedItem>,
    /// Per feed item slot: when it joined its queue, seconds.
    feed_queued_at: Vec<f64>,
    free_items: Vec<u32>,
    /// Words of a batch's member bitset.
    words: usize,
    /// The dirty sets at time 0 (a node's own `initial` can make views disagree from the
    /// start), what every trial starts from.
    start_dirty_list: Vec<Vec<u32>>,
}

impl Levels {
    pub(super) fn new(plan: &Plan) -> Levels {
        let s = &plan.scenario;
        let (skus, links) = (plan.skus(), s.links.len());
        let poll_links: Vec<usize> = (0..links).filter(|&l| plan.level_poll[l]).collect();
        let mut column = vec![NO_COLUMN; links];
        for (p, &l) in poll_links.iter().enumerate() {
            column[l] = p;
        }
        let polls = poll_links.len();
        Levels {
            dirty: vec![false; skus * polls],
            dirty_list: vec![Vec::new(); links],
            last_carried: vec![0; skus * polls],
            polls,
            column,
            poll_from: poll_links.iter().map(|&l| s.links[l].from).collect(),
            last_full: vec![f64::NEG_INFINITY; s.links.len()],
            batches: Vec::new(),
            free_batches: Vec::new(),
            inflight_into: vec![Vec::new(); s.nodes.len()],
            feed_waiting: vec![VecDeque::new(); s.nodes.len()],
            feed_busy: vec![0; s.nodes.len()],
            feed_items: Vec::new(),
            feed_queued_at: Vec::new(),
            free_items: Vec::new(),
            words: skus.div_ceil(64),
            start_dirty_list: Vec::new(),
        }
    }

    /// Works out the dirty sets and last carried values at time 0 from `views`, the views at
    /// time 0 (`sku * nodes + node`), and keeps them as every trial's start.
    pub(super) fn capture_start(&mut self, plan: &Plan, views: &[i64], nodes: usize) {
        for k in 0..plan.skus() {
            self.restore(k, views, nodes);
        }
        self.start_dirty_list = vec![Vec::new(); self.column.len()];
        for (l, list) in self.start_dirty_list.iter_mut().enumerate() {
            if !plan.level_poll[l] {
                continue;
            }
            let (from, to) = (plan.scenario.links[l].from, plan.scenario.links[l].to);
            // Views that already disagree at time 0 (a node's own `initial`) are dirty: the
            // first poll must write them.
            list.extend(
                (0..plan.skus() as u32).filter(|&k| {
                    views[k as usize * nodes + from] != views[k as usize * nodes + to]
                }),
            );
        }
        self.reset();
    }

    /// The SKUs dirty at time 0 on some link.
    pub(super) fn dirty_at_start(&self) -> impl Iterator<Item = u32> + '_ {
        self.start_dirty_list.iter().flatten().copied()
    }

    /// SKU `k`'s dirty flags (out of every set) and last carried values (its views at time 0,
    /// `start_views`) back to time 0; [`Levels::reset`] then puts the SKUs dirty at time 0 back.
    #[inline]
    pub(super) fn restore(&mut self, k: usize, start_views: &[i64], nodes: usize) {
        let polls = self.polls;
        self.dirty[k * polls..(k + 1) * polls].fill(false);
        for (p, &from) in self.poll_from.iter().enumerate() {
            self.last_carried[k * polls + p] = start_views[k * nodes + from];
        }
    }

    /// Starts loading SKU `k`'s dirty flags and last carried values.
    #[inline]
    pub(super) fn prefetch(&self, k: usize) {
        if self.polls > 0 {
            super::records::prefetch(&self.dirty[k * self.polls]);
            super::records::prefetch(&self.last_carried[k * self.polls]);
        }
    }

    /// The index of SKU `k`'s flag and value for levels poll `l` in `dirty` and
    /// `last_carried`.
    #[inline]
    fn at(&self, k: usize, l: usize) -> usize {
        debug_assert!(self.column[l] != NO_COLUMN, "link {l} is not a levels poll");
        k * self.polls + self.column[l]
    }

    /// Whether SKU `k`'s dirty flags and last carried values are those of time 0.
    #[cfg(debug_assertions)]
    pub(super) fn at_start(&self, k: usize, start_views: &[i64], nodes: usize) -> bool {
        (0..self.column.len()).all(|l| {
            let Some(&p) = self.column.get(l).filter(|&&p| p != NO_COLUMN) else {
                return self.start_dirty_list[l].is_empty();
            };
            let dirty = self.start_dirty_list[l].contains(&(k as u32));
            self.dirty[self.at(k, l)] == dirty
                && self.last_carried[self.at(k, l)] == start_views[k * nodes + self.poll_from[p]]
        })
    }

    /// Back to time 0, but for the per-SKU state of [`Levels::restore`]: the dirty sets are
    /// those of time 0.
    pub(super) fn reset(&mut self) {
        for (l, (list, start)) in (self.dirty_list.iter_mut())
            .zip(&self.start_dirty_list)
            .enumerate()
        {
            list.clear();
            list.extend_from_slice(start);
            for &k in start {
                self.dirty[k as usize * self.polls + self.column[l]] = true;
            }
        }
        self.last_full.fill(f64::NEG_INFINITY);
        self.free_batches.clear();
        self.free_batches
            .extend((0..self.batches.len() as u32).rev());
        self.inflight_into.iter_mut().for_each(Vec::clear);
        self.feed_waiting.iter_mut().for_each(VecDeque::clear);
        self.feed_busy.fill(0);
        self.feed_items.clear();
        self.feed_queued_at.clear();
        self.free_items.clear();
    }

    /// SKU `k`'s view at node `n` is about to change from `before`: every full-sync batch on its
    /// way to `n` that carries `k` implicitly keeps `before`, the value it read.
    #[inline]
    pub(super) fn before_change(&mut self, plan: &Plan, n: usize, k: usize, before: i64) {
        for &b in &self.inflight_into[n] {
            let batch = &mut self.batches[b as usize];
            let (word, bit) = (k / 64, 1u64 << (k % 64));
            if plan.carries(batch.link as usize, k) && batch.member[word] & bit == 0 {
                batch.member[word] |= bit;
                batch.entries.push((k as u32, before));
            }
        }
    }

    /// SKU `k`'s view at node `n` changed: the levels polls watching `n` note it.
    #[inline]
    pub(super) fn mark_dirty(&mut self, plan: &Plan, n: usize, k: usize) {
        for &l in &plan.dirty_links_of[n] {
            let at = self.at(k, l);
            if !self.dirty[at] {
                self.dirty[at] = true;
                self.dirty_list[l].push(k as u32);
            }
        }
    }

    /// A free batch slot for link `l`, sent now.
    fn batch(&mut self, l: usize, sent: f64, full: bool) -> u32 {
        let b = match self.free_batches.pop() {
            Some(b) => b,
            None => {
                self.batches.push(Batch::default());
                (self.batches.len() - 1) as u32
            }
        };
        let batch = &mut self.batches[b as usize];
        batch.link = l as u32;
        batch.sent = sent;
        batch.full = full;
        batch.debts = (NO_DEBT, NO_DEBT);
        batch.entries.clear();
        if full {
            batch.member.clear();
            batch.member.resize(self.words, 0);
        }
        b
    }

    fn free_batch(&mut self, b: u32) {
        self.free_batches.push(b);
    }

    /// Entries of batch `b`.
    pub(super) fn len_of(&self, b: u32) -> u64 {
        self.batches[b as usize].entries.len() as u64
    }

    /// How many items batch `b` counts (`n`): every carried SKU for a full sync.
    fn items(&self, plan: &Plan, b: u32) -> u64 {
        let batch = &self.batches[b as usize];
        if batch.full {
            plan.full_count[batch.link as usize]
        } else {
            batch.entries.len() as u64
        }
    }
}

impl Engine<'_> {
    /// A changed-sync poll of link `l` fixes the SKUs it carries (at its first grant): those of
    /// its dirty set whose view at `from` differs from what it last carried. Returns the batch.
    pub(super) fn collect_changed(&mut self, l: usize) -> u32 {
        let b = self.levels.batch(l, self.now, false);
        let mut list = std::mem::take(&mut self.levels.dirty_list[l]);
        for &k in &list {
            let k = k as usize;
            let at = self.levels.at(k, l);
            self.levels.dirty[at] = false;
            let value = self.carried(l, k);
            if self.plan.carries(l, k) && value != self.levels.last_carried[at] {
                self.levels.batches[b as usize].entries.push((k as u32, 0));
            }
        }
        list.clear();
        self.levels.dirty_list[l] = list;
        b
    }

    /// A changed-sync poll reads the values of the SKUs it fixed (at its last grant).
    pub(super) fn read_changed(&mut self, b: u32) {
        let l = self.levels.batches[b as usize].link as usize;
        self.levels.batches[b as usize].sent = self.now;
        let mut entries = std::mem::take(&mut self.levels.batches[b as usize].entries);
        for entry in &mut entries {
            let k = entry.0 as usize;
            entry.1 = self.carried(l, k);
            let at = self.levels.at(k, l);
            self.levels.last_carried[at] = entry.1;
        }
        self.levels.batches[b as usize].entries = entries;
    }

    /// A full-sync poll of link `l` reads now: it stores the dirty SKUs whose views differ and
    /// goes on its way to `to`.
    pub(super) fn read_full(&mut self, l: usize) -> u32 {
        let to = self.plan.scenario.links[l].to;
        let b = self.levels.batch(l, self.now, true);
        let mut list = std::mem::take(&mut self.levels.dirty_list[l]);
        list.retain(|&k| {
            let k = k as usize;
            let value = self.carried(l, k);
            let differs = value != self.views[k * self.nodes + to];
            if self.plan.carries(l, k) && differs {
                let batch = &mut self.levels.batches[b as usize];
                batch.member[k / 64] |= 1 << (k % 64);
                batch.entries.push((k as u32, value));
                true
            } else {
                let at = self.levels.at(k, l);
                self.levels.dirty[at] = false;
                false
            }
        });
        self.levels.dirty_list[l] = list;
        self.levels.inflight_into[to].push(b);
        b
    }

    /// Sends batch `b` on its way: it reaches `to` at `at`, or never when that is past the
    /// horizon.
    pub(super) fn send_batch(&mut self, b: u32, at: f64) {
        if at < self.horizon {
            self.schedule(at, Event::LevelBatch { batch: b });
        } else {
            self.drop_batch(b);
        }
    }

    /// Batch `b` will not be written.
    pub(super) fn drop_batch(&mut self, b: u32) {
        let batch = &self.levels.batches[b as usize];
        if batch.full {
            let to = self.plan.scenario.links[batch.link as usize].to;
            self.levels.inflight_into[to].retain(|&x| x != b);
        }
        self.levels.free_batch(b);
    }

    /// Batch `b` reaches its link's `to`: into the feed queue, or written at once.
    pub(super) fn batch_arrives(&mut self, b: u32) {
        let l = self.levels.batches[b as usize].link as usize;
        let to = self.plan.scenario.links[l].to;
        if self.plan.scenario.nodes[to].feeds.is_some() {
            let slot = self.feed_slot(FeedItem::Batch(b));
            self.feed_enqueue(to, slot);
        } else {
            self.write_batch(b);
        }
    }

    /// The debts batch `b`'s write settles.
    pub(super) fn set_batch_debts(&mut self, b: u32, debts: (u32, u32)) {
        self.levels.batches[b as usize].debts = debts;
    }

    /// Batch `b` is written at `to`: each SKU it carries gets the value it read.
    fn write_batch(&mut self, b: u32) {
        let batch = &self.levels.batches[b as usize];
        let (l, sent, full) = (batch.link as usize, batch.sent, batch.full);
        let debts = batch.debts;
        self.monitor.settle(debts.0, self.now);
        self.monitor.settle(debts.1, self.now);
        let link = &self.plan.scenario.links[l];
        let (from, to, ordered) = (link.from, link.to, link.ordered);
        if full {
            self.levels.inflight_into[to].retain(|&x| x != b);
            if ordered {
                if sent < self.levels.last_full[l] {
                    self.levels.free_batch(b);
                    return;
                }
                self.levels.last_full[l] = sent;
            }
        }
        let entries = std::mem::take(&mut self.levels.batches[b as usize].entries);
        for &(k, value) in &entries {
            let k = k as usize;
            if ordered && !full {
                self.activate(k);
                let at = self.applied_at(k, l);
                let last = &mut self.last_applied[at];
                if sent < *last {
                    continue;
                }
                *last = sent;
            }
            if self.views[self.at(k, to)] != value {
                self.set_view(to, k, value);
                self.view_changed(to, k, Some(from));
            }
        }
        self.levels.batches[b as usize].entries = entries;
        self.levels.free_batch(b);
    }

    /// A webhook level message reaches a node with a feed queue.
    pub(super) fn feed_message(&mut self, l: usize, k: usize, sent: f64, value: i64, debt: u32) {
        let to = self.plan.scenario.links[l].to;
        let slot = self.feed_slot(FeedItem::Message {
            link: l as u32,
            sku: k as u32,
            sent,
            value,
            debt,
        });
        self.feed_enqueue(to, slot);
    }

    fn feed_slot(&mut self, item: FeedItem) -> u32 {
        let levels = &mut self.levels;
        match levels.free_items.pop() {
            Some(slot) => {
                levels.feed_items[slot as usize] = item;
                levels.feed_queued_at[slot as usize] = self.now;
                slot
            }
            None => {
                levels.feed_items.push(item);
                levels.feed_queued_at.push(self.now);
                (levels.feed_items.len() - 1) as u32
            }
        }
    }

    fn feed_enqueue(&mut self, n: usize, slot: u32) {
        let servers = self.feed_servers(n);
        if self.levels.feed_waiting[n].is_empty() && self.levels.feed_busy[n] < servers {
            self.feed_serve(n, slot);
        } else {
            self.levels.feed_waiting[n].push_back(slot);
        }
    }

    fn feed_servers(&self, n: usize) -> u32 {
        self.plan.scenario.nodes[n]
            .feeds
            .as_ref()
            .map_or(1, |f| f.servers)
    }

    /// A feed server of node `n` starts on `slot`: `service + per_item * n`.
    fn feed_serve(&mut self, n: usize, slot: u32) {
        self.levels.feed_busy[n] += 1;
        let feed = &mut self.out.feeds[n];
        feed.items += 1;
        feed.wait_seconds += self.now - self.levels.feed_queued_at[slot as usize];
        let items = match self.levels.feed_items[slot as usize] {
            FeedItem::Message { .. } => 1,
            FeedItem::Batch(b) => self.levels.items(self.plan, b),
        };
        let feeds = self.plan.scenario.nodes[n].feeds.as_ref();
        let feeds = feeds.expect("only nodes with feeds queue feed items");
        let service = feeds.service.sample(&mut self.rng);
        let per_item = feeds.per_item.sample(&mut self.rng);
        let event = Event::FeedEnd {
            node: n as u32,
            slot,
        };
        self.schedule(self.now + service + per_item * items as f64, event);
    }

    /// A feed server of node `n` finishes `slot`: its values are written.
    pub(super) fn feed_end(&mut self, n: usize, slot: u32) {
        self.levels.feed_busy[n] -= 1;
        self.levels.free_items.push(slot);
        match self.levels.feed_items[slot as usize] {
            FeedItem::Message {
                link,
                sku,
                sent,
                value,
                debt,
            } => self.write_level(link as usize, sku as usize, sent, value, debt),
            FeedItem::Batch(b) => self.write_batch(b),
        }
        let servers = self.feed_servers(n);
        while self.levels.feed_busy[n] < servers {
            let Some(next) = self.levels.feed_waiting[n].pop_front() else {
                break;
            };
            self.feed_serve(n, next);
        }
    }
}
