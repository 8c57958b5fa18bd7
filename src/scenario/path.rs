//! Key paths such as `links[2].poll.every`: how an error names the place in a scenario file.

use std::fmt;

/// A path from the root of a scenario file to a key or an array element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyPath(Vec<Segment>);

/// One step of a [`KeyPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A key of a table.
    Key(String),
    /// An element of an array (or array of tables), from 0.
    Index(usize),
}

impl KeyPath {
    /// The root of the file (the empty path).
    pub(crate) fn root() -> Self {
        Self::default()
    }

    /// This path followed by `key`.
    pub(crate) fn key(&self, key: &str) -> Self {
        self.then(Segment::Key(key.to_owned()))
    }

    /// This path followed by element `index`.
    pub(crate) fn index(&self, index: usize) -> Self {
        self.then(Segment::Index(index))
    }

    /// This path followed by `segment`.
    pub(crate) fn then(&self, segment: Segment) -> Self {
        let mut segments = self.0.clone();
        segments.push(segment);
        Self(segments)
    }

    /// The steps of the path, from the root.
    pub(crate) fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The last key of the path, if it ends in a key.
    pub(crate) fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Segment::Key(key)) => Some(key),
            _ => None,
        }
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    write_key(f, key)?;
                }
            }
        }
        Ok(())
    }
}

/// Writes a key bare when TOML allows it, quoted otherwise (`channels."amazon.com"`).
fn write_key(f: &mut fmt::Formatter<'_>, key: &str) -> fmt::Result {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        f.write_str(key)
    } else {
        write!(f, "{key:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_keys_indices_and_quoted_keys() {
        let path = KeyPath::root()
            .key("links")
            .index(2)
            .key("poll")
            .key("every");
        assert_eq!(path.to_string(), "links[2].poll.every");
        let quoted = KeyPath::root()
            .key("channels")
            .key("amazon.com")
            .key("buffer");
        assert_eq!(quoted.to_string(), "channels.\"amazon.com\".buffer");
        assert_eq!(KeyPath::root().to_string(), "");
    }
}
