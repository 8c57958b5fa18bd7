//! The search along one varied key for the value where a target stops holding: the grid values
//! around the crossing, refined by bisection on the same trials and seed.

use serde::Serialize;

use super::edit::KeyKind;
use super::target::Target;

/// Bisection steps between two grid values of a continuous key.
pub const REFINE_STEPS: usize = 8;
/// Bisection steps at most for a whole-number key (it stops at adjacent integers).
const MAX_INTEGER_STEPS: usize = 64;

/// The target measured at one value of the varied key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    /// The key's value (seconds for durations).
    pub value: f64,
    /// The value as a user writes it.
    pub label: String,
    /// The measure there.
    pub measured: f64,
    /// The 95% confidence interval of the measure, where one is known.
    pub ci95: Option<[f64; 2]>,
    /// Whether the target holds there.
    pub meets: bool,
}

/// What the search found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Holds at the low end, fails at the high end: the largest value that meets it.
    Largest,
    /// Fails at the low end, holds at the high end: the smallest value that meets it.
    Smallest,
    /// No grid value meets it.
    NoneMeet,
    /// Every grid value meets it.
    AllMeet,
    /// It holds (or fails) at both ends but not in between: no single boundary.
    NotMonotone,
}

/// The answer to a `--target`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    /// The expression as given.
    pub expr: String,
    /// The measured side (`channels.amazon.p_cancel_rate_over_limit`).
    pub measure: String,
    /// The number the measure is compared with.
    pub threshold: f64,
    /// What was found.
    pub outcome: Outcome,
    /// Largest / smallest: the value found, the last one tried that meets the target.
    pub boundary: Option<Probe>,
    /// Largest / smallest: the nearest value tried that fails it.
    pub failing: Option<Probe>,
    /// No value / every value: the grid value closest to failing (every value) or to meeting
    /// (no value).
    pub closest: Option<Probe>,
    /// Largest / smallest, when the measure has confidence intervals: the values tried nearest
    /// the boundary on either side whose whole 95% interval meets (or fails) the target; the
    /// boundary lies between them with about 95% confidence. `None` when no value tried is clear
    /// on one side.
    pub plausible: Option<[Probe; 2]>,
    /// Grid values past the boundary where the target holds again (a noisy or non-monotone
    /// measure); empty when none.
    pub meets_again: Vec<String>,
    /// The target at each grid value.
    pub grid: Vec<Probe>,
    /// The bisection steps, in the order tried.
    pub refinement: Vec<Probe>,
}

/// Finds where `target` stops holding along the grid `probes` (ascending values of a key of
/// `kind`), refining between the two grid values around it by bisection with `probe`, which
/// measures the target at a value.
pub fn search(
    target: &Target,
    kind: KeyKind,
    grid: Vec<Probe>,
    mut probe: impl FnMut(f64) -> anyhow::Result<Probe>,
) -> anyhow::Result<TargetResult> {
    let met: Vec<bool> = grid.iter().map(|p| p.meets).collect();
    let mut result = TargetResult {
        expr: target.expr.clone(),
        measure: target.measure.clone(),
        threshold: target.threshold(),
        outcome: Outcome::NotMonotone,
        boundary: None,
        failing: None,
        closest: None,
        plausible: None,
        meets_again: Vec::new(),
        grid,
        refinement: Vec::new(),
    };
    let (first, last) = (met[0], met[met.len() - 1]);
    if met.iter().all(|m| *m) {
        result.outcome = Outcome::AllMeet;
        result.closest = closest(target, &result.grid, false);
        return Ok(result);
    }
    if !met.iter().any(|m| *m) {
        result.outcome = Outcome::NoneMeet;
        result.closest = closest(target, &result.grid, true);
        return Ok(result);
    }
    let (meeting, failing, outcome) = if first && !last {
        let i = met.iter().position(|m| !m).expect("some value fails");
        (i - 1, i, Outcome::Largest)
    } else if !first && last {
        let j = met.iter().rposition(|m| !m).expect("some value fails");
        (j + 1, j, Outcome::Smallest)
    } else {
        return Ok(result);
    };
    result.outcome = outcome;
    result.meets_again = result
        .grid
        .iter()
        .enumerate()
        .filter(|(k, p)| {
            p.meets
                && match outcome {
                    Outcome::Largest => *k > failing,
                    _ => *k < failing,
                }
        })
        .map(|(_, p)| p.label.clone())
        .collect();
    let mut ok = result.grid[meeting].clone();
    let mut bad = result.grid[failing].clone();
    let steps = if kind.is_continuous() {
        REFINE_STEPS
    } else {
        MAX_INTEGER_STEPS
    };
    for _ in 0..steps {
        let Some(mid) = midpoint(kind, ok.value, bad.value) else {
            break;
        };
        let p = probe(mid)?;
        result.refinement.push(p.clone());
        if p.meets {
            ok = p;
        } else {
            bad = p;
        }
    }
    result.plausible = plausible(target, &result, ok.value, bad.value);
    result.boundary = Some(ok);
    result.failing = Some(bad);
    Ok(result)
}

