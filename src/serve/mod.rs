//! `oversell serve`: the live what-if page. The stacks and the page are compiled in; a request
//! names a stack and the knobs, the Monte Carlo runs on common random numbers (the same seed, so
//! the same orders, for every request) with a trial count fitted to the time budget, and the
//! answer is JSON with an inline SVG chart. Everything here is free of sockets: `commands::serve`
//! moves bytes between the network and [`App::handle`], so the tests call it directly.

mod chart;
mod params;
pub mod stacks;

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::montecarlo::{RunConfig, for_each_trial};
use crate::scenario::{Scenario, expected_events};
use crate::sim::Plan;
use crate::stats::{Metric, RunAccumulator, RunSummary, ScopeSummary};
pub use params::{MAX_BODY_BYTES, MAX_URL_BYTES, Query};

use stacks::{Defaults, Knobs, STACK_FILES, StackFile};

/// The slider moves `bench --workload serve` and the HTTP latency test replay: the stacks
/// they visit, eight moves each in turn.
pub const LATENCY_STACKS: [&str; 5] = [
    "polling-15m",
    "erp-hourly",
    "safety-stock",
    "on-hand",
    "catalog-20",
];

/// One slider (or two) moved; a move a stack has no knob for is refused and not counted, as
/// the page greys that slider out.
pub const LATENCY_MOVES: [&str; 14] = [
    "poll=1800",
    "poll=300",
    "poll=3600",
    "webhook=120",
    "webhook=10",
    "feed=600",
    "feed=60",
    "buffer=2",
    "buffer=5",
    "demand=1.5",
    "demand=0.5",
    "demand=2",
    "poll=600&buffer=1",
    "demand=1.2&feed=300",
];

/// Fewest trials a request runs, whatever the budget: below this the intervals say little.
pub const MIN_TRIALS: u64 = 10;
/// Most trials a request runs: past this the interval is already narrower than a chart's pixel.
pub const MAX_TRIALS: u64 = 20_000;

/// The page and its assets, compiled in: nothing is fetched from anywhere else.
const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// How the server runs the Monte Carlo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Base seed of every request (common random numbers).
    pub seed: u64,
    /// Worker threads of a run.
    pub threads: usize,
    /// Time one request's Monte Carlo should take; the trial count is fitted to it.
    pub budget: Duration,
    /// A fixed trial count instead of the fitted one.
    pub trials: Option<u64>,
}

/// One stack, ready to serve.
#[derive(Debug)]
pub struct Stack {
    /// The embedded file.
    pub file: StackFile,
    /// Its text as the page starts from it.
    pub text: String,
    /// The scenario as shipped.
    pub scenario: Scenario,
    /// Its knobs as shipped.
    pub defaults: Defaults,
    /// Trials per request as shipped; a setting whose trials handle more events runs fewer.
    pub trials: u64,
    /// Expected events of one trial as shipped (MODEL: orders, polls, deliveries).
    pub events: f64,
    /// The result of the stack as shipped, drawn beside every answer.
    pub baseline: Outcome,
}

/// The server's state: every stack, calibrated.
#[derive(Debug)]
pub struct App {
    /// The stacks, in picker order.
    pub stacks: Vec<Stack>,
    settings: Settings,
}

/// A mean (or share) with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The mean.
    pub mean: f64,
    /// Lower end of the 95% confidence interval.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// One channel's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelOutcome {
    /// The channel.
    pub name: String,
    /// Oversold orders per day.
    pub oversells_per_day: Estimate,
    /// Share of runs in which the worst-window cancel rate went over the limit (a marketplace).
    pub cancel_risk: Option<Estimate>,
    /// The cancel-rate limit, a fraction.
    pub limit: Option<f64>,
    /// The window the limit is judged on, days.
    pub window_days: Option<f64>,
}

