//! Property tests of the catalog reader (`tune --catalog`): any text gives SKUs or an error,
//! never a panic; and whatever the line endings, byte-order mark, comments, blank lines and
//! quoted cells, every SKU and every error carries the line it is on in the file.

use oversell::analysis::catalog::parse_catalog;
use oversell::scenario::{BUILTIN_REFERENCE, Scenario, load_str};
use proptest::prelude::*;

fn reference() -> Scenario {
    load_str("reference.toml", BUILTIN_REFERENCE).unwrap()
}

/// Something to put between two lines of the catalog.
#[derive(Debug, Clone)]
enum Filler {
    Blank,
    Comment(String),
}

/// One SKU row: its name (may hold a comma, a quote or a newline) and whether it is valid.
#[derive(Debug, Clone)]
struct Row {
    name: String,
    valid: bool,
    before: Vec<Filler>,
}

fn filler() -> impl Strategy<Value = Filler> {
    prop_oneof![
        Just(Filler::Blank),
        "[ a-z,\"]{0,12}".prop_map(Filler::Comment),
    ]
}

fn row() -> impl Strategy<Value = Row> {
    (
        "[A-Za-z0-9]{1,6}",
        prop_oneof![Just(""), Just(", large"), Just("\"q\""), Just("\nnext")],
        prop::bool::weighted(0.9),
        prop::collection::vec(filler(), 0..3),
    )
        .prop_map(|(base, tail, valid, before)| Row {
            name: format!("{base}{tail}"),
            valid,
            before,
        })
}

/// The catalog's text, and the line of each row (from 1).
fn catalog(rows: &[Row], crlf: bool, bom: bool, header_fill: &[Filler]) -> (String, Vec<u64>) {
    let end = if crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    let mut line = 1u64;
    if bom {
        text.push('\u{feff}');
    }
    let fill = |text: &mut String, line: &mut u64, fillers: &[Filler]| {
        for f in fillers {
            match f {
                Filler::Blank => text.push_str(end),
                Filler::Comment(c) => text.push_str(&format!("#{c}{end}")),
            }
            *line += 1;
        }
    };
    fill(&mut text, &mut line, header_fill);
    text.push_str(&format!("sku,initial,orders_per_day,unit_margin{end}"));
    line += 1;
    let mut lines = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        fill(&mut text, &mut line, &row.before);
        lines.push(line);
        let quoted = format!("\"{}-{i}\"", row.name.replace('"', "\"\""));
        let initial = if row.valid { "3" } else { "x" };
        text.push_str(&format!("{quoted},{initial},2.5,1{end}"));
        line += 1 + row.name.matches('\n').count() as u64;
    }
    (text, lines)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_gives_skus_or_an_error(text in "(?s).{0,300}") {
        let _ = parse_catalog("skus.csv", &text, &reference());
    }

    #[test]
    fn any_bytes_near_a_catalog_give_skus_or_an_error(
        rows in prop::collection::vec(row(), 1..6),
        cut in any::<usize>(),
        byte in any::<u8>(),
    ) {
        let (text, _) = catalog(&rows, true, true, &[]);
        let mut bytes = text.into_bytes();
        let at = cut % bytes.len();
        bytes[at] = byte;
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_catalog("skus.csv", &text, &reference());
    }

    #[test]
    fn skus_and_errors_carry_their_line(
        rows in prop::collection::vec(row(), 1..8),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        header_fill in prop::collection::vec(filler(), 0..3),
    ) {
        let (text, lines) = catalog(&rows, crlf, bom, &header_fill);
        let parsed = parse_catalog("skus.csv", &text, &reference());
        match rows.iter().position(|r| !r.valid) {
            None => {
                let skus = parsed.unwrap();
                prop_assert_eq!(skus.len(), rows.len());
                for ((sku, row), line) in skus.iter().zip(&rows).zip(&lines) {
                    prop_assert!(sku.sku.starts_with(&row.name));
                    prop_assert_eq!(sku.line, *line);
                }
            }
            Some(bad) => {
                let message = parsed.unwrap_err().to_string();
                // The error names the line of the cell: a quoted newline in the SKU's name
                // puts its `initial` cell on a later line than the row's start.
                let cell_line = lines[bad] + rows[bad].name.matches('\n').count() as u64;
                let expected = format!("skus.csv:{}: column `initial`", cell_line);
                prop_assert!(message.starts_with(&expected), "{} vs {}", message, expected);
            }
        }
    }
}
