//! Editing a scenario before running it: find a numeric or duration key by a dotted path (links,
//! channels and nodes by name), set it in the TOML document, and load the result with the same
//! checks as a file, so a value the model refuses is refused with the usual message.

use toml_edit::{DocumentMut, Item, TableLike};

pub use super::keys::KeyKind;
use super::keys::Part::{Channel, Index, Link, Lit, Node};
use super::keys::{KEYS, Part};
use crate::scenario::{Scenario, ScenarioError, load_str};

/// One step from the root of the document to a key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A key of a table.
    Key(String),
    /// An element of an array of tables.
    Element(usize),
}

/// A key of the scenario that can be set: where it is, and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRef {
    /// The path as written by the user (`links.amazon-feed.poll.every`).
    pub path: String,
    /// What the key holds.
    pub kind: KeyKind,
    steps: Vec<Step>,
}

/// A checked scenario and its TOML document, ready to be edited and loaded again.
#[derive(Debug, Clone)]
pub struct ScenarioDoc {
    /// The file name shown in errors.
    pub origin: String,
    /// The scenario as written.
    pub scenario: Scenario,
    doc: DocumentMut,
}

impl ScenarioDoc {
    /// The document of `text`, which loaded as `scenario`.
    pub fn new(origin: &str, text: &str, scenario: Scenario) -> Result<ScenarioDoc, ScenarioError> {
        let doc = text.parse::<DocumentMut>().map_err(|_| {
            // The text already loaded, so it parses; keep a message rather than a panic.
            ScenarioError {
                file: origin.to_owned(),
                line: 0,
                column: 0,
                key: String::new(),
                message: "not valid TOML".to_owned(),
            }
        })?;
        Ok(ScenarioDoc {
            origin: origin.to_owned(),
            scenario,
            doc,
        })
    }

    /// Finds the key at `path` (`channels.amazon.buffer`, `links.amazon-feed.poll.every`,
    /// `peaks[0].multiplier`), checking that its tables exist in the scenario.
    pub fn resolve(&self, path: &str) -> Result<KeyRef, String> {
        let segments = split_path(path)?;
        let mut best: Option<String> = None;
        for (pattern, kind) in KEYS {
            match self.matches(pattern, &segments) {
                Ok(Some(steps)) => {
                    let key = KeyRef {
                        path: path.to_owned(),
                        kind: *kind,
                        steps,
                    };
                    // A dry run finds tables the scenario does not have (a webhook link's poll).
                    self.edited(&[(&key, 0.0)])?;
                    return Ok(key);
                }
                Ok(None) => {}
                Err(message) => best = best.or(Some(message)),
            }
        }
        Err(best.unwrap_or_else(|| {
            format!(
                "`{path}` is not a numeric or duration key of the scenario; the closest are {}",
                closest(path, &self.keys())
            )
        }))
    }

    /// Every key of the scenario that `resolve` finds, in the order of the key table, with the
    /// scenario's names (quoted where they hold a `.`) and array indices filled in.
    pub fn keys(&self) -> Vec<KeyRef> {
        let s = &self.scenario;
        let mut keys = Vec::new();
        for (pattern, _) in KEYS {
            let mut paths = vec![String::new()];
            for part in *pattern {
                let segments: Vec<String> = match part {
                    Lit(key) => vec![format!(".{key}")],
                    Channel => s.channels.iter().map(|c| name_segment(&c.name)).collect(),
                    Node => s.nodes.iter().map(|n| name_segment(&n.name)).collect(),
                    Link => s.links.iter().map(|l| name_segment(&l.name)).collect(),
                    Index(array) => (0..array_len(s, array)).map(|i| format!("[{i}]")).collect(),
                };
                paths = paths
                    .iter()
                    .flat_map(|p| segments.iter().map(move |seg| format!("{p}{seg}")))
                    .collect();
            }
            keys.extend(
                paths
                    .iter()
                    .filter_map(|p| self.resolve(p.trim_start_matches('.')).ok()),
            );
        }
        keys
    }

    /// The keys `pattern` names: one key, or every key whose segments match the pattern's, where
    /// `*` stands for any run of characters within a segment and `?` for one character.
    pub fn resolve_pattern(&self, pattern: &str) -> Result<Vec<KeyRef>, String> {
        if !pattern.contains(['*', '?']) {
            return self.resolve(pattern).map(|key| vec![key]);
        }
        let wanted = split_path(pattern)?;
        let keys = self.keys();
        let matched: Vec<KeyRef> = keys
            .iter()
            .filter(|key| {
                split_path(&key.path).is_ok_and(|segments| {
                    segments.len() == wanted.len()
                        && wanted.iter().zip(&segments).all(|(w, s)| glob(w, s))
                })
            })
            .cloned()
            .collect();
        if matched.is_empty() {
            return Err(format!(
                "`{pattern}` matches no key of the scenario; the closest are {}",
                closest(pattern, &keys)
            ));
        }
        Ok(matched)
    }

