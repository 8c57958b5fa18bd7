//! `--target EXPR`: a condition on a run's summary (`total.penalty.mean<=250`,
//! `channels.amazon.p_cancel_rate_over_limit<=0.05`, `total.oversold.p90<1`), and what it
//! measures there. `boundary` searches for the value of a varied key where it stops holding.

use super::input::{InputError, parse_number, parse_probability};
use crate::scenario::Scenario;
use crate::stats::{Metric, MetricSummary, RunSummary, ScopeSummary};

/// Which statistic of a metric's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    /// Mean over trials.
    Mean,
    /// Sample standard deviation.
    Sd,
    /// Median.
    P50,
    /// 90th percentile.
    P90,
    /// 99th percentile.
    P99,
    /// Largest value.
    Max,
    /// Lower end of the 95% confidence interval of the mean.
    Ci95Low,
    /// Upper end of the 95% confidence interval of the mean.
    Ci95High,
}

const STATS: [(&str, Stat); 8] = [
    ("mean", Stat::Mean),
    ("sd", Stat::Sd),
    ("p50", Stat::P50),
    ("p90", Stat::P90),
    ("p99", Stat::P99),
    ("max", Stat::Max),
    ("ci95_low", Stat::Ci95Low),
    ("ci95_high", Stat::Ci95High),
];

/// What a target measures within its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quantity {
    /// A statistic of a per-trial metric.
    Metric(Metric, Stat),
    /// A statistic of the units corrected by reconciliations (all channels only).
    Reconciled(Stat),
    /// Share of trials with any oversell.
    PAnyOversell,
    /// Share of trials over the cancel-rate limit.
    PCancelRateOverLimit,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Le,
    Lt,
    Ge,
    Gt,
}

/// A condition on a run's summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The expression as given.
    pub expr: String,
    /// The measured side (`channels.amazon.p_cancel_rate_over_limit`).
    pub measure: String,
    /// `None` for all channels together, else the channel's name.
    channel: Option<String>,
    quantity: Quantity,
    op: Op,
    threshold: f64,
}

impl Target {
    /// Parses `expr`: `SCOPE.METRIC[.STAT] OP NUMBER`, SCOPE `total` or `channels.NAME`, STAT
    /// one of mean (the default), sd, p50, p90, p99, max, ci95_low, ci95_high; or
    /// `SCOPE.p_any_oversell` / `SCOPE.p_cancel_rate_over_limit`; OP `<=`, `<`, `>=`, `>`;
    /// NUMBER possibly a percentage (`5%`).
    pub fn parse(expr: &str) -> Result<Target, InputError> {
        let fail = |message: String| InputError::target(expr, message);
        let (measure, op, number) = split_op(expr).ok_or_else(|| {
            fail(
                "expected MEASURE OP NUMBER with OP one of <=, <, >=, >, like \
                 total.penalty.mean<=250 or channels.amazon.p_cancel_rate_over_limit<=0.05"
                    .to_owned(),
            )
        })?;
        let parts: Vec<&str> = measure.split('.').map(str::trim).collect();
        let (channel, rest) = match parts.as_slice() {
            ["total", rest @ ..] => (None, rest),
            ["channels", name, rest @ ..] => (Some((*name).to_owned()), rest),
            _ => {
                return Err(fail(format!(
                    "`{measure}` should start with `total.` or `channels.NAME.`"
                )));
            }
        };
        let quantity = quantity(rest, channel.is_none()).map_err(fail)?;
        let threshold = match quantity {
            Quantity::PAnyOversell | Quantity::PCancelRateOverLimit => parse_probability(number),
            _ => parse_number(number),
        }
        .map_err(fail)?;
        Ok(Target {
            expr: expr.to_owned(),
            measure: measure.trim().to_owned(),
            channel,
            quantity,
            op,
            threshold,
        })
    }

