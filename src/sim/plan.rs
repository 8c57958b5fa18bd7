//! A scenario prepared for the engine: demand rates cut into segments and, per node, the links
//! that push what it learns; per SKU and channel, the listing and the share of the channel's
//! demand. Built once per run and shared by every worker.

use super::demand::{Segment, rate_segments};
use crate::dist::Dist;
use crate::scenario::{Carries, Listing, Publishes, Scenario, Sync, Transport};

/// A scenario plus the lookup tables the event loop needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The checked scenario.
    pub scenario: Scenario,
    /// Per channel: its demand rate over the horizon (all SKUs together).
    pub segments: Vec<Vec<Segment>>,
    /// Per node: indices of the `levels` webhook links it sends on.
    pub level_webhooks_from: Vec<Vec<usize>>,
    /// Per node: indices of the `orders` webhook links it relays on.
    pub order_webhooks_from: Vec<Vec<usize>>,
    /// Per node: its processing queue, flattened for the event loop.
    pub queues: Vec<QueuePlan>,
    /// Per SKU and channel (`sku * channels + c`): how the SKU is listed there, as an index in
    /// `listings` (4 bytes, read at every sale: a large catalog's do not fit in the cache
    /// otherwise; [`NOT_LISTED`] when the channel does not list the SKU, `listed_<c> = false`),
    /// its share of the channel's demand (1 exactly for a scenario without a catalog) and the
    /// cost of an oversold order (currency).
    pub sells: Vec<u32>,
    pub scale: Vec<f64>,
    pub penalty: Vec<Dist>,
    /// Per SKU: the reorder point (`i64::MIN` without a reorder policy), read at every change of
    /// the record's view.
    pub reorder_point: Vec<i64>,
    /// Per SKU with a reorder policy: its lead time, in `lead_times` (`u32::MAX`: no policy).
    /// The distinct lead times (most catalogs have a few): a reorder reads neither the SKU's
    /// (large, cold) scenario record nor a table of its own.
    pub lead_time: Vec<u32>,
    pub lead_times: Vec<Dist>,
    /// Per node: the levels poll links whose dirty sets a change of a view there marks (full
    /// sync: `from` and `to`; changed sync: `from`).
    pub dirty_links_of: Vec<Vec<usize>>,
    /// Per link: whether it is a levels poll; per SKU and link (`sku * links + link`), whether
    /// a levels poll carries the SKU (see [`Plan::carries`]).
    pub level_poll: Vec<bool>,
    pub carried: Vec<bool>,
    /// Per link: how many SKUs a full levels poll carries.
    pub full_count: Vec<u64>,
    /// Per link: whether it publishes on-hand (view plus committed units).
    pub on_hand: Vec<bool>,
    /// Per SKU: the SKUs with stock an order of it takes units from, and how many per unit
    /// ordered (itself once; a bundle's components). Read through [`Plan::units_of`].
    pub units: Vec<Vec<(usize, i64)>>,
    /// Per SKU: the bundles that draw on it. Read through [`Plan::bundles_of`].
    pub bundles_of: Vec<Vec<usize>>,
    /// Whether the catalog has a bundle. Without one, a SKU's units are itself once and no
    /// bundle draws on it: the event loop then reads neither table (two cold cache lines per
    /// SKU a trial touches in a large catalog).
    pub bundled: bool,
    /// Per SKU: the record's view at or below which it raises a low-stock alert, units (NaN:
    /// never).
    pub low_stock_at: Vec<f64>,
    /// The distinct listing rules of `sells` (most catalogs list every SKU of a channel alike).
    pub listings: Vec<Listing>,
}

/// `Plan::sells` of a SKU the channel does not list.
pub const NOT_LISTED: u32 = u32::MAX;

/// The `(sku, units per unit ordered)` pairs of [`Plan::units_of`].
#[derive(Debug, Clone)]
pub enum Units<'a> {
    /// A SKU of a catalog without bundles: itself, once.
    Itself(Option<usize>),
    /// The plan's list.
    Listed(std::slice::Iter<'a, (usize, i64)>),
}

impl Iterator for Units<'_> {
    type Item = (usize, i64);

    #[inline]
    fn next(&mut self) -> Option<(usize, i64)> {
        match self {
            Units::Itself(k) => k.take().map(|k| (k, 1)),
            Units::Listed(iter) => iter.next().copied(),
        }
    }
}

/// A node's processing queue as the event loop reads it.
#[derive(Debug, Clone, Copy)]
pub struct QueuePlan {
    /// Servers (0: the node has no queue and applies orders at once).
    pub servers: u32,
    /// Service time, seconds.
    pub service: Dist,
    /// Background orders per hour (0: none).
    pub background_per_hour: f64,
    /// Whether the queue is advanced in bulk (`sim::workload`): it has background orders and
    /// the plan does not ask for them as events.
    pub bulk: bool,
}

