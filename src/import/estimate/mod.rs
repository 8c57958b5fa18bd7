//! From order lines to the demand model: per channel its share, hourly profile and quantity
//! distribution; per SKU its orders per day, channel shares, price and `demand_cv`, each with the
//! evidence behind it.
//!
//! Velocity is orders / days the SKU could be sold: the days in stock where an inventory history
//! says so, else every day of the window, which undercounts SKUs that were sold out part of the
//! time (the fit report says so, and flags SKUs whose runs of days without orders are too long for
//! their rate). `demand_cv` is the method-of-moments estimate from daily counts: for a day
//! multiplier of mean 1 and coefficient of variation `cv`, counts have variance `m + cv^2 m^2`, so
//! `cv^2 = max(0, (var - m) / m^2)`.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::OrderLine;
use super::inventory::InStock;
use super::time::{days_between, local};

/// Below this many days of counts, `demand_cv` is written as 0.
pub const MIN_DAYS_FOR_CV: usize = 28;
/// Below this many orders, `demand_cv` is written as 0.
pub const MIN_ORDERS_FOR_CV: u64 = 60;
/// Below this many orders with a time of day, a channel gets no `hourly_profile` (flat): 24
/// values from fewer orders are mostly noise.
pub const MIN_ORDERS_FOR_PROFILE: u64 = 200;
/// Without an inventory file, `initial` is this many days of the SKU's demand (a placeholder).
pub const PLACEHOLDER_DAYS: f64 = 14.0;
/// A run of days without orders is flagged as a likely stockout when a run at least that long
/// anywhere in the window would happen less often than this under the fitted demand.
pub const STOCKOUT_RUN_P: f64 = 0.01;

/// What the estimation needs besides the orders.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The zone times are counted in (`--tz`); `None`: each time in the offset it was written with.
    pub tz: Option<TimeZone>,
    /// Days in stock per SKU (`--in-stock-days`).
    pub in_stock: Option<BTreeMap<String, InStock>>,
    /// Units on hand per SKU (`--inventory`).
    pub on_hand: Option<BTreeMap<String, i64>>,
}

/// How units per order are distributed on a channel, as the scenario's `qty` writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QtyModel {
    /// Every order had this many units.
    Fixed(u32),
    /// `geometric(mean)`: 1, 2, 3, ... with success probability 1/mean.
    Geometric(f64),
}

impl QtyModel {
    /// The value of the scenario's `qty` key.
    pub fn toml(&self) -> String {
        match self {
            QtyModel::Fixed(q) => q.to_string(),
            QtyModel::Geometric(mean) => format!("\"geometric({mean:.3})\""),
        }
    }
}

/// Units per order on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct QtyFit {
    /// The distribution written.
    pub model: QtyModel,
    /// Mean units per order.
    pub mean: f64,
    /// Standard deviation of units per order.
    pub sd: f64,
    /// Share of orders of one unit (a geometric fit predicts 1/mean).
    pub share_one: f64,
}

/// One channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelFit {
    /// Scenario channel name.
    pub name: String,
    /// Orders (order lines of one SKU) over the window.
    pub orders: u64,
    /// Share of all orders, 0..1: the channel's `share` in the scenario.
    pub share: f64,
    /// Orders per day of the window, day 0 first.
    pub daily: Vec<u64>,
    /// Orders per local hour of the day (lines with a time of day only).
    pub hours: [u64; 24],
    /// The hourly profile, mean 1 over the day; `None` (flat) with fewer than
    /// [`MIN_ORDERS_FOR_PROFILE`] orders with a time of day.
    pub profile: Option<[f64; 24]>,
    /// Units per order.
    pub qty: QtyFit,
}

/// Why `demand_cv` is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CvBasis {
    /// The method-of-moments estimate.
    Estimated,
    /// Too few days of counts: written as 0.
    TooFewDays,
    /// Too few orders: written as 0.
    TooFewOrders,
}