/// What one request answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The stack's slug.
    pub stack: String,
    /// Trials run.
    pub trials: u64,
    /// Base seed.
    pub seed: u64,
    /// Horizon of one trial, days.
    pub horizon_days: f64,
    /// Currency of the money figures.
    pub currency: String,
    /// Penalties plus lost margin per year, all channels.
    pub cost_per_year: Estimate,
    /// Oversold orders per day, all channels.
    pub oversells_per_day: Estimate,
    /// Share of trials with at least one oversell.
    pub p_any_oversell: f64,
    /// Per channel.
    pub channels: Vec<ChannelOutcome>,
    /// Time the Monte Carlo took, milliseconds.
    pub elapsed_ms: f64,
}

/// An HTTP answer, before it meets the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Content-Type.
    pub content_type: &'static str,
    /// A file name to save the body as (Content-Disposition: attachment).
    pub attachment: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            content_type,
            attachment: None,
            body: body.into(),
        }
    }

    /// An error with a plain-text message.
    pub fn error(status: u16, message: impl std::fmt::Display) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            attachment: None,
            body: format!("{message}\n").into_bytes(),
        }
    }

    fn json(value: &impl Serialize) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply::ok("application/json", body),
            Err(e) => Reply::error(500, format!("encoding the answer: {e}")),
        }
    }
}

impl App {
    /// Loads every stack and fits its trial count to the budget (a short run of each).
    pub fn new(settings: Settings) -> anyhow::Result<App> {
        let mut stacks = Vec::new();
        for file in STACK_FILES {
            let text = file.shipped_text();
            let scenario = file.load(&text)?;
            let defaults = Defaults::of(&scenario);
            let trials = match settings.trials {
                Some(trials) => trials,
                None => calibrate(&scenario, &settings)?,
            };
            let mut baseline = simulate(&file, &scenario, trials, &settings)?;
            // One more fit on the full-size run, which times the budget itself; the baseline
            // is then run again on the final trials, so that the page's settings left as
            // shipped give the baseline's numbers exactly.
            let fitted = match settings.trials {
                None => refit(trials, baseline.elapsed_ms, settings.budget),
                Some(trials) => trials,
            };
            if fitted != trials {
                baseline = simulate(&file, &scenario, fitted, &settings)?;
            }
            let trials = fitted;
            stacks.push(Stack {
                events: expected_events(&scenario).total(),
                file,
                text,
                scenario,
                defaults,
                trials,
                baseline,
            });
        }
        Ok(App { stacks, settings })
    }

    /// Answers one request. `body` is the request body, already bounded by the caller.
    pub fn handle(&self, method: &str, url: &str, body: &[u8]) -> Reply {
        if url.len() > MAX_URL_BYTES {
            return Reply::error(400, format!("the address is over {MAX_URL_BYTES} bytes"));
        }
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let static_file = |content_type, text: &str| Reply::ok(content_type, text.as_bytes());
        match (method, path) {
            ("GET" | "HEAD", "/") => static_file("text/html; charset=utf-8", INDEX_HTML),
            ("GET" | "HEAD", "/app.js") => static_file("text/javascript; charset=utf-8", APP_JS),
            ("GET" | "HEAD", "/style.css") => static_file("text/css; charset=utf-8", STYLE_CSS),
            ("GET" | "HEAD", "/api/stacks") => Reply::json(&self.stack_list()),
            ("GET", "/api/run") => self.answer(query, Self::run),
            ("POST", "/api/run") => match std::str::from_utf8(body) {
                Ok(form) => self.answer(form, Self::run),
                Err(_) => Reply::error(400, "the body is not UTF-8"),
            },
            ("GET", "/download") => self.answer(query, Self::download),
            ("GET" | "HEAD", path) if path.starts_with("/catalog/") => self.catalog(path),
            (_, "/" | "/app.js" | "/style.css" | "/api/stacks" | "/api/run" | "/download") => {
                Reply::error(405, format!("{method} is not allowed on {path}"))
            }
            _ => Reply::error(404, format!("nothing at {path}")),
        }
    }

    /// Parses `query` and hands it to `then`, or answers 400 with the parser's message.
    fn answer(&self, query: &str, then: fn(&App, &Stack, &Knobs) -> Reply) -> Reply {
        match Query::parse(query, &self.stacks) {
            Ok(q) => then(self, &self.stacks[q.stack], &q.knobs),
            Err(message) => Reply::error(400, message),
        }
    }

