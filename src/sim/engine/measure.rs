//! What a trial measures beyond the counts kept at each sale: exposure and first stockout per
//! SKU, money per SKU and channel, the acceptance times the windowed cancel rate needs, and the
//! outcome handed out at the horizon.

use super::Engine;
use super::pristine::bits;
use super::records::prefetch;
use crate::sim::outcome::{SkuOutcome, TrialOutcome};
use crate::sim::plan::Plan;
use crate::sim::window::worst_window_rate;

/// How many SKUs ahead the horizon's pass starts loading a SKU's state: enough to cover a load
/// from memory with the work on the SKUs in between.
const PREFETCH_AHEAD: usize = 8;

/// A channel's (or a SKU's) exposure bookkeeping.
#[derive(Debug, Clone, Copy, Default)]
struct Exposure {
    exposed: bool,
    /// When the current exposure began, seconds.
    since: f64,
}

/// What a trial measures of one SKU.
#[derive(Debug, Clone, Copy)]
struct SkuMeasures {
    exposure: Exposure,
    /// Seconds exposed on some channel.
    exposure_seconds: f64,
    /// When it first ran out of stock, seconds (NaN: not yet).
    first_stockout: f64,
    /// Units lost to shrink.
    shrunk: u64,
    /// Whether the current event touched it.
    touched: bool,
}

impl Default for SkuMeasures {
    fn default() -> SkuMeasures {
        SkuMeasures {
            exposure: Exposure::default(),
            exposure_seconds: 0.0,
            first_stockout: f64::NAN,
            shrunk: 0,
            touched: false,
        }
    }
}

/// Per SKU and channel counts for the money measures.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    oversold: u64,
    withheld_units: u64,
    fulfilled_units: u64,
    penalty: f64,
}

/// The measures kept while a trial runs.
pub(super) struct Measures {
    /// Per SKU and channel (`sku * channels + c`).
    counts: Vec<Counts>,
    exposure: Vec<Exposure>,
    /// Per SKU: its exposure, first stockout, shrink and whether the event touched it, side by
    /// side (one cache line).
    skus: Vec<SkuMeasures>,
    /// SKUs whose stock or views changed during the current event (each flagged `touched`).
    touched: Vec<u32>,
    /// Per channel with a window shorter than the horizon: acceptance times of its accepted
    /// and of its oversold orders.
    windowed: Vec<bool>,
    accepted_at: Vec<Vec<f64>>,
    oversold_at: Vec<Vec<f64>>,
    /// Exposure and first stockouts at time 0 (deterministic: the engine works them out once),
    /// what a SKU a trial changed is restored to.
    start_exposure: Vec<Exposure>,
    start_skus: Vec<SkuMeasures>,
}

impl Measures {
    pub(super) fn new(plan: &Plan) -> Measures {
        let s = &plan.scenario;
        let (skus, channels) = (plan.skus(), s.channels.len());
        Measures {
            counts: vec![Counts::default(); skus * channels],
            exposure: vec![Exposure::default(); skus * channels],
            skus: vec![SkuMeasures::default(); skus],
            touched: Vec::new(),
            windowed: (s.channels.iter())
                .map(|c| c.cancel_rate_window < s.horizon)
                .collect(),
            accepted_at: vec![Vec::new(); channels],
            oversold_at: vec![Vec::new(); channels],
            start_exposure: Vec::new(),
            start_skus: Vec::new(),
        }
    }

    /// Keeps the exposure and first stockouts worked out at time 0 as every trial's start.
    pub(super) fn capture_start(&mut self) {
        self.start_exposure.clone_from(&self.exposure);
        self.start_skus.clone_from(&self.skus);
    }

    /// Back to time 0 for the per-channel state; per SKU, see [`Measures::restore`].
    pub(super) fn reset(&mut self) {
        self.touched.clear();
        self.accepted_at.iter_mut().for_each(Vec::clear);
        self.oversold_at.iter_mut().for_each(Vec::clear);
    }

    /// SKU `k` (with `channels` channels) back to the measures of a SKU in stock at time 0;
    /// [`Measures::restore_start`] then gives a SKU out of stock at time 0 its own.
    #[inline]
    pub(super) fn restore(&mut self, k: usize, channels: usize) {
        let streams = k * channels..(k + 1) * channels;
        self.counts[streams.clone()].fill(Counts::default());
        self.exposure[streams].fill(Exposure::default());
        self.skus[k] = SkuMeasures::default();
    }

    /// SKU `k`'s exposure and first stockout at time 0.
    pub(super) fn restore_start(&mut self, k: usize, channels: usize) {
        let streams = k * channels..(k + 1) * channels;
        self.exposure[streams.clone()].copy_from_slice(&self.start_exposure[streams]);
        self.skus[k] = self.start_skus[k];
    }

