//! One measure over the trials of a run: mean, sd, 95% confidence interval and quantiles.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Summary of one measure over the trials of a run, in the measure's unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MetricSummary {
    /// Mean over trials.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator); 0 for fewer than 2 trials.
    pub sd: f64,
    /// 95% confidence interval of the mean, Student's t: `mean ± t(0.975, n-1) · sd / √n`.
    pub ci95: [f64; 2],
    /// Median (quantiles interpolate linearly between order statistics, R type 7).
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

impl MetricSummary {
    /// Half the width of the 95% confidence interval.
    pub fn ci95_half_width(&self) -> f64 {
        (self.ci95[1] - self.ci95[0]) / 2.0
    }
}

/// Adds values one after the other in the order given. Every sum over trials (and over channels)
/// goes through here, so results depend only on the input order, never on threads or chunking.
pub fn ordered_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    values.into_iter().fold(0.0, |sum, v| sum + v)
}

/// Summarises `values` (one per trial, in trial order). All zeros when `values` is empty.
pub fn summarize(values: &[f64]) -> MetricSummary {
    let n = values.len();
    if n == 0 {
        return MetricSummary::default();
    }
    let mean = ordered_sum(values.iter().copied()) / n as f64;
    let (sd, half_width) = if n < 2 {
        (0.0, 0.0)
    } else {
        let squares = ordered_sum(values.iter().map(|v| (v - mean) * (v - mean)));
        let sd = (squares / (n - 1) as f64).sqrt();
        (sd, t_975(n - 1) * sd / (n as f64).sqrt())
    };
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    MetricSummary {
        mean,
        sd,
        ci95: [mean - half_width, mean + half_width],
        p50: quantile(&sorted, 0.50),
        p90: quantile(&sorted, 0.90),
        p99: quantile(&sorted, 0.99),
        max: sorted[n - 1],
    }
}

/// The upper quantile of a two-sided 95% confidence interval, the one every report prints.
const UPPER_95: f64 = 0.975;

/// The 0.975 quantile of Student's t with `freedom` degrees of freedom (>= 1).
pub(crate) fn t_975(freedom: usize) -> f64 {
    let freedom = freedom as f64;
    if freedom <= 1000.0 {
        return StudentsT::new(0.0, 1.0, freedom)
            .expect("location 0, scale 1 and freedom >= 1 are valid")
            .inverse_cdf(UPPER_95);
    }
    // statrs inverts the regularised incomplete beta, which loses accuracy for large freedom
    // (1.8266 instead of 1.95996 at 10^7). There the Cornish-Fisher expansion around the normal
    // quantile is exact to double precision: its next term is below 1e-11 at 1000.
    let z = Normal::standard().inverse_cdf(UPPER_95);
    let (z2, nu) = (z * z, freedom);
    z + z * (z2 + 1.0) / (4.0 * nu)
        + z * ((5.0 * z2 + 16.0) * z2 + 3.0) / (96.0 * nu * nu)
        + z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / (384.0 * nu * nu * nu)
}

/// Quantile `p` of sorted, non-empty `sorted`: linear interpolation between order statistics
/// (R type 7, numpy's default).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_to_ten() -> Vec<f64> {
        (1..=10).map(f64::from).collect()
    }

    #[test]
    fn known_sample() {
        let s = summarize(&one_to_ten());
        assert!((s.mean - 5.5).abs() < 1e-12);
        assert!((s.sd - 3.0276503540974917).abs() < 1e-12);
        assert!((s.p50 - 5.5).abs() < 1e-12);
        assert!((s.p90 - 9.1).abs() < 1e-12);
        assert!((s.p99 - 9.91).abs() < 1e-12);
        assert_eq!(s.max, 10.0);
        // t(0.975, 9) = 2.2621571627..., sd / √10 = 0.9574271077...
        let half = 2.262_157_162_740_992 * 3.0276503540974917 / 10f64.sqrt();
        assert!((s.ci95_half_width() - half).abs() < 1e-9);
        assert!((s.ci95_half_width() - 2.1659).abs() < 1e-4);
        assert!((s.ci95[0] - (5.5 - half)).abs() < 1e-9);
        assert!((s.ci95[1] - (5.5 + half)).abs() < 1e-9);
    }

    #[test]
    fn order_of_input_does_not_change_quantiles() {
        let mut values = one_to_ten();
        values.reverse();
        let s = summarize(&values);
        assert!((s.p90 - 9.1).abs() < 1e-12);
        assert_eq!(s.max, 10.0);
    }

    #[test]
    fn single_value() {
        let s = summarize(&[3.5]);
        assert_eq!(s.mean, 3.5);
        assert_eq!(s.sd, 0.0);
        assert_eq!(s.ci95, [3.5, 3.5]);
        assert_eq!((s.p50, s.p90, s.p99, s.max), (3.5, 3.5, 3.5, 3.5));
    }

    #[test]
    fn empty_is_all_zeros() {
        assert_eq!(summarize(&[]), MetricSummary::default());
    }

    #[test]
    fn constant_sample_has_zero_width_interval() {
        let s = summarize(&[2.0; 5]);
        assert_eq!(s.sd, 0.0);
        assert_eq!(s.ci95, [2.0, 2.0]);
    }

    #[test]
    fn t_quantiles() {
        assert!((t_975(1) - 12.706_204_736_174_7).abs() < 1e-9);
        assert!((t_975(9) - 2.262_157_162_740_99).abs() < 1e-9);
        assert!((t_975(1000) - 1.962_339_080_826_3).abs() < 1e-9);
        // Both sides of the switch to the expansion agree.
        let exact = StudentsT::new(0.0, 1.0, 1001.0).unwrap().inverse_cdf(0.975);
        assert!(
            (t_975(1001) - exact).abs() < 1e-10,
            "{} vs {exact}",
            t_975(1001)
        );
        let exact = StudentsT::new(0.0, 1.0, 5000.0).unwrap().inverse_cdf(0.975);
        assert!(
            (t_975(5000) - exact).abs() < 1e-10,
            "{} vs {exact}",
            t_975(5000)
        );
        // Large freedom: z(0.975) + (z^3 + z) / (4 nu), to 1e-12.
        assert!(
            (t_975(1_000_000) - 1.959_966_356_7).abs() < 1e-9,
            "{}",
            t_975(1_000_000)
        );
        assert!(
            (t_975(10_000_000) - 1.959_964_221_7).abs() < 1e-9,
            "{}",
            t_975(10_000_000)
        );
    }
}
