use crate::scenario::load::testing::assert_error;

#[test]
fn part2_keys_not_built_yet_are_refused_by_name() {
    assert_error(
        &[(
            "unit_margin = 14.0",
            "unit_margin = 14.0\nship_after = \"soon\"",
        )],
        "stock.ship_after",
        "ship_after",
        "`soon` is not a duration",
    );
    assert_error(
        &[("drop = 0.002", "drop = 0.002, disable_after = 0")],
        "links[4].webhook.disable_after",
        "disable_after = 0",
        "expected a whole number of at least 1, found 0",
    );
    assert_error(
        &[("ordered = true", "ordered = true\npublishes = \"onhand\"")],
        "links[5].publishes",
        "publishes",
        "expected \"available\" or \"on_hand\", found \"onhand\"",
    );
    assert_error(
        &[
            ("record = true\n", ""),
            ("receipts = [{ at = \"30h\", qty = 40 }]\n", ""),
            (
                "[reconcile]",
                "[monitoring]\nlag_alert = \"1h\"\n[reconcile]",
            ),
        ],
        "monitoring",
        "[monitoring]",
        "needs a record node",
    );
}

#[test]
fn catalog_keys_need_a_catalog() {
    assert_error(
        &[("channel = \"pos\"", "channel = \"pos\"\nsku = \"TEE\"")],
        "scheduled_orders[0].sku",
        "sku = \"TEE\"",
        "the scenario has no [catalog]",
    );
    assert_error(
        &[("orders_per_day = 30", "orders_per_day = 30\nshare = 2")],
        "channels.amazon.share",
        "share = 2",
        "needs a [catalog]",
    );
}

#[test]
fn a_catalog_scenario_loads_its_skus_and_checks_its_keys() {
    use crate::scenario::load_file;
    let dir = tempfile::tempdir().unwrap();
    let csv = "sku,orders_per_day,initial,price,listed_walmart,buffer_amazon\n\
               A,10,5,,,\n\
               B,4,2,19.5,false,0\n";
    std::fs::write(dir.path().join("skus.csv"), csv).unwrap();
    let toml = crate::scenario::load::testing::edited(&[
        (
            "[stock]\ninitial = 60\n",
            "[catalog]\nfile = \"skus.csv\"\n[stock]\nprice = 29\n",
        ),
        ("orders_per_day = 40", "share = 4"),
        ("orders_per_day = 30", "share = 3"),
        ("orders_per_day = 10", "share = 1"),
        ("orders_per_hour = 0.5", "share = 0"),
        (
            "receipts = [{ at = \"30h\", qty = 40 }]",
            "receipts = [{ at = \"30h\", sku = \"B\", qty = 40 }]",
        ),
        ("channel = \"pos\"", "channel = \"pos\"\nsku = \"A\""),
    ]);
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &toml).unwrap();
    let s = load_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let skus = &s.catalog.skus;
    assert_eq!((skus[0].name.as_str(), skus[0].price), ("A", 29.0));
    assert_eq!((skus[1].price, skus[1].line), (19.5, 3));
    // A: 10 a day as 4 : 3 : 1 : 0; B is not on walmart: 4 a day as 4 : 3.
    assert!((skus[0].channels[0].orders_per_hour - 10.0 * 4.0 / 8.0 / 24.0).abs() < 1e-12);
    assert!((skus[1].channels[1].orders_per_hour - 4.0 * 3.0 / 7.0 / 24.0).abs() < 1e-12);
    assert!(!skus[1].channels[2].listed);
    assert_eq!(skus[0].channels[1].listing.buffer, 2);
    assert_eq!(skus[1].channels[1].listing.buffer, 0);
    assert_eq!(s.stock.receipts[0].sku, 1);
    assert_eq!(s.scheduled_orders[0].sku, 0);
    // The channel's rate is the sum over SKUs.
    let amazon = 10.0 * 3.0 / 8.0 / 24.0 + 4.0 * 3.0 / 7.0 / 24.0;
    assert!((s.channels[1].orders_per_hour - amazon).abs() < 1e-12);
    // A channel rate, a node's initial or an unknown SKU is refused.
    let bad = toml.replace("share = 4", "orders_per_day = 40");
    std::fs::write(&path, &bad).unwrap();
    let e = load_file(&path).unwrap_err();
    assert_eq!(e.key, "channels.shopify.orders_per_day", "{e}");
    let bad = toml.replace("sku = \"A\"", "sku = \"Z\"");
    std::fs::write(&path, &bad).unwrap();
    let e = load_file(&path).unwrap_err();
    assert!(e.message.contains("the catalog has no SKU `Z`"), "{e}");
    let bad = toml.replace("[nodes.shopify]\n", "[nodes.shopify]\ninitial = 3\n");
    std::fs::write(&path, &bad).unwrap();
    let e = load_file(&path).unwrap_err();
    assert_eq!(e.key, "nodes.shopify.initial", "{e}");
    // A CSV error names the CSV file and its line.
    std::fs::write(
        dir.path().join("skus.csv"),
        "sku,orders_per_day,initial\nA,x,1\n",
    )
    .unwrap();
    let e = load_file(&path).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("skus.csv:2:3: orders_per_day: expected a number of at least 0, found `x`"),
        "{e}"
    );
}

