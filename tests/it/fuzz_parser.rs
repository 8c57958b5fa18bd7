//! Hostile input: the scenario loader never panics. Arbitrary text, arbitrary bytes read lossily,
//! TOML-shaped token soup and mutations of every file in `scenarios/` either load or fail with a
//! `ScenarioError` that names the file (and, when it is about a place, a line of the text).

use std::sync::LazyLock;

use oversell::scenario::{ScenarioError, load_str};
use oversell::sim::Plan;
use proptest::prelude::*;
use proptest::sample::{Index, select};

const ORIGIN: &str = "fuzz.toml";

/// Loads `text` and checks the outcome: a loaded scenario can be planned; an error names the
/// origin first and points inside the text.
fn check(text: &str) -> Result<(), TestCaseError> {
    match load_str(ORIGIN, text) {
        Ok(scenario) => {
            // The limits promise that a loaded scenario plans in bounded time and memory.
            let plan = Plan::new(scenario);
            prop_assert_eq!(plan.segments.len(), plan.scenario.channels.len());
        }
        Err(e) => check_error(&e, text)?,
    }
    Ok(())
}

fn check_error(e: &ScenarioError, text: &str) -> Result<(), TestCaseError> {
    let shown = e.to_string();
    prop_assert!(
        shown.starts_with(&format!("{ORIGIN}:")),
        "the error does not start with the file name: {shown}"
    );
    prop_assert!(!e.message.trim().is_empty(), "empty message: {shown}");
    let lines = text.split('\n').count();
    prop_assert!(e.line <= lines, "line {} of {lines}: {shown}", e.line);
    prop_assert!((e.line == 0) == (e.column == 0), "{shown}");
    Ok(())
}

/// The example scenarios, as (file name, text).
static SCENARIOS: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable scenario");
            (path.display().to_string(), text)
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "expected the example scenarios in {}",
        dir.display()
    );
    files
});

/// Numbers a hostile or careless file might hold, written where a number (also inside a
/// duration or a distribution string) was.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "-1.5",
    "0.0000001",
    "1e-320",
    "1e15",
    "1e300",
    "1e309",
    "-1e309",
    "nan",
    "+nan",
    "inf",
    "-inf",
    "4294967295",
    "4294967296",
    "1000000000",
    "1_000_000_000_000_000",
    "1000000000000001",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999",
    "0x7fffffffffffffff",
    "1.7976931348623157e308",
];

/// Values a quoted string might be replaced with: hostile durations, distributions, names.
const STRINGS: &[&str] = &[
    "",
    " ",
    "0",
    "0s",
    "1ns",
    "-5m",
    "10000y",
    "11y",
    "584942417355y",
    "18446744073709551615s",
    "18446744073709551616s",
    "1h 1h 1h",
    "nan",
    "inf s",
    "uniform(1s)",
    "uniform(",
    "uniform(5s, 1s)",
    "uniform(0s, 18446744073709551615s)",
    "exp(-1s)",
    "exp(0s)",
    "normal(18446744073709551615s, 18446744073709551615s)",
    "lognormal(0s, 1s)",
    "lognormal(1ns, 18446744073709551615s)",
    "lognormal(0.000000001, 1e300)",
    "geometric(0)",
    "geometric(nan)",
    "geometric(inf)",
    "geometric(1e308)",
    "uniform(4294967295, 4294967296)",
    "uniform(0, 0)",
    "uniform(1e308, 1e308)",
    "((((((",
    "a(b(c))",
    "\u{0}",
    "é",
    "erp",
    "shopify",
    "levels",
    "orders",
];

/// Lines a careless edit might add.
const LINES: &[&str] = &[
    "[stock]",
    "[nodes.erp]",
    "[[links]]",
    "[[peaks]]",
    "[reconcile]",
    "[channels.x]",
    "[channels.\"a.b\"]",
    "record = true",
    "node = \"nowhere\"",
    "from = \"erp\"",
    "to = \"erp\"",
    "qty = 0",
    "horizon = \"100y\"",
    "orders_per_hour = 1e12",
    "initial = -9223372036854775808",
    "every = \"1ns\"",
    "hourly_profile = [1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, \
     1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, \
     1e308]",
    "multiplier = 1e308",
    "=",
    "\"",
    "'''",
    "\"\"\"",
    "[",
    "[[",
    "a = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
];

