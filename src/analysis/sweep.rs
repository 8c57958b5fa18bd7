//! A scenario run at every point of a grid of values of one or more keys, all points on common
//! random numbers (the same trials and seed), with the polling cost of each point and, for one
//! varied key, the value where a target stops holding.
//!
//! Pure: the `sweep` command writes what it finds.

use serde::Serialize;

use super::boundary::{Probe, TargetResult, search};
use super::edit::{EditError, KeyRef, ScenarioDoc};
use super::input::InputError;
use super::polling::{PollingCost, polling_cost};
use super::target::{Target, wilson};
use super::vary::{Vary, grid, grid_size};
use crate::montecarlo::{RunConfig, for_each_trial};
use crate::scenario::Scenario;
use crate::sim::Plan;
use crate::stats::{RunAccumulator, RunSummary};

/// The most grid points a sweep may have.
pub const MAX_POINTS: usize = 10_000;

/// How a sweep reports progress.
pub struct Progress<'a> {
    /// Called with the number of trials just finished, from any worker.
    pub trials: &'a (dyn Fn(u64) + Sync),
    /// Called with the number of trials a bisection step adds to the work.
    pub more: &'a dyn Fn(u64),
}

/// A sweep ready to run: every grid point loaded and checked.
#[derive(Debug)]
pub struct SweepPlan {
    doc: ScenarioDoc,
    varies: Vec<Vary>,
    target: Option<Target>,
    /// Per grid point: the index of its value in each vary, and the scenario there.
    points: Vec<(Vec<usize>, Scenario)>,
}

/// A sweep's results. Serialises to `sweep.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    /// Scenario name.
    pub scenario: String,
    /// The scenario file.
    pub file: String,
    /// Trials per grid point.
    pub trials: u64,
    /// Base seed shared by every point.
    pub seed: u64,
    /// Currency of penalties and margins.
    pub currency: String,
    /// The varied keys, in the order given.
    pub vary: Vec<Vary>,
    /// Every grid point, the first key varying slowest.
    pub points: Vec<SweepPoint>,
    /// The answer to `--target`, if one was given.
    pub target: Option<TargetResult>,
}

/// The scenario at one grid point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// One value per varied key (seconds for durations).
    pub values: Vec<f64>,
    /// The values as a user writes them.
    pub labels: Vec<String>,
    /// Wilson 95% interval of the share of trials with any channel over its cancel-rate limit;
    /// `None` without limits.
    pub p_cancel_rate_over_limit_ci95: Option<[f64; 2]>,
    /// The target measured here, if there is a target.
    pub target: Option<Probe>,
    /// Polls and API requests per hour.
    pub polling: PollingCost,
    /// The full run summary, as in `summary.json`.
    pub summary: RunSummary,
}

