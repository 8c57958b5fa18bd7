use super::*;
use crate::scenario::{BUILTIN_REFERENCE, load_str};

fn reference() -> Plan {
    Plan::new(load_str("reference.toml", BUILTIN_REFERENCE).unwrap())
}

#[test]
fn trace_matches_run_trial() {
    let plan = reference();
    for trial in 0..20 {
        let timeline = trace(&plan, 11, trial).unwrap();
        assert_eq!(
            timeline.outcome,
            Engine::new(&plan).run_trial(11, trial).unwrap()
        );
        assert_eq!(timeline.events.len() as u64, timeline.outcome.events);
    }
}

#[test]
fn oversells_exposures_and_steps_agree_with_the_outcome() {
    let plan = reference();
    let mut seen_oversell = false;
    for trial in 0..60 {
        let t = trace(&plan, 7, trial).unwrap();
        for (c, outcome) in t.outcome.channels.iter().enumerate() {
            let oversells = t.oversells.iter().filter(|o| o.channel == c).count();
            assert_eq!(
                oversells as u64, outcome.oversold,
                "trial {trial} channel {c}"
            );
            let exposed: f64 = t.exposures[c].iter().map(|w| w.to - w.from).sum();
            assert!(
                (exposed - outcome.exposure_seconds).abs() < 1e-6,
                "trial {trial} channel {c}: {exposed} vs {}",
                outcome.exposure_seconds
            );
            let last = t.events.last().unwrap();
            assert_eq!(t.listed[c].last().unwrap().value, last.listed[c]);
        }
        for o in &t.oversells {
            assert!(o.listed >= o.qty, "an oversold order was listed: {o:?}");
        }
        seen_oversell |= !t.oversells.is_empty();
        assert_eq!(t.physical[0].value, 60);
        assert!(t.physical.windows(2).all(|w| w[0].value != w[1].value));
    }
    assert!(seen_oversell, "60 reference trials without an oversell");
}

#[test]
fn quantities_and_subjects() {
    let plan = reference();
    let t = trace(&plan, 3, 0).unwrap();
    let pos = t.channels.iter().position(|c| c == "pos").unwrap();
    let scheduled: Vec<_> = t
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Scheduled)
        .collect();
    // The reference scenario's one scheduled order: 6 units on the POS at 10h.
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0].time, 36_000.0);
    assert_eq!(scheduled[0].quantity, Some(6));
    assert_eq!(scheduled[0].subject, Subject::Channel(pos));
    let demand = t.events.iter().filter(|e| e.kind == EventKind::Demand);
    assert!(demand.clone().all(|e| e.quantity.is_some_and(|q| q >= 1)));
    let arrivals: u64 = t.outcome.channels.iter().map(|c| c.arrivals).sum();
    assert_eq!(demand.count() as u64 + 1, arrivals);
    for e in t.events.iter().filter(|e| e.kind == EventKind::Poll) {
        assert_eq!(e.quantity, None);
        assert!(matches!(e.subject, Subject::Link(_)));
    }
}

#[test]
fn a_trace_too_long_for_its_memory_is_refused() {
    let plan = reference();
    let bytes = event_bytes(&plan.scenario);
    // Room for 500 events: the reference expects about 1,150 (background orders are no
    // events).
    let e = trace_within(&plan, 3, 0, 500 * bytes).unwrap_err();
    let e = e.downcast::<TraceTooLong>().unwrap();
    assert_eq!(e.limit, 500);
    assert!(
        e.to_string().contains(
            "a trial is expected to have about 1153 events, more than the 500 a trace keeps"
        ),
        "{e}"
    );
    // Room for 1,200: the estimate fits, the trial (about 830 events) too.
    let t = trace_within(&plan, 3, 0, 1_200 * bytes).unwrap();
    assert_eq!(t.events.len() as u64, t.outcome.events);
}

#[test]
fn a_trial_with_more_events_than_a_trace_keeps_stops_recording() {
    // Two sales set levels circulating round a ring of webhooks for ever: the estimate is
    // small, the trial runs to max_events while the trace keeps at most 500 events.
    let mut toml = String::from(
        "name = \"ring\"\nhorizon = \"1d\"\n[monte_carlo]\nmax_events = 3000\n[stock]\n\
         initial = 10\n[nodes.a]\n[nodes.b]\n[nodes.c]\n[channels.a]\norders_per_hour = 0\n\
         [[scheduled_orders]]\nat = \"1h\"\nchannel = \"a\"\nqty = 1\n\
         [[scheduled_orders]]\nat = \"3600.5s\"\nchannel = \"a\"\nqty = 1\n",
    );
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a")] {
        toml.push_str(&format!(
            "[[links]]\ncarries = \"levels\"\nfrom = \"{from}\"\nto = \"{to}\"\n\
             webhook = {{ latency = \"1s\" }}\n"
        ));
    }
    let plan = Plan::new(load_str("ring.toml", &toml).unwrap());
    let bytes = event_bytes(&plan.scenario);
    let e = trace_within(&plan, 1, 0, 500 * bytes).unwrap_err();
    // The runaway is what went wrong; the trace stayed within its 500 events meanwhile.
    assert!(e.downcast_ref::<crate::sim::Runaway>().is_some(), "{e}");
    // Without a runaway (max_events above the trial's events), the trace is refused.
    let toml = toml
        .replace("max_events = 3000", "max_events = 100000")
        .replace("horizon = \"1d\"", "horizon = \"2h\"");
    let plan = Plan::new(load_str("ring.toml", &toml).unwrap());
    let e = trace_within(&plan, 1, 0, 500 * bytes).unwrap_err();
    let e = e.downcast::<TraceTooLong>().unwrap();
    assert!(
        e.to_string().contains("a trial had more than 500 events"),
        "{e}"
    );
}
