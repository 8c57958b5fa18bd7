//! The error a user sees when a scenario file cannot be used: file, line, column, key, message.

use std::fmt;

/// A scenario file that cannot be read, parsed or validated.
///
/// Displays as `file:line:column: key: message`; without the key when the error is not about
/// one key, and as `file: message` when it is about no place in the file (`line` 0).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{}", Render(self))]
pub struct ScenarioError {
    /// The file name (or origin) as given to the loader.
    pub file: String,
    /// Line of the error, from 1; 0 when the error is about the whole file.
    pub line: usize,
    /// Column of the error in characters, from 1; 0 when `line` is 0.
    pub column: usize,
    /// Dotted key path with array indices (`links[2].poll.every`); empty when none applies.
    pub key: String,
    /// What was expected and what was found.
    pub message: String,
}

impl ScenarioError {
    /// An error about the place at byte `offset` of `text`.
    pub(crate) fn at(file: &str, text: &str, offset: usize, key: String, message: String) -> Self {
        let (line, column) = line_column(text, offset);
        Self {
            file: file.to_owned(),
            line,
            column,
            key,
            message,
        }
    }

    /// An error about the whole file (it cannot be read, for example).
    pub(crate) fn whole_file(file: &str, message: String) -> Self {
        Self {
            file: file.to_owned(),
            line: 0,
            column: 0,
            key: String::new(),
            message,
        }
    }
}

struct Render<'a>(&'a ScenarioError);

impl fmt::Display for Render<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        if e.line == 0 {
            return write!(f, "{}: {}", e.file, e.message);
        }
        write!(f, "{}:{}:{}: ", e.file, e.line, e.column)?;
        if !e.key.is_empty() {
            write!(f, "{}: ", e.key)?;
        }
        f.write_str(&e.message)
    }
}

/// The 1-based line and character column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_character_columns_from_one() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // "bé = " is 6 bytes but 5 characters.
        assert_eq!(line_column(text, 12), (2, 6));
    }

    #[test]
    fn displays_with_and_without_key_and_line() {
        let mut e = ScenarioError::at("s.toml", "x\ny", 2, "stock.initial".into(), "bad".into());
        assert_eq!(e.to_string(), "s.toml:2:1: stock.initial: bad");
        e.key.clear();
        assert_eq!(e.to_string(), "s.toml:2:1: bad");
        let whole = ScenarioError::whole_file("s.toml", "cannot read".into());
        assert_eq!(whole.to_string(), "s.toml: cannot read");
    }
}
