//! `events.csv` of a traced trial: one row per handled event with the state after it.

use anyhow::Context;
use serde::Serialize;

use super::csv::{Cell, row_writer};
use crate::analysis::trace::Timeline;

/// One row of events.csv; the header is the same struct with the column names as cells.
#[derive(Serialize)]
struct EventRow<'a, C> {
    time_seconds: C,
    kind: C,
    channel_or_link: C,
    quantity: C,
    physical: C,
    /// Per node.
    views: &'a [C],
    /// Per channel.
    listed: &'a [C],
    /// Per channel.
    oversold: &'a [C],
}

/// The events as CSV: `time_seconds`, `kind`, `channel_or_link` (the channel, link or queue
/// node the event concerns, else empty), `quantity` (an order's or batch's units, a level
/// message's value, else empty), `physical`, then `view.<node>` per node, `listed.<channel>`
/// per channel and the cumulative `oversold.<channel>` per channel, all after the event.
pub fn events_csv(timeline: &Timeline) -> anyhow::Result<Vec<u8>> {
    let mut writer = row_writer(Vec::new());
    let names = |prefix: &str, of: &[String]| -> Vec<String> {
        of.iter().map(|name| format!("{prefix}.{name}")).collect()
    };
    let (views, listed, oversold) = (
        names("view", &timeline.nodes),
        names("listed", &timeline.channels),
        names("oversold", &timeline.channels),
    );
    writer.serialize(EventRow {
        time_seconds: "time_seconds",
        kind: "kind",
        channel_or_link: "channel_or_link",
        quantity: "quantity",
        physical: "physical",
        views: &as_str(&views),
        listed: &as_str(&listed),
        oversold: &as_str(&oversold),
    })?;
    let cells = |values: &[i64]| values.iter().map(|&v| Cell::Int(v)).collect::<Vec<_>>();
    for event in &timeline.events {
        let oversold: Vec<Cell> = event.oversold.iter().map(|&n| Cell::Count(n)).collect();
        writer.serialize(EventRow {
            time_seconds: Cell::Real(event.time),
            kind: Cell::Text(event.kind.name()),
            channel_or_link: Cell::Text(timeline.subject_name(event.subject)),
            quantity: event.quantity.into(),
            physical: Cell::Int(event.physical),
            views: &cells(&event.views),
            listed: &cells(&event.listed),
            oversold: &oversold,
        })?;
    }
    writer
        .into_inner()
        .map_err(|e| e.into_error())
        .context("finishing the events CSV")
}

fn as_str(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::trace::trace;
    use crate::scenario::{BUILTIN_REFERENCE, load_str};
    use crate::sim::Plan;

    #[test]
    fn header_and_rows() {
        let plan = Plan::new(load_str("reference.toml", BUILTIN_REFERENCE).unwrap());
        let timeline = trace(&plan, 5, 0).unwrap();
        let text = String::from_utf8(events_csv(&timeline).unwrap()).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "time_seconds,kind,channel_or_link,quantity,physical,\
             view.erp,view.shopify,view.amazon,view.walmart,\
             listed.shopify,listed.amazon,listed.walmart,listed.pos,\
             oversold.shopify,oversold.amazon,oversold.walmart,oversold.pos"
        );
        assert_eq!(lines.clone().count(), timeline.events.len());
        let scheduled = lines.find(|l| l.contains(",scheduled,")).unwrap();
        // 6 units on the POS at 10h, listed against the ERP's view.
        assert!(
            scheduled.starts_with("36000,scheduled,pos,6,"),
            "{scheduled}"
        );
        assert_eq!(scheduled.split(',').count(), 17);
    }
}
