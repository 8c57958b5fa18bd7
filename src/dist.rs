//! Distributions of durations, money and quantities (docs/model.md) and their parsing.
//!
//! Durations are written `90s`, `15m`, `1h`, `2d` (anything `humantime` reads). A distribution is a
//! plain value or `uniform(a, b)`, `exp(mean)`, `normal(mean, sd)` (negative draws become 0) or
//! `lognormal(median, p95)`. Quantities are an integer, `uniform(a, b)` on integers (both ends
//! included) or `geometric(mean)` (a count on 1, 2, 3, ... with success probability 1/mean).

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1, Geometric, StandardNormal};

/// The 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// A distribution of a non-negative real value (seconds or money).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always this value.
    Fixed(f64),
    /// Uniform on `[a, b]`.
    Uniform(f64, f64),
    /// Exponential with this mean.
    Exp(f64),
    /// Normal with this mean and standard deviation; negative draws become 0.
    Normal(f64, f64),
    /// Log-normal with this median and 95th percentile.
    LogNormal {
        /// ln(median).
        mu: f64,
        /// (ln(p95) - ln(median)) / z(0.95).
        sigma: f64,
    },
}

impl Dist {
    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Fixed(x) => x,
            Dist::Uniform(a, b) => a + (b - a) * rng.random::<f64>(),
            Dist::Exp(mean) => {
                let e: f64 = Exp1.sample(rng);
                mean * e
            }
            Dist::Normal(mean, sd) => {
                let z: f64 = StandardNormal.sample(rng);
                (mean + sd * z).max(0.0)
            }
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
        }
    }

    /// The exact mean of the distribution as drawn (the normal one cut at 0).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed(x) => x,
            Dist::Uniform(a, b) => (a + b) / 2.0,
            Dist::Exp(mean) => mean,
            Dist::Normal(mean, sd) => {
                if sd == 0.0 {
                    return mean.max(0.0);
                }
                use statrs::distribution::{Continuous, ContinuousCDF, Normal};
                let std = Normal::standard();
                let a = mean / sd;
                mean * std.cdf(a) + sd * std.pdf(a)
            }
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
        }
    }

    /// Whether every draw is exactly 0.
    pub fn is_zero(&self) -> bool {
        matches!(*self, Dist::Fixed(x) if x == 0.0)
    }

    /// Parses a distribution whose values are durations (`"45s"`, `"uniform(30s, 90s)"`), in seconds.
    pub fn parse_duration(text: &str) -> Result<Dist, String> {
        Dist::parse_with(
            text,
            parse_duration,
            "a duration like \"90s\", \"15m\", \"1h\" or \"2d\"",
        )
    }

    /// Parses a distribution whose values are plain numbers (`"30"`, `"uniform(8, 15)"`).
    pub fn parse_amount(text: &str) -> Result<Dist, String> {
        Dist::parse_with(text, parse_amount, "a number")
    }

    fn parse_with(
        text: &str,
        value: fn(&str) -> Result<f64, String>,
        what: &str,
    ) -> Result<Dist, String> {
        let text = text.trim();
        let Some((family, args)) = split_call(text) else {
            return value(text).map(Dist::Fixed).map_err(|e| {
                format!(
                    "{e}; expected {what} or a distribution: uniform(a, b), exp(mean), \
                     normal(mean, sd), lognormal(median, p95)"
                )
            });
        };
        let args = args
            .iter()
            .map(|a| value(a))
            .collect::<Result<Vec<f64>, String>>()
            .map_err(|e| format!("in `{text}`: {e}"))?;
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "`{family}` takes {n} argument{}, got {} in `{text}`",
                    if n == 1 { "" } else { "s" },
                    args.len()
                ))
            }
        };
        match family {
            "uniform" => {
                arity(2)?;
                if args[0] > args[1] {
                    return Err(format!("`{text}`: the lower end is above the upper end"));
                }
                Ok(Dist::Uniform(args[0], args[1]))
            }
            "exp" => {
                arity(1)?;
                Ok(Dist::Exp(args[0]))
            }
            "normal" => {
                arity(2)?;
                Ok(Dist::Normal(args[0], args[1]))
            }
            "lognormal" => {
                arity(2)?;
                let (median, p95) = (args[0], args[1]);
                if median <= 0.0 {
                    return Err(format!("`{text}`: the median must be above 0"));
                }
                if p95 < median {
                    return Err(format!("`{text}`: the 95th percentile is below the median"));
                }
                Ok(Dist::LogNormal {
                    mu: median.ln(),
                    sigma: (p95.ln() - median.ln()) / Z95,
                })
            }
            other => Err(format!(
                "unknown distribution `{other}`; expected uniform(a, b), exp(mean), \
                 normal(mean, sd) or lognormal(median, p95)"
            )),
        }
    }
}

/// A distribution of units per order (at least 0; draws are integers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QtyDist {
    /// Always this many units.
    Fixed(u32),
    /// Uniform on the integers `a..=b`.
    Uniform(u32, u32),
    /// Geometric on 1, 2, 3, ... with success probability 1/mean.
    Geometric {
        /// Mean count (>= 1).
        mean: f64,
        /// Failures before the first success, with p = 1/mean.
        failures: Geometric,
    },
}

