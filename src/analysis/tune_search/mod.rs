//! The search of `oversell tune` for one SKU: which knob values to run, on how many trials, and
//! when a comparison between neighbouring values is decided.
//!
//! **Common random numbers.** Trial `i` of every value draws from the generators of `(seed, i)`,
//! so the values of one SKU are compared trial by trial: the paired difference of cost
//! `d_i = cost_i(v + 1) - cost_i(v)`, whose spread is far below that of either cost.
//!
//! **Sequential test.** See [`sequential`]: each pair is looked at after doubling trial counts,
//! with the level split over every look of every comparison (Bonferroni).
//!
//! **Bisection.** The search assumes the expected cost is unimodal in the knob: more held back
//! means fewer oversold orders and more withheld units, so the cost falls and then rises (or only
//! rises). The best value is then the smallest `v` whose step up does not lower the cost. It
//! probes `v = 0, 1, 3, 7, ...` (galloping: most SKUs stop at 0) and bisects the last gap, so about
//! `2 log2(max)` pairs are compared instead of every value being run. When the decided verdicts
//! contradict the assumption (a step up decided dearer below one decided cheaper), every value is
//! run to the cap and the cheapest wins, with a note.

use serde::{Deserialize, Serialize};

use super::tune::KnobOutcome;
use crate::scenario::Scenario;
use crate::sim::{Engine, Plan, TrialOutcome};
use crate::stats::{Metric, Scope, ValueAccumulator, has_limit, metric_value, over_limit};

mod sequential;

pub use sequential::{NeighbourTest, Sequential, Verdict};
use sequential::{PairTest, neighbour, paired};

/// How the values of the knob are searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Search {
    /// Galloping and bisection with sequential stopping (the default).
    Fast,
    /// Every value 0..=max on every trial, as before.
    Exhaustive,
}

/// What tune reads of one trial.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Record {
    oversold: f64,
    penalty: f64,
    lost_margin: f64,
    /// Whether any channel went over its cancel-rate limit.
    over: bool,
}

impl Record {
    fn of(scenario: &Scenario, outcome: &TrialOutcome) -> Record {
        let total = |m: Metric| metric_value(scenario, outcome, Scope::Total, m);
        Record {
            oversold: total(Metric::Oversold),
            penalty: total(Metric::Penalty),
            lost_margin: total(Metric::LostMargin),
            over: over_limit(scenario, outcome, Scope::Total) == Some(true),
        }
    }

    fn cost(&self) -> f64 {
        self.penalty + self.lost_margin
    }
}

/// The trials of one knob value run so far.
struct Arm {
    value: i64,
    plan: Plan,
    /// One per trial, in trial order.
    records: Vec<Record>,
    /// Penalty + lost margin of each trial, all channels.
    costs: Vec<f64>,
    /// Trials the engine ran (the others were quiet, taken from another value).
    simulated: u64,
}

impl Arm {
    fn new(value: i64, scenario: Scenario) -> Arm {
        Arm {
            value,
            plan: Plan::new(scenario),
            records: Vec::new(),
            costs: Vec::new(),
            simulated: 0,
        }
    }

    fn trials(&self) -> u64 {
        self.records.len() as u64
    }

    /// Runs trials up to `n` (one after another), in trial order. A trial with no order on a
    /// tuned channel comes out the same at every value of the knob (the knob changes only those
    /// channels' listings, and demand is drawn from the trial's streams whatever the knob), so
    /// once any value has run it (`quiet`), the others take its record instead of running it.
    fn extend_to(
        &mut self,
        n: u64,
        seed: u64,
        tuned: &[usize],
        quiet: &mut Vec<Option<Record>>,
    ) -> anyhow::Result<()> {
        let Arm {
            plan,
            records,
            costs,
            simulated,
            ..
        } = self;
        if records.len() as u64 >= n {
            return Ok(());
        }
        if (quiet.len() as u64) < n {
            quiet.resize(n as usize, None);
        }
        let mut engine = None;
        for trial in records.len() as u64..n {
            let record = match quiet[trial as usize] {
                Some(record) => record,
                None => {
                    crate::interrupt::check()?;
                    let engine = engine.get_or_insert_with(|| Engine::new(plan));
                    let outcome = engine.run_trial(seed, trial)?;
                    *simulated += 1;
                    let record = Record::of(&plan.scenario, &outcome);
                    if tuned.iter().all(|&c| outcome.channels[c].arrivals == 0) {
                        quiet[trial as usize] = Some(record);
                    }
                    record
                }
            };
            records.push(record);
            costs.push(record.cost());
        }
        Ok(())
    }

