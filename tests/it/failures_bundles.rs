//! MODEL.md Part 2, "Bundles": scheduled orders against known component stocks give exactly
//! known fulfilled, oversold and rejected counts, and a bundle's stock and listing follow its
//! scarcest component at every node, floors toward minus infinity included.

use oversell::scenario::load_file;
use oversell::sim::{Engine, Plan, TrialOutcome};

const SCENARIO: &str = r#"
name = "bundles"
horizon = "12h"
[catalog]
file = "skus.csv"
[stock]
[nodes.hub]
record = true
[nodes.amazon]
[channels.shop]
node = "hub"
[channels.amazon]
# The hub tells amazon its views by a full poll at 11h; amazon sends its orders to the hub.
[[links]]
carries = "levels"
from = "hub"
to = "amazon"
poll = { every = "12h", phase = "11h" }
[[links]]
carries = "orders"
from = "amazon"
to = "hub"
webhook = { latency = "30m" }
[[scheduled_orders]]
at = "1h"
channel = "shop"
sku = "GIFT"
qty = 1
[[scheduled_orders]]
at = "2h"
channel = "amazon"
sku = "GIFT"
qty = 2
[[scheduled_orders]]
at = "3h"
channel = "amazon"
sku = "GIFT"
qty = 1
[[scheduled_orders]]
at = "4h"
channel = "shop"
sku = "B"
qty = 2
[[scheduled_orders]]
at = "5h"
channel = "shop"
sku = "GIFT"
qty = 1
[[scheduled_orders]]
at = "6h"
channel = "amazon"
sku = "A"
qty = 1
"#;

const SKUS: &str = "\
sku,orders_per_day,initial,price,components,penalty_amazon,listed_amazon
A,0,5,10,,,
B,0,3,4,,,
C,0,9,1,,,false
GIFT,0,,30,A*2 B,50,
PAIR,0,,8,C,,
";

fn plan() -> Plan {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("skus.csv"), SKUS).unwrap();
    let path = dir.path().join("bundles.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    Plan::new(load_file(&path).unwrap_or_else(|e| panic!("{e}")))
}

/// Runs the one deterministic trial, checking at every event that each bundle's stock, views
/// and listings follow its components; returns the outcome and GIFT's view at each node after
/// every event.
fn run(plan: &Plan) -> (TrialOutcome, Vec<(f64, [i64; 2])>) {
    let (a, b, c, gift, pair) = (0, 1, 2, 3, 4);
    let floor = |x: i64, k: i64| x.div_euclid(k);
    let mut gift_views = Vec::new();
    let outcome = Engine::new(plan)
        .trace_trial(1, 0, |t, _, s| {
            let p = |k| s.physical_of(k);
            assert_eq!(p(gift), floor(p(a), 2).min(p(b)), "GIFT's stock at {t}");
            assert_eq!(p(pair), p(c), "PAIR's stock at {t}");
            for n in 0..2 {
                let v = |k| s.view_of(k, n);
                assert_eq!(v(gift), floor(v(a), 2).min(v(b)), "GIFT at node {n}, {t}");
                assert_eq!(v(pair), v(c));
            }
            for ch in 0..2 {
                assert_eq!(s.listed_of(ch, gift), s.view_of(gift, ch).max(0));
            }
            // C is not on amazon, so neither is the bundle drawing on it.
            assert_eq!(s.listed_of(1, pair), 0);
            gift_views.push((t, [s.view_of(gift, 0), s.view_of(gift, 1)]));
        })
        .unwrap();
    (outcome, gift_views)
}

fn gift_at(views: &[(f64, [i64; 2])], hours: f64) -> [i64; 2] {
    views
        .iter()
        .rev()
        .find(|v| v.0 <= hours * 3600.0)
        .unwrap()
        .1
}

#[test]
fn bundle_orders_are_fulfilled_or_oversold_whole_against_their_components() {
    let plan = plan();
    let (out, views) = run(&plan);
    let (shop, amazon) = (&out.channels[0], &out.channels[1]);
    // 1h GIFT x1 at the shop: fulfilled (A 5 -> 3, B 3 -> 2). 4h B x2: the hub's B is 0 after
    // amazon's relayed GIFT x2, though 2 are on the shelf: withheld. 5h GIFT x1: the hub's GIFT
    // is floor(-1/2) = -1: withheld (one GIFT is on the shelf).
    assert_eq!(
        (
            shop.arrivals,
            shop.fulfilled,
            shop.oversold,
            shop.rejected_withheld
        ),
        (3, 1, 0, 2)
    );
    // 2h GIFT x2 on amazon's stale views (A 5, B 3): accepted, and A's 3 units make only one
    // gift: the whole order is oversold, no component moves. 3h GIFT x1: amazon's GIFT is 0,
    // withheld. 6h A x1: fulfilled (A 3 -> 2).
    assert_eq!(
        (
            amazon.arrivals,
            amazon.accepted,
            amazon.oversold,
            amazon.fulfilled
        ),
        (3, 2, 1, 1)
    );
    assert_eq!(amazon.rejected_withheld, 1);
    assert_eq!(
        out.final_physical,
        2 + 2 + 9,
        "bundles hold no stock of their own"
    );
    // Money uses the bundle row's cells: GIFT's price at the shop, its penalty on amazon.
    assert_eq!((shop.revenue, amazon.revenue), (30.0, 10.0));
    assert_eq!(amazon.penalty, 50.0);
    let gift_row = out.skus.iter().find(|r| r.sku == 3).expect("GIFT's row");
    assert_eq!((gift_row.oversold, gift_row.penalty), (1, 50.0));
    // GIFT's views: the hub at 1h: min(floor(3/2), 2) = 1; after amazon's relayed order at
    // 2h30, A = -1 and B = 0: floor(-1/2) = -1. Amazon after its sale at 2h: A 1, B 1: 0; after
    // the 11h poll writes the hub's A = -2, B = 0: -1.
    assert_eq!(gift_at(&views, 1.5), [1, 2]);
    assert_eq!(gift_at(&views, 2.75), [-1, 0]);
    assert_eq!(gift_at(&views, 11.5), [-1, -1]);
}

#[test]
fn polls_carry_no_bundle_and_a_bundle_takes_its_components_units() {
    let plan = plan();
    // The full poll into amazon carries A and B: not C (off amazon), no bundle.
    assert_eq!(plan.full_count[0], 2);
    assert!(plan.carries(0, 0) && !plan.carries(0, 2) && !plan.carries(0, 3));
    assert!(plan.is_bundle(3) && plan.is_bundle(4) && !plan.is_bundle(0));
    assert_eq!(plan.units[3], [(0, 2), (1, 1)]);
}

#[test]
fn receipts_naming_a_bundle_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("skus.csv"), SKUS).unwrap();
    let path = dir.path().join("bundles.toml");
    let receipt = "[stock]\nreceipts = [{ at = \"1h\", sku = \"GIFT\", qty = 5 }]";
    std::fs::write(&path, SCENARIO.replace("[stock]", receipt)).unwrap();
    let error = load_file(&path).unwrap_err().to_string();
    assert!(
        error.contains("stock.receipts[0].sku: `GIFT` is a bundle"),
        "{error}"
    );
}