    /// Checks that the target's channel exists and that a cancel-rate share has a limit.
    pub fn check(&self, scenario: &Scenario) -> Result<(), InputError> {
        let fail = |message: String| InputError::target(&self.expr, message);
        let limited = match &self.channel {
            Some(name) => {
                let Some(channel) = scenario.channels.iter().find(|c| &c.name == name) else {
                    let known: Vec<String> = scenario
                        .channels
                        .iter()
                        .map(|c| format!("`{}`", c.name))
                        .collect();
                    return Err(fail(format!(
                        "no channel is called `{name}`; the channels are {}",
                        known.join(", ")
                    )));
                };
                channel.cancel_rate_limit.is_some()
            }
            None => scenario
                .channels
                .iter()
                .any(|c| c.cancel_rate_limit.is_some()),
        };
        if self.quantity == Quantity::PCancelRateOverLimit && !limited {
            let whose = self
                .channel
                .as_ref()
                .map_or("no channel has".to_owned(), |c| format!("`{c}` has no"));
            return Err(fail(format!(
                "{whose} cancel_rate_limit, so there is no p_cancel_rate_over_limit to target"
            )));
        }
        Ok(())
    }

    /// The measured value in `summary`, with its 95% confidence interval where one is known
    /// (means, and shares of trials by Wilson's interval).
    pub fn measured(&self, summary: &RunSummary) -> Option<(f64, Option<[f64; 2]>)> {
        let scope: &ScopeSummary = match &self.channel {
            Some(name) => summary.channel(name)?,
            None => &summary.total,
        };
        let n = summary.trials;
        match self.quantity {
            Quantity::Metric(m, stat) => Some(statistic(scope.metric(m), stat)),
            Quantity::Reconciled(stat) => {
                scope.reconciled_units.as_ref().map(|s| statistic(s, stat))
            }
            Quantity::PAnyOversell => {
                Some((scope.p_any_oversell, Some(wilson(scope.p_any_oversell, n))))
            }
            Quantity::PCancelRateOverLimit => scope
                .p_cancel_rate_over_limit
                .map(|p| (p, Some(wilson(p, n)))),
        }
    }

    /// Whether `value` meets the target.
    pub fn meets(&self, value: f64) -> bool {
        match self.op {
            Op::Le => value <= self.threshold,
            Op::Lt => value < self.threshold,
            Op::Ge => value >= self.threshold,
            Op::Gt => value > self.threshold,
        }
    }

    /// The threshold the measure is compared with.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// Whether a smaller measured value is the better one (`<=`, `<`).
    pub fn lower_is_better(&self) -> bool {
        matches!(self.op, Op::Le | Op::Lt)
    }
}

/// `(measure, op, number)` split at the first comparison operator.
fn split_op(expr: &str) -> Option<(&str, Op, &str)> {
    let at = expr.find(['<', '>'])?;
    let (measure, rest) = expr.split_at(at);
    let (op, number) = if let Some(n) = rest.strip_prefix("<=") {
        (Op::Le, n)
    } else if let Some(n) = rest.strip_prefix(">=") {
        (Op::Ge, n)
    } else if let Some(n) = rest.strip_prefix('<') {
        (Op::Lt, n)
    } else {
        (Op::Gt, &rest[1..])
    };
    (!measure.trim().is_empty()).then_some((measure, op, number))
}

/// The quantity named by the parts after the scope.
fn quantity(parts: &[&str], total: bool) -> Result<Quantity, String> {
    let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
    let known = || {
        format!(
            "expected one of {}, reconciled_units (total only), p_any_oversell, \
             p_cancel_rate_over_limit",
            names.join(", ")
        )
    };
    let (name, stat) = match parts {
        [name] => (*name, None),
        [name, stat] => (*name, Some(*stat)),
        [] => return Err(format!("the measure is missing; {}", known())),
        _ => return Err(format!("`{}` has too many parts", parts.join("."))),
    };
    let stat = |for_share: bool| -> Result<Stat, String> {
        match stat {
            None => Ok(Stat::Mean),
            Some(_) if for_share => Err(format!(
                "`{name}` is a share of trials and takes no statistic"
            )),
            Some(text) => STATS
                .iter()
                .find(|(n, _)| *n == text)
                .map(|(_, s)| *s)
                .ok_or_else(|| {
                    let stats: Vec<&str> = STATS.iter().map(|(n, _)| *n).collect();
                    format!(
                        "`{text}` is not a statistic; expected one of {}",
                        stats.join(", ")
                    )
                }),
        }
    };
    match name {
        "p_any_oversell" => stat(true).map(|_| Quantity::PAnyOversell),
        "p_cancel_rate_over_limit" => stat(true).map(|_| Quantity::PCancelRateOverLimit),
        "reconciled_units" if total => stat(false).map(Quantity::Reconciled),
        "reconciled_units" => Err("reconciled_units is measured for all channels only: \
                                   use total.reconciled_units"
            .to_owned()),
        _ => match Metric::ALL.iter().find(|m| m.name() == name) {
            Some(&m) => stat(false).map(|s| Quantity::Metric(m, s)),
            None => Err(format!("`{name}` is not a measure; {}", known())),
        },
    }
}