/// One edit of a file's text. Positions are taken modulo the number of lines, characters or
/// matches.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    InsertLine(usize, &'static str),
    FlipChar(usize, char),
    ReplaceNumber(usize, &'static str),
    ReplaceString(usize, &'static str),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let ascii = prop_oneof![
        select(
            &[
                '=', '[', ']', '{', '}', '"', '\'', ',', '.', '#', '\n', '\\', '-', '0', ' '
            ][..]
        ),
        any::<char>(),
    ];
    let at = any::<usize>;
    prop_oneof![
        1 => at().prop_map(Mutation::DeleteLine),
        1 => at().prop_map(Mutation::DuplicateLine),
        1 => (at(), at()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (at(), select(LINES)).prop_map(|(i, l)| Mutation::InsertLine(i, l)),
        1 => (at(), ascii).prop_map(|(i, c)| Mutation::FlipChar(i, c)),
        3 => (at(), select(NUMBERS)).prop_map(|(i, n)| Mutation::ReplaceNumber(i, n)),
        3 => (at(), select(STRINGS)).prop_map(|(i, s)| Mutation::ReplaceString(i, s)),
        1 => at().prop_map(Mutation::Truncate),
    ]
}

impl Mutation {
    fn apply(&self, text: &str) -> String {
        let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
        let n = lines.len();
        match *self {
            Mutation::DeleteLine(i) => {
                lines.remove(i % n);
            }
            Mutation::DuplicateLine(i) => lines.insert(i % n, lines[i % n].clone()),
            Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
            Mutation::InsertLine(i, line) => lines.insert(i % (n + 1), line.to_owned()),
            Mutation::FlipChar(i, c) => {
                let mut chars: Vec<char> = text.chars().collect();
                if chars.is_empty() {
                    return c.to_string();
                }
                let at = i % chars.len();
                chars[at] = c;
                return chars.into_iter().collect();
            }
            Mutation::ReplaceNumber(i, number) => {
                return replace_nth(text, &numbers(text), i, number);
            }
            Mutation::ReplaceString(i, value) => {
                return replace_nth(text, &strings(text), i, value);
            }
            Mutation::Truncate(i) => {
                let mut at = i % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                return text[..at].to_owned();
            }
        }
        lines.join("\n")
    }
}

/// Byte ranges of the numbers in `text`: a digit, then digits, `.` and `_`.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut open: Option<usize> = None;
    for (at, c) in text.char_indices() {
        if let Some(from) = open {
            if c.is_ascii_digit() || c == '.' || c == '_' {
                continue;
            }
            found.push((from, at));
            open = None;
        }
        if c.is_ascii_digit() {
            open = Some(at);
        }
    }
    if let Some(from) = open {
        found.push((from, text.len()));
    }
    found
}

/// Byte ranges of the contents of basic strings (`"..."`) on single lines.
fn strings(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let quotes: Vec<usize> = line.match_indices('"').map(|(i, _)| offset + i).collect();
        for pair in quotes.chunks_exact(2) {
            found.push((pair[0] + 1, pair[1]));
        }
        offset += line.len();
    }
    found
}

/// `text` with the `i`-th of `ranges` replaced by `with` (unchanged when there is none).
fn replace_nth(text: &str, ranges: &[(usize, usize)], i: usize, with: &str) -> String {
    if ranges.is_empty() {
        return text.to_owned();
    }
    let (from, to) = ranges[i % ranges.len()];
    format!("{}{with}{}", &text[..from], &text[to..])
}

#[test]
fn the_mutations_do_what_they_say() {
    let text = "a = 12\nb = \"15m\"\nc = 3.5";
    assert_eq!(numbers(text), [(4, 6), (12, 14), (21, 24)]);
    assert_eq!(
        Mutation::ReplaceNumber(4, "nan").apply(text),
        "a = 12\nb = \"nanm\"\nc = 3.5"
    );
    assert_eq!(
        Mutation::ReplaceString(0, "1ns").apply(text),
        "a = 12\nb = \"1ns\"\nc = 3.5"
    );
    assert_eq!(
        Mutation::SwapLines(0, 2).apply(text),
        "c = 3.5\nb = \"15m\"\na = 12"
    );
    assert_eq!(
        Mutation::DuplicateLine(3).apply(text),
        "a = 12\na = 12\nb = \"15m\"\nc = 3.5"
    );
    assert_eq!(
        Mutation::FlipChar(0, 'x').apply(text),
        "x = 12\nb = \"15m\"\nc = 3.5"
    );
    assert_eq!(Mutation::Truncate(4).apply(text), "a = ");
}

/// Pieces of TOML and of the scenario format, for token soup that gets past the TOML parser.
const TOKENS: &[&str] = &[
    "\n",
    "\n",
    "\n",
    " ",
    "=",
    " = ",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    ".",
    "\"",
    "'",
    "#",
    "name",
    "\"x\"",
    "horizon",
    "\"24h\"",
    "\"1ns\"",
    "\"11y\"",
    "stock",
    "initial",
    "60",
    "-1",
    "1e309",
    "nan",
    "inf",
    "0",
    "4294967296",
    "9223372036854775807",
    "true",
    "[stock]",
    "[nodes.erp]",
    "[nodes.a]",
    "[channels.a]",
    "[channels.b]",
    "[[links]]",
    "[[peaks]]",
    "[[scheduled_orders]]",
    "[reconcile]",
    "[monte_carlo]",
    "record",
    "processing",
    "service",
    "\"exp(40s)\"",
    "servers",
    "background_per_hour",
    "node",
    "\"erp\"",
    "\"a\"",
    "\"b\"",
    "orders_per_hour",
    "orders_per_day",
    "qty",
    "\"geometric(1.2)\"",
    "\"uniform(0, 3)\"",
    "buffer",
    "list_percent",
    "out_of_stock_at",
    "max_listed",
    "penalty",
    "\"uniform(8, 15)\"",
    "cancel_rate_limit",
    "hourly_profile",
    "carries",
    "\"orders\"",
    "\"levels\"",
    "from",
    "to",
    "ordered",
    "outages",
    "webhook",
    "poll",
    "every",
    "\"15m\"",
    "phase",
    "latency",
    "drop",
    "retries",
    "[\"10s\"]",
    "at",
    "channel",
    "multiplier",
    "channels",
    "first",
    "receipts",
    "reorder",
    "point",
    "lead_time",
    "trials",
    "seed",
    "unit_margin",
    "currency",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(select(TOKENS), 0..120).prop_map(|tokens| tokens.concat())
}

