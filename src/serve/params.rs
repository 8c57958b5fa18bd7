//! The request's parameters: `stack=polling-15m&poll=1800&webhook=60&feed=210&buffer=2&demand=1.5`
//! (durations in seconds), each checked against its bounds. Every refusal is a message for a
//! 400 that names the parameter.

use super::Stack;
use super::stacks::{Defaults, Knobs};
use crate::dist::format_seconds;

/// Longest request address read, bytes.
pub const MAX_URL_BYTES: usize = 2_048;
/// Largest request body read (a form of parameters), bytes.
pub const MAX_BODY_BYTES: usize = 4_096;

/// One numeric parameter: its name, what it means and its bounds.
struct Param {
    name: &'static str,
    what: &'static str,
    min: f64,
    max: f64,
    integer: bool,
    /// Why a stack may have nothing for it to set.
    lacks: &'static str,
}

/// Every numeric parameter, with the bounds the sliders span.
const PARAMS: [Param; 5] = [
    Param {
        name: "poll",
        lacks: "no link that polls",
        what: "the fastest poll interval, seconds",
        min: 60.0,
        max: 86_400.0,
        integer: false,
    },
    Param {
        name: "webhook",
        lacks: "no webhook but marketplace feeds",
        what: "the mean webhook latency, seconds",
        min: 0.0,
        max: 3_600.0,
        integer: false,
    },
    Param {
        name: "feed",
        lacks: "no marketplace feed",
        what: "the mean marketplace feed processing time, seconds",
        min: 0.0,
        max: 14_400.0,
        integer: false,
    },
    Param {
        name: "buffer",
        lacks: "no marketplace channel",
        what: "the marketplace buffer, units",
        min: 0.0,
        max: 100.0,
        integer: true,
    },
    Param {
        name: "demand",
        lacks: "",
        what: "the demand multiplier",
        min: 0.1,
        max: 5.0,
        integer: false,
    },
];

/// A checked request.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Index of the stack.
    pub stack: usize,
    /// The knobs given; the others stay as the stack has them.
    pub knobs: Knobs,
}

impl Query {
    /// Reads `query` (`a=1&b=2`, percent-encoded) for one of `stacks`.
    pub fn parse(query: &str, stacks: &[Stack]) -> Result<Query, String> {
        let mut seen: Vec<String> = Vec::new();
        let mut stack = None;
        let mut values: [Option<f64>; 5] = [None; 5];
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (key, value) = (decode(key)?, decode(value)?);
            if seen.contains(&key) {
                return Err(format!("`{key}` is given twice"));
            }
            seen.push(key.clone());
            if key == "stack" {
                stack = Some(find_stack(&value, stacks)?);
                continue;
            }
            let Some(index) = PARAMS.iter().position(|p| p.name == key) else {
                return Err(format!(
                    "unknown parameter `{}`; the parameters are `stack`, {}",
                    clip(&key),
                    PARAMS.map(|p| format!("`{}`", p.name)).join(", ")
                ));
            };
            values[index] = Some(number(&PARAMS[index], &value)?);
        }
        let stack = stack.ok_or("`stack` is missing: name one of the stacks")?;
        let defaults = &stacks[stack].defaults.knobs;
        let has = [
            defaults.poll_every.is_some(),
            defaults.webhook_latency.is_some(),
            defaults.feed_time.is_some(),
            defaults.buffer.is_some(),
            true,
        ];
        for ((param, value), has) in PARAMS.iter().zip(&values).zip(has) {
            if value.is_some() && !has {
                return Err(format!(
                    "`{}`: the stack `{}` has {} ({})",
                    param.name, stacks[stack].file.slug, param.lacks, param.what
                ));
            }
        }
        let [poll, webhook, feed, buffer, demand] = values;
        Ok(Query {
            stack,
            knobs: Knobs {
                poll_every: poll.or(defaults.poll_every),
                webhook_latency: webhook.or(defaults.webhook_latency),
                feed_time: feed.or(defaults.feed_time),
                buffer: buffer.map(|b| b as i64).or(defaults.buffer),
                demand: demand.or(defaults.demand),
            },
        })
    }
}

