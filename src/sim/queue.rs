//! The event queue: a binary heap keyed by `(time, sequence)`, so events at the same instant come
//! out in the order they were scheduled (first scheduled, first handled).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A future-event list whose ties are broken first-in, first-out.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

#[derive(Debug)]
struct Entry<E> {
    /// When the event happens, seconds.
    time: f64,
    /// Scheduling order, for ties.
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, so that the max-heap pops the earliest `(time, seq)` first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Empties the queue, keeping its memory for the next trial.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
    }

    /// Schedules `event` at `time` (seconds).
    #[inline]
    pub fn push(&mut self, time: f64, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Removes the earliest event; among events at the same time, the first scheduled.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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