    /// The means over the trials run, as a run's statistics compute them (fixed point).
    fn outcome(&self, limited: bool) -> KnobOutcome {
        let mean = |value: fn(&Record) -> f64, exact: bool| {
            let mut acc = ValueAccumulator::new(exact);
            for r in &self.records {
                acc.push(value(r));
            }
            acc.summary().mean
        };
        let penalty = mean(|r| r.penalty, false);
        let lost_margin = mean(|r| r.lost_margin, false);
        KnobOutcome {
            value: self.value,
            oversold: mean(|r| r.oversold, true),
            penalty,
            lost_margin,
            cost: penalty + lost_margin,
            p_cancel_rate_over_limit: limited.then(|| self.risk()),
            trials: self.trials(),
        }
    }

    fn risk(&self) -> f64 {
        if self.records.is_empty() {
            return 0.0;
        }
        let over = self.records.iter().filter(|r| r.over).count();
        over as f64 / self.records.len() as f64
    }
}

/// The search of one SKU: its arms (values run so far) and the comparisons made.
pub struct SkuSearch<'a> {
    seq: Sequential,
    seed: u64,
    max: i64,
    /// The channels the knob is set on.
    tuned: &'a [usize],
    load: &'a dyn Fn(i64) -> anyhow::Result<Scenario>,
    arms: Vec<Option<Arm>>,
    tests: Vec<Option<PairTest>>,
    /// Per trial: its record, when it had no order on a tuned channel (the same at every value).
    quiet: Vec<Option<Record>>,
    /// Whether the scenario has a cancel-rate limit.
    limited: bool,
}

/// What the search of one SKU found.
pub struct Found {
    /// The recommended value.
    pub value: i64,
    /// Results at every value run, by value.
    pub curve: Vec<KnobOutcome>,
    /// The comparisons with the recommendation's neighbours.
    pub neighbours: Vec<NeighbourTest>,
    /// Whether every neighbour comparison is decided in the recommendation's favour.
    pub decided: bool,
    /// Trials the engine ran over all values (a quiet trial runs once for all of them).
    pub trials: u64,
    /// A remark (a fallback, or no value under the cap).
    pub note: Option<String>,
    /// Whether the recommendation meets the risk cap; `None` without one.
    pub meets_risk_cap: Option<bool>,
}

