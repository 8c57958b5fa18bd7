//! Invariants of the failure mechanisms on random catalogs (proptest): units are conserved
//! counting received, shipped, committed, shrunk and bundled units. Each generated scenario is a
//! catalog of two SKUs with stock and a bundle drawing on them, a hub (the record) and a
//! marketplace joined by a flaky levels webhook (drops, duplicates, deletion) and an orders
//! webhook, random shrink, reorders, `ship_after` and recounts. Sales stop halfway (a peak of
//! multiplier 0) and every order ships before the horizon, so at the end nothing is committed.
//!
//! The test keeps its own ledger from the events it sees and checks it against the engine after
//! every event, per component SKU `k` and node `n` (MODEL.md Part 2, "Shipping and committed
//! units", "Duplicates and shrink", "Bundles"):
//! - `initial_k + received_k = P_k + fulfilled_k + shrunk_k`, where `fulfilled_k` counts the
//!   component units of fulfilled orders (a bundle order of q takes `q * per_k`, sold or not yet
//!   shipped: `P` drops at acceptance) and a shrink event takes a unit only when `P_k > 0`;
//! - `committed(k, n) = applied_k,n - released_k,n`: the component units of the orders node `n`
//!   applied before their ship time (oversold ones included), less those of the orders that
//!   shipped or were cancelled since; so at the selling node, accepted units = shipped +
//!   committed.
//!
//! At the horizon everything has shipped, so `initial + received = P + shipped + shrunk` per SKU,
//! and the outcome's `shrunk_units` and `received_units` (in total and per SKU) equal the ledger's.