    /// The document with each `(key, value)` set, as TOML text.
    pub fn edited(&self, edits: &[(&KeyRef, f64)]) -> Result<String, String> {
        let mut doc = self.doc.clone();
        for (key, value) in edits {
            set(&mut doc, key, *value)?;
        }
        Ok(doc.to_string())
    }

    /// Loads the scenario with each `(key, value)` set, checked as a file is.
    pub fn load(&self, edits: &[(&KeyRef, f64)]) -> Result<Scenario, EditError> {
        let text = self.edited(edits).map_err(EditError::Path)?;
        load_str(&self.origin, &text).map_err(EditError::Scenario)
    }

    /// Steps of `segments` if they match `pattern`; an error when they match its shape but name
    /// something the scenario does not have.
    fn matches(&self, pattern: &[Part], segments: &[String]) -> Result<Option<Vec<Step>>, String> {
        if pattern.len() != segments.len() {
            return Ok(None);
        }
        let s = &self.scenario;
        let mut steps = Vec::new();
        for (part, segment) in pattern.iter().zip(segments) {
            match part {
                Lit(key) if key == segment => steps.push(Step::Key(segment.clone())),
                Lit(_) => return Ok(None),
                Channel => {
                    let names: Vec<&str> = s.channels.iter().map(|c| c.name.as_str()).collect();
                    find(&names, segment, "channel")?;
                    steps.push(Step::Key(segment.clone()));
                }
                Node => {
                    let names: Vec<&str> = s.nodes.iter().map(|n| n.name.as_str()).collect();
                    find(&names, segment, "node")?;
                    steps.push(Step::Key(segment.clone()));
                }
                Link => {
                    let names: Vec<&str> = s.links.iter().map(|l| l.name.as_str()).collect();
                    let index = match segment.parse::<usize>() {
                        Ok(i) if i < names.len() => i,
                        _ => find(&names, segment, "link")?,
                    };
                    steps.push(Step::Element(index));
                }
                Index(array) => {
                    let len = array_len(s, array);
                    match segment.parse::<usize>() {
                        Ok(i) if i < len => steps.push(Step::Element(i)),
                        _ => {
                            return Err(format!(
                                "`{array}` has {len} element(s), numbered from 0; `{segment}` is \
                                 not one of them"
                            ));
                        }
                    }
                }
            }
        }
        Ok(Some(steps))
    }
}

impl KeyRef {
    /// Whether `self` and `other` are the same key, however each was written (`links[0]` or
    /// `links.amazon-feed`).
    pub fn same_key(&self, other: &KeyRef) -> bool {
        self.steps == other.steps
    }
}

/// A name as a path segment: `.name`, or `."name"` when it holds characters of the path syntax.
fn name_segment(name: &str) -> String {
    if name.contains(['.', '[', ']', '"', '*', '?', ',', '=']) || name.contains(char::is_whitespace)
    {
        format!(".\"{name}\"")
    } else {
        format!(".{name}")
    }
}

/// The length of the named array of the scenario.
fn array_len(s: &Scenario, array: &str) -> usize {
    match array {
        "peaks" => s.peaks.len(),
        "scheduled_orders" => s.scheduled_orders.len(),
        _ => s.stock.receipts.len(),
    }
}

/// Whether `text` matches `pattern`, where `*` is any run of characters and `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // matches[j]: whether the pattern so far matches the first j characters of the text.
    let mut matches = vec![false; t.len() + 1];
    matches[0] = true;
    for &c in &p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = match c {
                '*' => matches[j] || (j > 0 && next[j - 1]),
                '?' => j > 0 && matches[j - 1],
                c => j > 0 && matches[j - 1] && t[j - 1] == c,
            };
        }
        matches = next;
    }
    matches[t.len()]
}

/// The five keys closest to `path` (a key or a pattern) in spelling, as `` `a`, `b` ``: segment
/// by segment where the shapes agree (a segment the pattern matches counts 0), else the whole
/// text's edit distance, ranked after those.
fn closest(path: &str, keys: &[KeyRef]) -> String {
    let wanted = split_path(path).unwrap_or_default();
    let distance = |key: &KeyRef| match split_path(&key.path) {
        Ok(segments) if segments.len() == wanted.len() => wanted
            .iter()
            .zip(&segments)
            .map(|(w, s)| {
                if glob(w, s) {
                    0
                } else {
                    strsim::levenshtein(w, s)
                }
            })
            .sum(),
        _ => 1_000 + strsim::levenshtein(path, &key.path),
    };
    let mut ranked: Vec<(usize, &str)> = keys
        .iter()
        .map(|k| (distance(k), k.path.as_str()))
        .collect();
    // Stable: equally close keys keep the scenario's order.
    ranked.sort_by_key(|(d, _)| *d);
    let names: Vec<String> = ranked
        .iter()
        .take(5)
        .map(|(_, p)| format!("`{p}`"))
        .collect();
    if names.is_empty() {
        "none: the scenario has no keys to vary".to_owned()
    } else {
        names.join(", ")
    }
}

