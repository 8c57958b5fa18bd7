use super::*;

fn channels() -> Vec<String> {
    ["shopify", "amazon"].map(String::from).to_vec()
}

fn error(text: &str) -> String {
    parse_catalog("skus.csv", text, &channels(), false)
        .unwrap_err()
        .to_string()
}

#[test]
fn rows_read_with_their_lines_and_empty_cells_as_none() {
    let text = "\u{feff}# a comment\r\nsku,orders_per_day,initial,price,share_amazon,listed_shopify,x_note\r\n\r\n# another\r\nA,3.5,10,29,2,,hello\r\nB,1,0,,0,false,\r\n";
    let rows = parse_catalog("skus.csv", text, &channels(), false).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].sku.as_str(), rows[0].line), ("A", 5));
    assert_eq!(rows[0].price, Some(29.0));
    assert_eq!(rows[0].channels[1].share, Some(2.0));
    assert_eq!(rows[0].channels[0].listed, None);
    assert_eq!((rows[1].line, rows[1].price), (6, None));
    assert_eq!(rows[1].channels[0].listed, Some(false));
}

#[test]
fn errors_name_file_line_column_and_key() {
    let text = "# c\nsku,orders_per_day,initial\r\n\r\nA,1,ten\r\n";
    assert_eq!(
        error(text),
        "skus.csv:4:5: initial: expected a whole number of at least 0, found `ten`"
    );
    assert_eq!(
        error("sku,orders_per_day,initial,colour\n"),
        "skus.csv:1:28: colour: unknown column `colour`; expected sku, orders_per_day, \
         initial, price, unit_margin, reorder_point, reorder_qty, lead_time, demand_cv, \
         shrink_per_day, components, share_<channel>, listed_<channel>, buffer_<channel>, out_of_stock_at_<channel>, \
         list_percent_<channel>, max_listed_<channel>, penalty_<channel>, or x_<anything> \
         for your own notes"
    );
    assert!(
        error("sku,orders_per_day,initial,share_ebay\n")
            .starts_with("skus.csv:1:28: share_ebay: the scenario has no channel `ebay`")
    );
    assert_eq!(
        error("sku,orders_per_day,initial\nA,1,1\nA,2,2\n"),
        "skus.csv:3:1: sku: `A` is already on line 2"
    );
    assert!(error("sku,initial\nA,1\n").contains("the column `orders_per_day` is missing"));
    assert!(
        error("sku,orders_per_day,initial,demand_cv\nA,1,1,-0.5\n")
            .starts_with("skus.csv:2:7: demand_cv: expected a number of at least 0, found `-0.5`")
    );
    assert!(
        error("sku,orders_per_day,initial,reorder_qty\nA,1,1,5\n")
            .contains("reorder_qty: reorder cells override `stock.reorder`")
    );
    assert!(
        error("sku,orders_per_day,initial,listed_amazon\nA,1,1,no\n")
            .contains("expected true or false, found `no`")
    );
    assert_eq!(
        error("sku,orders_per_day,initial\n"),
        "skus.csv: has no SKU rows"
    );
    let bundles = |rows: &str| error(&format!("sku,orders_per_day,initial,components\n{rows}"));
    assert_eq!(
        bundles("A,1,5,\nG,1,,A*2 B\n"),
        "skus.csv:3:6: components: the catalog has no SKU `B`"
    );
    assert!(bundles("A,1,5,\nG,1,3,A\n").contains("initial: holds a bundle's own stock"));
    assert!(bundles("A,1,,\n").contains("initial: is empty; it is required"));
    assert!(bundles("A,1,5,\nG,1,,A*0\n").contains("`A*0` is not `SKU` or `SKU*k`"));
    assert!(bundles("A,1,5,\nG,1,,A A\n").contains("names `A` twice"));
    assert!(bundles("A,1,5,\nG,1,0,A\nH,1,,G A\n").contains("`G` is a bundle"));
    assert!(bundles("A,1,5,\nG,1,0,G A\n").contains("cannot draw on itself"));
    let rows = parse_catalog(
        "skus.csv",
        "sku,orders_per_day,initial,components\nA,1,5,\nB,1,5,\nG,2,,A*2  B\n",
        &channels(),
        false,
    )
    .unwrap();
    assert_eq!(rows[2].components, [("A".into(), 2), ("B".into(), 1)]);
    assert!(error("sku,orders_per_day,initial\nA,1\n").starts_with("skus.csv:2:"));
}
