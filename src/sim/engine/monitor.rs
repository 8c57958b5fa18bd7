//! Failures nobody sees, and monitoring (MODEL.md Part 2): a webhook subscription deleted after
//! `disable_after` failed attempts in a row, what each link owes, the lag alert and its fix, and
//! the low-stock alert.
//!
//! What a link owes is a debt: created when a message is sent (or a change is not sent by a
//! disabled link) and when a poll is due, settled when it is written at `to` (orders: when they
//! reach `to`). A link keeps its unsettled debts oldest first and one check event at the oldest
//! one's deadline (send time + `lag_alert`), so monitoring costs one event per deadline that
//! is reached, not one per message.

use std::collections::VecDeque;

use super::Engine;
use crate::scenario::Transport;
use crate::sim::event::Event;
use crate::sim::plan::Plan;

/// The debt of a message or poll nobody watches (no `lag_alert`).
pub(super) const NO_DEBT: u32 = u32::MAX;
/// Marks a duplicate delivery: it owes nothing and is never duplicated again.
pub(super) const DUPLICATE: u32 = u32::MAX - 1;

/// Something a link owes.
#[derive(Debug, Clone, Copy)]
struct Debt {
    /// When it was incurred (the send or due time), seconds.
    sent: f64,
    /// When it was (or will be) written at `to`, seconds; infinite while not known.
    settled: f64,
}

/// Disabled links, debts and alerts of one engine.
pub(super) struct Monitor {
    /// Per link: failed attempts in a row.
    streak: Vec<u32>,
    /// Per link: whether the subscription is deleted, since when (seconds), and how many times
    /// it was (retries carry the count they were scheduled under; older ones are dropped).
    disabled: Vec<bool>,
    disabled_since: Vec<f64>,
    epoch: Vec<u16>,
    /// Every debt of the trial, by id.
    debts: Vec<Debt>,
    /// Per link: its debts not yet known to be settled in time, oldest first.
    pending: Vec<VecDeque<u32>>,
    /// Per link: whether a lag check is scheduled, and whether it alerted since the last fix.
    checking: Vec<bool>,
    alerted: Vec<bool>,
    /// Per poll link: the debt of its oldest failed poll since its last batch (`NO_DEBT`: none).
    failed_poll: Vec<u32>,
}

impl Monitor {
    pub(super) fn new(plan: &Plan) -> Monitor {
        let links = plan.scenario.links.len();
        Monitor {
            streak: vec![0; links],
            disabled: vec![false; links],
            disabled_since: vec![0.0; links],
            epoch: vec![0; links],
            debts: Vec::new(),
            pending: vec![VecDeque::new(); links],
            checking: vec![false; links],
            alerted: vec![false; links],
            failed_poll: vec![NO_DEBT; links],
        }
    }

    pub(super) fn reset(&mut self) {
        self.streak.fill(0);
        self.disabled.fill(false);
        self.disabled_since.fill(0.0);
        self.epoch.fill(0);
        self.debts.clear();
        self.pending.iter_mut().for_each(VecDeque::clear);
        self.checking.fill(false);
        self.alerted.fill(false);
        self.failed_poll.fill(NO_DEBT);
        // When a SKU's low-stock alert was raised is per SKU (`SkuState::low_at`): restored
        // with every SKU the trial changed.
    }

    /// Whether link `l`'s subscription is deleted.
    #[inline]
    pub(super) fn disabled(&self, l: usize) -> bool {
        self.disabled[l]
    }

    /// Link `l`'s disable count (retries scheduled under an older one are dropped).
    #[inline]
    pub(super) fn epoch(&self, l: usize) -> u16 {
        self.epoch[l]
    }

    /// Debt `debt` is written at `at` (no-op for `NO_DEBT` and `DUPLICATE`).
    #[inline]
    pub(super) fn settle(&mut self, debt: u32, at: f64) {
        if let Some(d) = self.debts.get_mut(debt as usize) {
            d.settled = d.settled.min(at);
        }
    }

    /// Link `l`'s oldest failed poll since its last batch: taken by the poll due now, whose
    /// batch settles it.
    pub(super) fn take_failed_poll(&mut self, l: usize) -> u32 {
        std::mem::replace(&mut self.failed_poll[l], NO_DEBT)
    }
}

