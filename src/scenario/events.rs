//! The events of one trial, estimated before it runs: `check` (which loads the scenario)
//! refuses a scenario whose trials would stop at `monte_carlo.max_events` in `run`, and
//! `timeline` refuses a trace that would not fit its memory.

use super::fields::{Check, Invalid, seconds_text};
use super::limits::{expected_orders, thousands};
use super::model::{Link, Scenario, Transport};
use super::path::KeyPath;
use super::raw::RawScenario;

/// The expected events of one trial, by source, as the engine counts them against
/// `monte_carlo.max_events`: each order, scheduled order, receipt and recount is one event plus
/// at most one delivery per webhook link (with its expected retries) and one service end per
/// processing node as its change spreads; each poll is two (the poll and its delivery).
/// Background orders are no events: a queue takes them in bulk when an order needs its wait
/// (`sim::workload`), and `limits` bounds how many a trial may expect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventBudget {
    /// Demand orders (with scheduled orders and receipts) and what they set off.
    pub orders: f64,
    /// Polls and their deliveries.
    pub polls: f64,
    /// Recounts and what they set off.
    pub recounts: f64,
}

impl EventBudget {
    /// All events of one trial.
    pub fn total(&self) -> f64 {
        self.orders + self.polls + self.recounts
    }
}

/// The nodes a change at `from` can reach over links (itself included).
fn reachable(s: &Scenario, from: usize) -> Vec<bool> {
    let mut reached = vec![false; s.nodes.len()];
    reached[from] = true;
    let mut frontier = vec![from];
    while let Some(node) = frontier.pop() {
        for link in s.links.iter().filter(|l| l.from == node) {
            if !reached[link.to] {
                reached[link.to] = true;
                frontier.push(link.to);
            }
        }
    }
    reached
}

/// The expected events of one trial of `s`.
pub fn expected_events(s: &Scenario) -> EventBudget {
    let mut polls = 0.0;
    // Per link: the expected events one message sets off on it (0 for a poll link, whose
    // polls are counted on their own).
    let attempts: Vec<f64> = s
        .links
        .iter()
        .map(|link| match &link.transport {
            // Expected attempts of a message: 1 + drop + drop^2 + ... (one per retry).
            Transport::Webhook { drop, retries, .. } => {
                (0..=retries.len()).map(|k| drop.powi(k as i32)).sum()
            }
            Transport::Poll { every, .. } => {
                polls += 2.0 * (s.horizon / every).ceil();
                0.0
            }
        })
        .collect();
    // What a change at each node sets off: a delivery on every webhook link it can reach
    // (through links of any kind) and a service end at every processing node it can reach.
    let per_change: Vec<f64> = (0..s.nodes.len())
        .map(|node| {
            let reached = reachable(s, node);
            let sends: f64 = (s.links.iter().zip(&attempts))
                .filter(|(link, _)| reached[link.from])
                .map(|(_, a)| a)
                .sum();
            let servers = (s.nodes.iter().enumerate())
                .filter(|(i, n)| reached[*i] && n.processing.is_some())
                .count();
            1.0 + sends + servers as f64
        })
        .collect();
    let anywhere = per_change.iter().copied().fold(1.0, f64::max);
    let demand: f64 = (0..s.channels.len())
        .map(|c| expected_orders(s, c) * per_change[s.channels[c].node])
        .sum();
    let scheduled: f64 = (s.scheduled_orders.iter())
        .map(|o| per_change[s.channels[o.channel].node])
        .sum();
    let at_record = s.record.map_or(anywhere, |r| per_change[r]);
    let fixed = scheduled + s.stock.receipts.len() as f64 * at_record;
    let spread: f64 = attempts.iter().sum();
    let recounts = s.reconcile.map_or(0.0, |r| {
        if r.first < s.horizon {
            1.0 + ((s.horizon - r.first) / r.every).floor()
        } else {
            0.0
        }
    });
    EventBudget {
        orders: demand + fixed,
        polls,
        recounts: recounts * (1.0 + spread),
    }
}

/// The expected events of one trial fit `monte_carlo.max_events`, so that `check` (which loads
/// the scenario) refuses what `run` would stop at. The error points at the key behind the
/// largest share of the events.
pub(crate) fn check(s: &Scenario, raw: &RawScenario) -> Check<()> {
    let budget = expected_events(s);
    let total = budget.total();
    let max = s.monte_carlo.max_events as f64;
    if total <= max {
        return Ok(());
    }
    let root = KeyPath::root();
    let largest = [budget.orders, budget.polls, budget.recounts]
        .into_iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(0, |(i, _)| i);
    let path = match largest {
        0 => busiest_channel(s, raw),
        1 => busiest_poll(s),
        _ => root.key("reconcile").key("every"),
    };
    Err(Invalid::new(
        &path,
        format!(
            "one trial ({}) would process about {} events ({} from orders, {} from polls, {} \
             from recounts), beyond monte_carlo.max_events = {}: \
             `run` would stop at it; lower the rate or shorten the horizon, or raise \
             max_events if the scenario really is this large",
            seconds_text(s.horizon),
            thousands(total),
            thousands(budget.orders),
            thousands(budget.polls),
            thousands(budget.recounts),
            s.monte_carlo.max_events
        ),
    ))
}