impl QtyDist {
    /// Draws one quantity.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        match *self {
            QtyDist::Fixed(q) => q,
            QtyDist::Uniform(a, b) => rng.random_range(a..=b),
            QtyDist::Geometric { failures, .. } => {
                let failures = failures.sample(rng);
                u32::try_from(failures.saturating_add(1)).unwrap_or(u32::MAX)
            }
        }
    }

    /// The exact mean.
    pub fn mean(&self) -> f64 {
        match *self {
            QtyDist::Fixed(q) => f64::from(q),
            QtyDist::Uniform(a, b) => (f64::from(a) + f64::from(b)) / 2.0,
            QtyDist::Geometric { mean, .. } => mean,
        }
    }

    /// Parses `"3"`, `"uniform(1, 4)"` or `"geometric(1.2)"`.
    pub fn parse(text: &str) -> Result<QtyDist, String> {
        let text = text.trim();
        let int = |s: &str| -> Result<u32, String> {
            let v: i64 = s
                .trim()
                .parse()
                .map_err(|_| format!("`{}` is not a whole number of units", s.trim()))?;
            if v < 0 {
                return Err(format!("quantity {v} is negative"));
            }
            u32::try_from(v).map_err(|_| format!("quantity {v} is too large"))
        };
        let Some((family, args)) = split_call(text) else {
            return int(text).map(QtyDist::Fixed).map_err(|e| {
                format!("{e}; expected a whole number, uniform(a, b) or geometric(mean)")
            });
        };
        match (family, args.as_slice()) {
            ("uniform", [a, b]) => {
                let (a, b) = (int(a)?, int(b)?);
                if a > b {
                    return Err(format!("`{text}`: the lower end is above the upper end"));
                }
                Ok(QtyDist::Uniform(a, b))
            }
            ("geometric", [mean]) => {
                let mean = parse_amount(mean)?;
                QtyDist::geometric(mean).map_err(|e| format!("`{text}`: {e}"))
            }
            ("uniform" | "geometric", _) => Err(format!("wrong number of arguments in `{text}`")),
            (other, _) => Err(format!(
                "unknown quantity distribution `{other}`; expected uniform(a, b) or geometric(mean)"
            )),
        }
    }

    /// A geometric count on 1, 2, 3, ... with the given mean (>= 1).
    pub fn geometric(mean: f64) -> Result<QtyDist, String> {
        if mean.is_nan() || mean < 1.0 || mean.is_infinite() {
            return Err(format!("the mean must be at least 1, got {mean}"));
        }
        Geometric::new(1.0 / mean)
            .map(|failures| QtyDist::Geometric { mean, failures })
            .map_err(|e| e.to_string())
    }
}

/// Splits `family(a, b)` into `("family", ["a", "b"])`; `None` when `text` is not a call.
fn split_call(text: &str) -> Option<(&str, Vec<&str>)> {
    let open = text.find('(')?;
    let inner = text[open + 1..].strip_suffix(')')?;
    let family = text[..open].trim();
    if family.is_empty() || !family.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some((family, inner.split(',').map(str::trim).collect()))
}

/// Parses a duration such as `90s`, `15m`, `1h`, `2d` or `1h 30m` into seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if text.starts_with('-') {
        return Err(format!("duration `{text}` is negative"));
    }
    if text == "0" {
        return Ok(0.0);
    }
    calendar_units(text)?;
    humantime::parse_duration(text)
        .map(|d| d.as_secs_f64())
        .map_err(|e| match e {
            humantime::DurationError::UnknownUnit { unit, .. } => {
                format!("`{text}` has the unknown unit `{unit}`; the units are {DURATION_UNITS}")
            }
            e => format!("`{text}` is not a duration ({e})"),
        })
}

/// The duration units read, for messages and the README.
pub const DURATION_UNITS: &str = "ms, s (sec, second, seconds), m (min, minute, minutes), \
                                  h (hr, hour, hours), d (day, days) and w (week, weeks)";

/// Refuses months and years, which humantime reads as 30.44 and 365.25 days: `15M` meant for
/// fifteen minutes would silently become fifteen months.
fn calendar_units(text: &str) -> Result<(), String> {
    let unit = text.split(|c: char| !c.is_alphabetic()).find(|unit| {
        matches!(
            *unit,
            "M" | "month" | "months" | "y" | "yr" | "yrs" | "year" | "years"
        )
    });
    let Some(unit) = unit else {
        return Ok(());
    };
    let (what, hint) = if unit == "M" {
        ("months", "; for minutes write a lower-case m (\"15m\")")
    } else if unit.starts_with('m') {
        ("months", "")
    } else {
        ("years", "")
    };
    Err(format!(
        "`{text}` counts in {what} (`{unit}`), which have no fixed length; write days or weeks \
         instead (\"30d\", \"52w\"){hint}"
    ))
}