/// The values tried nearest the boundary (between `ok` and `bad`) whose whole confidence
/// interval is on one side of the threshold, ascending.
fn plausible(target: &Target, result: &TargetResult, ok: f64, bad: f64) -> Option<[Probe; 2]> {
    let tried: Vec<&Probe> = result.grid.iter().chain(&result.refinement).collect();
    let ends = |p: &Probe| {
        let [lo, hi] = p.ci95?;
        Some(if target.lower_is_better() {
            (hi, lo)
        } else {
            (lo, hi)
        })
    };
    // Meets even at the worse end of its interval, or fails even at the better end.
    let clearly_meets = |p: &&Probe| ends(p).is_some_and(|(worse, _)| target.meets(worse));
    let clearly_fails = |p: &&Probe| ends(p).is_some_and(|(_, better)| !target.meets(better));
    // The probe nearest `from` among those at or beyond it, away from `other`, that are clear.
    let nearest = |from: f64, other: f64, clear: &dyn Fn(&&Probe) -> bool| {
        tried
            .iter()
            .filter(|p| clear(p) && (p.value - from) * (from - other) >= 0.0)
            .min_by(|a, b| (a.value - from).abs().total_cmp(&(b.value - from).abs()))
            .map(|p| (*p).clone())
    };
    let meeting = nearest(ok, bad, &clearly_meets)?;
    let failing = nearest(bad, ok, &clearly_fails)?;
    let mut pair = [meeting, failing];
    pair.sort_by(|a, b| a.value.total_cmp(&b.value));
    Some(pair)
}

/// The grid value whose measure is best (`best`) or worst for the target.
fn closest(target: &Target, grid: &[Probe], best: bool) -> Option<Probe> {
    let key = |p: &Probe| {
        let goodness = if target.lower_is_better() {
            -p.measured
        } else {
            p.measured
        };
        if best { goodness } else { -goodness }
    };
    grid.iter()
        .max_by(|a, b| key(a).total_cmp(&key(b)))
        .cloned()
}

/// The value halfway between `a` and `b` as the key can hold it (whole numbers, whole seconds);
/// `None` when there is none strictly between them.
fn midpoint(kind: KeyKind, a: f64, b: f64) -> Option<f64> {
    let mid = (a + b) / 2.0;
    let mid = match kind {
        KeyKind::Integer | KeyKind::Duration => mid.floor(),
        KeyKind::Number | KeyKind::Probability => mid,
    };
    let (lo, hi) = (a.min(b), a.max(b));
    (mid > lo && mid < hi).then_some(mid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::target::Target;

    fn probe(value: f64, measured: f64, target: &Target) -> Probe {
        Probe {
            value,
            label: format!("{value}"),
            measured,
            ci95: None,
            meets: target.meets(measured),
        }
    }

    /// A measure that rises linearly: value v gives v / 10.
    fn rising(target: &Target, kind: KeyKind, grid: &[f64]) -> TargetResult {
        let probes = grid.iter().map(|&v| probe(v, v / 10.0, target)).collect();
        search(target, kind, probes, |v| Ok(probe(v, v / 10.0, target))).unwrap()
    }

    #[test]
    fn bisection_finds_the_largest_value_on_a_rising_measure() {
        let t = Target::parse("total.oversold.mean<=3.3").unwrap();
        let r = rising(&t, KeyKind::Integer, &[0.0, 10.0, 60.0]);
        assert_eq!(r.outcome, Outcome::Largest);
        // 33 / 10 = 3.3 meets, 34 fails: exact on integers.
        assert_eq!(r.boundary.unwrap().value, 33.0);
        assert_eq!(r.failing.unwrap().value, 34.0);
        let r = rising(&t, KeyKind::Number, &[0.0, 10.0, 60.0]);
        let found = r.boundary.unwrap().value;
        // Eight halvings of [10, 60]: within 50 / 256 below 33.
        assert!(found <= 33.0 && found > 33.0 - 50.0 / 256.0, "{found}");
        assert_eq!(r.refinement.len(), REFINE_STEPS);
    }

    #[test]
    fn bisection_finds_the_smallest_value_on_a_rising_good() {
        let t = Target::parse("total.fulfilled.mean>=2.5").unwrap();
        let r = rising(&t, KeyKind::Integer, &[0.0, 20.0, 40.0]);
        assert_eq!(r.outcome, Outcome::Smallest);
        assert_eq!(r.boundary.unwrap().value, 25.0);
        assert_eq!(r.failing.unwrap().value, 24.0);
    }

    #[test]
    fn no_value_and_every_value_are_said_plainly() {
        let t = Target::parse("total.oversold.mean<=0.5").unwrap();
        let r = rising(&t, KeyKind::Integer, &[10.0, 20.0]);
        assert_eq!(r.outcome, Outcome::NoneMeet);
        assert_eq!(r.closest.unwrap().value, 10.0);
        assert!(r.refinement.is_empty());
        let r = rising(
            &Target::parse("total.oversold.mean<=50").unwrap(),
            KeyKind::Integer,
            &[10.0, 20.0],
        );
        assert_eq!(r.outcome, Outcome::AllMeet);
        assert_eq!(r.closest.unwrap().value, 20.0);
    }

    #[test]
    fn midpoints_respect_the_key() {
        assert_eq!(midpoint(KeyKind::Integer, 3.0, 4.0), None);
        assert_eq!(midpoint(KeyKind::Integer, 3.0, 6.0), Some(4.0));
        assert_eq!(midpoint(KeyKind::Duration, 900.0, 901.0), None);
        assert_eq!(midpoint(KeyKind::Duration, 60.0, 300.0), Some(180.0));
        assert_eq!(midpoint(KeyKind::Number, 1.0, 2.0), Some(1.5));
    }
}
