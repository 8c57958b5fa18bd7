use super::*;
use jiff::civil::date;

fn order(sku: &str, channel: &str, day: i8, hour: i8, qty: u32) -> OrderLine {
    OrderLine {
        file: 0,
        line: 2,
        order: None,
        channel: channel.to_string(),
        sku: sku.to_string(),
        qty,
        unit_price: Some(10.0),
        written: date(2025, 10, day).at(hour, 0, 0, 0),
        offset: None,
        has_time: true,
        refunded: false,
    }
}

#[test]
fn shares_profiles_and_quantities() {
    let lines = vec![
        order("A", "shopify", 1, 9, 1),
        order("A", "shopify", 1, 9, 1),
        order("A", "amazon", 3, 21, 2),
        order("B", "amazon", 3, 21, 4),
    ];
    let fit = fit(&lines, &Options::default()).unwrap();
    assert_eq!(fit.days, 3);
    let names: Vec<&str> = fit.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["shopify", "amazon"]);
    let shopify = &fit.channels[0];
    assert_eq!(shopify.share, 0.5);
    assert_eq!(shopify.hours[9], 2);
    assert_eq!(shopify.profile, None, "too few orders for a profile");
    assert_eq!(shopify.qty.model, QtyModel::Fixed(1));
    assert_eq!(fit.channels[1].qty.model, QtyModel::Geometric(3.0));
    assert_eq!(fit.channels[1].daily, [0, 0, 2]);
    let a = &fit.skus[0];
    assert_eq!(
        (a.sku.as_str(), a.orders, a.channel_orders.clone()),
        ("A", 3, vec![2, 1])
    );
    assert_eq!(a.orders_per_day, 1.0);
    assert_eq!(a.cv_basis, CvBasis::TooFewDays);
    assert_eq!(a.demand_cv, 0.0);
    assert_eq!(a.price, Some(10.0));
    // 4 units over 3 days, 14 days of cover.
    assert_eq!((a.initial, a.initial_placeholder), (19, true));
}

#[test]
fn days_in_stock_raise_the_velocity() {
    let lines = vec![
        order("A", "shopify", 1, 9, 1),
        order("A", "shopify", 10, 9, 1),
    ];
    let mut in_stock = BTreeMap::new();
    in_stock.insert("A".to_string(), InStock::Days(5.0));
    let options = Options {
        in_stock: Some(in_stock),
        ..Options::default()
    };
    let fit = fit(&lines, &options).unwrap();
    assert_eq!(fit.days, 10);
    assert_eq!(fit.skus[0].orders_per_day, 0.4);
    assert_eq!(fit.days_basis[0], DaysBasis::Counted);
}

#[test]
fn demand_cv_is_the_moment_estimate_above_the_floor_of_evidence() {
    // 30 days alternating 1 and 5 orders: mean 3, sample variance 4 * 30 / 29.
    let lines: Vec<OrderLine> = (0..30)
        .flat_map(|d| {
            let n = if d % 2 == 0 { 1 } else { 5 };
            let day = date(2025, 9, 1)
                .checked_add(jiff::Span::new().days(d))
                .unwrap();
            (0..n).map(move |_| OrderLine {
                written: day.at(12, 0, 0, 0),
                ..order("A", "shopify", 1, 12, 1)
            })
        })
        .collect();
    let fit = fit(&lines, &Options::default()).unwrap();
    let a = &fit.skus[0];
    let var = 4.0 * 30.0 / 29.0;
    assert!((a.daily_var - var).abs() < 1e-12);
    assert_eq!(a.orders, 90);
    assert_eq!(a.cv_basis, CvBasis::Estimated);
    let cv = ((var - 3.0) / 9.0_f64).sqrt();
    assert!((a.demand_cv - cv).abs() < 1e-12, "{} vs {cv}", a.demand_cv);
    assert!((a.dispersion - var / 3.0).abs() < 1e-12);
    // Less spread than Poisson: cv is 0, not imaginary.
    let even: Vec<OrderLine> = (0..30)
        .flat_map(|d| {
            let day = date(2025, 9, 1)
                .checked_add(jiff::Span::new().days(d))
                .unwrap();
            (0..3).map(move |_| OrderLine {
                written: day.at(12, 0, 0, 0),
                ..order("B", "shopify", 1, 12, 1)
            })
        })
        .collect();
    assert_eq!(
        super::fit(&even, &Options::default()).unwrap().skus[0].demand_cv,
        0.0
    );
}

#[test]
fn a_sold_out_fortnight_is_flagged_and_a_history_corrects_the_velocity() {
    // 4 orders a day for 40 days, except days 10 to 23 (sold out).
    let days: Vec<i64> = (0..40).filter(|d| !(10..24).contains(d)).collect();
    let lines: Vec<OrderLine> = days
        .iter()
        .flat_map(|&d| {
            let day = date(2025, 9, 1)
                .checked_add(jiff::Span::new().days(d))
                .unwrap();
            (0..4).map(move |_| OrderLine {
                written: day.at(12, 0, 0, 0),
                ..order("A", "shopify", 1, 12, 1)
            })
        })
        .collect();
    let window = fit(&lines, &Options::default()).unwrap();
    let a = &window.skus[0];
    assert_eq!((a.longest_zero_run, a.stockout_suspect), (14, true));
    assert!(
        (a.orders_per_day - 104.0 / 40.0).abs() < 1e-12,
        "biased low"
    );
    let stocked = days
        .iter()
        .map(|&d| {
            date(2025, 9, 1)
                .checked_add(jiff::Span::new().days(d))
                .unwrap()
        })
        .collect();
    let options = Options {
        in_stock: Some(BTreeMap::from([("A".to_string(), InStock::Dates(stocked))])),
        ..Options::default()
    };
    let history = fit(&lines, &options).unwrap();
    let a = &history.skus[0];
    assert_eq!((a.orders_per_day, a.stockout_suspect), (4.0, false));
    assert_eq!(history.days_basis[0], DaysBasis::History);
    // Counted only on the days in stock, the counts show no variability.
    assert_eq!(a.demand_cv, 0.0);
}

#[test]
fn long_silences_at_a_high_rate_look_like_stockouts() {
    assert_eq!(longest_run_of_zeros(&[1, 0, 0, 2, 0, 0, 0, 1]), 3);
    assert!(run_is_unlikely(10, 3.0, 0.0, 90));
    assert!(!run_is_unlikely(3, 0.5, 0.0, 90));
    // Variable demand makes empty days likelier.
    assert!(run_is_unlikely(5, 2.0, 0.0, 90));
    assert!(!run_is_unlikely(5, 2.0, 1.5, 90));
}