    /// Whether SKU `k`'s measures are those of time 0 (tests of the lazy reset).
    #[cfg(debug_assertions)]
    pub(super) fn at_start(&self, k: usize, channels: usize) -> bool {
        let streams = k * channels..(k + 1) * channels;
        let same = |a: &Exposure, b: &Exposure| {
            a.exposed == b.exposed && a.since.to_bits() == b.since.to_bits()
        };
        (self.counts[streams.clone()].iter()).all(|c| {
            c.oversold == 0 && c.withheld_units == 0 && c.fulfilled_units == 0 && c.penalty == 0.0
        }) && (self.exposure[streams.clone()].iter())
            .zip(&self.start_exposure[streams])
            .all(|(a, b)| same(a, b))
            && (self.skus[k].exposure_seconds == 0.0)
            && same(&self.skus[k].exposure, &self.start_skus[k].exposure)
            && (self.skus[k].first_stockout.to_bits()
                == self.start_skus[k].first_stockout.to_bits())
            && self.skus[k].shrunk == 0
            && !self.skus[k].touched
    }

    #[inline]
    pub(super) fn withheld(&mut self, stream: usize, qty: u32) {
        self.counts[stream].withheld_units += u64::from(qty);
    }

    #[inline]
    pub(super) fn fulfilled(&mut self, stream: usize, qty: u32) {
        self.counts[stream].fulfilled_units += u64::from(qty);
    }

    #[inline]
    pub(super) fn oversold(&mut self, stream: usize, penalty: f64) {
        let counts = &mut self.counts[stream];
        counts.oversold += 1;
        counts.penalty += penalty;
    }

    /// A unit of SKU `k` was lost to shrink.
    #[inline]
    pub(super) fn shrunk(&mut self, k: usize) {
        self.skus[k].shrunk += 1;
    }

    /// An order was accepted on channel `c` at `now` (oversold or not), for the windows.
    #[inline]
    pub(super) fn accepted(&mut self, c: usize, now: f64, oversold: bool) {
        if self.windowed[c] {
            self.accepted_at[c].push(now);
            if oversold {
                self.oversold_at[c].push(now);
            }
        }
    }
}

