//! `--vary PATH=VALUES`: a key of the scenario, or several moved together, and the values they
//! take in a sweep. PATH is one key, a pattern (`links.*-feed.poll.every`) or a comma-joined list
//! of either; every key it names is set to the same value at each point.

use serde::Serialize;

use super::edit::{KeyKind, KeyRef, ScenarioDoc};
use super::input::InputError;

/// The most values one `--vary` may take.
pub const MAX_VALUES: usize = 1_000;

/// One varied key (or several moved together) and its values, ascending and without repeats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vary {
    /// The argument as given (`links.amazon-feed.poll.every=1m,5m,15m`).
    #[serde(skip)]
    pub arg: String,
    /// The key path, pattern or list as given.
    pub path: String,
    /// Every key set, in scenario order (one for a plain path).
    pub keys: Vec<String>,
    /// What the keys hold.
    pub kind: KeyKind,
    /// The values, ascending; seconds for durations.
    pub values: Vec<f64>,
    /// The values as a user writes them (`15m`).
    pub labels: Vec<String>,
    /// Where the keys are.
    #[serde(skip)]
    pub refs: Vec<KeyRef>,
}

impl Vary {
    /// Parses `arg` (`PATH=VALUES`) against the scenario of `doc`. VALUES is a list
    /// (`1m,5m,15m`) or, for whole-number and numeric keys, an integer range (`0..=6`, `0..6`).
    pub fn parse(arg: &str, doc: &ScenarioDoc) -> Result<Vary, InputError> {
        let fail = |message: String| InputError::vary(arg, message);
        let Some((path, values)) = arg.split_once('=') else {
            return Err(fail(
                "expected PATH=VALUES, like links.amazon-feed.poll.every=1m,5m,15m or \
                 channels.amazon.buffer=0..=6"
                    .to_owned(),
            ));
        };
        let path = path.trim();
        let refs = resolve_keys(path, doc).map_err(fail)?;
        let kind = refs[0].kind;
        let mut parsed = parse_values(values.trim(), kind)
            .map_err(|e| fail(format!("{e}; `{path}` takes {}", kind.expected())))?;
        parsed.sort_by(f64::total_cmp);
        parsed.dedup();
        if parsed.len() > MAX_VALUES {
            return Err(fail(format!(
                "{} values is too many; at most {MAX_VALUES}",
                parsed.len()
            )));
        }
        Ok(Vary {
            arg: arg.to_owned(),
            path: path.to_owned(),
            keys: refs.iter().map(|k| k.path.clone()).collect(),
            kind,
            labels: parsed.iter().map(|v| kind.label(*v)).collect(),
            values: parsed,
            refs,
        })
    }

    /// Every key of this vary set to `value`.
    pub fn edits(&self, value: f64) -> Vec<(&KeyRef, f64)> {
        self.refs.iter().map(|key| (key, value)).collect()
    }

    /// Whether this vary and `other` set a key in common.
    pub fn overlaps(&self, other: &Vary) -> bool {
        self.refs
            .iter()
            .any(|a| other.refs.iter().any(|b| a.same_key(b)))
    }

    /// Value `v` as a user writes it.
    pub fn label(&self, v: f64) -> String {
        self.kind.label(v)
    }
}

/// The keys of `path`: patterns and plain keys, comma-joined, each key once, all of one kind.
fn resolve_keys(path: &str, doc: &ScenarioDoc) -> Result<Vec<KeyRef>, String> {
    let mut keys: Vec<KeyRef> = Vec::new();
    for pattern in split_keys(path) {
        if pattern.trim().is_empty() {
            return Err(format!("`{path}` has an empty key"));
        }
        for key in doc.resolve_pattern(pattern.trim())? {
            if !keys.iter().any(|k| k.same_key(&key)) {
                keys.push(key);
            }
        }
    }
    let first = &keys[0];
    if let Some(other) = keys.iter().find(|k| k.kind != first.kind) {
        return Err(format!(
            "`{path}` names keys that hold different things: `{}` takes {} and `{}` takes {}; \
             vary them with separate --vary flags",
            first.path,
            first.kind.expected(),
            other.path,
            other.kind.expected()
        ));
    }
    Ok(keys)
}