/// The stack called `slug`.
fn find_stack(slug: &str, stacks: &[Stack]) -> Result<usize, String> {
    stacks
        .iter()
        .position(|s| s.file.slug == slug)
        .ok_or_else(|| {
            let known: Vec<String> = stacks
                .iter()
                .map(|s| format!("`{}`", s.file.slug))
                .collect();
            format!(
                "unknown stack `{}`; the stacks are {}",
                clip(slug),
                known.join(", ")
            )
        })
}

/// `value` read as `param`, within its bounds.
fn number(param: &Param, value: &str) -> Result<f64, String> {
    let x: f64 = match value.trim().parse() {
        Ok(x) if f64::is_finite(x) => x,
        _ => {
            return Err(format!(
                "`{}` = `{}` is not a number ({})",
                param.name,
                clip(value),
                param.what
            ));
        }
    };
    if param.integer && x.fract() != 0.0 {
        return Err(format!(
            "`{}` = {x} is not a whole number ({})",
            param.name, param.what
        ));
    }
    if x < param.min || x > param.max {
        return Err(format!(
            "`{}` = {x} is out of bounds: {} goes from {} to {}",
            param.name, param.what, param.min, param.max
        ));
    }
    Ok(x)
}

/// At most 40 characters of user text in a message.
fn clip(text: &str) -> String {
    let clipped: String = text.chars().take(40).collect();
    if clipped.len() < text.len() {
        format!("{clipped}...")
    } else {
        clipped
    }
}

/// Percent-decodes one component (`+` is a space, as forms send it).
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("`{}` has a bad %-escape", clip(text)))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{}` is not UTF-8", clip(text)))
}

/// The knobs in words, for the downloaded file's first line: the ones that differ from the
/// stack's.
pub fn describe(knobs: &Knobs, defaults: &Defaults) -> String {
    let d = &defaults.knobs;
    let mut parts = Vec::new();
    let duration = |name: &str, new: Option<f64>, old: Option<f64>, parts: &mut Vec<String>| {
        if let (Some(new), Some(old)) = (new, old)
            && new != old
        {
            parts.push(format!(
                "{name} {} (was {})",
                format_seconds(new),
                format_seconds(old)
            ));
        }
    };
    duration("poll interval", knobs.poll_every, d.poll_every, &mut parts);
    duration(
        "webhook latency",
        knobs.webhook_latency,
        d.webhook_latency,
        &mut parts,
    );
    duration("feed time", knobs.feed_time, d.feed_time, &mut parts);
    if let (Some(new), Some(old)) = (knobs.buffer, d.buffer)
        && new != old
    {
        parts.push(format!("marketplace buffer {new} (was {old})"));
    }
    if let Some(demand) = knobs.demand.filter(|&m| m != 1.0) {
        parts.push(format!("demand x{demand}"));
    }
    if parts.is_empty() {
        "none changed".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The bounds of every parameter, for the page's sliders.
pub fn bounds_json() -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = (PARAMS.iter())
        .map(|p| {
            (
                p.name.to_owned(),
                serde_json::json!({ "min": p.min, "max": p.max, "what": p.what }),
            )
        })
        .collect();
    serde_json::Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_and_bad_ones_are_refused() {
        assert_eq!(decode("polling%2D15m").unwrap(), "polling-15m");
        assert_eq!(decode("a+b").unwrap(), "a b");
        assert!(decode("%zz").unwrap_err().contains("bad %-escape"));
        assert!(decode("%ff").unwrap_err().contains("not UTF-8"));
        assert!(decode("%4").is_err());
    }

    #[test]
    fn numbers_are_bounded() {
        let poll = &PARAMS[0];
        assert_eq!(number(poll, "900"), Ok(900.0));
        assert!(number(poll, "5").unwrap_err().contains("out of bounds"));
        assert!(number(poll, "NaN").unwrap_err().contains("not a number"));
        assert!(number(poll, "inf").unwrap_err().contains("not a number"));
        let buffer = &PARAMS[3];
        assert!(number(buffer, "1.5").unwrap_err().contains("whole number"));
        assert_eq!(clip(&"x".repeat(100)).len(), 43);
    }
}
