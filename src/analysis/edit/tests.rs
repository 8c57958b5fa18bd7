use super::*;
use crate::scenario::{BUILTIN_REFERENCE, Transport};

fn reference() -> ScenarioDoc {
    let scenario = load_str("reference.toml", BUILTIN_REFERENCE).unwrap();
    ScenarioDoc::new("reference.toml", BUILTIN_REFERENCE, scenario).unwrap()
}

#[test]
fn paths_split_on_dots_brackets_and_quotes() {
    assert_eq!(
        split_path("links[0].poll.every").unwrap(),
        ["links", "0", "poll", "every"]
    );
    assert_eq!(
        split_path("channels.\"amazon.com\".buffer").unwrap(),
        ["channels", "amazon.com", "buffer"]
    );
    assert!(split_path("stock..initial").is_err());
    assert!(split_path("").is_err());
}

#[test]
fn a_link_is_found_by_name_and_its_poll_interval_set() {
    let doc = reference();
    let key = doc.resolve("links.walmart-feed.poll.every").unwrap();
    assert_eq!(key.kind, KeyKind::Duration);
    let s = doc.load(&[(&key, 300.0)]).unwrap();
    assert!(matches!(
        s.links[1].transport,
        Transport::Poll { every: 300.0, .. }
    ));
    // Nothing else changed.
    assert_eq!(s.links[0], doc.scenario.links[0]);
}

#[test]
fn integer_and_number_keys_keep_their_type() {
    let doc = reference();
    let buffer = doc.resolve("channels.amazon.buffer").unwrap();
    let rate = doc.resolve("channels.shopify.orders_per_hour").unwrap();
    assert_eq!(
        (buffer.kind, rate.kind),
        (KeyKind::Integer, KeyKind::Number)
    );
    let s = doc.load(&[(&buffer, 5.0), (&rate, 3.5)]).unwrap();
    assert_eq!(s.channels[1].buffer, 5);
    // orders_per_hour replaced orders_per_day.
    assert_eq!(s.channels[0].orders_per_hour, 3.5);
}

#[test]
fn a_missing_key_is_added_and_an_implicit_node_gets_a_table() {
    let doc = reference();
    let walmart_buffer = doc.resolve("channels.walmart.max_listed").unwrap();
    let s = doc.load(&[(&walmart_buffer, 7.0)]).unwrap();
    assert_eq!(s.channels[2].max_listed, Some(7));
    let limit = doc.resolve("nodes.shopify.api_limit_per_hour").unwrap();
    let s = doc.load(&[(&limit, 100.0)]).unwrap();
    assert_eq!(s.nodes[1].api_limit_per_hour, Some(100.0));
}

#[test]
fn unknown_names_and_keys_are_named() {
    let doc = reference();
    let e = doc.resolve("channels.ebay.buffer").unwrap_err();
    assert!(e.contains("no channel is called `ebay`"), "{e}");
    assert!(e.contains("`shopify`, `amazon`, `walmart`, `pos`"), "{e}");
    let e = doc.resolve("links.nope.poll.every").unwrap_err();
    assert!(e.contains("no link is called `nope`"), "{e}");
    let e = doc.resolve("channels.amazon.bufer").unwrap_err();
    assert!(e.contains("not a numeric or duration key"), "{e}");
    assert!(
        e.contains("the closest are `channels.amazon.buffer`"),
        "{e}"
    );
    let e = doc.resolve("links.orders-to-erp.poll.every").unwrap_err();
    assert!(e.contains("that link uses a webhook"), "{e}");
    let e = doc.resolve("peaks[3].multiplier").unwrap_err();
    assert!(e.contains("`peaks` has 1 element(s)"), "{e}");
}

#[test]
fn every_key_is_listed_with_names_filled_in() {
    let doc = reference();
    let paths: Vec<String> = doc.keys().into_iter().map(|k| k.path).collect();
    for path in [
        "horizon",
        "channels.amazon.buffer",
        "links.amazon-feed.poll.every",
        "links.orders-to-erp.webhook.latency",
        "peaks[0].multiplier",
        "nodes.erp.processing.servers",
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} not in {paths:?}");
    }
    // A webhook link has no poll interval to set.
    assert!(!paths.iter().any(|p| p == "links.orders-to-erp.poll.every"));
}

#[test]
fn a_pattern_names_every_matching_key() {
    let doc = reference();
    let paths = |pattern: &str| -> Vec<String> {
        doc.resolve_pattern(pattern)
            .unwrap()
            .into_iter()
            .map(|k| k.path)
            .collect()
    };
    assert_eq!(
        paths("links.*-feed.poll.every"),
        [
            "links.amazon-feed.poll.every",
            "links.walmart-feed.poll.every"
        ]
    );
    assert_eq!(paths("channels.*.buffer").len(), 4);
    assert_eq!(paths("channels.?mazon.buffer"), ["channels.amazon.buffer"]);
    assert_eq!(paths("peaks[*].multiplier"), ["peaks[0].multiplier"]);
    let e = doc.resolve_pattern("links.*-fed.poll.every").unwrap_err();
    assert!(
        e.starts_with(
            "`links.*-fed.poll.every` matches no key of the scenario; the closest \
             are `links.amazon-feed.poll.every`"
        ),
        "{e}"
    );
    assert!(glob("a*b?", "axxbc") && !glob("a*b", "ab.c") && glob("*", ""));
}

#[test]
fn a_refused_value_gives_the_scenario_s_message() {
    let doc = reference();
    let every = doc.resolve("links.amazon-feed.poll.every").unwrap();
    let e = doc.load(&[(&every, 0.0)]).unwrap_err().to_string();
    assert!(
        e.starts_with("links[0].poll.every: a zero poll interval"),
        "{e}"
    );
}

#[test]
fn values_are_read_and_shown_as_written() {
    assert_eq!(KeyKind::Duration.parse("15m"), Ok(900.0));
    assert!(
        KeyKind::Duration
            .parse("15")
            .unwrap_err()
            .contains("no unit")
    );
    assert_eq!(KeyKind::Integer.parse("3"), Ok(3.0));
    assert!(KeyKind::Integer.parse("1.5").is_err());
    assert_eq!(KeyKind::Number.parse("0.05"), Ok(0.05));
    assert_eq!(KeyKind::Probability.parse("5%"), Ok(0.05));
    assert!(KeyKind::Probability.parse("5").is_err());
    assert_eq!(
        reference()
            .resolve("channels.amazon.cancel_rate_limit")
            .unwrap()
            .kind,
        KeyKind::Probability
    );
    assert_eq!(KeyKind::Duration.label(5400.0), "1h 30m");
    assert_eq!(KeyKind::Number.label(30.0), "30");
    assert_eq!(KeyKind::Integer.label(4.0), "4");
}
