//! The stacks the page offers, embedded in the binary, and the five knobs a slider moves: each
//! knob is found in the scenario by what it means (a poll link, a webhook, a marketplace feed,
//! a marketplace channel), so one set of sliders fits every stack.

use toml_edit::{DocumentMut, Item, TableLike, Value};

use crate::dist::{Dist, parse_duration};
use crate::scenario::{Carries, Scenario, ScenarioError, Transport, load_str_with_catalog};
use crate::scenario::{catalog::parse_catalog, load_str};

/// A catalog CSV compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedCatalog {
    /// The file name the scenario's `[catalog] file` gives.
    pub file: &'static str,
    /// Where it is in the repository, for the downloaded scenario's note.
    pub repo_path: &'static str,
    /// The CSV text.
    pub text: &'static str,
}

/// A stack file compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct StackFile {
    /// Its id in URLs (`stack=polling-15m`).
    pub slug: &'static str,
    /// Where it is in the repository.
    pub repo_path: &'static str,
    /// The scenario text.
    pub text: &'static str,
    /// The catalog its `[catalog] file` names, if any.
    pub catalog: Option<EmbeddedCatalog>,
    /// A shorter horizon than the file's, so that a slider move answers in time.
    pub horizon: Option<&'static str>,
}

/// The 20 best sellers of the example catalog.
pub const SKUS_20: EmbeddedCatalog = EmbeddedCatalog {
    file: "skus-20.csv",
    repo_path: "scenarios/catalog/skus-20.csv",
    text: include_str!("../../scenarios/catalog/skus-20.csv"),
};

/// Every stack of the picker, in its order.
pub const STACK_FILES: [StackFile; 6] = [
    StackFile {
        slug: "polling-15m",
        repo_path: "scenarios/polling-15m.toml",
        text: include_str!("../../scenarios/polling-15m.toml"),
        catalog: None,
        horizon: None,
    },
    StackFile {
        slug: "event-driven",
        repo_path: "scenarios/event-driven.toml",
        text: include_str!("../../scenarios/event-driven.toml"),
        catalog: None,
        horizon: None,
    },
    StackFile {
        slug: "erp-hourly",
        repo_path: "scenarios/erp-hourly.toml",
        text: include_str!("../../scenarios/erp-hourly.toml"),
        catalog: None,
        horizon: None,
    },
    StackFile {
        slug: "safety-stock",
        repo_path: "scenarios/safety-stock.toml",
        text: include_str!("../../scenarios/safety-stock.toml"),
        catalog: None,
        horizon: None,
    },
    StackFile {
        slug: "on-hand",
        repo_path: "scenarios/on-hand-vs-available/on-hand.toml",
        text: include_str!("../../scenarios/on-hand-vs-available/on-hand.toml"),
        catalog: None,
        horizon: None,
    },
    StackFile {
        slug: "catalog-20",
        repo_path: "scenarios/catalog/small.toml",
        text: include_str!("../../scenarios/catalog/small.toml"),
        catalog: Some(SKUS_20),
        // A week: Amazon's whole cancel-rate window, at a quarter of the four weeks' work.
        horizon: Some("7d"),
    },
];

impl StackFile {
    /// The text the page starts from: the file's, with the shorter horizon where one is set.
    pub fn shipped_text(&self) -> String {
        let Some(horizon) = self.horizon else {
            return self.text.to_owned();
        };
        let Ok(mut doc) = self.text.parse::<DocumentMut>() else {
            return self.text.to_owned();
        };
        set_value(doc.as_table_mut(), "horizon", Value::from(horizon));
        doc.to_string()
    }

    /// Loads `text` (this stack's file, edited or not) with the embedded catalog.
    pub fn load(&self, text: &str) -> Result<Scenario, ScenarioError> {
        let origin = format!("<built-in {}>", self.repo_path);
        match self.catalog {
            None => load_str(&origin, text),
            Some(catalog) => {
                let channels = channel_names(text);
                let has_reorder = text_has_reorder(text);
                let rows = parse_catalog(catalog.file, catalog.text, &channels, has_reorder)?;
                load_str_with_catalog(&origin, text, catalog.file, &rows)
            }
        }
    }
}

