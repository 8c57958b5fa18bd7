//! What `oversell tune` prints and writes: the recommendations as a table, as
//! `recommendations.csv` and as `tune.json` (with every value's results).

use comfy_table::{CellAlignment, ColumnConstraint};

use serde::Serialize;

use super::csv::{Cell, row_writer};
use super::format::{number, percent};
use crate::analysis::tune::AccountCheck;
use crate::analysis::tune::{Decision, KnobOutcome, Recommendation, Search, Tuning};
use crate::dist::format_seconds;

/// The tuning as pretty-printed JSON with a trailing newline.
pub fn tune_json(tuning: &Tuning) -> String {
    crate::report::pretty_json(tuning)
}

/// One row of recommendations.csv; the header is the same struct with the column names as
/// cells.
#[derive(Serialize)]
struct RecommendationRow<C> {
    sku: C,
    orders_per_day: C,
    initial: C,
    recommended: C,
    /// Oversold, penalty, lost margin, cost and cancel-rate risk at the recommended value.
    at_recommended: [C; 5],
    /// The same at 0.
    at_zero: [C; 5],
    saving: C,
    note: C,
    /// The value after the account check (empty without one).
    account: C,
    /// `decided`, `undecided` or `screened`.
    decision: C,
    /// Trials run for the SKU over all values.
    trials: C,
    /// P(units demanded over the horizon > stock), where screening applies.
    screen_bound: C,
}

/// The figures of [`RecommendationRow::at_recommended`] and [`RecommendationRow::at_zero`].
const OUTCOME_COLUMNS: [&str; 5] = [
    "oversold",
    "penalty",
    "lost_margin",
    "cost",
    "p_cancel_rate_over_limit",
];

/// One row per SKU: its velocity, the recommended value, and the expected oversold orders,
/// penalty, lost margin, their sum and the cancel-rate risk at it and at 0, and the saving.
pub fn recommendations_csv(tuning: &Tuning) -> anyhow::Result<Vec<u8>> {
    let mut writer = row_writer(Vec::new());
    let recommended = format!("recommended_{}", tuning.knob.key());
    let at_zero = OUTCOME_COLUMNS.map(|m| format!("{m}_at_0"));
    let account = format!("account_{}", tuning.knob.key());
    writer.serialize(RecommendationRow {
        sku: "sku",
        orders_per_day: "orders_per_day",
        initial: "initial",
        recommended: recommended.as_str(),
        at_recommended: OUTCOME_COLUMNS,
        at_zero: at_zero.each_ref().map(String::as_str),
        saving: "saving",
        note: "note",
        account: account.as_str(),
        decision: "decision",
        trials: "trials",
        screen_bound: "screen_bound",
    })?;
    let after = |i: usize| tuning.account.as_ref().map(|a| a.values[i]);
    for (i, r) in tuning.skus.iter().enumerate() {
        writer.serialize(RecommendationRow {
            sku: Cell::Text(&r.sku),
            orders_per_day: r.orders_per_day.into(),
            initial: r.initial.into(),
            recommended: r.recommended.into(),
            at_recommended: outcome_cells(&r.at_recommended),
            at_zero: outcome_cells(&r.at_zero),
            saving: r.saving.into(),
            note: Cell::Text(r.note.as_deref().unwrap_or_default()),
            account: after(i).into(),
            decision: Cell::Text(r.decision.as_str()),
            trials: r.trials.into(),
            screen_bound: r.screen_bound.into(),
        })?;
    }
    Ok(writer.into_inner()?)
}

fn outcome_cells(o: &KnobOutcome) -> [Cell<'static>; 5] {
    [
        o.oversold.into(),
        o.penalty.into(),
        o.lost_margin.into(),
        o.cost.into(),
        o.p_cancel_rate_over_limit.into(),
    ]
}

