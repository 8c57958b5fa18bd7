//! The account-level check of `oversell tune --max-cancel-risk`: a marketplace judges the seller's
//! cancel rate over all SKUs and over its window, not SKU by SKU. After the per-SKU choices, the
//! whole catalog runs through the stack (every SKU with its chosen knob value as its
//! `buffer_<channel>` or `out_of_stock_at_<channel>` cell); while P(worst-window cancel rate over
//! the limit) of a marketplace exceeds the cap, the value of one SKU is raised by one, the SKU
//! where that step buys the most risk per unit of lost margin, all on the same trials and seed
//! (common random numbers). Pure: the `tune` command writes what it finds.

use toml_edit::{DocumentMut, Item, Table, value};

use super::catalog::Sku;
use super::edit::ScenarioDoc;
use super::tune::{AccountCheck, AccountStep, Knob, MarketplaceRisk, TuneSpec};
use crate::dist::Dist;
use crate::montecarlo::{RunConfig, for_each_trial};
use crate::scenario::catalog::{CatalogRow, ChannelCells};
use crate::scenario::{Scenario, load_str_with_catalog};
use crate::sim::Plan;
use crate::stats::{Metric, RunAccumulator};

/// SKUs tried as the next step, at most: those with the most oversold orders.
const CANDIDATES: usize = 8;

/// What one catalog run measured.
#[derive(Debug, Clone)]
struct Judged {
    /// P(over the limit) per marketplace.
    risk: Vec<f64>,
    /// Mean worst-window cancel rate per marketplace.
    worst: Vec<f64>,
    lost_margin: f64,
    cost: f64,
    /// Mean oversold orders per SKU, in catalog order.
    oversold: Vec<f64>,
}

impl Judged {
    /// The risk over the cap, summed over marketplaces.
    fn excess(&self, cap: f64) -> f64 {
        self.risk.iter().map(|p| (p - cap).max(0.0)).sum()
    }
}

/// The catalog scenario and how to run it.
struct Account<'a> {
    origin: String,
    text: String,
    catalog: &'a str,
    skus: &'a [Sku],
    spec: &'a TuneSpec,
    config: RunConfig,
    /// Channel indices of the marketplaces.
    marketplaces: Vec<usize>,
}

/// Checks the per-SKU `values` against every marketplace's limit over the whole catalog and
/// raises them, one step at a time, until every marketplace is within `cap` or no step helps.
pub fn account_check(
    doc: &ScenarioDoc,
    catalog: &str,
    skus: &[Sku],
    spec: &TuneSpec,
    values: &[i64],
    cap: f64,
    config: RunConfig,
) -> anyhow::Result<AccountCheck> {
    let scenario = &doc.scenario;
    let marketplaces: Vec<usize> = (0..scenario.channels.len())
        .filter(|&c| scenario.channels[c].cancel_rate_limit.is_some())
        .collect();
    let mut check = AccountCheck {
        max_cancel_risk: cap,
        trials: config.trials,
        marketplaces: Vec::new(),
        lost_margin: [0.0; 2],
        cost: [0.0; 2],
        steps: Vec::new(),
        meets: false,
        note: None,
        values: values.to_vec(),
    };
    if !scenario.scheduled_orders.is_empty() || !scenario.stock.receipts.is_empty() {
        check.note = Some(
            "not checked: the scenario's scheduled orders and receipts name no SKU, so the \
             catalog cannot be run as one account"
                .to_owned(),
        );
        return Ok(check);
    }
    let account = Account {
        origin: doc.origin.clone(),
        text: catalog_text(doc, catalog).map_err(anyhow::Error::msg)?,
        catalog,
        skus,
        spec,
        config,
        marketplaces,
    };
    let first = account.judge(values)?;
    let mut current = first.clone();
    let mut values = values.to_vec();
    while current.excess(cap) > 0.0 {
        match account.best_step(&values, &current, cap)? {
            Ok((sku, judged)) => {
                values[sku] += 1;
                check.steps.push(AccountStep {
                    sku: skus[sku].sku.clone(),
                    value: values[sku],
                    risk: judged.risk.clone(),
                    lost_margin: judged.lost_margin,
                });
                current = judged;
            }
            Err(why) => {
                check.note = Some(why);
                break;
            }
        }
    }
    check.meets = current.excess(cap) == 0.0;
    check.marketplaces = (account.marketplaces.iter().enumerate())
        .map(|(m, &c)| {
            let channel = &scenario.channels[c];
            MarketplaceRisk {
                channel: channel.name.clone(),
                limit: channel.cancel_rate_limit.unwrap_or(0.0),
                window_seconds: channel.cancel_rate_window.min(scenario.horizon),
                at_per_sku: first.risk[m],
                after: current.risk[m],
            }
        })
        .collect();
    check.lost_margin = [first.lost_margin, current.lost_margin];
    check.cost = [first.cost, current.cost];
    check.values = values;
    Ok(check)
}