impl Engine<'_> {
    /// Notes that SKU `k`'s stock or a view of it changed in this event.
    #[inline(always)]
    pub(super) fn touch(&mut self, k: usize) {
        self.activate(k);
        let m = &mut self.measures;
        if !m.skus[k].touched {
            m.skus[k].touched = true;
            m.touched.push(k as u32);
        }
        if !self.sku[k].recount_dirty {
            self.sku[k].recount_dirty = true;
            self.recount_list.push(k as u32);
        }
    }

    /// Brings exposure and first stockouts up to date for the SKUs this event touched.
    pub(super) fn refresh_touched(&mut self) {
        while let Some(k) = self.measures.touched.pop() {
            self.measures.skus[k as usize].touched = false;
            self.refresh_sku(k as usize);
        }
    }

    /// Brings every SKU's exposure up to date (at the start of a trial).
    pub(super) fn refresh_all(&mut self) {
        for k in 0..self.sku.len() {
            self.refresh_sku(k);
        }
        self.measures.touched.clear();
        self.measures
            .skus
            .iter_mut()
            .for_each(|m| m.touched = false);
    }

    fn refresh_sku(&mut self, k: usize) {
        let now = self.now;
        let out_of_stock = self.sku[k].physical <= 0;
        if !out_of_stock && !self.measures.skus[k].exposure.exposed {
            // No channel is exposed (the SKU's flag is theirs or'ed), and none can become so.
            return;
        }
        if out_of_stock && self.measures.skus[k].first_stockout.is_nan() {
            self.measures.skus[k].first_stockout = now;
            if self.out.first_stockout_seconds.is_nan() {
                self.out.first_stockout_seconds = now;
            }
        }
        let mut any = false;
        for c in 0..self.channels {
            let exposed = out_of_stock && self.listed(c, k) >= 1;
            any |= exposed;
            let state = &mut self.measures.exposure[k * self.channels + c];
            if exposed != state.exposed {
                if !exposed {
                    self.out.channels[c].exposure_seconds += now - state.since;
                }
                *state = Exposure {
                    exposed,
                    since: now,
                };
            }
        }
        let sku = &mut self.measures.skus[k];
        if any != sku.exposure.exposed {
            if !any {
                let seconds = now - sku.exposure.since;
                self.out.any_exposure_seconds += seconds;
                sku.exposure_seconds += seconds;
            }
            sku.exposure = Exposure {
                exposed: any,
                since: now,
            };
        }
    }

    /// Closes open exposures at the horizon, adds up money and windows, and hands out the
    /// outcome.
    pub(super) fn finish(&mut self) -> TrialOutcome {
        #[cfg(debug_assertions)]
        self.check_inactive();
        self.finish_monitor();
        let s = &self.plan.scenario;
        let horizon = s.horizon;
        // SKUs the trial left alone are at their start, which adds nothing to these sums (SKUs
        // that start out of stock are always active): only the active ones are visited, in SKU
        // order, so every sum adds the same terms in the same order as a pass over all SKUs.
        // One pass does all of a SKU's sums and then restores it to time 0 for the next trial
        // (`pristine.rs`), while its state is in the cache.
        let mut active = std::mem::take(&mut self.active_list);
        active.clear();
        active.extend(bits(&self.active));
        if self.out.first_stockout_seconds.is_nan() {
            self.out.first_stockout_seconds = horizon;
        }
        let mut money = std::mem::take(&mut self.money_sums);
        money.clear();
        money.resize(self.channels, (0.0, 0.0));
        // A bundle's stock is its components': counted once, in theirs.
        let mut changed_physical = 0;
        for (i, &k) in active.iter().enumerate() {
            if let Some(&ahead) = active.get(i + PREFETCH_AHEAD) {
                self.prefetch_horizon(ahead);
            }
            self.finish_sku(k, &mut money);
            if !self.plan.is_bundle(k) {
                changed_physical += self.sku[k].physical - self.sku[k].start_physical;
            }
            self.restore(k);
        }
        self.active.fill(0);
        self.out.final_physical = self.start_final_physical() + changed_physical;
        let m = &self.measures;
        for (c, channel) in s.channels.iter().enumerate() {
            let out = &mut self.out.channels[c];
            (out.lost_margin, out.revenue) = money[c];
            out.worst_window_cancel_rate = if m.windowed[c] {
                worst_window_rate(
                    &m.accepted_at[c],
                    &m.oversold_at[c],
                    channel.cancel_rate_window,
                    horizon,
                )
            } else if out.accepted == 0 {
                0.0
            } else {
                out.oversold as f64 / out.accepted as f64
            };
        }
        self.money_sums = money;
        self.active_list = active;
        // Handed out, not copied: a large catalog's rows are hundreds of kilobytes a trial. The
        // next trial's `reset` makes its own outcome, in the memory of one handed back
        // (`recycle`) if there is one, with room for as many rows.
        self.last_rows = self.out.skus.len();
        std::mem::take(&mut self.out)
    }

    /// Starts loading what the horizon's pass reads and restores of SKU `k`.
    #[inline]
    fn prefetch_horizon(&self, k: usize) {
        let (m, channels, nodes) = (&self.measures, self.channels, self.nodes);
        prefetch(&m.skus[k]);
        prefetch(&m.counts[k * channels]);
        prefetch(&m.counts[(k + 1) * channels - 1]);
        prefetch(&self.sku[k]);
        prefetch(&self.prices[k]);
        prefetch(&self.views[k * nodes]);
        prefetch(&self.committed[k * nodes]);
        if self.ordered > 0 {
            prefetch(&self.last_applied[k * self.ordered]);
        }
        self.start.prefetch(k, nodes);
        self.levels.prefetch(k);
    }

    /// Adds SKU `k`'s open exposure, lost margin and revenue (`money`: per channel) to the
    /// horizon's sums, and its row to the outcome's SKUs (catalogs).
    fn finish_sku(&mut self, k: usize, money: &mut [(f64, f64)]) {
        let (horizon, channels) = (self.horizon, self.channels);
        let m = &mut self.measures;
        let state = m.skus[k].exposure;
        // A SKU exposed on a channel is exposed on some channel (`refresh_sku`).
        if state.exposed {
            for c in 0..channels {
                let state = &m.exposure[k * channels + c];
                if state.exposed {
                    self.out.channels[c].exposure_seconds += horizon - state.since;
                }
            }
            let seconds = horizon - state.since;
            self.out.any_exposure_seconds += seconds;
            m.skus[k].exposure_seconds += seconds;
        }
        debug_assert!(
            state.exposed || (0..channels).all(|c| !m.exposure[k * channels + c].exposed),
            "SKU {k} exposed on a channel but not on any"
        );
        let low_at = self.sku[k].low_at;
        let (price, unit_margin) = self.prices[k];
        let counts = &m.counts[k * channels..(k + 1) * channels];
        for ((lost_margin, revenue), counts) in money.iter_mut().zip(counts) {
            *lost_margin += counts.withheld_units as f64 * unit_margin;
            *revenue += counts.fulfilled_units as f64 * price;
        }
        if !self.plan.scenario.catalog.is_catalog() {
            return;
        }
        let mut row = SkuOutcome {
            sku: k as u32,
            exposure_seconds: m.skus[k].exposure_seconds,
            first_stockout_seconds: m.skus[k].first_stockout,
            shrunk_units: m.skus[k].shrunk,
            low_stock_alert_seconds: low_at,
            ..SkuOutcome::default()
        };
        for counts in counts {
            row.oversold += counts.oversold;
            row.penalty += counts.penalty;
            row.lost_margin += counts.withheld_units as f64 * unit_margin;
        }
        let stocked_out = !row.first_stockout_seconds.is_nan();
        if !stocked_out {
            row.first_stockout_seconds = horizon;
        }
        let alerted = !row.low_stock_alert_seconds.is_nan();
        if !alerted {
            row.low_stock_alert_seconds = horizon;
        }
        if stocked_out
            || alerted
            || row.oversold > 0
            || row.lost_margin > 0.0
            || row.shrunk_units > 0
        {
            self.out.skus.push(row);
        }
    }
}
