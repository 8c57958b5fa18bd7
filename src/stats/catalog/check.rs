//! Whether the Part 2 statistics of a shard could have come from its trials: every measure
//! present and consistent alone (see [`ValueAccumulator::check`]), and the measures consistent
//! with each other and with the run's per-scope statistics (money adds up over channels and
//! over SKUs, the per-SKU oversells and shrunk units are the run's, a poll cannot wait for
//! tokens without an API bucket, ...). `merge` refuses a partial result that fails, naming
//! the field.

use super::{Part2Accumulator, SCALE, reports_low_stock, reports_monitoring, reports_shrink};
use crate::scenario::{Scenario, Transport};
use crate::stats::metric::Metric;
use crate::stats::stream::ValueAccumulator;

/// What one scope's statistics (a channel, or all channels together) hold that the Part 2
/// measures must agree with.
pub(in crate::stats) struct ScopeFacts<'a> {
    /// One per metric, in [`Metric::ALL`] order.
    pub metrics: &'a [ValueAccumulator],
    /// Trials with at least one oversold order.
    pub any_oversell: u64,
    /// Trials over the cancel-rate limit.
    pub over_limit: u64,
}

impl ScopeFacts<'_> {
    fn sum(&self, m: Metric) -> u128 {
        self.metrics[m.index()].sum
    }
}

/// Whether fixed-point sums `a` and `b` of the same quantities, rounded in `terms` different
/// places, agree: each rounding moves a sum by at most half a millionth, and adding in another
/// order by far less than a billionth of it.
fn close(a: u128, b: u128, terms: u128) -> bool {
    a.abs_diff(b) <= terms.saturating_add(a.max(b) / 1_000_000_000)
}

/// `seconds` for `count` values, in the fixed point of the sums.
fn fixed_seconds(seconds: f64, count: u64) -> u128 {
    ((seconds * SCALE).round() as u128).saturating_mul(u128::from(count))
}

impl Part2Accumulator {
    /// Checks these statistics of `trials` trials of `scenario` against themselves and against
    /// `scopes`, the run's statistics per channel then all channels together. The error names
    /// the field at fault (`skus[3] (MUG-0003).oversold: ...`).
    pub(in crate::stats) fn check(
        &self,
        scenario: &Scenario,
        trials: u64,
        scopes: &[ScopeFacts],
    ) -> Result<(), String> {
        self.check_shape(scenario)?;
        self.check_measures(scenario, trials)?;
        self.check_money(scenario, trials, scopes)?;
        self.check_windows(scenario, scopes)?;
        self.check_links(scenario, trials)?;
        self.check_monitoring(scenario)?;
        self.check_feeds(scenario, trials)?;
        self.check_skus(scenario, trials, &scopes[scopes.len() - 1])
    }

    /// One entry per scope, channel, poll link, feed queue and SKU of the scenario.
    fn check_shape(&self, scenario: &Scenario) -> Result<(), String> {
        let channels = scenario.channels.len();
        let count = |field: &str, found: usize, expected: usize| {
            if found == expected {
                Ok(())
            } else {
                Err(format!(
                    "{field}: {found} entries where the scenario has {expected}"
                ))
            }
        };
        count("revenue", self.revenue.len(), channels + 1)?;
        count("cost", self.cost.len(), channels + 1)?;
        count("worst_window", self.worst_window.len(), channels)?;
        let polls: Vec<usize> = (scenario.links.iter().enumerate())
            .filter(|(_, link)| matches!(link.transport, Transport::Poll { .. }))
            .map(|(l, _)| l)
            .collect();
        let links: Vec<usize> = self.links.iter().map(|l| l.0).collect();
        if links != polls {
            return Err(format!(
                "links: the links {links:?} where the scenario polls on links {polls:?}"
            ));
        }
        let queues: Vec<usize> = (scenario.nodes.iter().enumerate())
            .filter(|(_, node)| node.feeds.is_some())
            .map(|(n, _)| n)
            .collect();
        let feeds: Vec<usize> = self.feeds.iter().map(|f| f.0).collect();
        if feeds != queues {
            return Err(format!(
                "feeds: the nodes {feeds:?} where the scenario has feed queues at {queues:?}"
            ));
        }
        if self.monitoring.is_some() != reports_monitoring(scenario) {
            return Err(format!(
                "monitoring: {} where the scenario {}",
                if self.monitoring.is_some() {
                    "present"
                } else {
                    "absent"
                },
                if reports_monitoring(scenario) {
                    "monitors or can disable a webhook"
                } else {
                    "has nothing to monitor"
                }
            ));
        }
        if self.shrunk.is_some() != reports_shrink(scenario) {
            return Err(format!(
                "shrunk: {} where {}",
                if self.shrunk.is_some() {
                    "present"
                } else {
                    "absent"
                },
                if reports_shrink(scenario) {
                    "some SKU of the scenario shrinks"
                } else {
                    "no SKU of the scenario shrinks"
                }
            ));
        }
        let skus = if scenario.catalog.is_catalog() {
            scenario.catalog.skus.len()
        } else {
            0
        };
        count("skus", self.skus.len(), skus)
    }