impl Plan {
    /// Prepares `scenario` for simulation.
    pub fn new(scenario: Scenario) -> Plan {
        let segments = (0..scenario.channels.len())
            .map(|c| rate_segments(&scenario, c))
            .collect();
        let webhooks_from = |carries: Carries| {
            let mut from = vec![Vec::new(); scenario.nodes.len()];
            for (l, link) in scenario.links.iter().enumerate() {
                if link.carries == carries && matches!(link.transport, Transport::Webhook { .. }) {
                    from[link.from].push(l);
                }
            }
            from
        };
        let queues = (scenario.nodes.iter())
            .map(|node| match &node.processing {
                Some(p) => QueuePlan {
                    servers: p.servers,
                    service: p.service,
                    background_per_hour: p.background_per_hour,
                    bulk: p.background_per_hour > 0.0,
                },
                None => QueuePlan {
                    servers: 0,
                    service: Dist::Fixed(0.0),
                    background_per_hour: 0.0,
                    bulk: false,
                },
            })
            .collect();
        let level_webhooks_from = webhooks_from(Carries::Levels);
        let order_webhooks_from = webhooks_from(Carries::Orders);
        let (sells, listings, scale, penalty) = sells(&scenario);
        let reorder_point = (scenario.catalog.skus.iter())
            .map(|sku| sku.reorder.as_ref().map_or(i64::MIN, |r| r.point))
            .collect();
        let (lead_time, lead_times) = lead_times(&scenario);
        let (dirty_links_of, carried_by_link, full_count) = level_polls(&scenario);
        let level_poll = carried_by_link.iter().map(|c| !c.is_empty()).collect();
        let links = scenario.links.len();
        let mut carried = vec![false; scenario.catalog.skus.len() * links];
        for (l, by_sku) in carried_by_link.iter().enumerate() {
            for (k, &c) in by_sku.iter().enumerate() {
                carried[k * links + l] = c;
            }
        }
        let on_hand = (scenario.links.iter())
            .map(|l| l.publishes == Publishes::OnHand)
            .collect();
        let low_stock_at = low_stock_at(&scenario);
        let skus = &scenario.catalog.skus;
        let units = (skus.iter().enumerate())
            .map(|(k, sku)| match sku.is_bundle() {
                true => sku.components.clone(),
                false => vec![(k, 1)],
            })
            .collect();
        let mut bundles_of = vec![Vec::new(); skus.len()];
        for (b, sku) in skus.iter().enumerate() {
            for &(k, _) in &sku.components {
                bundles_of[k].push(b);
            }
        }
        Plan {
            bundled: skus.iter().any(|sku| sku.is_bundle()),
            units,
            bundles_of,
            low_stock_at,
            scenario,
            segments,
            level_webhooks_from,
            order_webhooks_from,
            queues,
            sells,
            listings,
            scale,
            penalty,
            reorder_point,
            lead_time,
            lead_times,
            level_poll,
            dirty_links_of,
            carried,
            full_count,
            on_hand,
        }
    }

    /// The same plan with every background order an event (an arrival and a service end), as
    /// before queues were advanced in bulk: same distribution, other random numbers, about three
    /// times the events. For tests that compare the two methods.
    #[doc(hidden)]
    pub fn with_background_events(mut self) -> Plan {
        self.queues.iter_mut().for_each(|q| q.bulk = false);
        self
    }

    /// Whether link `l` is down at time `t` (outages cover `[from, to)`).
    #[inline]
    pub fn in_outage(&self, l: usize, t: f64) -> bool {
        self.scenario.links[l].outages.iter().any(|w| w.contains(t))
    }

    /// Number of SKUs.
    pub fn skus(&self) -> usize {
        self.scenario.catalog.skus.len()
    }

    /// Whether levels poll `l` carries SKU `k` (false for a link that is not a levels poll).
    #[inline]
    pub fn carries(&self, l: usize, k: usize) -> bool {
        self.carried[k * self.scenario.links.len() + l]
    }

    /// The SKUs an order of SKU `k` takes units from, and how many per unit ordered.
    #[inline]
    pub fn units_of(&self, k: usize) -> Units<'_> {
        match self.bundled {
            true => Units::Listed(self.units[k].iter()),
            false => Units::Itself(Some(k)),
        }
    }

    /// The bundles that draw on SKU `k`.
    #[inline]
    pub fn bundles_of(&self, k: usize) -> &[usize] {
        match self.bundled {
            true => &self.bundles_of[k],
            false => &[],
        }
    }

    /// Channel `c`'s node and its listing rule for SKU `k`; `None` when the channel does not
    /// list the SKU. The node is the channel's: a caller's read of the SKU's view there does
    /// not wait for this read of the SKU's (often cold) listing.
    #[inline]
    pub fn listing(&self, c: usize, k: usize) -> Option<(usize, &Listing)> {
        let channels = &self.scenario.channels;
        let listing = self
            .listings
            .get(self.sells[k * channels.len() + c] as usize)?;
        Some((channels[c].node, listing))
    }

    /// Whether SKU `k` is a bundle.
    #[inline]
    pub fn is_bundle(&self, k: usize) -> bool {
        // Without bundles, no SKU's (large, cold) scenario record is read.
        self.bundled && self.scenario.catalog.skus[k].is_bundle()
    }
}