    /// Runs the stack with `knobs` and answers the numbers and the chart.
    fn run(&self, stack: &Stack, knobs: &Knobs) -> Reply {
        let scenario = match self.edited(stack, knobs) {
            Ok((_, scenario)) => scenario,
            Err(reply) => return reply,
        };
        let trials = trials_for(
            stack.trials,
            stack.events / expected_events(&scenario).total(),
        );
        match simulate(&stack.file, &scenario, trials, &self.settings) {
            Ok(outcome) => {
                let svg = chart::chart_svg(&outcome, &stack.baseline);
                Reply::json(&serde_json::json!({
                    "outcome": outcome,
                    "baseline": stack.baseline,
                    "svg": svg,
                }))
            }
            Err(e) if e.downcast_ref::<crate::interrupt::Interrupted>().is_some() => {
                Reply::error(503, "the server is stopping")
            }
            Err(e) => Reply::error(500, format!("{e:#}")),
        }
    }

    /// The scenario file of the stack with `knobs`, as `oversell run` reads it.
    fn download(&self, stack: &Stack, knobs: &Knobs) -> Reply {
        let (text, _) = match self.edited(stack, knobs) {
            Ok(edited) => edited,
            Err(reply) => return reply,
        };
        let mut file = format!(
            "# Downloaded from `oversell serve`: {} ({}) with the page's settings: {}.\n\
             # Run it with `oversell run {}-what-if.toml`.\n",
            stack.file.slug,
            stack.file.repo_path,
            params::describe(knobs, &stack.defaults),
            stack.file.slug,
        );
        if let Some(horizon) = stack.file.horizon {
            file.push_str(&format!(
                "# The horizon is {horizon} here, shorter than the file's, so that the page \
                 answered at once; set it back for the full run.\n"
            ));
        }
        if let Some(catalog) = stack.file.catalog {
            file.push_str(&format!(
                "# Its catalog is `{}` (`[catalog] file` below): save it beside this file, from the \
                 page's link (/catalog/{}) or the repository's {}.\n",
                catalog.file, catalog.file, catalog.repo_path
            ));
        }
        file.push('\n');
        file.push_str(&text);
        Reply {
            attachment: Some(format!("{}-what-if.toml", stack.file.slug)),
            ..Reply::ok("application/toml; charset=utf-8", file)
        }
    }

    /// An embedded catalog, by its file name.
    fn catalog(&self, path: &str) -> Reply {
        let name = &path["/catalog/".len()..];
        match (self.stacks.iter())
            .filter_map(|s| s.file.catalog)
            .find(|c| c.file == name)
        {
            Some(catalog) => Reply {
                attachment: Some(catalog.file.to_owned()),
                ..Reply::ok("text/csv; charset=utf-8", catalog.text)
            },
            None => Reply::error(404, format!("no catalog is called `{name}`")),
        }
    }

    /// The stack's text with `knobs` set, and the scenario it loads as; a 400 when the edited
    /// scenario breaks a rule of the model.
    fn edited(&self, stack: &Stack, knobs: &Knobs) -> Result<(String, Scenario), Reply> {
        let text = stacks::apply(&stack.text, &stack.scenario, &stack.defaults, knobs)
            .map_err(|e| Reply::error(400, e))?;
        let scenario = stack.file.load(&text).map_err(|e| {
            Reply::error(400, format!("these settings make no valid scenario: {e}"))
        })?;
        Ok((text, scenario))
    }