#[test]
fn receipts_and_reorder_need_a_record_node() {
    assert_error(
        &[("record = true\n", "")],
        "stock.receipts",
        "receipts = [",
        "no node has `record = true`",
    );
    assert_error(
        &[
            ("record = true\n", ""),
            ("receipts = [{ at = \"30h\", qty = 40 }]\n", ""),
            ("# reorder = {", "reorder = {"),
        ],
        "stock.reorder",
        "reorder = {",
        "no node has `record = true`",
    );
}

#[test]
fn a_peak_window_that_ends_before_it_starts_is_refused() {
    assert_error(
        &[("to = \"20h\"", "to = \"17h\"")],
        "peaks[0].to",
        "to = \"17h\"",
        "the window ends before it starts",
    );
}

#[test]
fn an_outage_that_ends_before_it_starts_is_refused() {
    assert_error(
        &[("to = \"9h\"", "to = \"5h\"")],
        "links[1].outages[0].to",
        "to = \"5h\"",
        "the window ends before it starts",
    );
}

#[test]
fn a_negative_stock_quantity_is_refused() {
    assert_error(
        &[("initial = 60", "initial = -1")],
        "stock.initial",
        "initial = -1",
        "expected a whole number of at least 0, found -1",
    );
    assert_error(
        &[("qty = 40", "qty = -40")],
        "stock.receipts[0].qty",
        "receipts = [",
        "found -40",
    );
}

#[test]
fn a_top_level_hourly_profile_needs_24_values() {
    assert_error(
        &[(
            "currency = \"USD\"",
            "currency = \"USD\"\nhourly_profile = [1.0]",
        )],
        "hourly_profile",
        "hourly_profile = [1.0]",
        "found 1",
    );
}

#[test]
fn a_peak_or_order_naming_an_unknown_channel_is_refused() {
    assert_error(
        &[(
            "channels = [\"shopify\", \"amazon\"]",
            "channels = [\"shopify\", \"ebay\"]",
        )],
        "peaks[0].channels[1]",
        "\"ebay\"",
        "no channel is called `ebay`",
    );
    assert_error(
        &[("channel = \"pos\"", "channel = \"wholesale\"")],
        "scheduled_orders[0].channel",
        "channel = \"wholesale\"",
        "the channels are `shopify`, `amazon`, `walmart`, `pos`",
    );
}

#[test]
fn a_missing_required_key_points_at_its_table() {
    assert_error(
        &[("every = \"24h\"", "")],
        "reconcile.every",
        "[reconcile]",
        "is missing",
    );
    assert_error(
        &[("horizon = \"24h\"\n", "")],
        "horizon",
        "# Reference scenario",
        "is missing",
    );
}