    /// Every measure alone: `trials` values of a count or a real, histogram and sums agreeing.
    fn check_measures(&self, scenario: &Scenario, trials: u64) -> Result<(), String> {
        let mut named: Vec<(String, &ValueAccumulator, bool)> = Vec::new();
        for (s, (revenue, cost)) in self.revenue.iter().zip(&self.cost).enumerate() {
            let scope = scope_name(scenario, s);
            named.push((format!("revenue[{s}] ({scope})"), revenue, false));
            named.push((format!("cost[{s}] ({scope})"), cost, false));
        }
        for (c, worst) in self.worst_window.iter().enumerate() {
            let scope = scope_name(scenario, c);
            named.push((format!("worst_window[{c}] ({scope})"), worst, false));
        }
        for (i, (l, polls, requests, wait)) in self.links.iter().enumerate() {
            let link = format!("links[{i}] ({})", scenario.links[*l].name.escape_debug());
            named.push((format!("{link}.polls"), polls, true));
            named.push((format!("{link}.requests"), requests, true));
            named.push((format!("{link}.api_wait_seconds"), wait, false));
        }
        if let Some([alerts, disabled, low_stock]) = &self.monitoring {
            named.push(("monitoring.alerts".into(), alerts, true));
            named.push(("monitoring.disabled_seconds".into(), disabled, false));
            named.push((
                "monitoring.low_stock_alert_seconds".into(),
                low_stock,
                false,
            ));
        }
        if let Some(shrunk) = &self.shrunk {
            named.push(("shrunk (shrunk_units)".into(), shrunk, true));
        }
        for (i, (n, items, wait, mean_wait)) in self.feeds.iter().enumerate() {
            let feed = format!("feeds[{i}] ({})", scenario.nodes[*n].name.escape_debug());
            named.push((format!("{feed}.items"), items, true));
            named.push((format!("{feed}.wait_seconds"), wait, false));
            named.push((format!("{feed}.mean_wait_seconds"), mean_wait, false));
        }
        for (name, acc, exact) in named {
            acc.check(exact, trials)
                .map_err(|e| format!("{name}.{e}"))?;
        }
        Ok(())
    }

    /// Cost is penalty plus lost margin in every scope; the total's revenue and cost are the
    /// channels' summed.
    fn check_money(
        &self,
        scenario: &Scenario,
        trials: u64,
        scopes: &[ScopeFacts],
    ) -> Result<(), String> {
        let n = u128::from(trials);
        for (s, (cost, facts)) in self.cost.iter().zip(scopes).enumerate() {
            let parts = facts
                .sum(Metric::Penalty)
                .saturating_add(facts.sum(Metric::LostMargin));
            if !close(cost.sum, parts, 2 * n) {
                return Err(format!(
                    "cost[{s}] ({}).sum: {} is not penalty + lost_margin ({parts})",
                    scope_name(scenario, s),
                    cost.sum
                ));
            }
        }
        let channels = scenario.channels.len();
        for (field, accs) in [("revenue", &self.revenue), ("cost", &self.cost)] {
            let over_channels =
                (accs[..channels].iter()).fold(0u128, |sum, a| sum.saturating_add(a.sum));
            let total = accs[channels].sum;
            if !close(total, over_channels, (channels as u128 + 1) * n) {
                return Err(format!(
                    "{field}[{channels}] (total).sum: {total} is not the sum over the channels \
                     ({over_channels})"
                ));
            }
        }
        Ok(())
    }