/// Parses a plain non-negative number.
fn parse_amount(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let v: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if !v.is_finite() {
        return Err(format!("`{text}` is not a finite number"));
    }
    if v < 0.0 {
        return Err(format!("`{text}` is negative"));
    }
    Ok(v)
}

/// Formats seconds as a duration in the scenario syntax (`1d`, `1h 30m`, `45s`), rounded to the
/// second, for reports.
pub fn format_seconds(seconds: f64) -> String {
    let mut left = seconds.max(0.0).round() as u64;
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if left >= size {
            parts.push(format!("{}{unit}", left / size));
            left %= size;
        }
    }
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("15m"), Ok(900.0));
        assert_eq!(parse_duration("1h"), Ok(3600.0));
        assert_eq!(parse_duration("2d"), Ok(172_800.0));
        assert!(parse_duration("-5m").unwrap_err().contains("negative"));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("0.25h"), Ok(900.0));
        assert_eq!(parse_duration("15 minutes"), Ok(900.0));
        assert_eq!(parse_duration("15min"), Ok(900.0));
        assert_eq!(parse_duration("2w"), Ok(1_209_600.0));
    }

    #[test]
    fn months_and_years_are_refused() {
        let e = parse_duration("15M").unwrap_err();
        assert!(e.starts_with("`15M` counts in months (`M`)"), "{e}");
        assert!(
            e.ends_with("for minutes write a lower-case m (\"15m\")"),
            "{e}"
        );
        for text in [
            "1month", "2 months", "1y", "3yrs", "1 year", "2years", "1d 1M",
        ] {
            assert!(
                parse_duration(text)
                    .unwrap_err()
                    .contains("no fixed length"),
                "{text}"
            );
        }
        let e = parse_duration("15q").unwrap_err();
        assert!(e.contains("unknown unit `q`; the units are ms, s"), "{e}");
        assert!(!e.contains("month"), "{e}");
    }

    #[test]
    fn formats_durations_as_they_are_written() {
        assert_eq!(format_seconds(86_400.0), "1d");
        assert_eq!(format_seconds(5_400.0), "1h 30m");
        assert_eq!(format_seconds(90.4), "1m 30s");
        assert_eq!(format_seconds(0.2), "0s");
        assert_eq!(parse_duration(&format_seconds(93_784.0)), Ok(93_784.0));
    }

    #[test]
    fn parses_distributions() {
        assert_eq!(
            Dist::parse_duration("uniform(30s, 90s)"),
            Ok(Dist::Uniform(30.0, 90.0))
        );
        assert_eq!(Dist::parse_duration("exp(40s)"), Ok(Dist::Exp(40.0)));
        assert_eq!(
            Dist::parse_amount("uniform(8, 15)"),
            Ok(Dist::Uniform(8.0, 15.0))
        );
        assert_eq!(Dist::parse_amount("30"), Ok(Dist::Fixed(30.0)));
        assert!(
            Dist::parse_amount("gamma(1, 2)")
                .unwrap_err()
                .contains("unknown")
        );
        assert!(Dist::parse_amount("uniform(3, 2)").is_err());
        assert!(
            Dist::parse_duration("uniform(30s)")
                .unwrap_err()
                .contains("2 arguments")
        );
        assert_eq!(QtyDist::parse("uniform(1, 4)"), Ok(QtyDist::Uniform(1, 4)));
        assert_eq!(QtyDist::parse("3"), Ok(QtyDist::Fixed(3)));
        assert!(QtyDist::parse("geometric(0.5)").is_err());
    }

    #[test]
    fn lognormal_matches_its_median_and_p95() {
        let d = Dist::parse_amount("lognormal(10, 40)").unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut draws: Vec<f64> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        draws.sort_by(f64::total_cmp);
        let median = draws[100_000];
        let p95 = draws[190_000];
        // Order-statistic standard errors at n = 200000 are well under 1% here.
        assert!((median / 10.0 - 1.0).abs() < 0.02, "median {median}");
        assert!((p95 / 40.0 - 1.0).abs() < 0.03, "p95 {p95}");
    }

    #[test]
    fn geometric_quantity_has_its_mean_and_is_at_least_one() {
        let d = QtyDist::parse("geometric(1.5)").unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let n = 100_000;
        let draws: Vec<u32> = (0..n).map(|_| d.sample(&mut rng)).collect();
        assert!(draws.iter().all(|&q| q >= 1));
        let mean = draws.iter().map(|&q| f64::from(q)).sum::<f64>() / n as f64;
        // Var = (1 - p) / p^2 = 0.75; SE = sqrt(0.75 / n).
        let se = (0.75f64 / n as f64).sqrt();
        assert!((mean - 1.5).abs() < 4.0 * se, "mean {mean}");
    }

    #[test]
    fn cut_normal_mean_is_exact() {
        let d = Dist::Normal(1.0, 2.0);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se = (var / n as f64).sqrt();
        assert!((mean - d.mean()).abs() < 4.0 * se, "{mean} vs {}", d.mean());
    }
}