/// One SKU.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuFit {
    /// The SKU.
    pub sku: String,
    /// Orders over the window, all channels.
    pub orders: u64,
    /// Units over the window.
    pub units: u64,
    /// Orders per channel, in the order of [`Fit::channels`].
    pub channel_orders: Vec<u64>,
    /// Days the velocity is divided by: days in stock, or the window.
    pub days: f64,
    /// Orders per day over all channels.
    pub orders_per_day: f64,
    /// Standard error of `orders_per_day`, from the daily counts' spread.
    pub orders_per_day_se: f64,
    /// Median price of one unit, where the exports give prices.
    pub price: Option<f64>,
    /// Mean of the daily counts used for `demand_cv`, orders.
    pub daily_mean: f64,
    /// Sample variance of those daily counts, orders^2.
    pub daily_var: f64,
    /// Days of counts used for `demand_cv`.
    pub cv_days: usize,
    /// Variance over mean of the daily counts (1 for Poisson).
    pub dispersion: f64,
    /// P-value of Poisson against overdispersion (chi-square test of the dispersion index).
    pub p_poisson: Option<f64>,
    /// The moment estimate of the coefficient of variation, before the floor of evidence.
    pub cv_estimate: f64,
    /// `demand_cv` as written.
    pub demand_cv: f64,
    /// Why.
    pub cv_basis: CvBasis,
    /// Longest run of consecutive days without orders.
    pub longest_zero_run: usize,
    /// The run is too long for the fitted demand: likely sold out (only without a history).
    pub stockout_suspect: bool,
    /// Units on hand to start from.
    pub initial: i64,
    /// `initial` is a placeholder (no inventory file, or the SKU is not in it).
    pub initial_placeholder: bool,
    /// Order lines of refunded orders (counted as demand).
    pub refunded: u64,
}

/// Where the days a velocity is divided by come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaysBasis {
    /// Every day of the window.
    Window,
    /// `sku,days_in_stock`.
    Counted,
    /// A dated history.
    History,
}

/// The demand model fitted to a set of orders.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// First local day of the window.
    pub first_day: Date,
    /// Days in the window, first to last day with orders.
    pub days: usize,
    /// Channels, most orders first.
    pub channels: Vec<ChannelFit>,
    /// SKUs, most orders first.
    pub skus: Vec<SkuFit>,
    /// Days basis per SKU, in `skus` order.
    pub days_basis: Vec<DaysBasis>,
    /// Lines whose file gave a date but no time of day.
    pub untimed: u64,
}

/// Fits the demand model to `lines` (after [`super::merge`]); `None` when there are none.
pub fn fit(lines: &[OrderLine], options: &Options) -> Option<Fit> {
    let tz = options.tz.as_ref();
    let when: Vec<_> = lines
        .iter()
        .map(|l| local(l.written, l.offset, tz))
        .collect();
    let first_day = when.iter().map(|w| w.date()).min()?;
    let last_day = when.iter().map(|w| w.date()).max()?;
    let days = (days_between(first_day, last_day) + 1) as usize;
    let day_of = |i: usize| days_between(first_day, when[i].date()) as usize;

    let mut channel_names: Vec<String> = Vec::new();
    let mut channel_index: HashMap<&str, usize> = HashMap::new();
    for line in lines {
        if !channel_index.contains_key(line.channel.as_str()) {
            channel_index.insert(&line.channel, channel_names.len());
            channel_names.push(line.channel.clone());
        }
    }
    let channels = fit_channels(lines, &channel_names, &channel_index, days, &day_of, &when);
    let mut by_sku: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        by_sku.entry(&line.sku).or_default().push(i);
    }
    let mut fitted: Vec<(SkuFit, DaysBasis)> = by_sku
        .into_iter()
        .map(|(sku, rows)| {
            fit_sku(
                sku,
                &rows,
                lines,
                &channel_index,
                options,
                first_day,
                days,
                &day_of,
            )
        })
        .collect();
    fitted.sort_by(|a, b| b.0.orders.cmp(&a.0.orders).then(a.0.sku.cmp(&b.0.sku)));
    // Channels ordered by orders; SKU channel counts follow that order.
    let mut order: Vec<usize> = (0..channels.len()).collect();
    order.sort_by(|&a, &b| channels[b].orders.cmp(&channels[a].orders).then(a.cmp(&b)));
    let channels: Vec<ChannelFit> = order.iter().map(|&i| channels[i].clone()).collect();
    let (skus, days_basis): (Vec<SkuFit>, Vec<DaysBasis>) = fitted
        .into_iter()
        .map(|(mut s, b)| {
            s.channel_orders = order.iter().map(|&i| s.channel_orders[i]).collect();
            (s, b)
        })
        .unzip();
    Some(Fit {
        first_day,
        days,
        channels,
        skus,
        days_basis,
        untimed: lines.iter().filter(|l| !l.has_time).count() as u64,
    })
}