impl Engine<'_> {
    /// Link `l` incurs a debt now; its id (`NO_DEBT` without a lag alert).
    pub(super) fn owe(&mut self, l: usize) -> u32 {
        let Some(lag) = self
            .plan
            .scenario
            .monitoring
            .as_ref()
            .and_then(|m| m.lag_alert)
        else {
            return NO_DEBT;
        };
        let m = &mut self.monitor;
        let id = m.debts.len() as u32;
        m.debts.push(Debt {
            sent: self.now,
            settled: f64::INFINITY,
        });
        m.pending[l].push_back(id);
        if !m.checking[l] {
            m.checking[l] = true;
            self.schedule(self.now + lag, Event::LagCheck { link: l as u32 });
        }
        id
    }

    /// A poll of link `l` is due: a successful one owes its batch; a failed one owes what it
    /// should have carried until the link's next batch is written. Returns the debts the
    /// poll's batch settles: its own and the oldest failed poll's before it.
    pub(super) fn owe_poll(&mut self, l: usize, outage: bool) -> (u32, u32) {
        if outage {
            if self.monitor.failed_poll[l] == NO_DEBT {
                self.monitor.failed_poll[l] = self.owe(l);
            }
            (NO_DEBT, NO_DEBT)
        } else {
            let debt = self.owe(l);
            (debt, self.monitor.take_failed_poll(l))
        }
    }

    /// A webhook attempt on link `l` failed: after `disable_after` failures in a row the
    /// subscription is deleted at once. Returns whether it was.
    pub(super) fn attempt_failed(&mut self, l: usize) -> bool {
        let Transport::Webhook {
            disable_after: Some(limit),
            ..
        } = self.plan.scenario.links[l].transport
        else {
            return false;
        };
        let m = &mut self.monitor;
        m.streak[l] += 1;
        if m.streak[l] < limit {
            return false;
        }
        m.disabled[l] = true;
        m.disabled_since[l] = self.now;
        m.epoch[l] = m.epoch[l].wrapping_add(1);
        true
    }

    /// A webhook attempt on link `l` got through.
    #[inline]
    pub(super) fn attempt_succeeded(&mut self, l: usize) {
        self.monitor.streak[l] = 0;
    }

    /// Link `l`'s lag check: debts settled by their deadline are done; the first one that was
    /// not raises the link's alert (one per link until the next fix), whose fix comes
    /// `fix_after` later.
    pub(super) fn lag_check(&mut self, l: usize) {
        let Some(monitoring) = &self.plan.scenario.monitoring else {
            return;
        };
        let lag = monitoring.lag_alert.unwrap_or(f64::INFINITY);
        let m = &mut self.monitor;
        m.checking[l] = false;
        while let Some(&id) = m.pending[l].front() {
            let debt = m.debts[id as usize];
            let deadline = debt.sent + lag;
            if debt.settled <= deadline {
                m.pending[l].pop_front();
                continue;
            }
            if deadline > self.now {
                m.checking[l] = true;
                self.schedule(deadline, Event::LagCheck { link: l as u32 });
                return;
            }
            // Late: everything it owes now is settled by the fix at the latest.
            m.pending[l].clear();
            if !m.alerted[l] {
                m.alerted[l] = true;
                self.out.alerts += 1;
                let fix = monitoring.fix_after.sample(&mut self.rng);
                self.schedule(self.now + fix, Event::Fix);
            }
            return;
        }
    }

    /// The fix after an alert: every deleted subscription is restored, failure counts reset,
    /// every debt settled; every non-record node's view of every non-bundle SKU is set to the
    /// record's, node by node in declaration order, each change propagating.
    pub(super) fn fix(&mut self) {
        let m = &mut self.monitor;
        for l in 0..m.disabled.len() {
            if m.disabled[l] {
                m.disabled[l] = false;
                self.out.disabled_seconds += self.now - m.disabled_since[l];
            }
            m.streak[l] = 0;
            m.pending[l].clear();
            m.alerted[l] = false;
            m.failed_poll[l] = NO_DEBT;
        }
        let Some(record) = self.plan.scenario.record else {
            return;
        };
        for n in (0..self.nodes).filter(|&n| n != record) {
            for k in 0..self.plan.skus() {
                if self.plan.is_bundle(k) {
                    continue;
                }
                let value = self.views[self.at(k, record)];
                if self.views[self.at(k, n)] != value {
                    self.set_view(n, k, value);
                    self.view_changed(n, k, None);
                }
            }
        }
    }

    /// Low-stock alert: the first moment the record's view of SKU `k` is at most its threshold
    /// (checked at time 0 and at every change of the record's view).
    pub(super) fn check_low_stock(&mut self, k: usize) {
        let threshold = self.sku[k].low_stock_at;
        if !self.sku[k].low_at.is_nan() || threshold.is_nan() {
            return;
        }
        let Some(record) = self.plan.scenario.record else {
            return;
        };
        if self.views[self.at(k, record)] as f64 <= threshold {
            self.activate(k);
            self.sku[k].low_at = self.now;
            if self.out.low_stock_alert_seconds.is_nan() {
                self.out.low_stock_alert_seconds = self.now;
            }
        }
    }

    /// Closes the disabled time of links still disabled at the horizon.
    pub(super) fn finish_monitor(&mut self) {
        let horizon = self.horizon;
        let m = &self.monitor;
        for l in 0..m.disabled.len() {
            if m.disabled[l] {
                self.out.disabled_seconds += horizon - m.disabled_since[l];
            }
        }
        if self.out.low_stock_alert_seconds.is_nan() {
            self.out.low_stock_alert_seconds = horizon;
        }
    }
}
