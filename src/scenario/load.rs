//! Loading a scenario: read the file, parse it keeping positions, deserialize, validate; every
//! failure becomes a [`ScenarioError`] naming the file, line, column and key.

use std::path::Path;

use toml_edit::Document;

use super::error::ScenarioError;
use super::fields::Invalid;
use super::locate::{offset_of, path_at};
use super::model::Scenario;
use super::path::KeyPath;
use super::raw::RawScenario;
use super::validate;

/// The built-in default scenario: the reference file of the format.
pub const BUILTIN_REFERENCE: &str = include_str!("../../scenarios/reference.toml");

/// The largest scenario file read, bytes (4 MiB): hundreds of times a real scenario (the
/// reference is 5 kB; 10,000 channels take about 600 kB), and small enough that checking it
/// takes about a second and 300 MB of memory at worst.
pub const MAX_SCENARIO_BYTES: usize = 4 << 20;

/// Loads and checks the scenario file at `path`.
pub fn load_file(path: &Path) -> Result<Scenario, ScenarioError> {
    load_file_with_text(path).map(|(scenario, _)| scenario)
}

/// Reads `path` once and loads it; returns the scenario and exactly the text that was parsed.
pub fn load_file_with_text(path: &Path) -> Result<(Scenario, String), ScenarioError> {
    let text = read_scenario(path)?;
    load_str(&path.display().to_string(), &text).map(|scenario| (scenario, text))
}

/// The text of the scenario file at `path`, read no further than [`MAX_SCENARIO_BYTES`]
/// (`/dev/zero` or a log file given by mistake is refused, not read until memory runs out).
pub fn read_scenario(path: &Path) -> Result<String, ScenarioError> {
    let origin = path.display().to_string();
    let cannot =
        |e: String| ScenarioError::whole_file(&origin, format!("cannot read the scenario: {e}"));
    let bytes = read_capped(path, MAX_SCENARIO_BYTES).map_err(|e| cannot(e.to_string()))?;
    let Some(bytes) = bytes else {
        return Err(too_large(&origin));
    };
    String::from_utf8(bytes).map_err(|e| cannot(format!("not UTF-8 text ({e})")))
}

/// The bytes of the file at `path`, or `None` if it holds more than `cap` bytes (then only
/// `cap + 1` bytes were read).
pub fn read_capped(path: &Path, cap: usize) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(cap as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() <= cap).then_some(bytes))
}

fn too_large(origin: &str) -> ScenarioError {
    ScenarioError::whole_file(
        origin,
        format!(
            "the scenario is larger than {} MiB, the most a scenario file may hold; is this the \
             right file?",
            MAX_SCENARIO_BYTES >> 20
        ),
    )
}

/// Loads and checks scenario `text`; `origin` is the file name shown in errors.
pub fn load_str(origin: &str, text: &str) -> Result<Scenario, ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(too_large(origin));
    }
    let doc = Document::parse(text.to_owned()).map_err(|e| syntax_error(origin, text, &e))?;
    let raw: RawScenario = toml::from_str(text).map_err(|e| shape_error(origin, &doc, &e))?;
    let rows = read_catalog_of(origin, &raw)?;
    let rows = rows
        .as_ref()
        .map(|(file, rows)| (file.as_str(), rows.as_slice()));
    validate::scenario(&raw, rows).map_err(|invalid| semantic_error(origin, &doc, invalid))
}

/// Loads and checks scenario `text` whose catalog is `rows` (as if read from `file`), not the
/// file its `[catalog] file` names: for catalogs built in memory, such as `tune`'s account check.
pub fn load_str_with_catalog(
    origin: &str,
    text: &str,
    file: &str,
    rows: &[super::catalog::CatalogRow],
) -> Result<Scenario, ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(too_large(origin));
    }
    let doc = Document::parse(text.to_owned()).map_err(|e| syntax_error(origin, text, &e))?;
    let raw: RawScenario = toml::from_str(text).map_err(|e| shape_error(origin, &doc, &e))?;
    validate::scenario(&raw, Some((file, rows)))
        .map_err(|invalid| semantic_error(origin, &doc, invalid))
}

