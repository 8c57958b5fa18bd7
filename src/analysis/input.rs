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

/// A finite number, or a percentage (`5%` is 0.05).
pub fn parse_number(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (digits, scale) = match text.strip_suffix('%') {
        Some(digits) => (digits.trim(), 0.01),
        None => (text, 1.0),
    };
    match digits.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x * scale),
        _ => Err(format!("`{text}` is not a number")),
    }
}

/// A probability from 0 to 1, written as a share (`0.05`) or a percentage (`5%`): the one reader
/// of probabilities on the command line (`--max-cancel-risk`, `--target`, `--vary`).
pub fn parse_probability(text: &str) -> Result<f64, String> {
    const EXPECTED: &str = "expected a probability from 0 to 1, like 0.05 or 5%";
    let p = parse_number(text).map_err(|e| format!("{e}; {EXPECTED}"))?;
    if (0.0..=1.0).contains(&p) {
        return Ok(p);
    }
    let text = text.trim();
    let hint = if p > 1.0 && p <= 100.0 && !text.ends_with('%') {
        format!(" (for a percentage write {text}%)")
    } else {
        String::new()
    };
    Err(format!("`{text}` is outside 0 to 1; {EXPECTED}{hint}"))
}

/// A whole number from `min` to `max`; `what` names the unit for the message ("trials").
pub fn parse_whole(text: &str, min: u64, max: u64, what: &str) -> Result<u64, String> {
    let text = text.trim();
    let expected = || {
        if max == u64::MAX {
            format!("must be a whole number of {what} of at least {min}")
        } else {
            format!("must be a whole number of {what} from {min} to {max}")
        }
    };
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        let why = if text.starts_with('-') {
            "a negative number"
        } else {
            "not a whole number"
        };
        return Err(format!("{}; `{text}` is {why}", expected()));
    }
    let Ok(n) = digits.parse::<u64>() else {
        return Err(format!("{}; `{text}` is too large", expected()));
    };
    if n < min {
        return Err(format!("{}; {n} {what} would do nothing", expected()));
    }
    if n > max {
        return Err(format!("{}; `{text}` is too large", expected()));
    }
    Ok(n)
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
    fn probabilities_are_shares_or_percentages() {
        assert_eq!(parse_probability("0.05"), Ok(0.05));
        assert_eq!(parse_probability("5%"), Ok(0.05));
        assert_eq!(parse_probability(" 12.5 % "), Ok(0.125));
        assert_eq!(parse_probability("100%"), Ok(1.0));
        let e = parse_probability("5").unwrap_err();
        assert_eq!(
            e,
            "`5` is outside 0 to 1; expected a probability from 0 to 1, like 0.05 or 5% (for a \
             percentage write 5%)"
        );
        assert!(
            parse_probability("-1%")
                .unwrap_err()
                .contains("from 0 to 1")
        );
        assert!(
            parse_probability("half")
                .unwrap_err()
                .starts_with("`half` is not a number")
        );
        assert!(parse_probability("NaN").is_err());
    }

    #[test]
    fn whole_numbers_say_what_they_count() {
        assert_eq!(parse_whole("20", 1, u64::MAX, "trials"), Ok(20));
        assert_eq!(
            parse_whole("-5", 1, u64::MAX, "trials").unwrap_err(),
            "must be a whole number of trials of at least 1; `-5` is a negative number"
        );
        assert_eq!(
            parse_whole("0", 1, u64::MAX, "trials").unwrap_err(),
            "must be a whole number of trials of at least 1; 0 trials would do nothing"
        );
        assert!(
            parse_whole("1.5", 1, u64::MAX, "trials")
                .unwrap_err()
                .ends_with("`1.5` is not a whole number")
        );
        assert!(
            parse_whole("99999999999999999999", 1, u64::MAX, "trials")
                .unwrap_err()
                .ends_with("is too large")
        );
        assert_eq!(
            parse_whole("1001", 0, 1000, "units").unwrap_err(),
            "must be a whole number of units from 0 to 1000; `1001` is too large"
        );
    }

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
