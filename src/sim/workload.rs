//! A processing node's FIFO queue with `c` servers, advanced without events.
//!
//! Background orders (other SKUs) change no view: all they do is make real orders wait. So the
//! queue is kept as the time each server next becomes free (Kiefer and Wolfowitz's workload
//! vector, in absolute time; Lindley's recursion when `c = 1`), and the Poisson background
//! arrivals and their service times are drawn in bulk, only when a real order arrives and needs
//! to know its wait. A real order of a FIFO queue starts on the server that frees first, at its
//! arrival or when that server frees, whichever is later, and takes that server until its service
//! ends: exactly what the event-by-event queue does, with the same distribution of every wait
//! (`tests/it/queue_bulk.rs` checks it against the event-by-event engine and the closed forms of
//! M/M/1 and M/M/c).

use rand_distr::{Distribution, Exp1};

use super::rng::TrialRng;
use crate::dist::Dist;

/// The servers of one queue and its background stream.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Per server: when it is next free, seconds (at or before now: free).
    free_at: Vec<f64>,
    /// When the next background order arrives, seconds (infinite without background).
    next_background: f64,
    /// Mean time between background orders, seconds.
    mean_gap: f64,
    /// Background orders taken in so far.
    background: u64,
}

impl Workload {
    /// An empty queue of `servers` servers with `background_per_hour` background orders an
    /// hour (0: none).
    pub fn new(servers: u32, background_per_hour: f64) -> Workload {
        Workload {
            free_at: vec![0.0; servers.max(1) as usize],
            next_background: f64::INFINITY,
            mean_gap: if background_per_hour > 0.0 {
                3600.0 / background_per_hour
            } else {
                f64::INFINITY
            },
            background: 0,
        }
    }

    /// Empty again at time 0; the first background order is drawn from `rng`.
    pub fn reset(&mut self, rng: &mut TrialRng) {
        self.free_at.fill(0.0);
        self.background = 0;
        self.next_background = if self.mean_gap.is_finite() {
            self.gap(rng)
        } else {
            f64::INFINITY
        };
    }

    /// Background orders taken in since the reset.
    #[cfg(test)]
    pub fn background(&self) -> u64 {
        self.background
    }

    #[inline]
    fn gap(&self, rng: &mut TrialRng) -> f64 {
        let unit: f64 = Exp1.sample(rng);
        unit * self.mean_gap
    }

    /// Takes in every background order that arrives before `t`, each with a service time drawn
    /// from `service`.
    #[inline]
    pub fn catch_up(&mut self, t: f64, service: &Dist, rng: &mut TrialRng) {
        if self.next_background >= t {
            return;
        }
        // The loop runs once per background order: monomorphised per service distribution (the
        // common exponential and fixed ones inline their draw) and per number of servers.
        match *service {
            Dist::Exp(mean) => self.take_in(t, rng, |rng| {
                let unit: f64 = Exp1.sample(rng);
                mean * unit
            }),
            Dist::Fixed(work) => self.take_in(t, rng, |_| work),
            _ => self.take_in(t, rng, |rng| service.sample(rng)),
        }
    }

    #[inline(always)]
    fn take_in(&mut self, t: f64, rng: &mut TrialRng, mut work: impl FnMut(&mut TrialRng) -> f64) {
        if let [free] = self.free_at.as_mut_slice() {
            // One server: Lindley's recursion.
            let mut at = self.next_background;
            while at < t {
                *free = free.max(at) + work(rng);
                self.background += 1;
                let unit: f64 = Exp1.sample(rng);
                at += unit * self.mean_gap;
            }
            self.next_background = at;
        } else {
            while self.next_background < t {
                let at = self.next_background;
                let work = work(rng);
                self.admit(at, work);
                self.background += 1;
                self.next_background = at + self.gap(rng);
            }
        }
    }

    /// An item arriving at `t` (after every item admitted so far) with `work` seconds of
    /// service: when its service starts, seconds.
    #[inline]
    pub fn admit(&mut self, t: f64, work: f64) -> f64 {
        let server = if self.free_at.len() == 1 {
            0
        } else {
            let mut first = 0;
            for (i, &free) in self.free_at.iter().enumerate().skip(1) {
                if free < self.free_at[first] {
                    first = i;
                }
            }
            first
        };
        let start = self.free_at[server].max(t);
        self.free_at[server] = start + work;
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::trial_rng;

    #[test]
    fn one_server_is_lindley_s_recursion() {
        let mut w = Workload::new(1, 0.0);
        w.reset(&mut trial_rng(1, 0, 0));
        assert_eq!(w.admit(0.0, 10.0), 0.0);
        // Arrives at 4 while the first is served until 10: waits 6.
        assert_eq!(w.admit(4.0, 5.0), 10.0);
        // Arrives at 30, after the queue emptied at 15.
        assert_eq!(w.admit(30.0, 1.0), 30.0);
    }

    #[test]
    fn several_servers_take_the_first_free_one() {
        let mut w = Workload::new(2, 0.0);
        w.reset(&mut trial_rng(1, 0, 0));
        assert_eq!(w.admit(0.0, 10.0), 0.0);
        assert_eq!(w.admit(1.0, 3.0), 1.0);
        // Both busy: the second server frees at 4, the first at 10.
        assert_eq!(w.admit(2.0, 7.0), 4.0);
        assert_eq!(w.admit(2.5, 1.0), 10.0);
        assert_eq!(w.admit(20.0, 1.0), 20.0);
    }

    #[test]
    fn background_orders_arrive_at_their_rate() {
        // 3,600 an hour with no service: about 36,000 in ten hours (sd 190).
        let mut w = Workload::new(1, 3600.0);
        let mut rng = trial_rng(7, 0, 0);
        w.reset(&mut rng);
        w.catch_up(36_000.0, &Dist::Fixed(0.0), &mut rng);
        let n = w.background() as f64;
        assert!((n - 36_000.0).abs() < 4.0 * 190.0, "{n}");
        // Each took 0 s, so the queue is empty for an arrival now.
        assert_eq!(w.admit(36_000.0, 1.0), 36_000.0);
    }

    #[test]
    fn background_work_delays_a_real_order() {
        // One background order every 100 s on average, each 1,000 s long: the queue grows.
        let mut w = Workload::new(1, 36.0);
        let mut rng = trial_rng(7, 0, 0);
        w.reset(&mut rng);
        w.catch_up(100_000.0, &Dist::Fixed(1000.0), &mut rng);
        assert!(w.admit(100_000.0, 1.0) > 500_000.0);
    }
}