    /// A windowed cancel rate is a rate (at most 1), it is the channel's cancel rate when the
    /// window is the horizon, and it decides which trials were over the limit.
    fn check_windows(&self, scenario: &Scenario, scopes: &[ScopeFacts]) -> Result<(), String> {
        for (c, (worst, channel)) in self.worst_window.iter().zip(&scenario.channels).enumerate() {
            let field = format!("worst_window[{c}] ({})", channel.name.escape_debug());
            if worst.largest() > 1.0 {
                return Err(format!(
                    "{field}.max: {} is over 1, the most a cancel rate can be",
                    worst.largest()
                ));
            }
            let facts = &scopes[c];
            if channel.cancel_rate_window >= scenario.horizon
                && worst != &facts.metrics[Metric::CancelRate.index()]
            {
                return Err(format!(
                    "{field}: differs from the channel's cancel_rate, though its window is the \
                     whole horizon"
                ));
            }
            if let Some(limit) = channel.cancel_rate_limit {
                let (surely, possibly) = worst.above(limit);
                if facts.over_limit < surely || facts.over_limit > possibly {
                    return Err(format!(
                        "{field}: {surely} to {possibly} trials over the limit ({limit}), where \
                         the channel's over_limit is {}",
                        facts.over_limit
                    ));
                }
            }
        }
        Ok(())
    }

    /// Polls come at most every `every` seconds, each completed one makes a request, and only a
    /// node with an API bucket makes a poll wait for tokens.
    fn check_links(&self, scenario: &Scenario, trials: u64) -> Result<(), String> {
        for (i, (l, polls, requests, wait)) in self.links.iter().enumerate() {
            let link = &scenario.links[*l];
            let field = format!("links[{i}] ({})", link.name.escape_debug());
            if let Transport::Poll { every, .. } = link.transport {
                let most = (scenario.horizon / every).ceil() + 1.0;
                if polls.largest() > most {
                    return Err(format!(
                        "{field}.polls.max: {} polls in a trial, more than a poll every {every} s \
                         makes ({most})",
                        polls.largest()
                    ));
                }
            }
            // A trial ends with at most one poll of the link waiting for its requests.
            if requests.sum.saturating_add(fixed_seconds(1.0, trials)) < polls.sum {
                return Err(format!(
                    "{field}.requests.sum: {} is fewer than one request per completed poll \
                     ({} polls)",
                    requests.sum, polls.sum
                ));
            }
            if wait.zeros() < requests.zeros() {
                return Err(format!(
                    "{field}.api_wait_seconds: {} trials without a wait, but {} without a request",
                    wait.zeros(),
                    requests.zeros()
                ));
            }
            let from = &scenario.nodes[link.from];
            if from.api.is_none() && wait.sum != 0 {
                return Err(format!(
                    "{field}.api_wait_seconds.sum: {} but node {} has no API bucket to wait for",
                    wait.sum,
                    from.name.escape_debug()
                ));
            }
        }
        Ok(())
    }

    /// Lag alerts need `[monitoring]`; a webhook is disabled at most the horizon long, and only
    /// one with `disable_after` at all; the first low-stock alert comes by the horizon.
    fn check_monitoring(&self, scenario: &Scenario) -> Result<(), String> {
        let Some([alerts, disabled, low_stock]) = &self.monitoring else {
            return Ok(());
        };
        if scenario.monitoring.is_none() && alerts.sum != 0 {
            return Err(format!(
                "monitoring.alerts.sum: {} but the scenario has no [monitoring] to raise alerts",
                alerts.sum
            ));
        }
        let can_disable = (scenario.links.iter())
            .filter(|l| {
                matches!(
                    l.transport,
                    Transport::Webhook {
                        disable_after: Some(_),
                        ..
                    }
                )
            })
            .count();
        let most = can_disable as f64 * scenario.horizon;
        if disabled.largest() > most {
            return Err(format!(
                "monitoring.disabled_seconds.max: {} s, more than {can_disable} webhook(s) with \
                 disable_after can be disabled in the horizon ({most} s)",
                disabled.largest()
            ));
        }
        if low_stock.largest() > scenario.horizon {
            return Err(format!(
                "monitoring.low_stock_alert_seconds.max: {} s is after the horizon ({} s)",
                low_stock.largest(),
                scenario.horizon
            ));
        }
        Ok(())
    }

