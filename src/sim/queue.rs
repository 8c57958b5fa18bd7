//! The event queue: a binary heap keyed by `(time, sequence)`, so events at the same instant come
//! out in the order they were scheduled (first scheduled, first handled).
//!
//! The heap holds only 16-byte keys; the events themselves wait in a slab of reused slots, so
//! sifting moves little memory and nothing is allocated once the queue has grown to its working
//! size. The key of a popped event stays on top until the next push or pop: most events schedule
//! a successor, which then replaces it with one sift down instead of a pop and a push.

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
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            popped: false,
        }
    }
}

impl<E> EventQueue<E> {
    /// Empties the queue, keeping its memory for the next trial.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.slots.clear();
        self.free.clear();
        self.next_seq = 0;
        self.popped = false;
    }

    /// Schedules `event` at `time` (seconds, >= 0).
    #[inline]
    pub fn push(&mut self, time: f64, event: E) {
        debug_assert!(time >= 0.0, "event time {time}");
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
        let slot = match self.free.pop() {
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
        };
        let key = self.key(time, slot);
        self.heap.push(Reverse(key));
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
        let &Reverse(key) = self.heap.peek()?;
        self.popped = true;
        let (time, order) = ((key >> 64) as u64, key as u64);
        let slot = (order & SLOT_MASK) as usize;
        let event = self.slots[slot].take()?;
        Some((f64::from_bits(time), event))
    }

    /// Number of pending events.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.heap.len() - usize::from(self.popped)
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
