//! Scenarios compiled into the binary, so `run` and `demo` work on a fresh clone without files.

use super::load::{BUILTIN_REFERENCE, load_str};
use super::{Scenario, ScenarioError};

/// A scenario file shipped inside the binary.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// Its name in `scenarios/` without `.toml`; also its output folder.
    pub slug: &'static str,
    /// The file's text.
    pub text: &'static str,
}

impl Builtin {
    /// Loads and checks it.
    pub fn load(&self) -> Result<Scenario, ScenarioError> {
        load_str(&format!("<built-in {}>", self.slug), self.text)
    }
}

/// Every file of `scenarios/`, embedded.
pub const BUILTINS: [Builtin; 8] = [
    Builtin {
        slug: "reference",
        text: BUILTIN_REFERENCE,
    },
    Builtin {
        slug: "event-driven",
        text: include_str!("../../scenarios/event-driven.toml"),
    },
    Builtin {
        slug: "polling-15m",
        text: include_str!("../../scenarios/polling-15m.toml"),
    },
    Builtin {
        slug: "erp-hourly",
        text: include_str!("../../scenarios/erp-hourly.toml"),
    },
    Builtin {
        slug: "unidirectional",
        text: include_str!("../../scenarios/unidirectional.toml"),
    },
    Builtin {
        slug: "fulfillment-trigger",
        text: include_str!("../../scenarios/fulfillment-trigger.toml"),
    },
    Builtin {
        slug: "black-friday",
        text: include_str!("../../scenarios/black-friday.toml"),
    },
    Builtin {
        slug: "safety-stock",
        text: include_str!("../../scenarios/safety-stock.toml"),
    },
];

/// The built-in scenario called `slug`, if any.
pub fn builtin(slug: &str) -> Option<Builtin> {
    BUILTINS.iter().find(|b| b.slug == slug).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads_and_matches_its_file() {
        for b in BUILTINS {
            let scenario = b.load().unwrap_or_else(|e| panic!("{e}"));
            assert!(!scenario.name.is_empty());
            let path = format!("{}/scenarios/{}.toml", env!("CARGO_MANIFEST_DIR"), b.slug);
            assert_eq!(std::fs::read_to_string(path).unwrap(), b.text);
        }
        assert!(builtin("polling-15m").is_some());
        assert!(builtin("nope").is_none());
    }
}
