//! Processing nodes (MODEL.md, "Processing nodes"): an order that reaches a node with
//! `processing` over a link waits for one of its servers, FIFO; with background orders the queue
//! is advanced in bulk (see `crate::sim::workload`).

use super::{BACKGROUND, Engine};
use crate::sim::event::Event;

impl Engine<'_> {
    /// An order reaches node `n` over a link: it waits for a server or is applied at once.
    pub(super) fn arrive(&mut self, n: usize, order: u32) {
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
    pub(super) fn enqueue(&mut self, n: usize, item: u32) {
        let queue = &self.plan.queues[n];
        if queue.bulk {
            self.enqueue_bulk(n, item);
        } else if self.waiting[n].is_empty() && self.busy[n] < queue.servers {
            self.serve(n, item, self.now);
        } else {
            self.waiting[n].push_back((item, self.now));
        }
    }

    /// An order joins node `n`'s queue advanced in bulk: the background orders that came
    /// before it are taken in, then it takes the server that frees first, and its service end
    /// is known at once (FIFO: nothing arriving later changes it).
    #[inline]
    pub(super) fn enqueue_bulk(&mut self, n: usize, order: u32) {
        let service = &self.plan.queues[n].service;
        let (workload, rng) = (&mut self.workloads[n], &mut self.queue_rngs[n]);
        workload.catch_up(self.now, service, rng);
        let work = service.sample(rng);
        let start = workload.admit(self.now, work);
        let out = &mut self.out.queues[n];
        out.orders += 1;
        out.wait_seconds += start - self.now;
        let event = Event::ServiceEnd {
            node: n as u32,
            item: order,
        };
        self.schedule(start + work, event);
    }

    /// Serves waiting items while node `n` has free servers.
    pub(super) fn start_service(&mut self, n: usize) {
        let servers = self.plan.queues[n].servers;
        while self.busy[n] < servers {
            let Some((item, since)) = self.waiting[n].pop_front() else {
                break;
            };
            self.serve(n, item, since);
        }
    }

    /// A free server of node `n` starts on `item`, which joined the queue at `since`.
    #[inline]
    pub(super) fn serve(&mut self, n: usize, item: u32, since: f64) {
        self.busy[n] += 1;
        if item != BACKGROUND {
            let out = &mut self.out.queues[n];
            out.orders += 1;
            out.wait_seconds += self.now - since;
        }
        let service = self.plan.queues[n].service.sample(&mut self.rng);
        let event = Event::ServiceEnd {
            node: n as u32,
            item,
        };
        self.schedule(self.now + service, event);
    }
}