/// The channel names of a scenario text, in file order (the catalog's `share_<channel>`
/// columns are checked against them).
fn channel_names(text: &str) -> Vec<String> {
    let Ok(doc) = text.parse::<DocumentMut>() else {
        return Vec::new();
    };
    doc.get("channels")
        .and_then(Item::as_table_like)
        .map(|t| t.iter().map(|(name, _)| name.to_owned()).collect())
        .unwrap_or_default()
}

/// Whether a scenario text has a `stock.reorder` (the catalog's reorder cells need it).
fn text_has_reorder(text: &str) -> bool {
    text.parse::<DocumentMut>().is_ok_and(|doc| {
        doc.get("stock")
            .and_then(Item::as_table_like)
            .is_some_and(|s| s.contains_key("reorder"))
    })
}

/// The five knobs, as the sliders set them. `None`: the stack has no such thing, or the knob is
/// left where the stack has it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Knobs {
    /// The fastest poll interval of the stack, seconds; slower polls keep their ratio to it.
    pub poll_every: Option<f64>,
    /// Mean latency of the webhooks that are not marketplace feeds, seconds.
    pub webhook_latency: Option<f64>,
    /// Mean time a marketplace takes to apply an inventory update (the latency of the level
    /// links into a marketplace, plus its feed queue's service where it has one), seconds.
    pub feed_time: Option<f64>,
    /// Safety stock held back from every marketplace channel, units.
    pub buffer: Option<i64>,
    /// Multiplier of every channel's demand over the whole horizon.
    pub demand: Option<f64>,
}

/// Where each knob sits in one stack: the values the stack ships with.
#[derive(Debug, Clone, PartialEq)]
pub struct Defaults {
    /// The knobs as the stack ships (`None` where the stack has no such thing).
    pub knobs: Knobs,
    /// Names of the marketplace channels (those with a cancel-rate limit).
    pub marketplaces: Vec<String>,
}

/// A marketplace: a channel judged on its cancel rate.
fn is_marketplace(s: &Scenario, node: usize) -> bool {
    s.channels
        .iter()
        .any(|c| c.node == node && c.cancel_rate_limit.is_some())
}

/// Whether link `i` is a marketplace feed: it writes levels into a marketplace's view.
fn is_feed(s: &Scenario, i: usize) -> bool {
    let link = &s.links[i];
    link.carries == Carries::Levels && is_marketplace(s, link.to)
}

/// The mean of the means of `dists`, or `None` when there are none.
fn mean_of(dists: &[Dist]) -> Option<f64> {
    (!dists.is_empty()).then(|| dists.iter().map(Dist::mean).sum::<f64>() / dists.len() as f64)
}

impl Defaults {
    /// The knobs of `s` as written.
    pub fn of(s: &Scenario) -> Defaults {
        let polls: Vec<f64> = (s.links.iter())
            .filter_map(|l| match l.transport {
                Transport::Poll { every, .. } => Some(every),
                Transport::Webhook { .. } => None,
            })
            .collect();
        let webhooks: Vec<Dist> = (0..s.links.len())
            .filter(|&i| !is_feed(s, i))
            .filter_map(|i| match &s.links[i].transport {
                Transport::Webhook { latency, .. } => Some(*latency),
                Transport::Poll { .. } => None,
            })
            .collect();
        let marketplaces: Vec<&crate::scenario::Channel> = (s.channels.iter())
            .filter(|c| c.cancel_rate_limit.is_some())
            .collect();
        Defaults {
            knobs: Knobs {
                poll_every: polls.iter().copied().reduce(f64::min),
                webhook_latency: mean_of(&webhooks),
                feed_time: feed_time(s),
                buffer: marketplaces.iter().map(|c| c.buffer).max(),
                demand: Some(1.0),
            },
            marketplaces: marketplaces.iter().map(|c| c.name.clone()).collect(),
        }
    }
}