/// The recommendations for a terminal, then the settings and any notes. Ends with a newline.
pub fn tune_table(tuning: &Tuning) -> String {
    let currency = &tuning.currency;
    let knob = tuning.knob.key();
    let limited = tuning
        .skus
        .iter()
        .all(|r| r.at_zero.p_cancel_rate_over_limit.is_some());
    let mut header = vec![
        "sku".to_owned(),
        "orders\n/ day".to_owned(),
        "stock".to_owned(),
        format!("{knob}\nrecommended"),
        format!("cost, {currency}\nat it / at 0"),
        format!("saving,\n{currency}"),
        "oversold\nat it / at 0".to_owned(),
        format!("lost margin,\n{currency} at it"),
    ];
    if limited {
        header.push("P(cancel rate over\nlimit) at it / at 0".to_owned());
    }
    if tuning.account.is_some() {
        header.push(format!("{knob} after\naccount check"));
    }
    let mut table = super::format::table(header);
    for (i, r) in tuning.skus.iter().enumerate() {
        let mut cells = row(r, limited);
        if let Some(account) = &tuning.account {
            let value = account.values[i];
            let raised = if value > r.recommended { " ↑" } else { "" };
            cells.push(format!("{value}{raised}"));
        }
        table.add_row(cells);
    }
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_constraint(ColumnConstraint::ContentWidth);
        if i > 0 {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    let channels = tuning.channels.join(", ");
    let mut text = format!("{}\n{table}\n", tuning.scenario);
    text.push_str(&format!(
        "{knob} from 0 to {} on {channels}; cost = expected penalty + lost margin per trial\n",
        tuning.max
    ));
    text.push_str(&search_lines(tuning));
    if let Some(cap) = tuning.max_cancel_risk {
        text.push_str(&format!(
            "only values with P(cancel rate over limit) <= {cap} are recommended\n"
        ));
    }
    for r in tuning.skus.iter().filter(|r| r.note.is_some()) {
        text.push_str(&format!(
            "* {}: {}\n",
            r.sku,
            r.note.as_deref().unwrap_or_default()
        ));
    }
    if let Some(account) = &tuning.account {
        text.push_str(&account_lines(account, &tuning.currency));
    }
    text
}

/// How the values were searched, what it took, and the screened and undecided SKUs.
fn search_lines(tuning: &Tuning) -> String {
    let search = &tuning.search;
    let seq = &search.sequential;
    let mut text = match search.method {
        Search::Exhaustive => format!(
            "every value on {} trials per SKU, seed {}, on common random numbers\n",
            tuning.trials, tuning.seed
        ),
        Search::Fast => format!(
            "bisection with sequential stopping: up to {} trials per SKU and value, seed {}, on \
             common random numbers ({} trials in all)\n",
            tuning.trials, tuning.seed, search.trials
        ),
    };
    text.push_str(&format!(
        "each recommendation against its neighbours at {} confidence: paired test, {} looks from \
         {} trials, |z| > {:.2} (Bonferroni over looks and comparisons)\n",
        percent(seq.confidence),
        seq.looks,
        seq.first_look,
        seq.z
    ));
    match (search.screen_epsilon, &search.screen_note) {
        (Some(_), Some(note)) => text.push_str(&format!("screen: {note}\n")),
        (Some(epsilon), None) => text.push_str(&format!(
            "screened: {} of {} SKUs (P(units demanded over the horizon > stock) <= {epsilon}, \
             compound Poisson tail): {knob} 0, not simulated\n",
            search.screened,
            tuning.skus.len(),
            knob = tuning.knob.key()
        )),
        (None, _) => {}
    }
    if search.undecided > 0 {
        let names: Vec<&str> = (tuning.skus.iter())
            .filter(|r| r.decision == Decision::Undecided)
            .take(10)
            .map(|r| r.sku.as_str())
            .collect();
        let more = if search.undecided > names.len() as u64 {
            ", ..."
        } else {
            ""
        };
        text.push_str(&format!(
            "undecided (?): {} SKU(s) not decided at the trial cap: {}{more}\n",
            search.undecided,
            names.join(", ")
        ));
    }
    text
}

/// The account check in words: each marketplace's risk with the per-SKU choices and after, the
/// raises and their price in lost margin, and why it stopped short, if it did.
fn account_lines(account: &AccountCheck, currency: &str) -> String {
    let mut text = format!(
        "account check, the whole catalog as one seller ({} trials): P(worst-window cancel rate \
         over the limit) per marketplace, cap {}\n",
        account.trials,
        percent(account.max_cancel_risk)
    );
    for m in &account.marketplaces {
        text.push_str(&format!(
            "  {}: {} window, limit {}: {} with the per-SKU choices, {} after {} raise(s)\n",
            m.channel,
            format_seconds(m.window_seconds),
            percent(m.limit),
            percent(m.at_per_sku),
            percent(m.after),
            account.steps.len()
        ));
    }
    if !account.steps.is_empty() {
        let raises: Vec<String> = (account.steps.iter())
            .map(|s| format!("{} to {}", s.sku, s.value))
            .collect();
        text.push_str(&format!(
            "  raised, in order: {}; lost margin {} -> {} {currency} per trial\n",
            raises.join(", "),
            number(account.lost_margin[0]),
            number(account.lost_margin[1])
        ));
    }
    match (&account.note, account.meets) {
        (Some(note), _) => text.push_str(&format!("  {note}\n")),
        (None, true) => text.push_str("  every marketplace is within the cap\n"),
        (None, false) => {}
    }
    text
}

/// A number with a true minus sign (U+2212) when negative.
fn signed(x: f64) -> String {
    let text = number(x.abs());
    if x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("\u{2212}{text}")
    } else {
        text
    }
}

