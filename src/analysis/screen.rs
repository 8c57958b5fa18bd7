//! Screening of `oversell tune`: a SKU whose demand over the horizon cannot reach its stock needs
//! no safety stock, and no simulation says otherwise.
//!
//! The bound. An order is oversold only when it is accepted while the physical stock `P` is below
//! its quantity (MODEL.md, "Channels"). `P` falls only by fulfilled orders (and by shrink), so if
//! the units demanded over the horizon, `D`, are at most the initial stock `S`, every order finds
//! its units: nothing is oversold, whatever the listing rules, the links or the knob. Receipts and
//! reorders only add stock, so leaving them out keeps the bound valid (conservative). With Poisson
//! orders on each channel and independent quantities, `D` is compound Poisson, and
//! `P(D > S) = 1 - sum_{s <= S} g(s)` with `g` from Panjer's recursion (exact, no approximation).
//! A SKU with `P(D > S) <= epsilon` gets the knob at 0 without simulation: its chance of any
//! oversold order at 0 is at most `epsilon`, and a larger value can only withhold units.
//!
//! Scenarios where the bound does not hold as computed are not screened: shrink (it takes stock
//! without an order), a random demand rate (`demand_cv`), peaks or hourly profiles (a rate that
//! varies), scheduled orders and catalog scenarios.

use crate::dist::QtyDist;
use crate::scenario::Scenario;

/// Seconds in a day.
const DAY: f64 = 86_400.0;

/// Why a scenario's SKUs cannot be screened, or `None` when they can.
pub fn unscreenable(scenario: &Scenario) -> Option<&'static str> {
    if scenario.stock.shrink_per_day > 0.0 {
        Some("the scenario has shrink (stock.shrink_per_day)")
    } else if scenario.stock.demand_cv > 0.0 {
        Some("the scenario's demand rate is random (stock.demand_cv)")
    } else if !scenario.peaks.is_empty()
        || scenario.channels.iter().any(|c| c.hourly_profile.is_some())
    {
        Some("the scenario's demand rate varies (peaks or an hourly profile)")
    } else if !scenario.scheduled_orders.is_empty() {
        Some("the scenario has scheduled orders")
    } else if scenario.catalog.is_catalog() {
        Some("the scenario is a catalog")
    } else {
        None
    }
}

/// `P(D > stock)`: the probability that the units ordered over `scenario`'s horizon, with
/// `orders_per_day[c]` Poisson orders a day on channel `c` and its `qty`, exceed `stock`. Exact up
/// to rounding (about 1e-15); 1 when the mean demand is at least the stock or the rate is so high
/// that the recursion would underflow (such SKUs are never screened anyway).
pub fn p_demand_exceeds(scenario: &Scenario, orders_per_day: &[f64], stock: i64) -> f64 {
    if stock < 0 {
        return 1.0;
    }
    let days = scenario.horizon / DAY;
    let lambdas: Vec<f64> = orders_per_day.iter().map(|r| r.max(0.0) * days).collect();
    let lambda: f64 = lambdas.iter().sum();
    if lambda <= 0.0 {
        return 0.0;
    }
    let mean: f64 = (lambdas.iter().zip(&scenario.channels))
        .map(|(l, c)| l * qty_mean(&c.qty))
        .sum();
    if mean >= stock as f64 || lambda > 700.0 {
        return 1.0;
    }
    let s = stock as usize;
    // The mixed severity: a unit count k >= 1 with probability sum_c lambda_c / lambda f_c(k).
    let mut severity = vec![0.0; s + 1];
    for (l, channel) in lambdas.iter().zip(&scenario.channels) {
        if *l > 0.0 {
            add_pmf(&mut severity, &channel.qty, l / lambda);
        }
    }
    // Panjer for compound Poisson: g(0) = e^-lambda, g(n) = lambda/n sum_k k f(k) g(n - k).
    let mut g = vec![0.0; s + 1];
    g[0] = (-lambda).exp();
    for n in 1..=s {
        let sum: f64 = (1..=n).map(|k| k as f64 * severity[k] * g[n - k]).sum();
        g[n] = lambda / n as f64 * sum;
    }
    (1.0 - g.iter().sum::<f64>()).clamp(0.0, 1.0)
}

fn qty_mean(qty: &QtyDist) -> f64 {
    match *qty {
        QtyDist::Fixed(q) => f64::from(q),
        QtyDist::Uniform(a, b) => (f64::from(a) + f64::from(b)) / 2.0,
        QtyDist::Geometric { mean, .. } => mean,
    }
}

/// Adds `weight` times the quantity's probabilities of 1..severity.len()-1 units (a quantity of
/// 0 takes nothing from the stock and is left out, which only raises the tail).
fn add_pmf(severity: &mut [f64], qty: &QtyDist, weight: f64) {
    let top = severity.len() - 1;
    match *qty {
        QtyDist::Fixed(q) => {
            if q >= 1 && q as usize <= top {
                severity[q as usize] += weight;
            }
        }
        QtyDist::Uniform(a, b) => {
            let p = weight / f64::from(b - a + 1);
            for k in a.max(1)..=b {
                if k as usize <= top {
                    severity[k as usize] += p;
                }
            }
        }
        QtyDist::Geometric { mean, .. } => {
            let p = 1.0 / mean.max(1.0);
            let mut at = p;
            for slot in severity.iter_mut().skip(1) {
                *slot += weight * at;
                at *= 1.0 - p;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    fn scenario(qty: &str) -> Scenario {
        let text = format!(
            "name = \"s\"\nhorizon = \"24h\"\n[stock]\ninitial = 1\n[nodes.shop]\n\
             [channels.shop]\norders_per_day = 1\nqty = {qty}\n"
        );
        load_str("s.toml", &text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_tail_of_single_units_is_the_poisson_tail() {
        let s = scenario("1");
        let lambda: f64 = 0.3;
        // P(N > 2) = 1 - e^-l (1 + l + l^2/2).
        let want = 1.0 - (-lambda).exp() * (1.0 + lambda + lambda * lambda / 2.0);
        let got = p_demand_exceeds(&s, &[lambda], 2);
        assert!((got - want).abs() < 1e-14, "{got} vs {want}");
        assert_eq!(p_demand_exceeds(&s, &[0.0], 0), 0.0);
        assert_eq!(p_demand_exceeds(&s, &[5.0], 3), 1.0);
    }

    #[test]
    fn quantities_fatten_the_tail_as_a_direct_sum_says() {
        // Geometric with mean 2 (p = 1/2): P(D > 1) = 1 - e^-l (1 + l * P(Q = 1)).
        let s = scenario("\"geometric(2)\"");
        let lambda: f64 = 0.1;
        let want = 1.0 - (-lambda).exp() * (1.0 + lambda * 0.5);
        let got = p_demand_exceeds(&s, &[lambda], 1);
        assert!((got - want).abs() < 1e-14, "{got} vs {want}");
        // Two units an order: P(D > 3) = P(N >= 2).
        let s = scenario("2");
        let want = 1.0 - (-lambda).exp() * (1.0 + lambda);
        let got = p_demand_exceeds(&s, &[lambda], 3);
        assert!((got - want).abs() < 1e-14, "{got} vs {want}");
    }

    #[test]
    fn shrink_stops_the_screen() {
        let mut s = scenario("1");
        assert_eq!(unscreenable(&s), None);
        s.stock.shrink_per_day = 0.1;
        assert!(unscreenable(&s).unwrap().contains("shrink"));
    }
}