/// The mean time a marketplace takes to apply an update: per marketplace, the mean latency of
/// its feed links plus the mean service of its feed queue; averaged over the marketplaces that
/// have either. `None` when none has.
fn feed_time(s: &Scenario) -> Option<f64> {
    let times: Vec<f64> = (0..s.nodes.len())
        .filter(|&node| is_marketplace(s, node))
        .filter_map(|node| {
            let latencies: Vec<Dist> = (0..s.links.len())
                .filter(|&i| is_feed(s, i) && s.links[i].to == node)
                .map(|i| match &s.links[i].transport {
                    Transport::Webhook { latency, .. } | Transport::Poll { latency, .. } => {
                        *latency
                    }
                })
                .collect();
            let service = s.nodes[node].feeds.as_ref().map(|f| f.service.mean());
            match (mean_of(&latencies), service) {
                (None, None) => None,
                (latency, service) => Some(latency.unwrap_or(0.0) + service.unwrap_or(0.0)),
            }
        })
        .collect();
    (!times.is_empty()).then(|| times.iter().sum::<f64>() / times.len() as f64)
}

/// Scales every duration of a distribution text (`uniform(2m, 5m)`, `exp(40s)`, `30s`) by `k`.
/// A zero factor gives the plain `0s`.
pub fn scale_dist_text(text: &str, k: f64) -> Result<String, String> {
    if k == 0.0 {
        return Ok("0s".to_owned());
    }
    let scale = |arg: &str| parse_duration(arg).map(|x| duration_text(x * k));
    match text.find('(') {
        None => scale(text),
        Some(open) => {
            let family = text[..open].trim();
            let inner = text[open + 1..]
                .trim_end()
                .strip_suffix(')')
                .ok_or_else(|| format!("`{text}` is not a distribution"))?;
            let args: Result<Vec<String>, String> = inner.split(',').map(scale).collect();
            Ok(format!("{family}({})", args?.join(", ")))
        }
    }
}

/// A duration as the scenario syntax writes it, to the millisecond (`2m 30s`, `1s 250ms`).
fn duration_text(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let mut left = ms;
    let mut parts = Vec::new();
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if left >= size {
            parts.push(format!("{}{unit}", left / size));
            left %= size;
        }
    }
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

/// The scenario text of `text` (which loaded as `s`) with `knobs` set where they differ from
/// `defaults`. Every value is written in the file's own syntax, so the text is a scenario file.
pub fn apply(
    text: &str,
    s: &Scenario,
    defaults: &Defaults,
    knobs: &Knobs,
) -> Result<String, String> {
    let mut doc = text
        .parse::<DocumentMut>()
        .map_err(|e| format!("the stack is not valid TOML: {e}"))?;
    let d = &defaults.knobs;
    if let Some((new, old)) = changed(knobs.poll_every, d.poll_every) {
        scale_polls(&mut doc, s, new / old)?;
    }
    if let Some((new, old)) = changed(knobs.webhook_latency, d.webhook_latency) {
        let k = ratio(new, old);
        let links: Vec<usize> = (0..s.links.len())
            .filter(|&i| {
                !is_feed(s, i) && matches!(s.links[i].transport, Transport::Webhook { .. })
            })
            .collect();
        scale_link_latencies(&mut doc, &links, k)?;
    }
    if let Some((new, old)) = changed(knobs.feed_time, d.feed_time) {
        let k = ratio(new, old);
        let links: Vec<usize> = (0..s.links.len()).filter(|&i| is_feed(s, i)).collect();
        scale_link_latencies(&mut doc, &links, k)?;
        scale_feed_services(&mut doc, s, k)?;
    }
    if let Some(buffer) = knobs.buffer.filter(|&b| Some(b) != d.buffer) {
        let channels = doc
            .get_mut("channels")
            .and_then(Item::as_table_like_mut)
            .ok_or("the stack has no [channels]")?;
        for name in &defaults.marketplaces {
            let channel = channels
                .get_mut(name)
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| format!("channel `{name}` is not a table"))?;
            set_value(channel, "buffer", Value::from(buffer));
        }
    }
    if let Some(demand) = knobs.demand.filter(|&m| m != 1.0) {
        add_demand_peak(&mut doc, s.horizon, demand)?;
    }
    Ok(doc.to_string())
}

/// `(new, old)` when the knob is set and differs from the stack's value.
fn changed(new: Option<f64>, old: Option<f64>) -> Option<(f64, f64)> {
    match (new, old) {
        (Some(new), Some(old)) if new != old => Some((new, old)),
        _ => None,
    }
}

/// Sets `key` of `table` to `value`, keeping the old value's spacing and comment.
fn set_value(table: &mut dyn TableLike, key: &str, mut value: Value) {
    if let Some(old) = table.get(key).and_then(Item::as_value) {
        *value.decor_mut() = old.decor().clone();
    }
    table.insert(key, Item::Value(value));
}