/// Per SKU, `low_stock_days` times its expected units per day (orders per day times the
/// share-weighted mean `qty`, before peaks, profiles and `demand_cv`); NaN without a low-stock
/// alert or when the SKU expects no units.
fn low_stock_at(s: &Scenario) -> Vec<f64> {
    let days = s.monitoring.as_ref().and_then(|m| m.low_stock_days);
    (s.catalog.skus.iter())
        .map(|sku| {
            let units_per_day: f64 = (sku.channels.iter().zip(&s.channels))
                .map(|(own, channel)| own.orders_per_hour * 24.0 * channel.qty.mean())
                .sum();
            match days {
                Some(days) if units_per_day > 0.0 => days * units_per_day,
                _ => f64::NAN,
            }
        })
        .collect()
}

fn sells(s: &Scenario) -> (Vec<u32>, Vec<Listing>, Vec<f64>, Vec<Dist>) {
    let catalog = s.catalog.is_catalog();
    let streams = s.catalog.skus.len() * s.channels.len();
    let mut sells = Vec::with_capacity(streams);
    let mut listings = Vec::new();
    // A listing's index by its parameters' bits (f64 has no `Hash`).
    let mut index = std::collections::HashMap::new();
    let (mut scales, mut penalties) = (Vec::with_capacity(streams), Vec::with_capacity(streams));
    for sku in &s.catalog.skus {
        for (channel, own) in s.channels.iter().zip(&sku.channels) {
            let scale = if !catalog {
                // Part 1 draws exactly as before: no division at all.
                1.0
            } else if channel.orders_per_hour > 0.0 {
                own.orders_per_hour / channel.orders_per_hour
            } else {
                0.0
            };
            let l = own.listing;
            let key = (
                l.buffer,
                l.list_percent.map(f64::to_bits),
                l.out_of_stock_at,
                l.max_listed,
            );
            let listing = match own.listed {
                true => *index.entry(key).or_insert_with(|| {
                    listings.push(l);
                    (listings.len() - 1) as u32
                }),
                false => NOT_LISTED,
            };
            sells.push(listing);
            scales.push(scale);
            penalties.push(own.penalty);
        }
    }
    (sells, listings, scales, penalties)
}

/// Per SKU, the index of its reorder lead time among the distinct ones (`u32::MAX`: no reorder
/// policy), and the distinct lead times.
fn lead_times(s: &Scenario) -> (Vec<u32>, Vec<Dist>) {
    let mut distinct: Vec<Dist> = Vec::new();
    // A lead time's index by its parameters' bits (f64 has no `Hash`).
    let mut index = std::collections::HashMap::new();
    let of_sku = (s.catalog.skus.iter())
        .map(|sku| match &sku.reorder {
            Some(reorder) => {
                let lead = reorder.lead_time;
                *index.entry(dist_bits(&lead)).or_insert_with(|| {
                    distinct.push(lead);
                    (distinct.len() - 1) as u32
                })
            }
            None => u32::MAX,
        })
        .collect();
    (of_sku, distinct)
}

/// A distribution's kind and parameters as bits: equal for equal distributions.
fn dist_bits(dist: &Dist) -> (u8, u64, u64) {
    match *dist {
        Dist::Fixed(x) => (0, x.to_bits(), 0),
        Dist::Uniform(a, b) => (1, a.to_bits(), b.to_bits()),
        Dist::Exp(mean) => (2, mean.to_bits(), 0),
        Dist::Normal(mean, sd) => (3, mean.to_bits(), sd.to_bits()),
        Dist::LogNormal { mu, sigma } => (4, mu.to_bits(), sigma.to_bits()),
    }
}

/// Per node, the levels poll links to mark dirty; per link, the SKUs a levels poll carries and
/// how many: every SKU except bundles and those with `listed_<c> = false` on every channel selling at `to`.
fn level_polls(s: &Scenario) -> (Vec<Vec<usize>>, Vec<Vec<bool>>, Vec<u64>) {
    let mut dirty = vec![Vec::new(); s.nodes.len()];
    let mut carried = vec![Vec::new(); s.links.len()];
    let mut counts = vec![0; s.links.len()];
    for (l, link) in s.links.iter().enumerate() {
        let Transport::Poll { sync, .. } = link.transport else {
            continue;
        };
        if link.carries != Carries::Levels {
            continue;
        }
        dirty[link.from].push(l);
        if sync == Sync::Full {
            dirty[link.to].push(l);
        }
        let selling: Vec<usize> = (0..s.channels.len())
            .filter(|&c| s.channels[c].node == link.to)
            .collect();
        carried[l] = (s.catalog.skus.iter())
            .map(|sku| {
                !sku.is_bundle()
                    && (selling.is_empty() || selling.iter().any(|&c| sku.channels[c].listed))
            })
            .collect();
        counts[l] = carried[l].iter().filter(|&&c| c).count() as u64;
    }
    (dirty, carried, counts)
}
