//! The event queue: a binary heap keyed by `(time, sequence)`, so events at the same instant come
//! out in the order they were scheduled (first scheduled, first handled).
//!
//! The heap holds only 16-byte keys; the events themselves wait in a slab of reused slots, so
//! sifting moves little memory and nothing is allocated once the queue has grown to its working
//! size. The key of a popped event stays on top until the next push or pop: most events schedule
//! a successor, which then replaces it with one sift down instead of a pop and a push.
//!
//! A long trial keeps many events far ahead (a catalog's slow SKUs, shipments a day away). Those
//! wait outside the heap, in buckets of a fixed width of time, and enter it only when the heap has
//! nothing earlier: the heap holds the near future, stays small and in cache, and each far event
//! costs one push into a vector and one move into the heap. Keys are unique (the sequence), so the
//! order of events is the same as with one heap.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Bits of a key's low word that name the event's slot.
const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

/// A future-event list whose ties are broken first-in, first-out.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// `time bits << 64 | sequence << SLOT_BITS | slot`, smallest first: one 128-bit compare.
    /// Times are non-negative, so their IEEE bits order like the times.
    heap: BinaryHeap<Reverse<u128>>,
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
    /// The top key belongs to the event `pop` last handed out: it is removed lazily, so that the
    /// first event scheduled while handling it can take its place with one sift instead of two.
    popped: bool,
    /// Keys of the events of each later bucket of time (`bucket` of their time > `current`).
    buckets: Vec<Vec<u128>>,
    /// Buckets per second (0: no buckets, every event in the heap).
    per_second: f64,
    /// The bucket whose events are in the heap (with every earlier one's).
    current: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            popped: false,
            buckets: Vec::new(),
            per_second: 0.0,
            current: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// A queue for events in `[0, horizon)` seconds that keeps those more than about
    /// `horizon / buckets` ahead out of the heap (`buckets` <= 1: a plain heap).
    pub fn with_buckets(horizon: f64, buckets: usize) -> Self {
        let mut queue = EventQueue::default();
        if buckets > 1 && horizon > 0.0 && horizon.is_finite() {
            queue.buckets = vec![Vec::new(); buckets];
            queue.per_second = buckets as f64 / horizon;
        }
        queue
    }

    /// Empties the queue, keeping its memory for the next trial.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.slots.clear();
        self.free.clear();
        self.next_seq = 0;
        self.popped = false;
        self.buckets.iter_mut().for_each(Vec::clear);
        self.current = 0;
    }

    /// The bucket of `time`: monotone in `time`, so an event of an earlier bucket is earlier.
    #[inline]
    fn bucket(&self, time: f64) -> usize {
        let last = self.buckets.len().saturating_sub(1);
        ((time * self.per_second) as usize).min(last)
    }

    /// Schedules `event` at `time` (seconds, >= 0).
    #[inline]
    pub fn push(&mut self, time: f64, event: E) {
        debug_assert!(time >= 0.0, "event time {time}");
        let bucket = self.bucket(time);
        if bucket > self.current {
            let slot = self.slot_for(event);
            let key = self.key(time, slot);
            self.buckets[bucket].push(key);
            return;
        }
        if self.popped {
            // Replace the handed-out top in place: its slot is free to reuse.
            self.popped = false;
            let top = self.heap.peek().expect("the popped key is still there").0;
            let slot = (top as u64 & SLOT_MASK) as u32;
            self.slots[slot as usize] = Some(event);
            let key = self.key(time, slot);
            *self.heap.peek_mut().expect("the popped key is still there") = Reverse(key);
            return;
        }
        let slot = self.slot_for(event);
        let key = self.key(time, slot);
        self.heap.push(Reverse(key));
    }

    /// A free slot holding `event`. The handed-out top's slot is freed first (its key leaves
    /// the heap), so it is never taken while its key is still there.
    #[inline]
    fn slot_for(&mut self, event: E) -> u32 {
        if self.popped {
            self.popped = false;
            let Reverse(key) = self.heap.pop().expect("the popped key is still there");
            self.free.push((key as u64 & SLOT_MASK) as u32);
        }
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                assert!(
                    (self.slots.len() as u64) < SLOT_MASK,
                    "more than 16 million pending events"
                );
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// The key of an event at `time` in `slot`, taking the next sequence number.
    #[inline]
    fn key(&mut self, time: f64, slot: u32) -> u128 {
        let order = (self.next_seq << SLOT_BITS) | u64::from(slot);
        self.next_seq += 1;
        (u128::from(time.to_bits()) << 64) | u128::from(order)
    }

    /// Removes the earliest event; among events at the same time, the first scheduled.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        if self.popped {
            self.popped = false;
            let Reverse(key) = self.heap.pop()?;
            self.free.push((key as u64 & SLOT_MASK) as u32);
        }
        if self.heap.is_empty() {
            self.next_bucket();
        }
        let &Reverse(key) = self.heap.peek()?;
        self.popped = true;
        let (time, order) = ((key >> 64) as u64, key as u64);
        let slot = (order & SLOT_MASK) as usize;
        let event = self.slots[slot].take()?;
        Some((f64::from_bits(time), event))
    }

    /// The heap is empty: the next bucket with events becomes the current one, its events
    /// enter the heap.
    #[cold]
    fn next_bucket(&mut self) {
        while self.current + 1 < self.buckets.len() {
            self.current += 1;
            let bucket = &mut self.buckets[self.current];
            if !bucket.is_empty() {
                self.heap.extend(bucket.drain(..).map(Reverse));
                return;
            }
        }
    }

    /// Number of pending events.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        let far: usize = self.buckets.iter().map(Vec::len).sum();
        self.heap.len() - usize::from(self.popped) + far
    }

    /// Whether no event is pending.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_come_out_first_in_first_out() {
        let mut q = EventQueue::default();
        q.push(5.0, 'c');
        q.push(1.0, 'a');
        q.push(5.0, 'd');
        q.push(1.0, 'b');
        q.push(0.5, 'z');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['z', 'a', 'b', 'c', 'd']);
    }

    #[test]
    fn reused_slots_keep_the_order() {
        // Slots freed by early events are reused by later ones; the sequence, not the slot,
        // decides ties.
        let mut q = EventQueue::default();
        for i in 0..10 {
            q.push(f64::from(i), i);
        }
        for _ in 0..5 {
            q.pop();
        }
        q.push(20.0, 100);
        q.push(20.0, 101);
        q.push(0.0, 102);
        let order: Vec<i32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec![102, 5, 6, 7, 8, 9, 100, 101]);
    }

    #[test]
    fn an_event_scheduled_while_handling_takes_the_handed_out_place() {
        // Pop hands out 'a' but keeps its key until the next push or pop; either way the queue
        // behaves as if 'a' had been removed at once.
        let mut q = EventQueue::default();
        q.push(1.0, 'a');
        q.push(3.0, 'c');
        assert_eq!(q.pop(), Some((1.0, 'a')));
        assert_eq!(q.len(), 1);
        q.push(2.0, 'b');
        q.push(2.0, 'B');
        assert_eq!(q.len(), 3);
        assert_eq!(q.pop(), Some((2.0, 'b')));
        assert_eq!(q.pop(), Some((2.0, 'B')));
        assert_eq!(q.pop(), Some((3.0, 'c')));
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
        assert_eq!(q.len(), 0);
        q.push(0.5, 'z');
        assert_eq!(q.pop(), Some((0.5, 'z')));
    }

    #[test]
    fn buckets_keep_the_order_of_one_heap() {
        // Random times (with ties) pushed while popping: the bucketed queue hands out the same
        // sequence as a plain heap.
        use rand::RngExt;
        let mut rng = crate::sim::rng::trial_rng(5, 0, 0);
        let mut plain = EventQueue::default();
        let mut bucketed = EventQueue::with_buckets(1000.0, 37);
        let mut now = 0.0;
        let mut order = (Vec::new(), Vec::new());
        for i in 0..20_000u32 {
            let ahead = match rng.random_range(0..4) {
                0 => 0.0,
                1 => rng.random::<f64>(),
                2 => (rng.random::<f64>() * 50.0).floor(),
                _ => rng.random::<f64>() * 900.0,
            };
            let at = now + ahead;
            if at < 1000.0 {
                plain.push(at, i);
                bucketed.push(at, i);
            }
            if rng.random_range(0..3) > 0 {
                let (a, b) = (plain.pop(), bucketed.pop());
                assert_eq!(a, b);
                if let Some((t, e)) = a {
                    now = t;
                    order.0.push(e);
                }
            }
            assert_eq!(plain.len(), bucketed.len());
        }
        while let Some(e) = plain.pop() {
            assert_eq!(Some(e), bucketed.pop());
            order.1.push(e.1);
        }
        assert_eq!(bucketed.pop(), None);
        assert!(order.0.len() > 10_000, "{}", order.0.len());
        // Clear empties the buckets too.
        bucketed.push(999.0, 1);
        bucketed.clear();
        assert!(bucketed.is_empty());
        assert_eq!(bucketed.pop(), None);
    }

    #[test]
    fn clear_restarts_the_sequence() {
        let mut q = EventQueue::default();
        q.push(1.0, 1);
        q.clear();
        assert!(q.is_empty());
        q.push(2.0, 2);
        q.push(2.0, 3);
        assert_eq!(q.pop(), Some((2.0, 2)));
        assert_eq!(q.len(), 1);
    }
}
