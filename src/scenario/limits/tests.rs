use super::*;
use crate::scenario::load::testing::{assert_error, edited};
use crate::scenario::load_str;
use crate::sim::Plan;
use crate::sim::demand::expected_arrivals;

#[test]
fn limits_print_as_powers_of_ten() {
    assert_eq!(power_of_ten(MAX_ORDERS), "10^7");
    assert_eq!(power_of_ten(MAX_PEAK_CHECKS), "10^9");
    assert_eq!(power_of_ten(MAX_AMOUNT), "10^12");
    assert_eq!(power_of_ten(MAX_UNITS as f64), "10^15");
    assert_eq!(power_of_ten(MAX_LOGNORMAL_SPREAD), "10^6");
}

#[test]
fn thousands_groups_digits() {
    assert_eq!(thousands(0.0), "0");
    assert_eq!(thousands(999.0), "999");
    assert_eq!(thousands(1_234_567.0), "1,234,567");
    assert_eq!(thousands(f64::INFINITY), "inf");
    assert_eq!(thousands(2e20), "2.000e20");
}

#[test]
fn expected_orders_match_the_engine_s_rate_segments() {
    let profile = format!(
        "hourly_profile = [{}]\n",
        (0..24)
            .map(|h| format!("{}.5", h % 5))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let peaks = "[[peaks]]\nfrom = \"2h 30m\"\nto = \"40h\"\nmultiplier = 3\n\n\
                 [[peaks]]\nfrom = \"30h\"\nto = \"50h\"\nmultiplier = 0.5\n\n\
                 [[peaks]]\nfrom = \"45h\"\nto = \"46h\"\nmultiplier = 0\n\n[[peaks]]";
    let text = edited(&[
        ("horizon = \"24h\"", "horizon = \"2d 7h 20m\""),
        ("currency = \"USD\"\n", &profile),
        ("[[peaks]]", peaks),
    ]);
    let s = load_str("s.toml", &text).unwrap();
    let plan = Plan::new(s.clone());
    for c in 0..s.channels.len() {
        let engine = expected_arrivals(&plan.segments[c]);
        let ours = expected_orders(&s, c);
        assert!(
            (ours - engine).abs() <= 1e-9 * engine,
            "channel {c}: {ours} vs {engine}"
        );
    }
}

#[test]
fn a_horizon_over_ten_years_is_refused_and_ten_years_loads() {
    assert_error(
        &[("horizon = \"24h\"", "horizon = \"36525d\"")],
        "horizon",
        "horizon = \"36525d\"",
        "longer than the limit of 10 years",
    );
    // Ten years load: the reference's rates give about 0.3 million orders per trial, and
    // with its background orders about 12.8 million events, so max_events is raised.
    let text = edited(&[
        ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
        ("seed = 2026", "seed = 2026\nmax_events = 20_000_000"),
    ]);
    assert_eq!(load_str("s.toml", &text).unwrap().horizon, MAX_HORIZON);
}

#[test]
fn more_than_ten_thousand_channels_are_refused() {
    // Every extra channel names a node that does not exist: the count is refused first, so
    // nothing was checked or built channel by channel (an order, not a stopwatch, shows it).
    let many: String = (0..=MAX_CHANNELS)
        .map(|i| format!("[channels.c{i}]\nnode = \"nowhere\"\norders_per_day = 0\n"))
        .collect();
    let text = edited(&[(
        "[[links]]\nname = \"amazon-feed\"",
        &format!("{many}[[links]]\nname = \"amazon-feed\""),
    )]);
    let e = load_str("s.toml", &text).unwrap_err();
    // The reference's four channels come first: c9996 is the 10,001st.
    assert_eq!(e.key, "channels.c9996", "{e}");
    assert!(
        e.message
            .contains("too many channels: 10,005 (at most 10,000)"),
        "{e}"
    );
}

#[test]
fn more_than_ten_thousand_links_are_refused() {
    // The reference has 6 links.
    let many = "[[links]]\n".repeat(MAX_LINKS - 5);
    let text = edited(&[("[[peaks]]", &format!("{many}[[peaks]]"))]);
    let e = load_str("s.toml", &text).unwrap_err();
    assert_eq!(e.key, "links[10000]", "{e}");
    assert!(
        e.message
            .contains("too many links: 10,001 (at most 10,000)"),
        "{e}"
    );
}

#[test]
fn long_names_and_names_with_control_characters_are_refused() {
    let long = "x".repeat(10_000);
    assert_error(
        &[(
            "name = \"Shopify hub, 15-minute marketplace polling, hourly ERP\"",
            &format!("name = \"{long}\""),
        )],
        "name",
        "name = \"xxx",
        "the scenario's name of 10,000 characters is longer than the limit of 200",
    );
    // 200 characters load.
    let text = edited(&[(
        "name = \"Shopify hub, 15-minute marketplace polling, hourly ERP\"",
        &format!("name = \"{}\"", "é".repeat(200)),
    )]);
    assert!(load_str("s.toml", &text).is_ok());
    assert_error(
        &[("[channels.pos]", "[channels.\"p\\nos\"]")],
        "channels.\"p\\nos\"",
        "[channels.\"p",
        "a channel name may not hold control characters (found '\\n')",
    );
    assert_error(
        &[("[nodes.walmart]", "[nodes.\"wal\\tmart\"]")],
        "nodes.\"wal\\tmart\"",
        "[nodes.\"wal",
        "a node name may not hold control characters",
    );
    assert_error(
        &[("name = \"amazon-feed\"", "name = \"amazon\\u0000feed\"")],
        "links[0].name",
        "name = \"amazon\\u0000",
        "a link name may not hold control characters",
    );
}

#[test]
fn a_channel_called_total_is_refused() {
    assert_error(
        &[("[channels.pos]", "[channels.total]")],
        "channels.total",
        "[channels.total]",
        "`total` is reserved for all channels together",
    );
}

#[test]
fn a_geometric_quantity_beyond_ten_million_is_refused() {
    assert_error(
        &[("qty = \"geometric(1.2)\"", "qty = \"geometric(1e300)\"")],
        "channels.amazon.qty",
        "qty = \"geometric(1e300)\"",
        "a geometric mean of 1e300 units is beyond the limit of 10^7 units per order",
    );
    let text = edited(&[("qty = \"geometric(1.2)\"", "qty = \"geometric(1e7)\"")]);
    assert!(load_str("s.toml", &text).is_ok());
}

#[test]
fn a_huge_hourly_multiplier_is_named_not_blamed_on_the_rate() {
    let profile = |big: &str| {
        let mut values = vec!["1"; 24];
        values[5] = big;
        format!(
            "currency = \"USD\"\nhourly_profile = [{}]\n",
            values.join(", ")
        )
    };
    assert_error(
        &[("currency = \"USD\"\n", &profile("1e308"))],
        "hourly_profile[5]",
        "hourly_profile = [",
        "1e308 is beyond the limit of 10^6 for an hourly multiplier",
    );
}

#[test]
fn too_many_scheduled_orders_or_receipts_are_refused() {
    let many = "[[scheduled_orders]]\nchannel = \"pos\"\nat = \"1h\"\nqty = 1\n"
        .repeat(MAX_SCHEDULED_ORDERS);
    let text = edited(&[(
        "[[scheduled_orders]]",
        &format!("{many}[[scheduled_orders]]"),
    )]);
    let e = load_str("s.toml", &text).unwrap_err();
    assert_eq!(e.key, "scheduled_orders[50000]", "{e}");
    assert!(e.message.contains("too many scheduled orders"), "{e}");
    let receipts = vec!["{ at = \"1h\", qty = 1 }"; MAX_RECEIPTS + 1].join(", ");
    let text = edited(&[(
        "receipts = [{ at = \"30h\", qty = 40 }]",
        &format!("receipts = [{receipts}]"),
    )]);
    let e = load_str("s.toml", &text).unwrap_err();
    assert_eq!(e.key, "stock.receipts[50000]", "{e}");
}

#[test]
fn more_than_a_thousand_retries_are_refused() {
    let retries = vec!["\"1s\""; 1001].join(", ");
    let text = format!(
        "name = \"r\"\nhorizon = \"1d\"\n[stock]\ninitial = 1\n[nodes.a]\n[nodes.b]\n\
         [channels.a]\norders_per_hour = 1\n[[links]]\ncarries = \"levels\"\nfrom = \"a\"\n\
         to = \"b\"\nwebhook = {{ retries = [{retries}] }}\n"
    );
    let error = crate::scenario::load_str("r.toml", &text).unwrap_err();
    assert_eq!(error.key, "links[0].webhook.retries[1000]", "{error}");
    assert!(error.message.contains("too many retries"), "{error}");
}

#[test]
fn more_than_a_thousand_peaks_are_refused() {
    let many = "[[peaks]]\nfrom = \"1h\"\nto = \"2h\"\nmultiplier = 2\n".repeat(MAX_PEAKS);
    let text = edited(&[(
        "[[scheduled_orders]]",
        &format!("{many}[[scheduled_orders]]"),
    )]);
    let e = load_str("s.toml", &text).unwrap_err();
    assert_eq!(e.key, "peaks[1000]", "{e}");
    assert!(
        e.message.contains("too many peaks: 1,001 (at most 1,000)"),
        "{e}"
    );
}

#[test]
fn stock_quantities_beyond_10_to_the_15_are_refused() {
    assert_error(
        &[("initial = 60", "initial = 1_000_000_000_000_001")],
        "stock.initial",
        "initial = 1_000_000_000_000_001",
        "beyond the limit of ±10^15 units",
    );
    assert_error(
        &[(
            "[nodes.walmart]",
            "[nodes.walmart]\ninitial = -9_000_000_000_000_000_000",
        )],
        "nodes.walmart.initial",
        "initial = -9_000",
        "-9000000000000000000 units is beyond the limit",
    );
    assert_error(
        &[("buffer = 2", "buffer = 9223372036854775807")],
        "channels.amazon.buffer",
        "buffer = 9223372036854775807",
        "beyond the limit of ±10^15 units",
    );
    assert_error(
        &[(
            "# reorder = { point = 12, qty = 48,",
            "reorder = { point = 12, qty = 2_000_000_000_000_000,",
        )],
        "stock.reorder.qty",
        "reorder = {",
        "beyond the limit",
    );
    assert_error(
        &[("initial = 60", "initial = 999_999_999_999_990")],
        "stock.receipts[0].qty",
        "receipts = [",
        "the stock could reach 1000000000000030 units",
    );
}

#[test]
fn a_billion_units_run() {
    let text = edited(&[("initial = 60", "initial = 1_000_000_000")]);
    let s = load_str("s.toml", &text).unwrap();
    let plan = Plan::new(s);
    let outcome = crate::sim::Engine::new(&plan).run_trial(1, 0).unwrap();
    let fulfilled: u64 = outcome.channels.iter().map(|c| c.fulfilled).sum();
    assert!(fulfilled > 0);
    assert_eq!(outcome.channels.iter().map(|c| c.oversold).sum::<u64>(), 0);
    assert!(outcome.final_physical > 999_999_000);
}

#[test]
fn absurd_money_amounts_are_refused() {
    assert_error(
        &[("penalty = 30.0", "penalty = 1e300")],
        "channels.walmart.penalty",
        "penalty = 1e300",
        "beyond the limit of 10^12 for a money amount",
    );
    assert_error(
        &[("unit_margin = 14.0", "unit_margin = 1e13")],
        "stock.unit_margin",
        "unit_margin = 1e13",
        "beyond the limit of 10^12",
    );
    assert_error(
        &[("penalty = 30.0", "penalty = \"lognormal(0.000001, 1000)\"")],
        "channels.walmart.penalty",
        "lognormal(0.000001, 1000)",
        "times the median, beyond the limit of 10^6",
    );
    // A wide but sane log-normal loads.
    let text = edited(&[("penalty = 30.0", "penalty = \"lognormal(10, 5000)\"")]);
    assert!(load_str("s.toml", &text).is_ok());
}

#[test]
fn more_than_ten_million_expected_orders_are_refused() {
    // 30 per day over 10 years is about 110,000 orders; a million a day is 3.65e9.
    assert_error(
        &[
            ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
            ("orders_per_day = 30", "orders_per_day = 1_000_000"),
        ],
        "channels.amazon.orders_per_day",
        "orders_per_day = 1_000_000",
        "would expect 3,652,",
    );
    // A peak multiplier counts: 5,000 per hour for 22 hours and x1000 for 2 hours is 10.1
    // million.
    assert_error(
        &[
            ("orders_per_hour = 0.5", "orders_per_hour = 5000"),
            (
                "multiplier = 4\nchannels = [\"shopify\", \"amazon\"]",
                "multiplier = 1000",
            ),
        ],
        "channels.pos.orders_per_hour",
        "orders_per_hour = 5000",
        "beyond the limit of 10^7 per trial",
    );
    // An overflowing product of peaks is over the limit, not a silent infinity.
    let peak = "[[peaks]]\nfrom = \"1h\"\nto = \"2h\"\nmultiplier = 1e300\n";
    let text = edited(&[(
        "[[scheduled_orders]]",
        &format!("{peak}{peak}[[scheduled_orders]]"),
    )]);
    let e = load_str("s.toml", &text).unwrap_err();
    assert!(e.message.contains("would expect inf orders"), "{e}");
}

#[test]
fn polls_recounts_and_background_have_budgets() {
    assert_error(
        &[
            ("horizon = \"24h\"", "horizon = \"365d 6h\""),
            (
                "every = \"1h\", latency = \"2m\", phase = \"10m\"",
                "every = \"100ms\", latency = \"2m\", phase = \"10ms\"",
            ),
        ],
        "links[5].poll.every",
        "every = \"100ms\"",
        "would poll 315,",
    );
    assert_error(
        &[(
            "first = \"23h\"\nevery = \"24h\"",
            "first = \"23h\"\nevery = \"1us\"",
        )],
        "reconcile.every",
        "every = \"1us\"",
        "beyond the limit of 10^7 recounts per trial",
    );
    assert_error(
        &[
            ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
            ("background_per_hour = 50", "background_per_hour = 5000"),
        ],
        "nodes.erp.processing.background_per_hour",
        "processing = {",
        "beyond the limit of 10^7 per trial",
    );
    // 3.6 million polls in a day are allowed: bounded time, no memory.
    let text = edited(&[(
        "every = \"1h\", latency = \"2m\", phase = \"10m\"",
        "every = \"25ms\", latency = \"2m\", phase = \"10ms\"",
    )]);
    assert!(load_str("s.toml", &text).is_ok());
}

#[test]
fn the_demand_plan_has_a_budget() {
    let profile = format!("hourly_profile = [{}]\n", ["1"; 24].join(", "));
    let channels: String = (0..200)
        .map(|i| format!("[channels.c{i}]\nnode = \"erp\"\norders_per_day = 0.001\n"))
        .collect();
    let text = edited(&[
        ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
        ("currency = \"USD\"\n", &profile),
        (
            "[[links]]\nname = \"amazon-feed\"",
            &format!("{channels}[[links]]\nname = \"amazon-feed\""),
        ),
    ]);
    let e = load_str("s.toml", &text).unwrap_err();
    // 87,660 hourly segments per channel: the 115th channel (c110) crosses 10^7.
    assert_eq!(e.key, "channels.c110", "{e}");
    assert!(e.message.contains("rate segments"), "{e}");
    // 1,000 peaks (multiplier 1: no extra orders) on channels with 87,660 hourly segments.
    let peaks = "[[peaks]]\nfrom = \"1h\"\nto = \"2h\"\nmultiplier = 1\n".repeat(999);
    let channels: String = (0..20)
        .map(|i| format!("[channels.c{i}]\nnode = \"erp\"\norders_per_day = 0.001\n"))
        .collect();
    let text = edited(&[
        ("horizon = \"24h\"", "horizon = \"3652d 12h\""),
        ("currency = \"USD\"\n", &profile),
        (
            "[[links]]\nname = \"amazon-feed\"",
            &format!("{channels}[[links]]\nname = \"amazon-feed\""),
        ),
        (
            "[[scheduled_orders]]",
            &format!("{peaks}[[scheduled_orders]]"),
        ),
    ]);
    let e = load_str("s.toml", &text).unwrap_err();
    assert_eq!(e.key, "channels.c7", "{e}");
    // The checks are counted, not made: 12 channels (the reference's four, then c0..c7),
    // each of 87,660 hourly segments plus two per peak, times its peaks: 1,000 on shopify
    // and amazon (the reference's own peak names them), 999 on the ten others.
    // 2 x 89,660 x 1,000 + 10 x 89,658 x 999 = 1,075,003,420.
    assert!(
        e.message
            .contains("reaches 1,075,003,420 segment-peak checks"),
        "{e}"
    );
}