impl<'a> SkuSearch<'a> {
    /// A search over `0..=max`; `load(v)` gives the SKU's scenario with the knob at `v`.
    pub fn new(
        seq: Sequential,
        seed: u64,
        max: i64,
        tuned: &'a [usize],
        load: &'a dyn Fn(i64) -> anyhow::Result<Scenario>,
    ) -> SkuSearch<'a> {
        SkuSearch {
            seq,
            seed,
            max,
            tuned,
            load,
            arms: (0..=max).map(|_| None).collect(),
            tests: (0..max).map(|_| None).collect(),
            quiet: Vec::new(),
            limited: false,
        }
    }

    fn arm(&mut self, value: i64, trials: u64) -> anyhow::Result<&Arm> {
        let slot = &mut self.arms[value as usize];
        if slot.is_none() {
            let scenario = (self.load)(value)?;
            self.limited = has_limit(&scenario, Scope::Total);
            *slot = Some(Arm::new(value, scenario));
        }
        let arm = slot.as_mut().expect("just filled");
        arm.extend_to(trials, self.seed, self.tuned, &mut self.quiet)?;
        Ok(arm)
    }

    /// The sequential test of `value` against `value + 1` (cached).
    fn test(&mut self, value: i64) -> anyhow::Result<PairTest> {
        if let Some(test) = self.tests[value as usize] {
            return Ok(test);
        }
        let mut last = None;
        for n in self.seq.looks() {
            self.arm(value, n)?;
            self.arm(value + 1, n)?;
            let (low, high) = (
                self.arms[value as usize].as_ref().expect("run"),
                self.arms[value as usize + 1].as_ref().expect("run"),
            );
            let test = paired(
                &low.costs[..n as usize],
                &high.costs[..n as usize],
                &self.seq,
            );
            last = Some(test);
            if test.verdict != Verdict::Undecided {
                break;
            }
        }
        let test = last.expect("at least one look");
        self.tests[value as usize] = Some(test);
        Ok(test)
    }

    /// Galloping then bisection: the smallest value whose step up is not cheaper.
    fn bisect(&mut self) -> anyhow::Result<i64> {
        let (mut lo, mut hi) = (0, self.max);
        let (mut probe, mut step) = (0, 1);
        while probe < self.max {
            if self.test(probe)?.not_cheaper() {
                hi = probe;
                break;
            }
            lo = probe + 1;
            probe += step;
            step *= 2;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.test(mid)?.not_cheaper() {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(lo)
    }

    /// Whether the decided verdicts contradict unimodality: a step decided dearer below one
    /// decided cheaper.
    fn contradicted(&self) -> bool {
        let decided: Vec<(usize, Verdict)> = (self.tests.iter().enumerate())
            .filter_map(|(v, t)| t.map(|t| (v, t.verdict)))
            .filter(|(_, v)| *v != Verdict::Undecided)
            .collect();
        decided.iter().any(|&(a, va)| {
            va == Verdict::Dearer
                && decided
                    .iter()
                    .any(|&(b, vb)| b > a && vb == Verdict::Cheaper)
        })
    }

    /// Runs every value to the cap and returns the cheapest (the smallest on a tie) among those
    /// `within` the risk cap.
    fn cheapest_of_all(&mut self, within: &dyn Fn(&Arm) -> bool) -> anyhow::Result<Option<i64>> {
        let cap = self.seq.cap;
        let mut best: Option<(i64, f64)> = None;
        for v in 0..=self.max {
            let arm = self.arm(v, cap)?;
            let cost = arm.outcome(false).cost;
            if within(arm) && best.is_none_or(|(_, c)| cost < c) {
                best = Some((v, cost));
            }
        }
        Ok(best.map(|(v, _)| v))
    }

    /// Searches the SKU. `search` picks the method, `cap` is `--max-cancel-risk`.
    pub fn run(mut self, search: Search, risk_cap: Option<f64>) -> anyhow::Result<Found> {
        let cap_trials = self.seq.cap;
        let within = move |arm: &Arm| risk_cap.is_none_or(|c| arm.risk() <= c);
        let mut note = None;
        let mut best = match search {
            Search::Exhaustive => None,
            Search::Fast => {
                let found = self.bisect()?;
                if self.contradicted() {
                    note = Some(
                        "the decided comparisons are not unimodal in the knob: every value was \
                         run to the trial cap"
                            .to_owned(),
                    );
                    None
                } else {
                    Some(found)
                }
            }
        };
        let mut meets = risk_cap.map(|_| true);
        if best.is_none() {
            best = self.cheapest_of_all(&within)?;
        } else if let (Some(_), Some(b)) = (risk_cap, best) {
            // Risk falls as the knob rises (the same monotonicity): the smallest value within the
            // cap at or above the cheapest, by bisection on the full trials.
            if !within(self.arm(b, cap_trials)?) {
                let (mut lo, mut hi) = (b + 1, self.max);
                if !within(self.arm(hi, cap_trials)?) {
                    best = None;
                } else {
                    while lo < hi {
                        let mid = lo + (hi - lo) / 2;
                        if within(self.arm(mid, cap_trials)?) {
                            hi = mid;
                        } else {
                            lo = mid + 1;
                        }
                    }
                    best = Some(lo);
                }
            }
        }
        let value = match best {
            Some(v) => v,
            None => {
                // No value within the cap: the least risky of all, every value run.
                let mut safest = (0, f64::INFINITY, f64::INFINITY);
                for v in 0..=self.max {
                    let arm = self.arm(v, cap_trials)?;
                    let (risk, cost) = (arm.risk(), arm.outcome(false).cost);
                    if (risk, cost) < (safest.1, safest.2) {
                        safest = (v, risk, cost);
                    }
                }
                meets = Some(false);
                note = Some(format!(
                    "no value up to {} keeps P(cancel rate over limit) at or below {}; the lowest \
                     risk is {:.4}, at {}",
                    self.max,
                    risk_cap.unwrap_or(0.0),
                    safest.1,
                    safest.0
                ));
                safest.0
            }
        };
        // The report shows the recommendation and 0 (with --max 0 nothing was compared).
        for v in [0, value] {
            if self.arms[v as usize].is_none() {
                self.arm(v, cap_trials)?;
            }
        }
        let neighbours = self.neighbours(value, risk_cap)?;
        let decided = meets != Some(false)
            && neighbours
                .iter()
                .all(|t| t.verdict == "cost" || t.verdict == "risk");
        let curve: Vec<KnobOutcome> = (self.arms.iter().flatten())
            .map(|arm| arm.outcome(self.limited))
            .collect();
        let trials = (self.arms.iter().flatten()).map(|a| a.simulated).sum();
        Ok(Found {
            value,
            curve,
            neighbours,
            decided,
            trials,
            note,
            meets_risk_cap: meets,
        })
    }

    /// The comparisons of `value` with its neighbours: the one below must cost more or be over
    /// the risk cap, the one above must cost more.
    fn neighbours(
        &mut self,
        value: i64,
        risk_cap: Option<f64>,
    ) -> anyhow::Result<Vec<NeighbourTest>> {
        let mut out = Vec::new();
        if value > 0 {
            let below = value - 1;
            let cost = self.test(below)?;
            let risk = match risk_cap {
                Some(cap) => Some(self.risk_test(below, cap)?),
                None => None,
            };
            let test = match (cost.verdict, risk) {
                (Verdict::Cheaper, _) => neighbour(below, "cost", -cost.mean, cost),
                (_, Some(risk)) if risk.verdict == "risk" => risk,
                (Verdict::Dearer, _) => neighbour(below, "lost", -cost.mean, cost),
                (Verdict::Undecided, _) => neighbour(below, "undecided", -cost.mean, cost),
            };
            out.push(test);
        }
        if value < self.max {
            let cost = self.test(value)?;
            let verdict = match cost.verdict {
                Verdict::Dearer => "cost",
                Verdict::Cheaper => "lost",
                Verdict::Undecided => "undecided",
            };
            out.push(neighbour(value + 1, verdict, cost.mean, cost));
        }
        Ok(out)
    }

    /// Whether `value` is over the risk cap, decided on its trials at the cap by a one-sample
    /// normal test at the same level.
    fn risk_test(&mut self, value: i64, cap: f64) -> anyhow::Result<NeighbourTest> {
        let trials = self.seq.cap;
        let z_crit = self.seq.z;
        let arm = self.arm(value, trials)?;
        let p = arm.risk();
        let n = arm.trials() as f64;
        let se = (p * (1.0 - p) / n).sqrt();
        let z = if se > 0.0 { (p - cap) / se } else { 0.0 };
        let verdict = if z > z_crit { "risk" } else { "undecided" }.to_owned();
        Ok(NeighbourTest {
            value,
            verdict,
            difference: p - cap,
            z,
            trials: arm.trials(),
        })
    }
}