/// Durations and distributions of durations built from huge, tiny and odd pieces, for the places
/// that read them (humantime, the distribution parser, the limits).
fn duration_text() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        select(
            &[
                "0",
                "1",
                "07",
                "59",
                "4294967296",
                "18446744073709551615",
                "18446744073709551616",
                "99999999999999999999999999",
                "1.5",
                "-1",
                ""
            ][..]
        )
        .prop_map(str::to_owned),
        any::<u64>().prop_map(|n| n.to_string()),
    ];
    let unit = select(
        &[
            "ns", "us", "ms", "s", "m", "h", "d", "w", "M", "y", "", " ", "x",
        ][..],
    );
    let plain = prop::collection::vec((number, unit), 1..4).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(n, u)| format!("{n}{u}"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let family = select(&["uniform", "exp", "normal", "lognormal", "gamma", ""][..]);
    prop_oneof![
        plain.clone(),
        (family, prop::collection::vec(plain, 0..4))
            .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
    ]
}

/// How many places [`with_duration`] can put a duration.
const DURATION_PLACES: usize = 6;

/// A small scenario with `duration` written at one of [`DURATION_PLACES`] places.
fn with_duration(place: usize, duration: &str) -> String {
    let d = duration.replace('\\', "\\\\").replace('"', "\\\"");
    let link = |carries: &str, transport: String| {
        format!(
            "{MINIMAL}[[links]]\ncarries = \"{carries}\"\nfrom = \"a\"\nto = \"b\"\n{transport}\n\
             [channels.b]\norders_per_hour = 1\n"
        )
    };
    match place {
        0 => format!("name = \"m\"\nhorizon = \"{d}\"\n[stock]\ninitial = 3\n"),
        1 => format!("{MINIMAL}[reconcile]\nevery = \"{d}\"\n"),
        2 => link(
            "levels",
            format!("poll = {{ every = \"{d}\", latency = \"{d}\" }}"),
        ),
        3 => format!("{MINIMAL}[nodes.a]\nprocessing = {{ service = \"{d}\" }}\n"),
        4 => format!("{MINIMAL}[[peaks]]\nfrom = \"{d}\"\nto = \"3650d\"\nmultiplier = 2\n"),
        _ => link(
            "orders",
            format!("webhook = {{ latency = \"{d}\", retries = [\"{d}\"] }}"),
        ),
    }
}

#[test]
fn every_duration_place_loads_with_a_sane_duration() {
    for place in 0..DURATION_PLACES {
        let text = with_duration(place, "15m");
        load_str(ORIGIN, &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(load_str(ORIGIN, &with_duration(place, "soon")).is_err());
    }
}

/// A minimal valid scenario, for soup appended to something that already loads.
const MINIMAL: &str = "name = \"m\"\nhorizon = \"1h\"\n[stock]\ninitial = 3\n[channels.a]\n\
                       orders_per_hour = 2\n";

/// `default` cases, or `PROPTEST_CASES` when set (for a longer hunt: `PROPTEST_CASES=100000`).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(3000), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn token_soup_never_panics(soup in token_soup(), after_valid in any::<bool>()) {
        let text = if after_valid { format!("{MINIMAL}{soup}") } else { soup };
        check(&text)?;
    }

    #[test]
    fn hostile_durations_never_panic(text in duration_text(), place in 0..DURATION_PLACES) {
        check(&with_duration(place, &text))?;
    }

    #[test]
    fn mutated_scenarios_never_panic(
        file in any::<Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let (_, original) = &SCENARIOS[file.index(SCENARIOS.len())];
        let text = mutations.iter().fold(original.clone(), |text, m| m.apply(&text));
        check(&text)?;
    }
}

#[test]
fn every_example_scenario_loads_unmutated() {
    for (name, text) in SCENARIOS.iter() {
        load_str(name, text).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for text in [
        "[".repeat(100_000),
        format!("a = {}", "[".repeat(100_000)),
        format!("a = {}1{}", "[".repeat(5_000), "]".repeat(5_000)),
        format!("a = {}1{}", "{b = ".repeat(5_000), "}".repeat(5_000)),
        format!("{}= 1", "a.".repeat(50_000)),
    ] {
        let e = load_str(ORIGIN, &text).expect_err("nonsense must not load");
        assert!(e.to_string().starts_with("fuzz.toml:"), "{e}");
    }
}
