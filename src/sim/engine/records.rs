//! The records the event loop reads per order, per SKU and per demand stream. A SKU's and a
//! stream's hot state are one cache line each: a large catalog's state does not fit in the cache,
//! and most events touch a SKU that has not been touched for a while.

use crate::sim::rng::TrialRng;

/// An order on its way through the stack.
#[derive(Debug, Clone, Copy)]
pub(super) struct Order {
    /// Units.
    pub(super) qty: u32,
    /// Index of its SKU.
    pub(super) sku: u32,
    /// Bit `n` set once the order has visited node `n`.
    pub(super) seen: u64,
    /// Bit `n` set while node `n` holds its units committed.
    pub(super) committed: u64,
    /// When it ships (or is cancelled), seconds.
    pub(super) ship_at: f64,
}

/// A demand stream as every one of its arrivals reads it: its generator, its share of the
/// channel's demand and what the trial changed of it, in one cache line (a large catalog's
/// streams do not fit in the cache, and most arrivals are the first of their stream in a while).
#[derive(Debug, Clone)]
#[repr(align(64))]
pub(super) struct DemandStream {
    pub(super) rng: TrialRng,
    /// `plan.scale`.
    pub(super) scale: f64,
    pub(super) state: StreamState,
    /// The id of its `ship_after` stream (0 without `ship_after`): the first accepted order of
    /// the stream seeds that generator, and its shipment's time waits for this id.
    pub(super) ship_id: u64,
}

const _: () = assert!(std::mem::size_of::<DemandStream>() == 64);

/// Per SKU, what most events that touch the SKU read or write, and what restores it, in one
/// cache line: a large catalog's SKUs do not fit in the cache, and a sale of a SKU that has not
/// sold for a while would otherwise miss in a table for each of these.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
pub(super) struct SkuState {
    /// Physical units on hand, now and at time 0.
    pub(super) physical: i64,
    pub(super) start_physical: i64,
    /// `plan.reorder_point` and `plan.low_stock_at`.
    pub(super) reorder_point: i64,
    pub(super) low_stock_at: f64,
    /// When its low-stock alert was raised this trial (NaN: not yet).
    pub(super) low_at: f64,
    /// Its reorder policy's quantity and lead time (`plan.lead_time`; `u32::MAX`: no policy),
    /// and its `shrink_per_day`: what a reorder, its arrival and a shrink read, without the
    /// SKU's (large, cold) scenario record.
    pub(super) reorder_qty: i64,
    pub(super) lead_time: u32,
    pub(super) shrink_per_day: f64,
    /// Whether its stock or a view changed since the last recount (a SKU that did not has
    /// every view equal to its stock, so the recount skips it), and at time 0.
    pub(super) recount_dirty: bool,
    pub(super) start_recount_dirty: bool,
    /// Whether a reorder is open.
    pub(super) reorder_open: bool,
}

const _: () = assert!(std::mem::size_of::<SkuState>() == 64);

/// What a trial changes of a demand stream, side by side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct StreamState {
    /// The rate segment its next search starts from.
    pub(super) segment: usize,
    /// Whether its penalty and `ship_after` generators were seeded this trial.
    pub(super) penalty_seeded: bool,
    pub(super) ship_seeded: bool,
}

/// Asks the processor to start loading the cache line of `value` (nothing on processors
/// without such a hint). For loops over a list of SKUs known in advance, whose state is cold:
/// the loads of the SKUs a few places ahead overlap with the work on this one.
#[inline(always)]
pub(super) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it never faults and changes no state but the caches.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
