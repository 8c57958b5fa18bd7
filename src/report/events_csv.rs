//! `events.csv` of a traced trial: one row per handled event with the state after it.

use anyhow::Context;

use crate::analysis::trace::Timeline;

/// The events as CSV: `time_seconds`, `kind`, `channel_or_link` (the channel, link or queue
/// node the event concerns, else empty), `quantity` (an order's or batch's units, a level
/// message's value, else empty), `physical`, then `view.<node>` per node, `listed.<channel>`
/// per channel and the cumulative `oversold.<channel>` per channel, all after the event.
pub fn events_csv(timeline: &Timeline) -> anyhow::Result<Vec<u8>> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(header(timeline))?;
    let mut row: Vec<String> = Vec::new();
    for event in &timeline.events {
        row.clear();
        row.push(event.time.to_string());
        row.push(event.kind.name().to_string());
        row.push(timeline.subject_name(event.subject).to_string());
        row.push(event.quantity.map_or_else(String::new, |q| q.to_string()));
        row.push(event.physical.to_string());
        row.extend(event.views.iter().map(i64::to_string));
        row.extend(event.listed.iter().map(i64::to_string));
        row.extend(event.oversold.iter().map(u64::to_string));
        writer.write_record(&row)?;
    }
    writer
        .into_inner()
        .map_err(|e| e.into_error())
        .context("finishing the events CSV")
}

fn header(timeline: &Timeline) -> Vec<String> {
    let mut header: Vec<String> = ["time_seconds", "kind", "channel_or_link", "quantity"]
        .map(String::from)
        .into();
    header.push("physical".to_string());
    header.extend(timeline.nodes.iter().map(|n| format!("view.{n}")));
    header.extend(timeline.channels.iter().map(|c| format!("listed.{c}")));
    header.extend(timeline.channels.iter().map(|c| format!("oversold.{c}")));
    header
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
