//! Between key paths and places in the file: where a path points (for errors found while
//! validating) and which path a byte offset lies in (for errors found while deserializing).

use std::ops::Range;

use toml_edit::{Array, ArrayOfTables, Document, Item, TableLike, Value};

use super::path::{KeyPath, Segment};

/// Byte offset of the value at `path`, or of its nearest parent that has a place in the file
/// (for a missing key: the table that should hold it). 0 when nothing on the path has one.
pub(crate) fn offset_of(doc: &Document<String>, path: &KeyPath) -> usize {
    let mut place = Place::of_item(doc.as_item());
    let mut offset = 0;
    for segment in path.segments() {
        let Some((_, child)) = place.child(segment) else {
            break;
        };
        if let Some(span) = &child.span {
            offset = span.start;
        }
        place = child;
    }
    offset
}

/// The deepest key path whose key or value covers byte `offset`; the root when none does.
pub(crate) fn path_at(doc: &Document<String>, offset: usize) -> KeyPath {
    search(&Place::of_item(doc.as_item()), &KeyPath::root(), offset).unwrap_or_default()
}

fn search(place: &Place<'_>, path: &KeyPath, offset: usize) -> Option<KeyPath> {
    let covers = |span: &Option<Range<usize>>| span.as_ref().is_some_and(|s| s.contains(&offset));
    for (segment, key_span, child) in place.children() {
        let child_path = path.then(segment);
        if let Some(found) = search(&child, &child_path, offset) {
            return Some(found);
        }
        if covers(&key_span) || covers(&child.span) {
            return Some(child_path);
        }
    }
    None
}

/// A table, array or value of the document with its span.
struct Place<'a> {
    span: Option<Range<usize>>,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Table(&'a dyn TableLike),
    Tables(&'a ArrayOfTables),
    Values(&'a Array),
    Leaf,
}

type Child<'a> = (Segment, Option<Range<usize>>, Place<'a>);

impl<'a> Place<'a> {
    fn of_item(item: &'a Item) -> Self {
        match item {
            Item::Table(table) => Self {
                span: table.span(),
                kind: Kind::Table(table),
            },
            Item::ArrayOfTables(tables) => Self {
                span: tables.span(),
                kind: Kind::Tables(tables),
            },
            Item::Value(value) => Self::of_value(value),
            Item::None => Self {
                span: None,
                kind: Kind::Leaf,
            },
        }
    }

    fn of_value(value: &'a Value) -> Self {
        let kind = match value {
            Value::InlineTable(table) => Kind::Table(table),
            Value::Array(values) => Kind::Values(values),
            _ => Kind::Leaf,
        };
        Self {
            span: value.span(),
            kind,
        }
    }

    /// The child at `segment` and the span of its key.
    fn child(&self, segment: &Segment) -> Option<(Option<Range<usize>>, Place<'a>)> {
        match (&self.kind, segment) {
            (Kind::Table(table), Segment::Key(key)) => {
                let (key, item) = table.get_key_value(key)?;
                Some((key.span(), Place::of_item(item)))
            }
            (Kind::Tables(tables), Segment::Index(i)) => {
                let table = tables.get(*i)?;
                let place = Place {
                    span: table.span(),
                    kind: Kind::Table(table),
                };
                Some((None, place))
            }
            (Kind::Values(values), Segment::Index(i)) => {
                Some((None, Place::of_value(values.get(*i)?)))
            }
            _ => None,
        }
    }

    fn children(&self) -> Vec<Child<'a>> {
        let segments: Vec<Segment> = match &self.kind {
            Kind::Table(table) => table
                .iter()
                .map(|(key, _)| Segment::Key(key.to_owned()))
                .collect(),
            Kind::Tables(tables) => (0..tables.len()).map(Segment::Index).collect(),
            Kind::Values(values) => (0..values.len()).map(Segment::Index).collect(),
            Kind::Leaf => Vec::new(),
        };
        segments
            .into_iter()
            .filter_map(|segment| {
                let (key_span, child) = self.child(&segment)?;
                Some((segment, key_span, child))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "name = \"x\"\n[[links]]\nfrom = \"a\"\n[[links]]\npoll = { every = \"0s\" }\n";

    #[test]
    fn finds_the_value_at_a_path_or_its_nearest_parent() {
        let doc = Document::parse(TEXT.to_owned()).unwrap();
        let every = KeyPath::root()
            .key("links")
            .index(1)
            .key("poll")
            .key("every");
        assert_eq!(&TEXT[offset_of(&doc, &every)..][..4], "\"0s\"");
        let missing = KeyPath::root().key("links").index(1).key("to");
        assert_eq!(&TEXT[offset_of(&doc, &missing)..][..9], "[[links]]");
        assert_eq!(offset_of(&doc, &KeyPath::root().key("horizon")), 0);
    }

    #[test]
    fn finds_the_path_at_an_offset() {
        let doc = Document::parse(TEXT.to_owned()).unwrap();
        let offset = TEXT.find("every").unwrap();
        assert_eq!(path_at(&doc, offset).to_string(), "links[1].poll.every");
        let offset = TEXT.find("\"a\"").unwrap();
        assert_eq!(path_at(&doc, offset).to_string(), "links[0].from");
    }
}
