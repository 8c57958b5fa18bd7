//! Intervals against the horizon: a poll or a recount interval longer than the horizon is most
//! likely a typing slip (`"15M"` read as months before months were refused, `"2d"` for `"2h"`),
//! so it is refused unless the first poll (`phase`) or recount (`first`) is given: then the
//! file asks for one sync at a set time, which is a real use (one nightly feed).

use super::fields::{Check, Invalid, seconds_text};
use super::model::{Scenario, Transport};
use super::path::KeyPath;
use super::raw::RawScenario;

/// Refuses a poll or recount interval that would not come round within the horizon.
pub(crate) fn check(s: &Scenario, raw: &RawScenario) -> Check<()> {
    for (i, link) in s.links.iter().enumerate() {
        if let Transport::Poll {
            every, phase: None, ..
        } = link.transport
        {
            let path = KeyPath::root().key("links").index(i).key("poll");
            longer_than_horizon(every, s.horizon, "poll", "phase", &path)?;
        }
    }
    let first_given = raw.reconcile.as_ref().is_some_and(|r| r.first.is_some());
    if let (Some(reconcile), false) = (s.reconcile, first_given) {
        let path = KeyPath::root().key("reconcile");
        longer_than_horizon(reconcile.every, s.horizon, "recount", "first", &path)?;
    }
    Ok(())
}

fn longer_than_horizon(
    every: f64,
    horizon: f64,
    what: &str,
    first: &str,
    path: &KeyPath,
) -> Check<()> {
    if every <= horizon {
        return Ok(());
    }
    Err(Invalid::new(
        &path.key("every"),
        format!(
            "a {what} every {} is longer than the horizon ({}), so it would not come round in a \
             trial; make it at most the horizon, or set `{first}` for one {what} at a set time",
            seconds_text(every),
            seconds_text(horizon)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use crate::scenario::load::testing::{assert_error, edited};
    use crate::scenario::load_str;

    const AMAZON_POLL: &str =
        "to = \"amazon\"\npoll = { every = \"15m\", latency = \"uniform(1m, 5m)\" }";

    #[test]
    fn a_poll_longer_than_the_horizon_is_refused_unless_its_phase_is_set() {
        assert_error(
            &[(AMAZON_POLL, "to = \"amazon\"\npoll = { every = \"2d\" }")],
            "links[0].poll.every",
            "every = \"2d\"",
            "a poll every 2d is longer than the horizon (1d), so it would not come round",
        );
        // One poll at a set time: a nightly feed.
        let text = edited(&[(
            AMAZON_POLL,
            "to = \"amazon\"\npoll = { every = \"2d\", phase = \"20h\" }",
        )]);
        assert!(load_str("s.toml", &text).is_ok());
        // As long as the horizon is fine.
        let text = edited(&[(AMAZON_POLL, "to = \"amazon\"\npoll = { every = \"24h\" }")]);
        assert!(load_str("s.toml", &text).is_ok());
    }

    #[test]
    fn a_recount_longer_than_the_horizon_needs_its_first_time() {
        assert_error(
            &[("first = \"23h\"\nevery = \"24h\"", "every = \"7d\"")],
            "reconcile.every",
            "every = \"7d\"",
            "a recount every 7d is longer than the horizon (1d)",
        );
        let text = edited(&[(
            "first = \"23h\"\nevery = \"24h\"",
            "first = \"23h\"\nevery = \"7d\"",
        )]);
        assert!(load_str("s.toml", &text).is_ok());
    }

    #[test]
    fn fifteen_capital_m_is_refused_at_its_key() {
        assert_error(
            &[(AMAZON_POLL, "to = \"amazon\"\npoll = { every = \"15M\" }")],
            "links[0].poll.every",
            "every = \"15M\"",
            "`15M` counts in months (`M`)",
        );
    }
}