impl SweepPlan {
    /// Checks the varied keys and the target, and loads the scenario at every grid point.
    pub fn new(
        doc: ScenarioDoc,
        varies: Vec<Vary>,
        target: Option<Target>,
    ) -> Result<SweepPlan, InputError> {
        if varies.is_empty() {
            return Err(InputError::flag(
                "--vary",
                "give at least one --vary PATH=VALUES",
            ));
        }
        for (i, vary) in varies.iter().enumerate() {
            if let Some(other) = varies[..i].iter().find(|v| v.overlaps(vary)) {
                return Err(InputError::vary(
                    &vary.arg,
                    format!("`{}` is already varied by --vary {}", vary.path, other.arg),
                ));
            }
        }
        grid_size(&varies, MAX_POINTS)?;
        if let Some(target) = &target {
            target.check(&doc.scenario)?;
            if varies.len() != 1 {
                return Err(InputError::target(
                    &target.expr,
                    format!(
                        "a target searches along one varied key, and {} are varied; give one \
                         --vary",
                        varies.len()
                    ),
                ));
            }
        }
        // Each value alone first, so that an error names the --vary and the value at fault.
        for vary in &varies {
            for (value, label) in vary.values.iter().zip(&vary.labels) {
                doc.load(&vary.edits(*value))
                    .map_err(|e| InputError::vary(&vary.arg, format!("at {label}: {e}")))?;
            }
        }
        let indices = grid(&varies);
        let mut points = Vec::with_capacity(indices.len());
        for index in indices {
            let edits: Vec<(&KeyRef, f64)> = varies
                .iter()
                .zip(&index)
                .flat_map(|(v, &i)| v.edits(v.values[i]))
                .collect();
            let scenario = doc.load(&edits).map_err(|e| {
                let at: Vec<String> = varies
                    .iter()
                    .zip(&index)
                    .map(|(v, &i)| format!("{}={}", v.path, v.labels[i]))
                    .collect();
                InputError::flag("--vary", format!("at {}: {e}", at.join(", ")))
            })?;
            points.push((index, scenario));
        }
        Ok(SweepPlan {
            doc,
            varies,
            target,
            points,
        })
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Runs every grid point with `config`, then refines the target, if any.
    pub fn run(&self, config: RunConfig, progress: &Progress<'_>) -> anyhow::Result<Sweep> {
        let mut points = Vec::with_capacity(self.points.len());
        for (index, scenario) in &self.points {
            let summary = run_point(scenario, config, progress.trials)?;
            let target = self.target.as_ref().map(|t| {
                let v = &self.varies[0];
                probe(t, v.values[index[0]], &v.labels[index[0]], &summary)
            });
            points.push(SweepPoint {
                values: self
                    .varies
                    .iter()
                    .zip(index)
                    .map(|(v, &i)| v.values[i])
                    .collect(),
                labels: self
                    .varies
                    .iter()
                    .zip(index)
                    .map(|(v, &i)| v.labels[i].clone())
                    .collect(),
                p_cancel_rate_over_limit_ci95: summary
                    .total
                    .p_cancel_rate_over_limit
                    .map(|p| wilson(p, summary.trials)),
                target,
                polling: polling_cost(scenario),
                summary,
            });
        }
        let target = match &self.target {
            Some(target) => Some(self.refine(target, &points, config, progress)?),
            None => None,
        };
        let base = &self.doc.scenario;
        Ok(Sweep {
            scenario: base.name.clone(),
            file: self.doc.origin.clone(),
            trials: config.trials,
            seed: config.seed,
            currency: base.currency.clone(),
            vary: self.varies.clone(),
            points,
            target,
        })
    }

    /// Bisects between the grid values around the target's boundary.
    fn refine(
        &self,
        target: &Target,
        points: &[SweepPoint],
        config: RunConfig,
        progress: &Progress<'_>,
    ) -> anyhow::Result<TargetResult> {
        let vary = &self.varies[0];
        let grid: Vec<Probe> = points.iter().filter_map(|p| p.target.clone()).collect();
        search(target, vary.kind, grid, |value| {
            let label = vary.label(value);
            let scenario = self.doc.load(&vary.edits(value)).map_err(|e| match e {
                EditError::Path(m) => InputError::vary(&vary.arg, m),
                e => InputError::vary(&vary.arg, format!("at {label} (a bisection step): {e}")),
            })?;
            (progress.more)(config.trials);
            let summary = run_point(&scenario, config, progress.trials)?;
            Ok(probe(target, value, &label, &summary))
        })
    }
}

/// Runs `scenario` with `config` and summarises it, streaming the trials.
fn run_point(
    scenario: &Scenario,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> anyhow::Result<RunSummary> {
    let plan = Plan::new(scenario.clone());
    let mut stats = RunAccumulator::new(&plan.scenario);
    for_each_trial(&plan, config, progress, |_, outcome| {
        stats.push(&plan.scenario, outcome);
        Ok(())
    })?;
    Ok(stats.summary(&plan.scenario, config.seed))
}

/// The target measured in `summary`, at `value` of the varied key.
fn probe(target: &Target, value: f64, label: &str, summary: &RunSummary) -> Probe {
    // `check` made sure the measure exists; a missing one reads as not met.
    let (measured, ci95) = target.measured(summary).unwrap_or((f64::NAN, None));
    Probe {
        value,
        label: label.to_owned(),
        measured,
        ci95,
        meets: target.meets(measured),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::boundary::Outcome;
    use crate::scenario::{BUILTIN_REFERENCE, load_str};

    fn doc() -> ScenarioDoc {
        let scenario = load_str("reference.toml", BUILTIN_REFERENCE).unwrap();
        ScenarioDoc::new("reference.toml", BUILTIN_REFERENCE, scenario).unwrap()
    }

    fn config() -> RunConfig {
        RunConfig {
            trials: 60,
            seed: 9,
            threads: 2,
        }
    }

    const QUIET: Progress<'static> = Progress {
        trials: &|_| {},
        more: &|_| {},
    };

    #[test]
    fn a_grid_point_equals_a_plain_run_of_the_edited_scenario() {
        let d = doc();
        let vary = Vary::parse("channels.amazon.buffer=0,4", &d).unwrap();
        let plan = SweepPlan::new(d, vec![vary], None).unwrap();
        let sweep = plan.run(config(), &QUIET).unwrap();
        assert_eq!(sweep.points.len(), 2);
        let text = BUILTIN_REFERENCE.replacen("buffer = 2", "buffer = 4", 1);
        let edited = load_str("reference.toml", &text).unwrap();
        let direct = run_point(&edited, config(), &|_| {}).unwrap();
        assert_eq!(sweep.points[1].summary, direct);
        assert_eq!(sweep.points[1].labels, ["4"]);
    }

    #[test]
    fn a_value_the_model_refuses_names_the_vary() {
        let d = doc();
        let vary = Vary::parse("channels.amazon.buffer=-1,0", &d).unwrap();
        let e = SweepPlan::new(d, vec![vary], None).unwrap_err().to_string();
        assert_eq!(
            e,
            "--vary channels.amazon.buffer=-1,0: at -1: channels.amazon.buffer: expected a \
             whole number of at least 0, found -1"
        );
    }

    #[test]
    fn a_target_needs_exactly_one_vary_and_an_existing_channel() {
        let d = doc();
        let a = Vary::parse("channels.amazon.buffer=0,1", &d).unwrap();
        let b = Vary::parse("channels.walmart.buffer=0,1", &d).unwrap();
        let t = Target::parse("total.penalty.mean<=5").unwrap();
        let e = SweepPlan::new(d.clone(), vec![a.clone(), b], Some(t)).unwrap_err();
        assert!(e.to_string().contains("give one --vary"), "{e}");
        let t = Target::parse("channels.ebay.penalty.mean<=5").unwrap();
        let e = SweepPlan::new(d.clone(), vec![a.clone()], Some(t)).unwrap_err();
        assert!(e.to_string().contains("no channel is called `ebay`"), "{e}");
        let t = Target::parse("channels.pos.p_cancel_rate_over_limit<=0.1").unwrap();
        let e = SweepPlan::new(d, vec![a], Some(t)).unwrap_err();
        assert!(
            e.to_string().contains("`pos` has no cancel_rate_limit"),
            "{e}"
        );
    }

    #[test]
    fn a_buffer_target_finds_the_smallest_buffer_on_exact_integers() {
        let d = doc();
        let vary = Vary::parse("channels.amazon.buffer=0,6", &d).unwrap();
        let t = Target::parse("channels.amazon.oversold.mean<=0.03").unwrap();
        let plan = SweepPlan::new(d, vec![vary], Some(t)).unwrap();
        let sweep = plan.run(config(), &QUIET).unwrap();
        let result = sweep.target.unwrap();
        assert_eq!(result.outcome, Outcome::Smallest, "{result:?}");
        let (found, failing) = (result.boundary.unwrap(), result.failing.unwrap());
        assert!(found.meets && !failing.meets);
        assert_eq!(found.value, failing.value + 1.0);
    }
}