/// `a,b."c,d"` as `["a", "b.\"c,d\""]`: commas inside quotes belong to a name.
fn split_keys(path: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in path.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&path[start..]);
    parts
}

/// A list or an integer range of values of `kind`.
fn parse_values(text: &str, kind: KeyKind) -> Result<Vec<f64>, String> {
    if text.is_empty() {
        return Err("no values after `=`".to_owned());
    }
    if let Some((start, end, inclusive)) = split_range(text) {
        match kind {
            KeyKind::Duration => {
                return Err(format!(
                    "`{text}` is a range of whole numbers; list durations instead, like 1m,5m,15m"
                ));
            }
            KeyKind::Probability => {
                return Err(format!(
                    "`{text}` is a range of whole numbers; list probabilities instead, like \
                     1%,2%,5%"
                ));
            }
            KeyKind::Integer | KeyKind::Number => {}
        }
        let bound = |b: &str| {
            b.trim().parse::<i64>().map_err(|_| {
                format!(
                    "`{}` is not a whole number (a range is of whole numbers)",
                    b.trim()
                )
            })
        };
        let (start, end) = (bound(start)?, bound(end)?);
        let last = if inclusive {
            Some(end)
        } else {
            end.checked_sub(1)
        };
        let Some(last) = last.filter(|&last| last >= start) else {
            return Err(format!("the range `{text}` is empty"));
        };
        if last.abs_diff(start) >= MAX_VALUES as u64 {
            return Err(format!(
                "the range `{text}` has too many values; at most {MAX_VALUES}"
            ));
        }
        return Ok((start..=last).map(|n| n as f64).collect());
    }
    text.split(',')
        .map(|item| {
            if item.trim().is_empty() {
                Err(format!("`{text}` has an empty value"))
            } else {
                kind.parse(item)
            }
        })
        .collect()
}

/// `a..=b` as `(a, b, true)`, `a..b` as `(a, b, false)`.
fn split_range(text: &str) -> Option<(&str, &str, bool)> {
    if let Some((a, b)) = text.split_once("..=") {
        return Some((a, b, true));
    }
    text.split_once("..").map(|(a, b)| (a, b, false))
}

/// The number of grid points of `varies`, refused when over `max` before anything is allocated:
/// the counts are multiplied first, saturating.
pub fn grid_size(varies: &[Vary], max: usize) -> Result<usize, InputError> {
    let size = varies
        .iter()
        .fold(1usize, |n, vary| n.saturating_mul(vary.values.len()));
    if size <= max {
        return Ok(size);
    }
    let counts: Vec<String> = varies.iter().map(|v| v.values.len().to_string()).collect();
    let product = if size == usize::MAX {
        "more than 10^19".to_owned()
    } else {
        size.to_string()
    };
    Err(InputError::flag(
        "--vary",
        format!(
            "{} values make {product} grid points, too many; at most {max}: vary fewer keys \
             or take fewer values",
            counts.join(" x ")
        ),
    ))
}