    /// Per feed queue: a trial without items waited nothing, the mean wait of a trial is its
    /// wait over at least one item (and at most the largest count of items).
    fn check_feeds(&self, scenario: &Scenario, trials: u64) -> Result<(), String> {
        for (i, (n, items, wait, mean_wait)) in self.feeds.iter().enumerate() {
            let field = format!("feeds[{i}] ({})", scenario.nodes[*n].name.escape_debug());
            if wait.zeros() < items.zeros() {
                return Err(format!(
                    "{field}.wait_seconds: {} trials without a wait, but {} without an item",
                    wait.zeros(),
                    items.zeros()
                ));
            }
            if mean_wait.zeros() != wait.zeros() {
                return Err(format!(
                    "{field}.mean_wait_seconds: {} trials with a mean wait of 0, but {} with a \
                     wait of 0",
                    mean_wait.zeros(),
                    wait.zeros()
                ));
            }
            let (longest, most_items) = (wait.largest(), items.largest());
            let mean_max = mean_wait.largest();
            if mean_max > longest || mean_max * most_items < longest * (1.0 - 1e-12) {
                return Err(format!(
                    "{field}.mean_wait_seconds.max: {mean_max} s is not between the longest \
                     wait of a trial ({longest} s) over 1 and over {most_items} items"
                ));
            }
            if mean_wait.sum > wait.sum.saturating_add(u128::from(trials)) {
                return Err(format!(
                    "{field}.mean_wait_seconds.sum: {} is more than wait_seconds.sum ({})",
                    mean_wait.sum, wait.sum
                ));
            }
        }
        Ok(())
    }

    /// Each SKU's sums are possible for the trials that reported it, and together they are the
    /// run's: oversold orders and shrunk units exactly, penalty, lost margin and exposure up to
    /// rounding, the trials with an oversell, and the first stockout no later than any SKU's.
    fn check_skus(
        &self,
        scenario: &Scenario,
        trials: u64,
        total: &ScopeFacts,
    ) -> Result<(), String> {
        if self.skus.is_empty() {
            return Ok(());
        }
        let horizon = scenario.horizon;
        let mut first_stockout_bound = u128::MAX;
        for (k, (sums, sku)) in self.skus.iter().zip(&scenario.catalog.skus).enumerate() {
            let field = format!("skus[{k}] ({})", sku.name.escape_debug());
            let bad = |what: &str, why: String| Err(format!("{field}.{what}: {why}"));
            if sums.reported > trials {
                return bad("reported", format!("{} trials of {trials}", sums.reported));
            }
            if sums.any_oversell > sums.reported {
                return bad(
                    "any_oversell",
                    format!(
                        "{} trials with an oversell, but {} reported the SKU",
                        sums.any_oversell, sums.reported
                    ),
                );
            }
            if sums.any_oversell > sums.oversold
                || (sums.oversold > 0) != (sums.any_oversell > 0)
                || sums.any_oversell > total.any_oversell
            {
                return bad(
                    "oversold",
                    format!(
                        "{} orders in {} trials with an oversell (the run had {})",
                        sums.oversold, sums.any_oversell, total.any_oversell
                    ),
                );
            }
            if sums.oversold == 0 && sums.penalty != 0 {
                return bad(
                    "penalty",
                    format!("{} without an oversold order", sums.penalty),
                );
            }
            let reported_horizons = fixed_seconds(horizon, sums.reported);
            let rounding = u128::from(sums.reported);
            if sums.exposure > reported_horizons + rounding {
                return bad(
                    "exposure",
                    format!(
                        "{} is longer than the horizon in each of the {} trials that reported it",
                        sums.exposure, sums.reported
                    ),
                );
            }
            // No SKU stocks out before the first stockout of its trial.
            let earliest = (total.metrics[Metric::FirstStockoutSeconds.index()])
                .smallest_sum(sums.reported)
                .saturating_sub(rounding);
            if sums.stockout > reported_horizons + rounding || sums.stockout < earliest {
                return bad(
                    "stockout",
                    format!(
                        "{} is not between the earliest first stockouts of {} trials ({earliest}) \
                         and the horizon in each",
                        sums.stockout, sums.reported
                    ),
                );
            }
            // The trials that did not report the SKU count as stocking out at the horizon.
            let bound = sums.stockout + fixed_seconds(horizon, trials - sums.reported) + rounding;
            first_stockout_bound = first_stockout_bound.min(bound);
            if sums.shrunk > 0 && sku.shrink_per_day <= 0.0 {
                return bad(
                    "shrunk",
                    format!("{} units, but the SKU does not shrink", sums.shrunk),
                );
            }
            self.check_sku_alerts(scenario, sums)
                .or_else(|why| bad("low_stock", why))?;
        }
        self.check_sku_totals(scenario, trials, total, first_stockout_bound)
    }

