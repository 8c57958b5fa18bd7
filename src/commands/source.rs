//! Where a command's scenario comes from: a file, or the built-in reference stack.

use std::path::{Path, PathBuf};

use crate::report::slug;
use crate::scenario::{BUILTIN_REFERENCE, Scenario, ScenarioError, load_file, load_str};

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
            None => Ok(Source {
                scenario: load_str("<built-in reference>", BUILTIN_REFERENCE)?,
                path: None,
                text: BUILTIN_REFERENCE.to_owned(),
                slug: "reference".to_owned(),
            }),
            Some(path) => {
                let scenario = load_file(path)?;
                let text = std::fs::read_to_string(path).unwrap_or_default();
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
}