/// `new / old`, or 1 when `old` is 0 and so is `new` (0 when only `old` is).
fn ratio(new: f64, old: f64) -> f64 {
    if old > 0.0 {
        new / old
    } else if new > 0.0 {
        f64::INFINITY
    } else {
        1.0
    }
}

/// The inline table of link `i`'s transport (`poll` or `webhook`).
fn transport_table(doc: &mut DocumentMut, i: usize) -> Result<&mut dyn TableLike, String> {
    let link = match doc.get_mut("links") {
        Some(Item::ArrayOfTables(links)) => links
            .get_mut(i)
            .map(|t| t as &mut dyn TableLike)
            .ok_or_else(|| format!("link {i} is missing"))?,
        _ => return Err("the stack's links are not written as [[links]]".to_owned()),
    };
    let key = if link.contains_key("poll") {
        "poll"
    } else {
        "webhook"
    };
    link.get_mut(key)
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| format!("link {i} has no {key} table"))
}

/// Scales `every` and `phase` of every poll link by `k`.
fn scale_polls(doc: &mut DocumentMut, s: &Scenario, k: f64) -> Result<(), String> {
    for (i, link) in s.links.iter().enumerate() {
        if let Transport::Poll { every, phase, .. } = link.transport {
            let table = transport_table(doc, i)?;
            let every = (every * k).round().max(1.0);
            set_value(table, "every", Value::from(duration_text(every)));
            if let Some(phase) = phase {
                // Whole seconds below the new interval.
                let phase = (phase * k).floor().min(every - 1.0).max(0.0);
                set_value(table, "phase", Value::from(duration_text(phase)));
            }
        }
    }
    Ok(())
}

/// Scales the `latency` of each link in `links` by `k` (a link without one has 0: `k` of 0 is
/// 0, so it stays unless `k` is infinite, when it becomes the plain new value).
fn scale_link_latencies(doc: &mut DocumentMut, links: &[usize], k: f64) -> Result<(), String> {
    for &i in links {
        let table = transport_table(doc, i)?;
        scale_key(table, "latency", k)?;
    }
    Ok(())
}

/// Scales the feed queue service of every marketplace node.
fn scale_feed_services(doc: &mut DocumentMut, s: &Scenario, k: f64) -> Result<(), String> {
    for (node, n) in s.nodes.iter().enumerate() {
        if n.feeds.is_none() || !is_marketplace(s, node) {
            continue;
        }
        let feeds = doc
            .get_mut("nodes")
            .and_then(Item::as_table_like_mut)
            .and_then(|t| t.get_mut(&n.name))
            .and_then(Item::as_table_like_mut)
            .and_then(|t| t.get_mut("feeds"))
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| format!("nodes.{}.feeds is not a table", n.name))?;
        scale_key(feeds, "service", k)?;
    }
    Ok(())
}

/// Scales the duration distribution at `key` of `table` (absent: 0) by `k`.
fn scale_key(table: &mut dyn TableLike, key: &str, k: f64) -> Result<(), String> {
    let old = match table.get(key).and_then(Item::as_value) {
        None => "0s".to_owned(),
        Some(Value::String(s)) => s.value().clone(),
        Some(Value::Integer(i)) if *i.value() == 0 => "0s".to_owned(),
        Some(other) => return Err(format!("`{key}` = {other} is not a duration")),
    };
    let new = if k.is_infinite() {
        return Err(format!("`{key}` is 0 in the stack and cannot be scaled"));
    } else {
        scale_dist_text(&old, k)?
    };
    set_value(table, key, Value::from(new));
    Ok(())
}