    /// What the page needs to draw the picker and the sliders.
    fn stack_list(&self) -> serde_json::Value {
        let stacks: Vec<serde_json::Value> = (self.stacks.iter())
            .map(|s| {
                let k = &s.defaults.knobs;
                serde_json::json!({
                    "slug": s.file.slug,
                    "name": s.scenario.name,
                    "description": s.scenario.description,
                    "skus": s.scenario.catalog.skus.len(),
                    "horizon_days": s.scenario.horizon / 86_400.0,
                    "trials": s.trials,
                    "marketplaces": s.defaults.marketplaces,
                    "defaults": {
                        "poll": k.poll_every,
                        "webhook": k.webhook_latency,
                        "feed": k.feed_time,
                        "buffer": k.buffer,
                        "demand": k.demand,
                    },
                })
            })
            .collect();
        serde_json::json!({
            "stacks": stacks,
            "seed": self.settings.seed,
            "budget_ms": self.settings.budget.as_secs_f64() * 1000.0,
            "bounds": params::bounds_json(),
        })
    }
}

/// The trials of a setting whose trials handle `lighter` times the events of the stack as
/// shipped (0.5: twice as many, from more demand or faster polls): the time of a trial follows
/// its events. At most twice the shipped count, so a cheap setting does not run away.
fn trials_for(base: u64, lighter: f64) -> u64 {
    let factor = if lighter.is_finite() {
        lighter.clamp(0.05, 2.0)
    } else {
        1.0
    };
    let scaled = ((base as f64 * factor).round() as u64).min(MAX_TRIALS);
    scaled.max(MIN_TRIALS.min(base))
}

/// The trials of `scenario` that fit the budget: doubles a short run until it takes a quarter
/// of the budget, then scales.
fn calibrate(scenario: &Scenario, settings: &Settings) -> anyhow::Result<u64> {
    let plan = Plan::new(scenario.clone());
    let mut trials = 8;
    loop {
        let started = Instant::now();
        run_trials(&plan, trials, settings)?;
        let elapsed = started.elapsed();
        if elapsed * 4 >= settings.budget || trials >= MAX_TRIALS {
            let per_trial = elapsed.as_secs_f64() / trials as f64;
            let fitted = settings.budget.as_secs_f64() / per_trial.max(1e-9);
            return Ok((fitted as u64).clamp(MIN_TRIALS, MAX_TRIALS));
        }
        trials *= 2;
    }
}

/// `trials` scaled so that a run that took `elapsed_ms` takes the budget: the full-size run
/// times the budget better than the short ones of `calibrate`. At most a factor of 4 either
/// way, so one run slowed by a busy machine does not decide alone.
fn refit(trials: u64, elapsed_ms: f64, budget: Duration) -> u64 {
    let budget_ms = budget.as_secs_f64() * 1000.0;
    let factor = (budget_ms / elapsed_ms.max(1e-3)).clamp(0.25, 4.0);
    if (0.9..=1.1).contains(&factor) {
        return trials;
    }
    ((trials as f64 * factor) as u64).clamp(MIN_TRIALS, MAX_TRIALS)
}

fn run_trials(plan: &Plan, trials: u64, settings: &Settings) -> anyhow::Result<RunAccumulator> {
    let config = RunConfig {
        trials,
        seed: settings.seed,
        threads: settings.threads,
    };
    let scenario = &plan.scenario;
    let mut stats = RunAccumulator::new(scenario);
    for_each_trial(plan, config, &|_| {}, |_, outcome| {
        stats.push(scenario, outcome);
        Ok(())
    })?;
    Ok(stats)
}

/// Runs `trials` trials of `scenario` and summarises them for the page.
fn simulate(
    file: &StackFile,
    scenario: &Scenario,
    trials: u64,
    settings: &Settings,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let plan = Plan::new(scenario.clone());
    let stats = run_trials(&plan, trials, settings)?;
    let summary = stats.summary(scenario, settings.seed);
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(outcome(file.slug, &summary, trials, elapsed_ms))
}