/// Why an edited scenario could not be loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum EditError {
    /// The key's tables are not in the document.
    Path(String),
    /// The edited scenario breaks a rule of the model.
    Scenario(ScenarioError),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::Path(message) => f.write_str(message),
            // The key and the message say what is wrong; the line is of the edited text.
            EditError::Scenario(e) if !e.key.is_empty() => write!(f, "{}: {}", e.key, e.message),
            EditError::Scenario(e) => f.write_str(&e.message),
        }
    }
}

/// The index of `name` in `names`, or an error listing them.
fn find(names: &[&str], name: &str, what: &str) -> Result<usize, String> {
    names.iter().position(|n| *n == name).ok_or_else(|| {
        let known: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        format!(
            "no {what} is called `{name}`; the {what}s are {}",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )
    })
}

/// `a.b[2]."c.d"` as `["a", "b", "2", "c.d"]`.
fn split_path(path: &str) -> Result<Vec<String>, String> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    // After `[i]` a `.` starts the next key without ending an (empty) one.
    let mut after_index = false;
    let mut chars = path.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted && after_index => after_index = false,
            '.' if !quoted => segments.push(std::mem::take(&mut current)),
            '[' if !quoted => {
                segments.push(std::mem::take(&mut current));
                let index: String = chars.by_ref().take_while(|c| *c != ']').collect();
                segments.push(index);
                after_index = true;
            }
            c => {
                after_index = false;
                current.push(c);
            }
        }
    }
    if quoted {
        return Err(format!("`{path}` has an unclosed quote"));
    }
    if !after_index || !current.is_empty() {
        segments.push(current);
    }
    if segments.iter().any(String::is_empty) {
        return Err(format!("`{path}` has an empty key"));
    }
    Ok(segments)
}

/// Sets `key` to `value` in `doc`. Tables on the way must exist, except a node's own table
/// (`[nodes.amazon]` for a channel's implicit node), which is created.
fn set(doc: &mut DocumentMut, key: &KeyRef, value: f64) -> Result<(), String> {
    let Some((Step::Key(last), parents)) = key.steps.split_last() else {
        return Err(format!("`{}` does not end in a key", key.path));
    };
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    let mut walked = String::new();
    let mut i = 0;
    while i < parents.len() {
        let Step::Key(name) = &parents[i] else {
            return Err(format!("`{}` has an index where a key belongs", key.path));
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(name);
        if let Some(Step::Element(index)) = parents.get(i + 1) {
            walked.push_str(&format!("[{index}]"));
            let item = table
                .get_mut(name)
                .ok_or_else(|| format!("`{walked}` is not in the scenario"))?;
            table = element(item, *index)
                .ok_or_else(|| format!("`{walked}` is not a table in the scenario"))?;
            i += 2;
            continue;
        }
        if !table.contains_key(name) {
            if walked.starts_with("nodes.") && i == 1 {
                let mut node = toml_edit::Table::new();
                node.set_implicit(false);
                table.insert(name, Item::Table(node));
            } else {
                return Err(missing(&walked, table));
            }
        }
        table = table
            .get_mut(name)
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| format!("`{walked}` is not a table in the scenario"))?;
        i += 1;
    }
    // A channel's demand is one of two keys: setting one removes the other.
    match last.as_str() {
        "orders_per_day" => drop(table.remove("orders_per_hour")),
        "orders_per_hour" => drop(table.remove("orders_per_day")),
        _ => {}
    }
    let mut new = key.kind.item(value);
    if let Some(old) = table.get(last).and_then(Item::as_value) {
        *new.decor_mut() = old.decor().clone();
    }
    table.insert(last, Item::Value(new));
    Ok(())
}

/// Element `index` of an array of tables (or an inline array of inline tables).
fn element(item: &mut Item, index: usize) -> Option<&mut dyn TableLike> {
    match item {
        Item::ArrayOfTables(array) => array.get_mut(index).map(|t| t as &mut dyn TableLike),
        Item::Value(toml_edit::Value::Array(array)) => array
            .get_mut(index)
            .and_then(toml_edit::Value::as_inline_table_mut)
            .map(|t| t as &mut dyn TableLike),
        _ => None,
    }
}

/// Says that table `walked` is missing, with the link's other transport where that is why.
fn missing(walked: &str, parent: &dyn TableLike) -> String {
    let other = if walked.ends_with(".poll") {
        Some("webhook")
    } else if walked.ends_with(".webhook") {
        Some("poll")
    } else {
        None
    };
    match other {
        Some(other) if parent.contains_key(other) => {
            format!("`{walked}` is not in the scenario: that link uses a {other}")
        }
        _ => format!("`{walked}` is not in the scenario; add it to the file to vary its keys"),
    }
}
#[cfg(test)]
mod tests;