// The ledger keeps parallel arrays per component SKU and node; indexing them reads best.
#![allow(clippy::needless_range_loop)]

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
    /// `stock.reorder`: (point, qty), lead time `exp(3h)`.
    reorder: Option<(u32, u32)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        ([0u32..30, 0..30], [1u32..4, 1..3], [0u32..40, 0..40, 0..30]),
        ([0u32..6, 0..6], 0u32..600, 0u32..80, 0u32..60),
        (
            proptest::option::of(1u32..5),
            any::<bool>(),
            proptest::option::of((0u32..10, 1u32..20)),
        ),
    )
        .prop_map(
            |(
                (initial, per, rates),
                (shrink, ship_minutes, drop, duplicate),
                (disable, rec, reorder),
            )| {
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
                    reorder,
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
        let reorder = self.reorder.map_or(String::new(), |(point, qty)| {
            format!("reorder = {{ point = {point}, qty = {qty}, lead_time = \"exp(3h)\" }}")
        });
        let toml = format!(
            r#"
name = "random failures"
horizon = "2d"
{reconcile}
[catalog]
file = "skus.csv"
[stock]
ship_after = "uniform(0s, {ship}m)"
{reorder}
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

/// An accepted order as the ledger sees it.
#[derive(Debug, Clone, Copy)]
struct Order {
    sku: usize,
    qty: i64,
    fulfilled: bool,
    /// Bit `n`: node `n` applied it before it shipped (so holds its units committed).
    committed_at: u8,
    shipped: bool,
}

/// Units conserved and committed units accounted for, per SKU and node, after every event.
#[derive(Debug, Default)]
struct Ledger {
    orders: Vec<Order>,
    accepted: Vec<u64>,
    fulfilled: Vec<u64>,
    /// Per component SKU: units received, fulfilled (sold from the shelf), shipped, shrunk.
    received: [i64; 2],
    sold: [i64; 2],
    shipped: [i64; 2],
    shrunk: [i64; 2],
    /// Per component SKU and node: units committed by applying orders, and released by shipping.
    applied: [[i64; 2]; 2],
    released: [[i64; 2]; 2],
    /// Physical stock of the components before the current event.
    before: [i64; 2],
}

impl Ledger {
    /// Component units one unit of SKU `sku` takes.
    fn takes(per: [i64; 2], sku: usize) -> [i64; 2] {
        match sku {
            0 => [1, 0],
            1 => [0, 1],
            _ => per,
        }
    }

    /// Node `n` applies order `o` before its ship time: its units are committed there.
    fn commit(&mut self, per: [i64; 2], o: usize, n: usize) {
        let order = &mut self.orders[o];
        order.committed_at |= 1 << n;
        let units = Ledger::takes(per, order.sku);
        for k in 0..2 {
            self.applied[k][n] += order.qty * units[k];
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn units_are_conserved_with_receipts_shipping_shrink_and_bundles(
        spec in spec(),
        seed in any::<u64>(),
    ) {
        let (toml, csv) = spec.files();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("skus.csv"), &csv).unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, &toml).unwrap();
        let plan = Plan::new(load_file(&path).unwrap_or_else(|e| panic!("{e}\n{toml}")));
        let s = &plan.scenario;
        let node = |name: &str| s.nodes.iter().position(|n| n.name == name).unwrap();
        let (hub, market) = (node("hub"), node("market"));
        // The node each channel sells against, and the link that carries orders to the hub.
        let sells_at: Vec<usize> = s.channels.iter().map(|c| c.node).collect();
        let orders_link = s.links.iter().position(|l| l.to == hub).unwrap() as u32;
        let per = [i64::from(spec.per[0]), i64::from(spec.per[1])];
        let initial = [i64::from(spec.initial[0]), i64::from(spec.initial[1])];
        // Without `ship_after` (0 minutes) an order ships the moment it is accepted and nothing
        // is ever committed; otherwise its ship time is after every node's first application.
        let commits = spec.ship_minutes > 0;
        let mut ledger = Ledger {
            accepted: vec![0; s.channels.len()],
            fulfilled: vec![0; s.channels.len()],
            before: initial,
            ..Ledger::default()
        };
        let mut broken: Option<String> = None;
        let outcome = Engine::new(&plan)
            .trace_trial(seed, 0, |now, event, snap| {
                let l = &mut ledger;
                match *event {
                    Event::Demand { sku, .. } => {
                        for (c, counts) in snap.channels.iter().enumerate() {
                            if counts.accepted == l.accepted[c] {
                                continue;
                            }
                            l.accepted[c] = counts.accepted;
                            let fulfilled = counts.fulfilled != l.fulfilled[c];
                            l.fulfilled[c] = counts.fulfilled;
                            let (sku, qty) = (sku as usize, snap.quantity(event).unwrap());
                            if fulfilled {
                                let units = Ledger::takes(per, sku);
                                (0..2).for_each(|k| l.sold[k] += qty * units[k]);
                            }
                            l.orders.push(Order { sku, qty, fulfilled, committed_at: 0, shipped: false });
                            if commits {
                                l.commit(per, l.orders.len() - 1, sells_at[c]);
                            }
                        }
                    }
                    Event::Deliver { link, message, .. } if link == orders_link => {
                        let o = message as usize;
                        if commits && !l.orders[o].shipped {
                            l.commit(per, o, hub);
                        }
                    }
                    Event::Ship { order } => {
                        let order = &mut l.orders[order as usize];
                        assert!(!order.shipped, "an order ships once");
                        order.shipped = true;
                        let units = Ledger::takes(per, order.sku);
                        for k in 0..2 {
                            if order.fulfilled {
                                l.shipped[k] += order.qty * units[k];
                            }
                            for n in [hub, market] {
                                if order.committed_at & (1 << n) != 0 {
                                    l.released[k][n] += order.qty * units[k];
                                }
                            }
                        }
                    }
                    Event::ReorderArrival { sku } => {
                        l.received[sku as usize] += snap.quantity(event).unwrap();
                    }
                    Event::Shrink { sku } => {
                        let k = sku as usize;
                        if l.before[k] > 0 {
                            l.shrunk[k] += 1;
                        }
                    }
                    _ => {}
                }
                for k in 0..2 {
                    let physical = snap.physical_of(k);
                    l.before[k] = physical;
                    if initial[k] + l.received[k] != physical + l.sold[k] + l.shrunk[k] {
                        broken.get_or_insert(format!(
                            "at {now} after {event:?}, SKU {k}: initial {} + received {} != \
                             P {physical} + fulfilled {} + shrunk {}",
                            initial[k], l.received[k], l.sold[k], l.shrunk[k]
                        ));
                    }
                    for n in [hub, market] {
                        let committed = snap.committed_of(k, n);
                        if committed != l.applied[k][n] - l.released[k][n] || committed < 0 {
                            broken.get_or_insert(format!(
                                "at {now} after {event:?}, SKU {k} at node {n}: committed \
                                 {committed} != applied {} - released {}",
                                l.applied[k][n], l.released[k][n]
                            ));
                        }
                    }
                }
                let bundle = (snap.physical_of(0) / per[0]).min(snap.physical_of(1) / per[1]);
                if snap.physical_of(2) != bundle {
                    broken.get_or_insert(format!("at {now}: the bundle's stock is not its components'"));
                }
            })
            .unwrap();
        prop_assert!(broken.is_none(), "{}\n{}\n{}", broken.unwrap_or_default(), toml, csv);
        let l = &ledger;
        // Sales stop at 1d and every order ships within 10h: all shipped, nothing committed, so
        // what came in is on the shelf, shipped or shrunk.
        prop_assert!(!commits || l.orders.iter().all(|o| o.shipped));
        for k in 0..2 {
            if commits {
                prop_assert_eq!(l.sold[k], l.shipped[k], "SKU {}: every fulfilled unit shipped", k);
            }
            prop_assert_eq!(
                initial[k] + l.received[k],
                l.before[k] + l.sold[k] + l.shrunk[k],
                "SKU {}: initial + received = on hand + shipped + shrunk", k
            );
            for n in [hub, market] {
                prop_assert_eq!(l.applied[k][n], l.released[k][n], "SKU {} node {}", k, n);
            }
        }
        prop_assert_eq!(outcome.final_physical, l.before[0] + l.before[1]);
        prop_assert_eq!(outcome.shrunk_units as i64, l.shrunk[0] + l.shrunk[1]);
        prop_assert_eq!(outcome.received_units as i64, l.received[0] + l.received[1]);
        // Per SKU (skus.csv reads these): a SKU that lost units reports exactly that many.
        let per_sku = |k: usize| {
            outcome.skus.iter().find(|r| r.sku as usize == k).map_or(0, |r| r.shrunk_units as i64)
        };
        prop_assert_eq!([per_sku(0), per_sku(1), per_sku(2)], [l.shrunk[0], l.shrunk[1], 0]);
    }
}