/// The page's numbers from a run summary.
fn outcome(slug: &str, summary: &RunSummary, trials: u64, elapsed_ms: f64) -> Outcome {
    let per_day = 86_400.0 / summary.horizon_seconds;
    let per_year = summary.total.extras.per_year;
    let channels = (summary.channels.iter())
        .map(|(name, scope)| ChannelOutcome {
            name: name.clone(),
            oversells_per_day: scaled(scope.metric(Metric::Oversold), per_day),
            cancel_risk: scope.p_cancel_rate_over_limit.map(|p| share(p, trials)),
            limit: scope.extras.cancel_rate_limit,
            window_days: scope
                .extras
                .cancel_rate_window_seconds
                .map(|w| w / 86_400.0),
        })
        .collect();
    let total: &ScopeSummary = &summary.total;
    Outcome {
        stack: slug.to_owned(),
        trials,
        seed: summary.seed,
        horizon_days: summary.horizon_seconds / 86_400.0,
        currency: summary.currency.clone(),
        cost_per_year: scaled(&total.extras.cost, per_year),
        oversells_per_day: scaled(total.metric(Metric::Oversold), per_day),
        p_any_oversell: total.p_any_oversell,
        channels,
        elapsed_ms,
    }
}

/// A mean and its interval, times `factor`.
fn scaled(m: &crate::stats::MetricSummary, factor: f64) -> Estimate {
    let half = m.ci95_half_width();
    Estimate {
        mean: m.mean * factor,
        lo: ((m.mean - half) * factor).max(0.0),
        hi: (m.mean + half) * factor,
    }
}

/// A share of `n` trials with its 95% Wilson interval (sound near 0 and 1, where the runs of a
/// good stack sit).
fn share(p: f64, n: u64) -> Estimate {
    let n = n.max(1) as f64;
    let z = 1.959_963_984_540_054_f64;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 and 1 the interval ends there exactly (rounding would leave a hair's width).
    Estimate {
        mean: p,
        lo: if p <= 0.0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        hi: if p >= 1.0 {
            1.0
        } else {
            (centre + half).min(1.0)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_stay_in_range() {
        let none = share(0.0, 100);
        assert_eq!((none.mean, none.lo), (0.0, 0.0));
        assert!(none.hi > 0.02 && none.hi < 0.05, "{none:?}");
        let half = share(0.5, 400);
        assert!((half.hi - half.lo - 2.0 * 0.049).abs() < 0.002, "{half:?}");
        assert_eq!(share(1.0, 10).hi, 1.0);
    }

    #[test]
    fn settings_left_as_shipped_answer_the_baseline_exactly() {
        let app = App::new(Settings {
            seed: 3,
            threads: 2,
            budget: Duration::from_millis(20),
            trials: None,
        })
        .unwrap();
        for stack in ["polling-15m", "catalog-20"] {
            let reply = app.handle("GET", &format!("/api/run?stack={stack}"), b"");
            assert_eq!(
                reply.status,
                200,
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
            let answer: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            for key in ["trials", "cost_per_year", "oversells_per_day", "channels"] {
                assert_eq!(
                    answer["outcome"][key], answer["baseline"][key],
                    "{stack} {key}"
                );
            }
            let trials = answer["outcome"]["trials"].as_u64().unwrap();
            assert!((MIN_TRIALS..=MAX_TRIALS).contains(&trials), "{trials}");
        }
        // A day between polls: more oversells than as shipped.
        let reply = app.handle("GET", "/api/run?stack=polling-15m&poll=86400", b"");
        let answer: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        let oversells = |which: &str| answer[which]["oversells_per_day"]["mean"].as_f64().unwrap();
        assert!(oversells("outcome") > oversells("baseline"), "{answer}");
    }

    #[test]
    fn heavier_trials_run_fewer() {
        assert_eq!(trials_for(1000, 1.0), 1000);
        assert_eq!(trials_for(1000, 0.25), 250);
        assert_eq!(trials_for(1000, 3.0), 2000);
        assert_eq!(trials_for(1000, f64::NAN), 1000);
        assert_eq!(trials_for(40, 0.2), MIN_TRIALS);
        assert_eq!(trials_for(8, 0.2), 8);
        assert_eq!(refit(1000, 115.0, Duration::from_millis(120)), 1000);
        assert_eq!(refit(1000, 240.0, Duration::from_millis(120)), 500);
        assert_eq!(refit(1000, 60.0, Duration::from_millis(120)), 2000);
        assert_eq!(refit(1000, 1.0, Duration::from_millis(120)), 4000);
    }
}