impl Account<'_> {
    /// Runs the catalog with `values`, its trials in parallel.
    fn judge(&self, values: &[i64]) -> anyhow::Result<Judged> {
        let scenario = self.scenario(values)?;
        let plan = Plan::new(scenario);
        let mut stats = RunAccumulator::new(&plan.scenario);
        for_each_trial(&plan, self.config, &|_| {}, |_, outcome| {
            stats.push(&plan.scenario, outcome);
            Ok(())
        })?;
        let summary = stats.summary(&plan.scenario, self.config.seed);
        let channel = |c: usize| &summary.channels[c];
        Ok(Judged {
            risk: (self.marketplaces.iter())
                .map(|&c| channel(c).p_cancel_rate_over_limit.unwrap_or(0.0))
                .collect(),
            worst: (self.marketplaces.iter())
                .map(|&c| {
                    let extras = &channel(c).extras;
                    extras
                        .worst_window_cancel_rate
                        .as_ref()
                        .map_or(0.0, |w| w.mean)
                })
                .collect(),
            lost_margin: summary.total.metric(Metric::LostMargin).mean,
            cost: summary.total.extras.cost.mean,
            oversold: stats
                .skus(&plan.scenario)
                .iter()
                .map(|s| s.oversold)
                .collect(),
        })
    }

    /// The catalog scenario with every SKU's knob at its value.
    fn scenario(&self, values: &[i64]) -> anyhow::Result<Scenario> {
        let rows: Vec<CatalogRow> = (self.skus.iter().zip(values))
            .map(|(sku, &value)| row(sku, self.spec, value))
            .collect();
        Ok(load_str_with_catalog(
            &self.origin,
            &self.text,
            self.catalog,
            &rows,
        )?)
    }

    /// The SKU whose one-step raise buys the most risk over the cap per unit of lost margin
    /// (when no step lowers that risk: the most mean worst-window cancel rate of the
    /// marketplaces over the cap), and the catalog's results with it; or why there is none.
    fn best_step(
        &self,
        values: &[i64],
        current: &Judged,
        cap: f64,
    ) -> anyhow::Result<Result<(usize, Judged), String>> {
        let oversold = |s: usize| current.oversold.get(s).copied().unwrap_or(0.0);
        let mut order: Vec<usize> = (0..values.len())
            .filter(|&s| values[s] < self.spec.max && oversold(s) > 0.0)
            .collect();
        order.sort_by(|&a, &b| oversold(b).total_cmp(&oversold(a)));
        order.truncate(CANDIDATES);
        if order.is_empty() {
            return Ok(Err(format!(
                "cannot meet it: every SKU that oversells is at --max {} already",
                self.spec.max
            )));
        }
        let over: Vec<usize> = (0..current.risk.len())
            .filter(|&m| current.risk[m] > cap)
            .collect();
        let mut tried = Vec::with_capacity(order.len());
        for &s in &order {
            let mut raised = values.to_vec();
            raised[s] += 1;
            tried.push((s, self.judge(&raised)?));
        }
        let per_margin = |gain: f64, judged: &Judged| {
            gain / (judged.lost_margin - current.lost_margin).max(1e-9)
        };
        let risk_gain = |j: &Judged| current.excess(cap) - j.excess(cap);
        let rate_gain = |j: &Judged| {
            over.iter()
                .map(|&m| current.worst[m] - j.worst[m])
                .sum::<f64>()
        };
        for gain in [&risk_gain as &dyn Fn(&Judged) -> f64, &rate_gain] {
            let best = (tried.iter())
                .filter(|(_, j)| gain(j) > 0.0)
                .max_by(|(_, a), (_, b)| per_margin(gain(a), a).total_cmp(&per_margin(gain(b), b)));
            if let Some((s, judged)) = best {
                return Ok(Ok((*s, judged.clone())));
            }
        }
        Ok(Err(format!(
            "cannot meet it: raising any of the {} SKUs that oversell most by one more unit \
             (up to --max {}) no longer lowers the risk",
            order.len(),
            self.spec.max
        )))
    }
}

/// The catalog row of `sku` with the knob at `value` on the tuned channels: its per-SKU run's
/// velocity per channel as shares, its margin, penalties and reorder cells.
fn row(sku: &Sku, spec: &TuneSpec, value: i64) -> CatalogRow {
    let channels = (sku.channel_orders_per_day.iter().enumerate())
        .map(|(c, &rate)| {
            let tuned = spec.channels.contains(&c).then_some(value);
            ChannelCells {
                share: Some(rate),
                penalty: sku.penalties[c].map(Dist::Fixed),
                buffer: tuned.filter(|_| spec.knob == Knob::Buffer),
                out_of_stock_at: tuned.filter(|_| spec.knob == Knob::OutOfStockAt),
                ..ChannelCells::default()
            }
        })
        .collect();
    CatalogRow {
        sku: sku.sku.clone(),
        line: sku.line,
        orders_per_day: sku.orders_per_day,
        initial: sku.initial,
        price: None,
        unit_margin: Some(sku.unit_margin),
        reorder_point: sku.reorder_point,
        reorder_qty: sku.reorder_qty,
        lead_time: None,
        shrink_per_day: None,
        demand_cv: None,
        components: Vec::new(),
        channels,
    }
}

/// The scenario of `doc` as a catalog scenario: no `stock.initial`, no node `initial`, channels
/// without rates (the rows' shares carry them), and `[catalog] file` naming `catalog`.
fn catalog_text(doc: &ScenarioDoc, catalog: &str) -> Result<String, String> {
    let text = doc.edited(&[])?;
    let mut toml: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let remove_in_each = |toml: &mut DocumentMut, table: &str, keys: &[&str]| {
        if let Some(entries) = toml.get_mut(table).and_then(Item::as_table_like_mut) {
            for (_, entry) in entries.iter_mut() {
                if let Some(entry) = entry.as_table_like_mut() {
                    for key in keys {
                        entry.remove(key);
                    }
                }
            }
        }
    };
    if let Some(stock) = toml.get_mut("stock").and_then(Item::as_table_like_mut) {
        stock.remove("initial");
    }
    remove_in_each(&mut toml, "nodes", &["initial"]);
    remove_in_each(
        &mut toml,
        "channels",
        &["orders_per_day", "orders_per_hour"],
    );
    let mut table = Table::new();
    table["file"] = value(catalog);
    toml["catalog"] = Item::Table(table);
    Ok(toml.to_string())
}