fn fit_channels(
    lines: &[OrderLine],
    names: &[String],
    index: &HashMap<&str, usize>,
    days: usize,
    day_of: &dyn Fn(usize) -> usize,
    when: &[jiff::civil::DateTime],
) -> Vec<ChannelFit> {
    let total = lines.len() as f64;
    let mut daily = vec![vec![0u64; days]; names.len()];
    let mut hours = vec![[0u64; 24]; names.len()];
    let mut qty: Vec<Vec<u32>> = vec![Vec::new(); names.len()];
    for (i, line) in lines.iter().enumerate() {
        let c = index[line.channel.as_str()];
        daily[c][day_of(i)] += 1;
        if line.has_time {
            hours[c][when[i].hour() as usize] += 1;
        }
        qty[c].push(line.qty);
    }
    names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let orders = qty[c].len() as u64;
            let timed: u64 = hours[c].iter().sum();
            let profile = (timed >= MIN_ORDERS_FOR_PROFILE).then(|| {
                let mut p = [0.0; 24];
                for (h, n) in hours[c].iter().enumerate() {
                    p[h] = 24.0 * *n as f64 / timed as f64;
                }
                p
            });
            ChannelFit {
                name: name.clone(),
                orders,
                share: orders as f64 / total,
                daily: daily[c].clone(),
                hours: hours[c],
                profile,
                qty: fit_qty(&qty[c]),
            }
        })
        .collect()
}