/// The rate key of the channel with the most expected orders.
fn busiest_channel(s: &Scenario, raw: &RawScenario) -> KeyPath {
    let root = KeyPath::root();
    let busiest = (0..s.channels.len())
        .map(|c| (c, expected_orders(s, c)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let Some((c, _)) = busiest else {
        return root.key("scheduled_orders");
    };
    let name = &s.channels[c].name;
    let per_day = raw
        .channels
        .get(name)
        .is_some_and(|c| c.orders_per_day.is_some());
    let key = if per_day {
        "orders_per_day"
    } else {
        "orders_per_hour"
    };
    root.key("channels").key(name).key(key)
}

/// The `every` of the link that polls most often.
fn busiest_poll(s: &Scenario) -> KeyPath {
    let polls = |link: &Link| match link.transport {
        Transport::Poll { every, .. } => s.horizon / every,
        Transport::Webhook { .. } => 0.0,
    };
    let busiest = (0..s.links.len())
        .max_by(|&a, &b| polls(&s.links[a]).total_cmp(&polls(&s.links[b])))
        .unwrap_or(0);
    KeyPath::root()
        .key("links")
        .index(busiest)
        .key("poll")
        .key("every")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::testing::{assert_error, edited};
    use crate::scenario::load_str;
    use crate::sim::Plan;

    #[test]
    fn a_trial_expected_to_exceed_max_events_is_refused_at_load() {
        // Ten years of the reference with 20 times its orders: 20.2 million events.
        assert_error(
            &[
                ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
                ("orders_per_day = 40", "orders_per_day = 1_200"),
            ],
            "channels.shopify.orders_per_day",
            "orders_per_day = 1_200",
            "events (",
        );
        // A poll every 9 ms for a day: 9.6 million polls, 19.2 million events.
        assert_error(
            &[(
                "every = \"1h\", latency = \"2m\", phase = \"10m\"",
                "every = \"9ms\", latency = \"2m\", phase = \"1ms\"",
            )],
            "links[5].poll.every",
            "every = \"9ms\"",
            "beyond monte_carlo.max_events",
        );
        // 9.9 million orders in ten years, no background: about 30 million events.
        let text = edited(&[
            ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
            ("orders_per_day = 30", "orders_per_day = 2_650"),
            ("background_per_hour = 50", "background_per_hour = 0"),
        ]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.key, "channels.amazon.orders_per_day", "{e}");
        assert!(e.message.contains("beyond monte_carlo.max_events"), "{e}");
    }

    #[test]
    fn links_an_order_cannot_reach_add_no_events_to_it() {
        let base = expected_events(&load_str("s.toml", &edited(&[])).unwrap());
        let links: String = (0..1000)
            .map(|i| {
                format!(
                    "[[links]]\nname = \"l{i}\"\ncarries = \"levels\"\nfrom = \"x\"\nto = \"y\"\n\
                     webhook = {{ latency = \"1s\" }}\n"
                )
            })
            .collect();
        let isolated = format!("[nodes.x]\n[nodes.y]\n{links}");
        let text = edited(&[("[[peaks]]", &format!("{isolated}[[peaks]]"))]);
        let wide = expected_events(&load_str("s.toml", &text).unwrap());
        assert_eq!(wide.orders, base.orders);
        // A recount sets every view, so it reaches every link.
        assert!(wide.recounts > base.recounts + 999.0);
    }

    #[test]
    fn the_event_estimate_is_close_to_the_engine_s_count() {
        // At most 2.5 times the mean events the engine counts, for every built-in scenario (it
        // counts at most one delivery and service end per link and queue an order can reach;
        // before background orders stopped being events they hid most of that slack).
        for builtin in crate::scenario::builtin::BUILTINS {
            let s = builtin.load().unwrap();
            let plan = Plan::new(s.clone());
            let mut engine = crate::sim::Engine::new(&plan);
            let trials = 200;
            let events: u64 = (0..trials)
                .map(|t| engine.run_trial(7, t).unwrap().events)
                .sum();
            let mean = events as f64 / trials as f64;
            let estimate = expected_events(&s).total();
            assert!(
                estimate >= mean && estimate <= 2.5 * mean,
                "{}: estimate {estimate}, engine {mean}",
                builtin.slug
            );
        }
    }
}
