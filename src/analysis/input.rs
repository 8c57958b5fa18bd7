//! Errors in what a user gave a decision tool: a `--vary`, a `--target`, a flag or a catalog
//! file. Each names the flag, or the file, line and column at fault; `commands::exit_code` maps
//! them to exit code 2 (the user's to fix).

use std::fmt;

/// A `--vary`, `--target`, other flag or catalog file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// A `--vary PATH=VALUES` that does not parse, names no key, or gives a value the scenario
    /// refuses.
    #[error("--vary {arg}: {message}")]
    Vary {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// A `--target EXPR` that does not parse or names nothing in the scenario.
    #[error("--target {arg}: {message}")]
    Target {
        /// The argument as given.
        arg: String,
        /// What is wrong.
        message: String,
    },
    /// Another flag, or flags that do not go together.
    #[error("{flag}: {message}")]
    Flag {
        /// The flag, with its value where it helps (`--channels ebay`).
        flag: String,
        /// What is wrong.
        message: String,
    },
    /// A row or the header of a catalog file.
    #[error("{}", CatalogPlace(self))]
    Catalog {
        /// The file as given.
        file: String,
        /// Line, from 1; 0 for the file as a whole.
        line: u64,
        /// The column at fault, if one is.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },
}

impl InputError {
    /// An error in `--vary arg`.
    pub fn vary(arg: &str, message: impl Into<String>) -> Self {
        InputError::Vary {
            arg: arg.to_owned(),
            message: message.into(),
        }
    }

    /// An error in `--target arg`.
    pub fn target(arg: &str, message: impl Into<String>) -> Self {
        InputError::Target {
            arg: arg.to_owned(),
            message: message.into(),
        }
    }

    /// An error in `flag`.
    pub fn flag(flag: impl Into<String>, message: impl Into<String>) -> Self {
        InputError::Flag {
            flag: flag.into(),
            message: message.into(),
        }
    }

    /// An error at `line` (and `column`, if any) of catalog `file`.
    pub fn catalog(
        file: &str,
        line: u64,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        InputError::Catalog {
            file: file.to_owned(),
            line,
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// `file:line: column \`name\`: message`, without the parts that do not apply.
struct CatalogPlace<'a>(&'a InputError);

impl fmt::Display for CatalogPlace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let InputError::Catalog {
            file,
            line,
            column,
            message,
        } = self.0
        else {
            return Ok(());
        };
        f.write_str(file)?;
        if *line > 0 {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(column) = column {
            write!(f, "column `{column}`: ")?;
        }
        f.write_str(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_flag_or_the_place() {
        assert_eq!(
            InputError::vary("x=1", "no such key").to_string(),
            "--vary x=1: no such key"
        );
        assert_eq!(
            InputError::target("y<1", "bad").to_string(),
            "--target y<1: bad"
        );
        assert_eq!(
            InputError::catalog("skus.csv", 4, Some("initial"), "expected a number").to_string(),
            "skus.csv:4: column `initial`: expected a number"
        );
        assert_eq!(
            InputError::catalog("skus.csv", 0, None, "cannot read").to_string(),
            "skus.csv: cannot read"
        );
    }
}