/// Units per order: fixed when every order had the same, else geometric with the observed mean
/// (the model's only quantity distribution with an unbounded tail).
pub fn fit_qty(qty: &[u32]) -> QtyFit {
    let n = qty.len().max(1) as f64;
    let mean = qty.iter().map(|&q| f64::from(q)).sum::<f64>() / n;
    let var = qty
        .iter()
        .map(|&q| (f64::from(q) - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0).max(1.0);
    let share_one = qty.iter().filter(|&&q| q == 1).count() as f64 / n;
    let model = match (qty.iter().min(), qty.iter().max()) {
        (Some(lo), Some(hi)) if lo == hi => QtyModel::Fixed(*lo),
        (None, _) | (_, None) => QtyModel::Fixed(1),
        _ => QtyModel::Geometric(mean),
    };
    QtyFit {
        model,
        mean,
        sd: var.sqrt(),
        share_one,
    }
}

#[allow(clippy::too_many_arguments)]
fn fit_sku(
    sku: &str,
    rows: &[usize],
    lines: &[OrderLine],
    channel_index: &HashMap<&str, usize>,
    options: &Options,
    first_day: Date,
    days: usize,
    day_of: &dyn Fn(usize) -> usize,
) -> (SkuFit, DaysBasis) {
    let orders = rows.len() as u64;
    let units: u64 = rows.iter().map(|&i| u64::from(lines[i].qty)).sum();
    let mut channel_orders = vec![0u64; channel_index.len()];
    let mut daily = vec![0u64; days];
    for &i in rows {
        channel_orders[channel_index[lines[i].channel.as_str()]] += 1;
        daily[day_of(i)] += 1;
    }
    // The days a velocity is divided by, and the daily counts `demand_cv` is read from.
    let stock = options.in_stock.as_ref().and_then(|m| m.get(sku));
    let (divide_by, counts, basis) = match stock {
        Some(InStock::Dates(dates)) => {
            let stocked: Vec<u64> = dates
                .iter()
                .map(|d| days_between(first_day, *d))
                .filter(|d| (0..days as i64).contains(d))
                .map(|d| daily[d as usize])
                .collect();
            (stocked.len().max(1) as f64, stocked, DaysBasis::History)
        }
        Some(InStock::Days(n)) => (n.clamp(1.0, days as f64), daily.clone(), DaysBasis::Counted),
        None => (days as f64, daily.clone(), DaysBasis::Window),
    };
    let n = counts.len();
    let mean = counts.iter().sum::<u64>() as f64 / n.max(1) as f64;
    let var = counts
        .iter()
        .map(|&c| (c as f64 - mean).powi(2))
        .sum::<f64>()
        / (n as f64 - 1.0).max(1.0);
    let cv_estimate = if mean > 0.0 {
        ((var - mean) / (mean * mean)).max(0.0).sqrt()
    } else {
        0.0
    };
    let cv_basis = if n < MIN_DAYS_FOR_CV {
        CvBasis::TooFewDays
    } else if orders < MIN_ORDERS_FOR_CV {
        CvBasis::TooFewOrders
    } else {
        CvBasis::Estimated
    };
    let demand_cv = if cv_basis == CvBasis::Estimated {
        cv_estimate
    } else {
        0.0
    };
    let orders_per_day = orders as f64 / divide_by;
    let dispersion = if mean > 0.0 { var / mean } else { 1.0 };
    let p_poisson = (n >= 2 && mean > 0.0)
        .then(|| ChiSquared::new(n as f64 - 1.0).ok())
        .flatten()
        .map(|chi| 1.0 - chi.cdf((n as f64 - 1.0) * dispersion));
    let longest_zero_run = longest_run_of_zeros(&daily);
    let stockout_suspect = basis == DaysBasis::Window
        && run_is_unlikely(longest_zero_run, orders_per_day, demand_cv, days);
    let mut prices: Vec<f64> = rows.iter().filter_map(|&i| lines[i].unit_price).collect();
    prices.sort_by(f64::total_cmp);
    let price = (!prices.is_empty()).then(|| {
        let mid = prices.len() / 2;
        if prices.len() % 2 == 1 {
            prices[mid]
        } else {
            (prices[mid - 1] + prices[mid]) / 2.0
        }
    });
    let stocked = options.on_hand.as_ref().and_then(|m| m.get(sku)).copied();
    let units_per_day = units as f64 / divide_by;
    let fit = SkuFit {
        sku: sku.to_string(),
        orders,
        units,
        channel_orders,
        days: divide_by,
        orders_per_day,
        orders_per_day_se: if mean > 0.0 {
            orders_per_day * (var.max(mean) / n as f64).sqrt() / mean
        } else {
            0.0
        },
        price,
        daily_mean: mean,
        daily_var: var,
        cv_days: n,
        dispersion,
        p_poisson,
        cv_estimate,
        demand_cv,
        cv_basis,
        longest_zero_run,
        stockout_suspect,
        initial: stocked.unwrap_or((units_per_day * PLACEHOLDER_DAYS).ceil() as i64),
        initial_placeholder: stocked.is_none(),
        refunded: rows.iter().filter(|&&i| lines[i].refunded).count() as u64,
    };
    (fit, basis)
}

/// The longest run of consecutive zeros.
pub fn longest_run_of_zeros(daily: &[u64]) -> usize {
    let (mut longest, mut run) = (0, 0);
    for &count in daily {
        run = if count == 0 { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// True when a run of `run` days without orders somewhere in `days` days would happen with
/// probability below [`STOCKOUT_RUN_P`] at `rate` orders a day and day-to-day variation `cv`.
fn run_is_unlikely(run: usize, rate: f64, cv: f64, days: usize) -> bool {
    if run < 3 || rate <= 0.0 {
        return false;
    }
    // A day without orders: Poisson e^-m; with a gamma multiplier, the negative binomial's zero.
    let zero = if cv > 0.0 {
        (1.0 + cv * cv * rate).powf(-1.0 / (cv * cv))
    } else {
        (-rate).exp()
    };
    // Union bound over the days a run can start on.
    let p = days as f64 * zero.powi(run as i32);
    p < STOCKOUT_RUN_P
}
#[cfg(test)]
mod tests;