/// Every combination of the values of `varies`, the first varying slowest, as indices into each
/// one's values. Check the size with [`grid_size`] first.
pub fn grid(varies: &[Vary]) -> Vec<Vec<usize>> {
    let mut points = vec![Vec::new()];
    for vary in varies {
        points = points
            .into_iter()
            .flat_map(|point| {
                (0..vary.values.len()).map(move |i| {
                    let mut next = point.clone();
                    next.push(i);
                    next
                })
            })
            .collect();
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{BUILTIN_REFERENCE, load_str};

    fn doc() -> ScenarioDoc {
        let scenario = load_str("reference.toml", BUILTIN_REFERENCE).unwrap();
        ScenarioDoc::new("reference.toml", BUILTIN_REFERENCE, scenario).unwrap()
    }

    #[test]
    fn lists_are_sorted_and_ranges_expanded() {
        let v = Vary::parse("links.amazon-feed.poll.every=1h,1m,15m,1m", &doc()).unwrap();
        assert_eq!(v.values, [60.0, 900.0, 3600.0]);
        assert_eq!(v.labels, ["1m", "15m", "1h"]);
        let v = Vary::parse("channels.amazon.buffer=0..=3", &doc()).unwrap();
        assert_eq!(v.values, [0.0, 1.0, 2.0, 3.0]);
        let v = Vary::parse("channels.amazon.buffer=0..3", &doc()).unwrap();
        assert_eq!(v.values, [0.0, 1.0, 2.0]);
        let v = Vary::parse("channels.shopify.orders_per_day=10,20.5", &doc()).unwrap();
        assert_eq!(v.labels, ["10", "20.5"]);
    }

    #[test]
    fn errors_name_the_fault() {
        let e = |arg: &str| Vary::parse(arg, &doc()).unwrap_err().to_string();
        assert!(e("stock.initial").contains("expected PATH=VALUES"));
        let m = e("channels.amazon.buffer=1,1.5");
        assert!(
            m.starts_with("--vary channels.amazon.buffer=1,1.5: `1.5` is not a whole number"),
            "{m}"
        );
        assert!(m.ends_with("takes whole numbers"), "{m}");
        let m = e("links.amazon-feed.poll.every=0..=6");
        assert!(m.contains("list durations instead"), "{m}");
        let m = e("links.amazon-feed.poll.every=15");
        assert!(m.contains("`15` has no unit"), "{m}");
        let m = e("links.amazon-feed.poll.every=5m,15M");
        assert!(m.contains("`15M` counts in months (`M`)"), "{m}");
        assert!(e("channels.amazon.buffer=5..=2").contains("is empty"));
        assert!(e("channels.amazon.buffer=").contains("no values"));
    }

    #[test]
    fn several_keys_move_together() {
        let d = doc();
        let v = Vary::parse("links.*-feed.poll.every=5m,10m", &d).unwrap();
        assert_eq!(
            v.keys,
            [
                "links.amazon-feed.poll.every",
                "links.walmart-feed.poll.every"
            ]
        );
        assert_eq!(v.path, "links.*-feed.poll.every");
        let s = d.load(&v.edits(300.0)).unwrap();
        let every: Vec<Option<f64>> = s
            .links
            .iter()
            .map(|l| match l.transport {
                crate::scenario::Transport::Poll { every, .. } => Some(every),
                _ => None,
            })
            .collect();
        assert_eq!(every[..2], [Some(300.0), Some(300.0)]);
        // A list, with a key named twice (by name and by index) set once.
        let v = Vary::parse(
            "channels.amazon.buffer, channels.walmart.buffer,channels.amazon.buffer=0..=2",
            &d,
        )
        .unwrap();
        assert_eq!(
            v.keys,
            ["channels.amazon.buffer", "channels.walmart.buffer"]
        );
        let w = Vary::parse("links[0].poll.every,links.amazon-feed.poll.every=5m", &d).unwrap();
        assert_eq!(w.refs.len(), 1);
        let e = |arg: &str| Vary::parse(arg, &d).unwrap_err().to_string();
        let m = e("channels.amazon.*=1,2");
        assert!(m.contains("names keys that hold different things"), "{m}");
        let m = e("links.*-fed.poll.every=5m");
        assert!(
            m.starts_with(
                "--vary links.*-fed.poll.every=5m: `links.*-fed.poll.every` matches no key"
            ),
            "{m}"
        );
        assert!(m.contains("`links.amazon-feed.poll.every`"), "{m}");
        assert!(e("channels.amazon.buffer,=1").contains("has an empty key"));
    }

    #[test]
    fn a_grid_too_large_is_refused_before_it_is_built() {
        let d = doc();
        let keys = [
            "channels.amazon.buffer",
            "channels.walmart.buffer",
            "channels.shopify.buffer",
        ];
        let varies: Vec<Vary> = keys
            .iter()
            .map(|k| Vary::parse(&format!("{k}=0..1000"), &d).unwrap())
            .collect();
        let e = grid_size(&varies, 10_000).unwrap_err().to_string();
        assert_eq!(
            e,
            "--vary: 1000 x 1000 x 1000 values make 1000000000 grid points, too many; at most \
             10000: vary fewer keys or take fewer values"
        );
        let many = vec![varies[0].clone(); 12];
        let e = grid_size(&many, 10_000).unwrap_err().to_string();
        assert!(e.contains("more than 10^19 grid points"), "{e}");
        assert_eq!(grid_size(&varies[..1], 10_000), Ok(1000));
    }

    #[test]
    fn huge_range_bounds_are_refused_without_overflow() {
        let e = |arg: &str| Vary::parse(arg, &doc()).unwrap_err().to_string();
        let m = e("channels.amazon.buffer=-9223372036854775808..9223372036854775807");
        assert!(m.contains("too many values"), "{m}");
        let m = e("channels.amazon.buffer=0..-9223372036854775808");
        assert!(m.contains("is empty"), "{m}");
        let m = e("channels.amazon.buffer=0..99999999999999999999");
        assert!(m.contains("is not a whole number"), "{m}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
        ))]

        /// Any argument gives a `Vary` or a message naming it, never a panic.
        #[test]
        fn the_parser_never_panics(arg in vary_arg()) {
            let d = doc();
            match Vary::parse(&arg, &d) {
                Ok(vary) => {
                    proptest::prop_assert!(!vary.values.is_empty());
                    proptest::prop_assert!(vary.values.len() <= MAX_VALUES);
                    proptest::prop_assert!(vary.values.windows(2).all(|w| w[0] < w[1]));
                    proptest::prop_assert!(grid_size(&[vary], MAX_VALUES).is_ok());
                }
                Err(e) => {
                    let message = e.to_string();
                    let prefix = format!("--vary {arg}: ");
                    proptest::prop_assert!(message.starts_with(&prefix), "{}", message);
                    proptest::prop_assert!(message.len() > prefix.len());
                }
            }
        }
    }

    /// Arguments near the valid ones (real keys, globs, ranges, lists, odd numbers) and noise.
    fn vary_arg() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("channels.amazon.buffer".to_owned()),
            Just("links.amazon-feed.poll.every".to_owned()),
            Just("links.*-feed.poll.every".to_owned()),
            Just("channels.*.buffer".to_owned()),
            Just("channels.amazon.cancel_rate_limit".to_owned()),
            Just("peaks[0].multiplier".to_owned()),
            Just("channels.amazon.buffer,channels.walmart.buffer".to_owned()),
            "[a-z*.\\[\\]0-9\"-]{0,24}",
        ];
        let value = prop_oneof![
            "-?[0-9]{1,20}",
            "[0-9]{1,3}(\\.[0-9]{1,3})?(s|m|h|d|M|y|%|ms|min| minutes)?",
            "[0-9a-zA-Z.%-]{0,8}",
            any::<i64>().prop_map(|n| n.to_string()),
        ];
        let values = prop_oneof![
            proptest::collection::vec(value.clone(), 0..6).prop_map(|v| v.join(",")),
            (value.clone(), prop_oneof![Just(".."), Just("..=")], value)
                .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
        ];
        prop_oneof![
            4 => (key, values).prop_map(|(k, v)| format!("{k}={v}")),
            1 => any::<String>(),
        ]
    }

    #[test]
    fn the_grid_varies_the_first_slowest() {
        let d = doc();
        let a = Vary::parse("channels.amazon.buffer=0..=1", &d).unwrap();
        let b = Vary::parse("channels.walmart.buffer=0..=2", &d).unwrap();
        assert_eq!(
            grid(&[a, b]),
            [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]
        );
    }
}