fn row(r: &Recommendation, limited: bool) -> Vec<String> {
    let (at, zero) = (&r.at_recommended, &r.at_zero);
    let star = if r.note.is_some() { " *" } else { "" };
    let mark = match r.decision {
        Decision::Decided => "",
        Decision::Undecided => " ?",
        Decision::Screened => " s",
    };
    let mut row = vec![
        r.sku.clone(),
        number(r.orders_per_day),
        r.initial.to_string(),
        format!("{}{mark}{star}", r.recommended),
        format!("{} / {}", number(at.cost), number(zero.cost)),
        signed(r.saving),
        format!("{} / {}", number(at.oversold), number(zero.oversold)),
        number(at.lost_margin),
    ];
    if limited {
        let p = |o: &KnobOutcome| o.p_cancel_rate_over_limit.map_or("-".to_owned(), percent);
        row.push(format!("{} / {}", p(at), p(zero)));
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tune::Knob;

    fn outcome(value: i64, cost: f64, risk: f64) -> KnobOutcome {
        KnobOutcome {
            value,
            oversold: cost / 10.0,
            penalty: cost - 1.0,
            lost_margin: 1.0,
            cost,
            p_cancel_rate_over_limit: Some(risk),
            trials: 100,
        }
    }

    fn tuning() -> Tuning {
        let curve = vec![outcome(0, 9.0, 0.3), outcome(1, 4.0, 0.02)];
        Tuning {
            scenario: "Stack".into(),
            file: "stack.toml".into(),
            catalog: "skus.csv".into(),
            knob: Knob::OutOfStockAt,
            channels: vec!["amazon".into()],
            max: 1,
            max_cancel_risk: None,
            trials: 100,
            seed: 1,
            currency: "EUR".into(),
            search: crate::analysis::tune::SearchReport::fixture(),
            skus: vec![Recommendation {
                sku: "TEE".into(),
                orders_per_day: 12.5,
                initial: 20,
                recommended: 1,
                at_recommended: curve[1].clone(),
                at_zero: curve[0].clone(),
                saving: 5.0,
                meets_risk_cap: None,
                note: None,
                decision: Decision::Undecided,
                screen_bound: Some(0.5),
                neighbours: Vec::new(),
                trials: 200,
                curve,
            }],
            account: None,
        }
    }

    #[test]
    fn the_csv_has_a_column_per_figure_at_the_recommendation_and_at_0() {
        let csv = String::from_utf8(recommendations_csv(&tuning()).unwrap()).unwrap();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "sku,orders_per_day,initial,recommended_out_of_stock_at,oversold,penalty,lost_margin,\
             cost,p_cancel_rate_over_limit,oversold_at_0,penalty_at_0,lost_margin_at_0,cost_at_0,\
             p_cancel_rate_over_limit_at_0,saving,note,account_out_of_stock_at,decision,trials,\
             screen_bound"
        );
        assert_eq!(
            lines.next().unwrap(),
            "TEE,12.5,20,1,0.4,3,1,4,0.02,0.9,8,1,9,0.3,5,,,undecided,200,0.5"
        );
    }

    #[test]
    fn the_table_shows_costs_and_risks_at_it_and_at_0() {
        let text = tune_table(&tuning());
        let row = text.lines().find(|l| l.contains("TEE")).unwrap();
        assert!(row.contains("4 / 9"), "{row}");
        assert!(row.contains("2.0% / 30.0%"), "{row}");
        assert!(text.contains("cost, EUR"), "{text}");
        assert!(
            text.contains("out_of_stock_at from 0 to 1 on amazon"),
            "{text}"
        );
        assert!(row.contains("1 ?"), "{row}");
        assert!(
            text.contains("undecided (?): 1 SKU(s) not decided at the trial cap: TEE"),
            "{text}"
        );
        assert_eq!(signed(-1.5), "\u{2212}1.50");
        assert_eq!(signed(-0.0001), "0.000");
    }
}
