//! The error of a trial that never settles.

/// A trial that needed more events than the scenario's `max_events`: a stack that never
/// settles (systems overwriting each other without end) or an extreme rate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "scenario `{scenario}`: trial {trial} stopped after {events} events at {at_seconds:.0} s of \
     simulated time ([monte_carlo] max_events); busiest links: {}; busiest channels: {}. A stack \
     whose systems overwrite each other without end, or an extreme order rate, never settles; \
     if the scenario really is this large, raise max_events",
    list(.links, "messages"),
    list(.channels, "orders")
)]
pub struct Runaway {
    /// Scenario name.
    pub scenario: String,
    /// The trial that ran away.
    pub trial: u64,
    /// Simulated time reached, seconds.
    pub at_seconds: f64,
    /// Events handled.
    pub events: u64,
    /// Up to three links with the most messages and polls, busiest first.
    pub links: Vec<(String, u64)>,
    /// Up to three channels with the most orders, busiest first.
    pub channels: Vec<(String, u64)>,
}

fn list(items: &[(String, u64)], unit: &str) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    let parts: Vec<String> = items
        .iter()
        .map(|(name, n)| format!("{name} ({n} {unit})"))
        .collect();
    parts.join(", ")
}