/// Loads and checks scenario `text` without reading any file: its `[catalog] file` was read
/// before, and `catalog` holds the file as resolved then (named in errors) and its text (`None`:
/// the scenario must have no catalog file). `merge` loads a shard's scenario this way, from the
/// copy its partial result carries, wherever it runs.
pub fn load_str_with_catalog_text(
    origin: &str,
    text: &str,
    catalog: Option<(&str, &str)>,
) -> Result<Scenario, ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(too_large(origin));
    }
    let doc = Document::parse(text.to_owned()).map_err(|e| syntax_error(origin, text, &e))?;
    let raw: RawScenario = toml::from_str(text).map_err(|e| shape_error(origin, &doc, &e))?;
    let rows = match (catalog_file(&raw), catalog) {
        (None, None) => None,
        (Some(named), None) => {
            return Err(ScenarioError {
                key: "catalog.file".into(),
                ..ScenarioError::whole_file(
                    origin,
                    format!("its `[catalog] file` ({named}) was not given with it"),
                )
            });
        }
        (None, Some((file, _))) => {
            return Err(ScenarioError {
                key: "catalog.file".into(),
                ..ScenarioError::whole_file(
                    origin,
                    format!("has no `[catalog] file`, yet the catalog {file} was given with it"),
                )
            });
        }
        (Some(_), Some((file, catalog))) => {
            let (channels, has_reorder) = catalog_settings(&raw);
            let rows = super::catalog::parse_catalog(file, catalog, &channels, has_reorder)?;
            Some((file, rows))
        }
    };
    let rows = rows.as_ref().map(|(file, rows)| (*file, rows.as_slice()));
    validate::scenario(&raw, rows).map_err(|invalid| semantic_error(origin, &doc, invalid))
}

/// The scenario's `[catalog] file`, as written.
fn catalog_file(raw: &RawScenario) -> Option<&str> {
    raw.catalog.as_ref().and_then(|c| c.file.as_deref())
}

/// What reading a catalog needs from its scenario: the channel names and whether the scenario
/// has a default reorder policy.
fn catalog_settings(raw: &RawScenario) -> (Vec<String>, bool) {
    let channels: Vec<String> = raw.channels.keys().cloned().collect();
    let has_reorder = raw.stock.as_ref().is_some_and(|s| s.reorder.is_some());
    (channels, has_reorder)
}

/// The rows of the scenario's `[catalog] file`, read relative to the folder of `origin`.
fn read_catalog_of(
    origin: &str,
    raw: &RawScenario,
) -> Result<Option<(String, Vec<super::catalog::CatalogRow>)>, ScenarioError> {
    let Some(file) = catalog_file(raw) else {
        return Ok(None);
    };
    let folder = Path::new(origin).parent().unwrap_or(Path::new(""));
    let path = folder.join(file);
    let (channels, has_reorder) = catalog_settings(raw);
    let rows = super::catalog::read_catalog(&path, &channels, has_reorder)?;
    Ok(Some((path.display().to_string(), rows)))
}

/// Text that is not TOML.
fn syntax_error(origin: &str, text: &str, e: &toml_edit::TomlError) -> ScenarioError {
    if is_too_deep(e.message()) {
        return too_deep(origin, text, e);
    }
    let span = e.span().unwrap_or_default();
    let mut message = format!("not valid TOML: {}", one_line(e.message()));
    let found = text.get(span.clone()).unwrap_or_default().trim();
    if message.ends_with("duplicate key") && !found.is_empty() {
        message = format!("{message} `{found}`: a key can be set only once in a table");
    } else if !found.is_empty() && found.len() <= 40 && !found.contains('\n') {
        message = format!("{message} (at `{found}`)");
    }
    let offset = span.start;
    ScenarioError::at(origin, text, offset, String::new(), message)
}

/// The TOML parser's words for nesting beyond its recursion limit.
fn is_too_deep(message: &str) -> bool {
    message.contains("recursion limit") || message.contains("max recursion depth")
}