/// A statistic of `s`, with the mean's confidence interval when the statistic is the mean.
fn statistic(s: &MetricSummary, stat: Stat) -> (f64, Option<[f64; 2]>) {
    match stat {
        Stat::Mean => (s.mean, Some(s.ci95)),
        Stat::Sd => (s.sd, None),
        Stat::P50 => (s.p50, None),
        Stat::P90 => (s.p90, None),
        Stat::P99 => (s.p99, None),
        Stat::Max => (s.max, None),
        Stat::Ci95Low => (s.ci95[0], None),
        Stat::Ci95High => (s.ci95[1], None),
    }
}

/// Wilson's 95% interval for a share `p` of `n` trials.
pub fn wilson(p: f64, n: u64) -> [f64; 2] {
    if n == 0 {
        return [0.0, 1.0];
    }
    let (z, n) = (1.959_963_984_540_054, n as f64);
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n + z2n / (4.0 * n)).sqrt();
    // At 0 and 1 the interval touches the end exactly (rounding would leave 1e-18).
    let low = if p <= 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if p >= 1.0 {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    [low, high]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_parse() {
        let t = Target::parse("total.penalty.mean<=250").unwrap();
        assert_eq!(t.quantity, Quantity::Metric(Metric::Penalty, Stat::Mean));
        assert_eq!(
            (t.op, t.threshold, t.channel.clone()),
            (Op::Le, 250.0, None)
        );
        let t = Target::parse("channels.amazon.p_cancel_rate_over_limit <= 5%").unwrap();
        assert_eq!(t.quantity, Quantity::PCancelRateOverLimit);
        assert_eq!(t.channel.as_deref(), Some("amazon"));
        assert!((t.threshold - 0.05).abs() < 1e-15);
        let t = Target::parse("total.oversold.p90<1").unwrap();
        assert_eq!(
            (t.quantity, t.op),
            (Quantity::Metric(Metric::Oversold, Stat::P90), Op::Lt)
        );
        let t = Target::parse("total.fulfilled>=40").unwrap();
        assert_eq!(t.op, Op::Ge);
        assert!(!t.lower_is_better());
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        let e = |expr: &str| Target::parse(expr).unwrap_err().to_string();
        assert!(e("total.penalty.mean=250").contains("expected MEASURE OP NUMBER"));
        assert!(e("total.penalty.mean<=lots").contains("`lots` is not a number"));
        assert!(e("total.penalties<=1").contains("`penalties` is not a measure"));
        assert!(e("total.penalty.p95<=1").contains("`p95` is not a statistic"));
        assert!(e("amazon.penalty<=1").contains("should start with `total.` or `channels.NAME.`"));
        assert!(e("total.p_any_oversell.mean<0.1").contains("takes no statistic"));
        assert!(e("channels.pos.reconciled_units<1").contains("all channels only"));
        let m = e("total.p_any_oversell<=5");
        assert!(m.contains("expected a probability from 0 to 1"), "{m}");
        assert!(m.ends_with("(for a percentage write 5%)"), "{m}");
    }

    #[test]
    fn wilson_interval_of_a_share() {
        let [lo, hi] = wilson(0.5, 100);
        assert!(
            (lo - 0.4038).abs() < 1e-4 && (hi - 0.5962).abs() < 1e-4,
            "{lo} {hi}"
        );
        let [lo, hi] = wilson(0.0, 100);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.0370).abs() < 1e-4);
    }
}