    /// A SKU's low-stock alerts come between the run's first alert of the trial and the horizon
    /// (the horizon itself when never), so without `low_stock_days` each is the horizon. The
    /// run's first alerts need no bound from the SKUs' beyond this one: in the trials that did
    /// not report a SKU they are at most the horizon anyway (see `check_monitoring`).
    fn check_sku_alerts(&self, scenario: &Scenario, sums: &super::SkuSums) -> Result<(), String> {
        let all_horizon = fixed_seconds(scenario.horizon, sums.reported);
        if !reports_low_stock(scenario) {
            if sums.low_stock != all_horizon {
                return Err(format!(
                    "{} is not the horizon in each of the {} trials that reported the SKU, as \
                     the scenario has no [monitoring] low_stock_days",
                    sums.low_stock, sums.reported
                ));
            }
            return Ok(());
        }
        let rounding = u128::from(sums.reported);
        // The run's first alert of a trial is the earliest of its SKUs'.
        let earliest = (self.monitoring.as_ref())
            .map_or(0, |[_, _, first]| first.smallest_sum(sums.reported))
            .saturating_sub(rounding);
        if sums.low_stock > all_horizon + rounding || sums.low_stock < earliest {
            return Err(format!(
                "{} is not between the earliest first low-stock alerts of {} trials ({earliest}) \
                 and the horizon in each",
                sums.low_stock, sums.reported
            ));
        }
        Ok(())
    }

    /// The SKUs' sums against the run's totals.
    fn check_sku_totals(
        &self,
        scenario: &Scenario,
        trials: u64,
        total: &ScopeFacts,
        first_stockout_bound: u128,
    ) -> Result<(), String> {
        // Saturating: the sums of a hostile file may be anything.
        let sum = |f: fn(&super::SkuSums) -> u128| {
            (self.skus.iter()).fold(0u128, |sum, s| sum.saturating_add(f(s)))
        };
        let oversold = sum(|s| u128::from(s.oversold));
        if oversold.saturating_mul(SCALE as u128) != total.sum(Metric::Oversold) {
            return Err(format!(
                "skus: {oversold} oversold orders over the SKUs, {} in the run (total.oversold)",
                total.sum(Metric::Oversold) / SCALE as u128
            ));
        }
        let shrunk = sum(|s| u128::from(s.shrunk));
        let run_shrunk = self.shrunk.as_ref().map_or(0, |acc| acc.sum);
        if reports_shrink(scenario) && shrunk.saturating_mul(SCALE as u128) != run_shrunk {
            return Err(format!(
                "skus: {shrunk} shrunk units over the SKUs, {} in the run (shrunk)",
                run_shrunk / SCALE as u128
            ));
        }
        let terms = sum(|s| u128::from(s.reported)).saturating_add(u128::from(trials));
        for (field, over_skus, metric) in [
            ("penalty", sum(|s| s.penalty), Metric::Penalty),
            ("lost_margin", sum(|s| s.lost_margin), Metric::LostMargin),
            ("exposure", sum(|s| s.exposure), Metric::ExposureSeconds),
        ] {
            if !close(over_skus, total.sum(metric), terms) {
                return Err(format!(
                    "skus: the {field} of the SKUs add up to {over_skus}, the run's ({}) to {}",
                    metric.name(),
                    total.sum(metric)
                ));
            }
        }
        let any = sum(|s| u128::from(s.any_oversell));
        if any < u128::from(total.any_oversell) {
            return Err(format!(
                "skus: {any} trials with an oversell over the SKUs, fewer than the run's {}",
                total.any_oversell
            ));
        }
        let first = total.sum(Metric::FirstStockoutSeconds);
        if first > first_stockout_bound.saturating_add(u128::from(trials)) {
            return Err(format!(
                "skus: the run's first stockouts add up to {first}, later than a SKU's \
                 ({first_stockout_bound})"
            ));
        }
        Ok(())
    }
}

/// Channel `s` by name, or `total` past the channels.
fn scope_name(scenario: &Scenario, s: usize) -> String {
    scenario
        .channels
        .get(s)
        .map_or_else(|| "total".into(), |c| c.name.escape_debug().to_string())
}