/// Tables, arrays or dotted keys nested beyond the parser's limit. For dotted keys the parser
/// gives no position: the error points at the line whose key has the most dots, and names it.
fn too_deep(origin: &str, text: &str, e: &toml_edit::TomlError) -> ScenarioError {
    let advice = "no key of the format is nested more than 4 levels (like \
                  `links[0].poll.outages[1].from`); is the file generated by a script gone wrong?";
    if let Some(span) = e.span().filter(|span| span.start > 0) {
        return ScenarioError::at(
            origin,
            text,
            span.start,
            String::new(),
            format!("arrays or inline tables nested too deeply: {advice}"),
        );
    }
    let deepest = deepest_key(text);
    let (offset, key, depth) = deepest.unwrap_or((0, String::new(), 0));
    ScenarioError::at(
        origin,
        text,
        offset,
        key,
        format!("a key nested {depth} levels deep, beyond the parser's limit: {advice}"),
    )
}

/// The line whose key (before `=`, or a `[table]` header) has the most dots: its offset, the
/// key (cut after 60 characters) and its depth.
fn deepest_key(text: &str) -> Option<(usize, String, usize)> {
    let mut offset = 0;
    let mut deepest: Option<(usize, String, usize)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let key = if trimmed.starts_with('[') {
            trimmed.trim_start_matches('[').split(']').next()
        } else {
            trimmed.split_once('=').map(|(key, _)| key)
        };
        if let Some(key) = key.map(str::trim) {
            let depth = key.matches('.').count() + 1;
            if deepest.as_ref().is_none_or(|d| depth > d.2) {
                let shown: String = key.chars().take(60).collect();
                let shown = if shown.len() < key.len() {
                    format!("{shown}…")
                } else {
                    shown
                };
                let at = offset + (line.len() - trimmed.len());
                deepest = Some((at, shown, depth));
            }
        }
        offset += line.len();
    }
    deepest
}

/// TOML whose keys or value types do not fit the format.
fn shape_error(origin: &str, doc: &Document<String>, e: &toml::de::Error) -> ScenarioError {
    let offset = e.span().map_or(0, |s| s.start);
    let path = path_at(doc, offset);
    let mut message = plain_words(&one_line(e.message()));
    if let Some(hint) = hint(&path, &message) {
        message = format!("{message}; {hint}");
    }
    ScenarioError::at(origin, doc.raw(), offset, path.to_string(), message)
}

/// A value that breaks a rule of the model.
fn semantic_error(origin: &str, doc: &Document<String>, invalid: Invalid) -> ScenarioError {
    let offset = offset_of(doc, &invalid.path);
    ScenarioError::at(
        origin,
        doc.raw(),
        offset,
        invalid.path.to_string(),
        invalid.message,
    )
}

/// Advice for mistakes that the TOML grammar makes easy.
fn hint(path: &KeyPath, message: &str) -> Option<&'static str> {
    let in_peak =
        matches!(path.segments().first(), Some(super::path::Segment::Key(k)) if k == "peaks");
    let unknown = message.starts_with("unknown key");
    (in_peak && unknown && path.last_key() == Some("hourly_profile")).then_some(
        "hourly_profile belongs at the top level (before the first [table]) or in a channel; \
         in TOML a key written after [[peaks]] belongs to that peak",
    )
}

fn one_line(message: &str) -> String {
    message
        .trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Serde's words for the format's: "unknown field" is an unknown key, `i64` a whole number, and
/// "invalid type: X, expected Y" reads "expected Y, found X".
fn plain_words(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let rest = rest.replacen(", expected", "; expected", 1);
        return format!("unknown key {}", rest.replace(", there are no fields", ""));
    }
    let mut message = message
        .replace("expected i64", "expected a whole number")
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected an array")
        .replace("expected a map", "expected a table");
    while let Some(start) = message.find("struct Raw") {
        let name = start + "struct ".len();
        let end = message[name..]
            .find(|c: char| !c.is_alphanumeric())
            .map_or(message.len(), |e| name + e);
        message.replace_range(start..end, "a table");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!("expected {expected}, found {}", found_words(found));
    }
    message
}

