//! Invariants of the failure mechanisms on random catalogs (proptest): units are conserved
//! counting shipped, committed, shrunk and bundled units. Each generated scenario is a catalog
//! of two SKUs with stock and a bundle drawing on them, a hub (the record) and a marketplace
//! joined by a flaky levels webhook (drops, duplicates, deletion) and an orders webhook, random
//! shrink, `ship_after` and recounts. Sales stop halfway (a peak of multiplier 0) and every order
//! ships before the horizon, so at the end nothing is committed.

use oversell::scenario::load_file;
use oversell::sim::{Engine, Event, Plan};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Spec {
    initial: [u32; 2],
    per: [u32; 2],
    rates: [u32; 3],
    shrink: [u32; 2],
    ship_minutes: u32,
    drop: u32,
    duplicate: u32,
    disable_after: Option<u32>,
    reconcile: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        ([0u32..30, 0..30], [1u32..4, 1..3], [0u32..40, 0..40, 0..30]),
        ([0u32..6, 0..6], 0u32..600, 0u32..80, 0u32..60),
        (proptest::option::of(1u32..5), any::<bool>()),
    )
        .prop_map(
            |((initial, per, rates), (shrink, ship_minutes, drop, duplicate), (disable, rec))| {
                Spec {
                    initial,
                    per,
                    rates,
                    shrink,
                    ship_minutes,
                    drop,
                    duplicate,
                    disable_after: disable,
                    reconcile: rec,
                }
            },
        )
}

impl Spec {
    fn files(&self) -> (String, String) {
        let disable = self
            .disable_after
            .map_or(String::new(), |n| format!(", disable_after = {n}"));
        let reconcile = if self.reconcile {
            "[reconcile]\nevery = \"9h\"\n"
        } else {
            ""
        };
        let toml = format!(
            r#"
name = "random failures"
horizon = "2d"
{reconcile}
[catalog]
file = "skus.csv"
[stock]
ship_after = "uniform(0s, {ship}m)"
[nodes.hub]
record = true
[nodes.market]
[channels.shop]
node = "hub"
[channels.market]
[[peaks]]
from = "1d"
to = "2d"
multiplier = 0
[[links]]
carries = "levels"
from = "hub"
to = "market"
webhook = {{ latency = "exp(5m)", drop = {drop}, duplicate = {dup}, retries = ["1m", "5m"]{disable} }}
[[links]]
carries = "orders"
from = "market"
to = "hub"
webhook = {{ latency = "exp(20m)" }}
"#,
            ship = self.ship_minutes,
            drop = f64::from(self.drop) / 100.0,
            dup = f64::from(self.duplicate) / 100.0,
        );
        let csv = format!(
            "sku,orders_per_day,initial,shrink_per_day,components\n\
             A,{},{},{},\nB,{},{},{},\nSET,{},,,A*{} B*{}\n",
            self.rates[0],
            self.initial[0],
            self.shrink[0],
            self.rates[1],
            self.initial[1],
            self.shrink[1],
            self.rates[2],
            self.per[0],
            self.per[1],
        );
        (toml, csv)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn units_are_conserved_with_shipping_shrink_and_bundles(spec in spec(), seed in any::<u64>()) {
        let (toml, csv) = spec.files();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("skus.csv"), &csv).unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, &toml).unwrap();
        let plan = Plan::new(load_file(&path).unwrap_or_else(|e| panic!("{e}\n{toml}")));
        let s = &plan.scenario;
        let per = [i64::from(spec.per[0]), i64::from(spec.per[1])];
        // Component units an order of each SKU takes, per unit ordered.
        let takes = |sku: usize| match sku {
            0 => [1, 0],
            1 => [0, 1],
            _ => per,
        };
        let mut fulfilled = vec![0u64; s.channels.len()];
        let mut sold = [0i64; 2];
        let mut lowest = 0i64;
        let mut final_committed = 0i64;
        let outcome = Engine::new(&plan)
            .trace_trial(seed, 0, |_, event, snap| {
                if let Event::Demand { sku, .. } = event {
                    for (c, counts) in snap.channels.iter().enumerate() {
                        if counts.fulfilled != fulfilled[c] {
                            fulfilled[c] = counts.fulfilled;
                            let qty = snap.quantity(event).unwrap();
                            let units = takes(*sku as usize);
                            sold[0] += qty * units[0];
                            sold[1] += qty * units[1];
                        }
                    }
                }
                let bundle = (snap.physical_of(0) / per[0]).min(snap.physical_of(1) / per[1]);
                assert_eq!(snap.physical_of(2), bundle, "the bundle's stock is its components'");
                final_committed = 0;
                for k in 0..3 {
                    lowest = lowest.min(snap.physical_of(k));
                    for n in 0..2 {
                        let committed = snap.committed_of(k, n);
                        lowest = lowest.min(committed);
                        final_committed += committed;
                    }
                }
            })
            .unwrap();
        prop_assert!(lowest >= 0, "a stock or committed count went negative\n{}", csv);
        // Sales stop at 1d and every order ships within 10h: all shipped, nothing committed.
        prop_assert_eq!(final_committed, 0);
        prop_assert_eq!(
            outcome.final_physical + sold[0] + sold[1] + outcome.shrunk_units as i64,
            i64::from(spec.initial[0] + spec.initial[1]),
            "on hand + fulfilled component units + shrunk = initial\n{}\n{}", toml, csv
        );
    }
}