/// Appends a peak over the whole horizon that multiplies every channel's demand by `demand`.
fn add_demand_peak(doc: &mut DocumentMut, horizon: f64, demand: f64) -> Result<(), String> {
    let mut peak = toml_edit::Table::new();
    peak.insert("from", Item::Value(Value::from("0s")));
    peak.insert("to", Item::Value(Value::from(duration_text(horizon))));
    peak.insert("multiplier", Item::Value(Value::from(demand)));
    match doc.get_mut("peaks") {
        None => {
            let mut peaks = toml_edit::ArrayOfTables::new();
            peaks.push(peak);
            doc.insert("peaks", Item::ArrayOfTables(peaks));
        }
        Some(Item::ArrayOfTables(peaks)) => peaks.push(peak),
        Some(_) => return Err("the stack's peaks are not written as [[peaks]]".to_owned()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(slug: &str) -> (StackFile, Scenario, Defaults) {
        let file = *STACK_FILES.iter().find(|f| f.slug == slug).unwrap();
        let s = file
            .load(&file.shipped_text())
            .unwrap_or_else(|e| panic!("{e}"));
        let d = Defaults::of(&s);
        (file, s, d)
    }

    #[test]
    fn every_stack_loads_and_finds_its_knobs() {
        for file in STACK_FILES {
            let s = file
                .load(&file.shipped_text())
                .unwrap_or_else(|e| panic!("{e}"));
            let d = Defaults::of(&s);
            assert_eq!(d.marketplaces, ["amazon", "walmart"], "{}", file.slug);
            assert!(d.knobs.feed_time.is_some(), "{}", file.slug);
        }
        let (_, _, d) = stack("polling-15m");
        assert_eq!(d.knobs.poll_every, Some(900.0));
        // orders-to-erp: uniform(30s, 90s).
        assert_eq!(d.knobs.webhook_latency, Some(60.0));
        // The marketplace feeds: uniform(2m, 5m).
        assert_eq!(d.knobs.feed_time, Some(210.0));
        assert_eq!(d.knobs.buffer, Some(0));
        let (_, _, d) = stack("event-driven");
        assert_eq!(d.knobs.poll_every, None);
    }

    #[test]
    fn distributions_scale_in_their_own_syntax() {
        assert_eq!(
            scale_dist_text("uniform(2m, 5m)", 2.0).unwrap(),
            "uniform(4m, 10m)"
        );
        assert_eq!(scale_dist_text("exp(40s)", 0.5).unwrap(), "exp(20s)");
        assert_eq!(scale_dist_text("30s", 0.05).unwrap(), "1s 500ms");
        assert_eq!(scale_dist_text("lognormal(3m, 25m)", 0.0).unwrap(), "0s");
        assert!(scale_dist_text("uniform(2m, soon)", 2.0).is_err());
    }

    #[test]
    fn knobs_edit_the_stack_and_the_result_loads() {
        let (file, s, d) = stack("polling-15m");
        let knobs = Knobs {
            poll_every: Some(1800.0),
            webhook_latency: Some(120.0),
            feed_time: Some(420.0),
            buffer: Some(3),
            demand: Some(1.5),
        };
        let text = apply(&file.shipped_text(), &s, &d, &knobs).unwrap();
        let edited = file.load(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let e = Defaults::of(&edited);
        assert_eq!(e.knobs.poll_every, Some(1800.0));
        assert_eq!(e.knobs.webhook_latency, Some(120.0));
        assert_eq!(e.knobs.feed_time, Some(420.0));
        assert_eq!(e.knobs.buffer, Some(3));
        // The hourly ERP poll kept its ratio: four times the fastest.
        assert!(
            edited
                .links
                .iter()
                .any(|l| matches!(l.transport, Transport::Poll { every: 7200.0, .. }))
        );
        assert_eq!(edited.peaks.last().unwrap().multiplier, 1.5);
        // Unchanged knobs leave the text as it was.
        assert_eq!(apply(file.text, &s, &d, &d.knobs).unwrap(), file.text);
        let (catalog, s, _) = stack("catalog-20");
        assert_eq!(s.horizon, 7.0 * 86_400.0);
        assert!(catalog.shipped_text().contains("horizon = \"7d\""));
    }

    #[test]
    fn the_catalog_stack_scales_its_feed_queues() {
        let (file, s, d) = stack("catalog-20");
        let feed = d.knobs.feed_time.unwrap();
        let knobs = Knobs {
            feed_time: Some(feed * 2.0),
            ..d.knobs
        };
        let text = apply(&file.shipped_text(), &s, &d, &knobs).unwrap();
        let edited = file.load(&text).unwrap();
        let e = Defaults::of(&edited).knobs.feed_time.unwrap();
        assert!((e - 2.0 * feed).abs() < 0.01 * feed, "{e} vs {feed}");
    }
}
