//! Where a command's scenario comes from: a file, or the built-in reference stack.

use std::path::{Path, PathBuf};

use super::builtin::{Builtin, builtin};
use super::load::read_scenario;
use super::{Scenario, ScenarioError, load_str};

/// A loaded scenario and what identifies it in outputs.
#[derive(Debug)]
pub struct Source {
    /// The checked scenario.
    pub scenario: Scenario,
    /// The file it came from; `None` for the built-in default.
    pub path: Option<PathBuf>,
    /// The scenario text, for hashing into run.json.
    pub text: String,
    /// Folder name under `--out`: the file's stem, or `reference` for the built-in default.
    pub slug: String,
}

impl Source {
    /// Loads `file`, or the built-in reference stack when it is `None`.
    pub fn load(file: Option<&Path>) -> Result<Source, ScenarioError> {
        match file {
            None => Source::builtin(builtin("reference").expect("the reference is built in")),
            Some(path) => {
                let text = read_scenario(path)?;
                let scenario = load_str(&path.display().to_string(), &text)?;
                let stem = path.file_stem().map(|s| s.to_string_lossy());
                Ok(Source {
                    slug: slug(stem.as_deref().unwrap_or(&scenario.name)),
                    scenario,
                    path: Some(path.to_owned()),
                    text,
                })
            }
        }
    }

    /// A scenario compiled into the binary.
    pub fn builtin(builtin: Builtin) -> Result<Source, ScenarioError> {
        Ok(Source {
            scenario: builtin.load()?,
            path: None,
            text: builtin.text.to_owned(),
            slug: builtin.slug.to_owned(),
        })
    }
}

/// A file-name-safe form of `text`: lowercase ASCII letters and digits, every run of other
/// characters replaced by one `-`, no `-` at either end ("Polling 15m!" -> "polling-15m").
/// Text without any ASCII letter or digit gives "run", so a slug is never empty.
pub fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("run");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Polling 15m!"), "polling-15m");
        assert_eq!(slug("  ERP -- webhooks / 5s "), "erp-webhooks-5s");
        assert_eq!(slug("Café au lait"), "caf-au-lait");
        assert_eq!(slug("!!!"), "run");
    }
}