/// Serde's description of a found value (`floating point \`2.5\``) as the format's.
fn found_words(found: &str) -> String {
    let value = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .map(|v| v.trim_matches('`').to_owned())
    };
    if let Some(n) = value("integer ").or_else(|| value("floating point ")) {
        format!("the number {n}")
    } else if let Some(b) = value("boolean ") {
        format!("the boolean {b}")
    } else if let Some(text) = found.strip_prefix("string ") {
        format!("the string {text}")
    } else {
        match found {
            "sequence" => "an array".to_owned(),
            "map" => "a table".to_owned(),
            other => other.to_owned(),
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the error tests of every scenario module: edit the reference, load, compare.

    use super::*;

    /// The reference scenario with each `(old, new)` replaced; `old` must occur exactly once.
    pub(crate) fn edited(edits: &[(&str, &str)]) -> String {
        let mut text = BUILTIN_REFERENCE.to_owned();
        for (old, new) in edits {
            assert_eq!(text.matches(old).count(), 1, "`{old}` must occur once");
            text = text.replacen(old, new, 1);
        }
        text
    }

    /// The 1-based line of the first occurrence of `needle` in `text`.
    pub(crate) fn line_of(text: &str, needle: &str) -> usize {
        let at = text
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not in the text"));
        text[..at].matches('\n').count() + 1
    }

    /// Loads the reference with `edits` and checks the error: its key, the line holding
    /// `at_line` (in the edited text) and a part of its message.
    pub(crate) fn assert_error(edits: &[(&str, &str)], key: &str, at_line: &str, says: &str) {
        let text = edited(edits);
        let e = load_str("s.toml", &text).expect_err("the edited scenario must fail");
        let shown = e.to_string();
        assert_eq!(e.key, key, "{shown}");
        assert_eq!(e.line, line_of(&text, at_line), "{shown}");
        assert!(e.column >= 1, "{shown}");
        assert!(e.message.contains(says), "`{says}` not in: {shown}");
        let prefix = format!("s.toml:{}:{}: {key}: ", e.line, e.column);
        assert!(shown.starts_with(&prefix), "{shown}");
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::dist::Dist;
    use crate::scenario::model::{Carries, Transport, Window};

    #[test]
    fn the_reference_loads() {
        let s = load_str("reference.toml", BUILTIN_REFERENCE).unwrap();
        let names: Vec<&str> = s.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["erp", "shopify", "amazon", "walmart"]);
        assert_eq!(s.record, Some(0));
        assert_eq!(s.horizon, 86_400.0);
        assert_eq!(s.channels.len(), 4);
        assert_eq!(s.channels[3].name, "pos");
        assert_eq!(s.channels[3].node, 0);
        assert_eq!(s.channels[0].orders_per_hour, 40.0 / 24.0);
        assert_eq!(s.links.len(), 6);
        let amazon_feed = &s.links[0];
        assert_eq!(amazon_feed.name, "amazon-feed");
        assert_eq!((amazon_feed.from, amazon_feed.to), (1, 2));
        assert!(matches!(
            amazon_feed.transport,
            Transport::Poll {
                every: 900.0,
                phase: None,
                latency: Dist::Uniform(60.0, 300.0),
                ..
            }
        ));
        assert_eq!(
            s.links[1].outages,
            [Window {
                from: 21_600.0,
                to: 32_400.0
            }]
        );
        let erp_to_shopify = &s.links[5];
        assert!(erp_to_shopify.ordered);
        assert_eq!(erp_to_shopify.carries, Carries::Levels);
        assert!(matches!(
            erp_to_shopify.transport,
            Transport::Poll {
                phase: Some(600.0),
                ..
            }
        ));
        assert_eq!(s.stock.receipts[0].at, 30.0 * 3600.0);
        assert_eq!(s.peaks[0].channels, Some(vec![0, 1]));
        assert_eq!(s.scheduled_orders[0].channel, 3);
        assert_eq!(
            s.reconcile.map(|r| (r.first, r.every)),
            Some((82_800.0, 86_400.0))
        );
        assert_eq!((s.monte_carlo.trials, s.monte_carlo.seed), (10_000, 2026));
    }

    #[test]
    fn an_unknown_key_is_named_with_its_path() {
        assert_error(
            &[("buffer = 2", "bufer = 2")],
            "channels.amazon.bufer",
            "bufer = 2",
            "unknown key `bufer`; expected one of",
        );
    }

    #[test]
    fn an_hourly_profile_after_peaks_gets_a_hint() {
        let uncommented = "hourly_profile = [0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3, 1.3,\n   \
                           1.3, 1.3, 1.3, 1.3, 1.4, 1.5, 1.6, 1.6, 1.5, 1.2, 0.8, 0.4]";
        let commented = "# hourly_profile = [0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3, 1.3,\n\
                         #                   1.3, 1.3, 1.3, 1.3, 1.4, 1.5, 1.6, 1.6, 1.5, 1.2, 0.8, 0.4]";
        assert_error(
            &[(commented, uncommented)],
            "peaks[0].hourly_profile",
            "hourly_profile = [0.2",
            "hourly_profile belongs at the top level (before the first [table]) or in a channel",
        );
    }

    #[test]
    fn a_wrong_type_says_what_was_expected_and_found() {
        assert_error(
            &[("buffer = 2", "buffer = \"2\"")],
            "channels.amazon.buffer",
            "buffer = \"2\"",
            "expected a whole number, found the string \"2\"",
        );
        assert_error(
            &[("initial = 60", "initial = [60]")],
            "stock.initial",
            "initial = [60]",
            "expected a whole number, found an array",
        );
    }

    #[test]
    fn a_toml_syntax_error_points_at_the_line() {
        let text = edited(&[("[reconcile]", "[reconcile")]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.line, line_of(&text, "[reconcile"));
        assert!(e.message.starts_with("not valid TOML"), "{e}");
        assert!(
            e.to_string().starts_with(&format!("s.toml:{}:", e.line)),
            "{e}"
        );
        let text = edited(&[("seed = 2026", "seed = 2026\nseed = 7")]);
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.line, line_of(&text, "seed = 7"));
        assert!(e.message.contains("duplicate key `seed`"), "{e}");
    }

    #[test]
    fn deep_nesting_names_the_line_and_key() {
        let dotted: String = (0..128).map(|i| format!(".b{i}")).collect();
        let text = format!("{BUILTIN_REFERENCE}\na{dotted} = 1\n");
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.line, line_of(&text, "a.b0.b1"), "{e}");
        assert!(
            e.key.starts_with("a.b0.b1.b2") && e.key.ends_with('…'),
            "{e}"
        );
        assert!(e.message.contains("a key nested 129 levels deep"), "{e}");
        let text = format!(
            "x = {}1{}\n{BUILTIN_REFERENCE}",
            "{a = ".repeat(130),
            "}".repeat(130)
        );
        let e = load_str("s.toml", &text).unwrap_err();
        assert_eq!(e.line, 1, "{e}");
        assert!(
            e.message
                .starts_with("arrays or inline tables nested too deeply"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_file_is_an_error_without_a_line() {
        let path = Path::new("/nonexistent/oversell/missing.toml");
        let e = load_file(path).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (0, ""));
        assert!(
            e.to_string()
                .starts_with("/nonexistent/oversell/missing.toml: cannot read"),
            "{e}"
        );
    }

    #[test]
    fn a_file_larger_than_the_cap_is_refused_without_reading_it_all() {
        let started = std::time::Instant::now();
        let e = load_file(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/dev/zero: the scenario is larger than 4 MiB, the most a scenario file may hold; \
             is this the right file?"
        );
        assert!(started.elapsed().as_secs_f64() < 5.0);
        let padded = format!("{}\n{}", "#".repeat(MAX_SCENARIO_BYTES), BUILTIN_REFERENCE);
        let e = load_str("big.toml", &padded).unwrap_err();
        assert!(e.message.contains("larger than 4 MiB"), "{e}");
    }

    #[test]
    fn a_file_on_disk_loads_with_its_name_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, edited(&[("horizon = \"24h\"", "horizon = \"0s\"")])).unwrap();
        let e = load_file(&path).unwrap_err();
        assert_eq!(e.file, path.display().to_string());
        assert_eq!((e.key.as_str(), e.line), ("horizon", 8));
    }

    #[test]
    fn serde_words_become_the_format_s_words() {
        assert_eq!(
            plain_words("invalid type: integer `5`, expected struct RawStock"),
            "expected a table, found the number 5"
        );
        assert_eq!(
            plain_words("unknown field `x`, expected `trials` or `seed`"),
            "unknown key `x`; expected `trials` or `seed`"
        );
    }
}
