//! A rejected record, as data: which entity and input, where in the input, its id when it has
//! one, and every reason (with the place in the mapping when a statement failed). Sinks decide
//! how to write it: `rejects.ndjson` renders the reasons with their mapping location; a test
//! case shows them without, so that reformatting a mapping does not change its snapshots.

use crate::value::Value;
use serde::Serialize;

use crate::clerk::Entity;
use crate::diagnostic::SourceFile;
use crate::eval::Reason;

/// Where a record is in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    /// A line (NDJSON, CSV: the record's first line).
    Line(u64),
    /// A record number, from 1 (a JSON array, XML items).
    Record(u64),
}

impl Loc {
    /// The location of record `n` of an input read by lines or by records.
    pub fn new(n: u64, has_lines: bool) -> Loc {
        if has_lines {
            Loc::Line(n)
        } else {
            Loc::Record(n)
        }
    }

    /// The line or record number.
    pub fn number(self) -> u64 {
        match self {
            Loc::Line(n) | Loc::Record(n) => n,
        }
    }
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Loc::Line(n) => write!(f, "line {n}"),
            Loc::Record(n) => write!(f, "record {n}"),
        }
    }
}

/// One rejected record (or one group of rows, or one row that could not be read).
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// The block's entity.
    pub entity: Entity,
    /// The block's source name.
    pub source: String,
    /// The input, as messages name it.
    pub file: String,
    /// Where the record starts in the input.
    pub loc: Loc,
    /// The record's id, when it was computed.
    pub id: Option<Value>,
    /// Every reason, in the order found.
    pub reasons: Vec<Reason>,
}

/// How a reason is written.
#[derive(Debug, Clone, Copy)]
pub enum Located<'a> {
    /// With ` (at mapping:line:col)` when a statement of this mapping failed.
    In(&'a SourceFile),
    /// Without the mapping location.
    Without,
}

/// "`price`: msg (at passweb.cmap:9:17)".
pub fn render_reason(r: &Reason, located: Located) -> String {
    let mut s = match &r.attribute {
        Some(a) => format!("`{a}`: {}", r.message),
        None => r.message.clone(),
    };
    if let (Some(span), Located::In(mapping)) = (r.span, located) {
        let (line, col) = mapping.line_col(span.start);
        s.push_str(&format!(" (at {}:{line}:{col})", mapping.name));
    }
    s
}

impl Reject {
    /// The reasons as text.
    pub fn reason_texts(&self, located: Located) -> Vec<String> {
        self.reasons
            .iter()
            .map(|r| render_reason(r, located))
            .collect()
    }

    /// The line of `rejects.ndjson` (without the newline).
    pub fn to_json_line(&self, mapping: &SourceFile) -> Result<Vec<u8>, serde_json::Error> {
        #[derive(Serialize)]
        struct Line<'a> {
            entity: &'a str,
            source: &'a str,
            file: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            line: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            record: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            id: Option<&'a Value>,
            reasons: Vec<String>,
        }
        let (line, record) = match self.loc {
            Loc::Line(n) => (Some(n), None),
            Loc::Record(n) => (None, Some(n)),
        };
        serde_json::to_vec(&Line {
            entity: self.entity.name(),
            source: &self.source,
            file: &self.file,
            line,
            record,
            id: self.id.as_ref().filter(|v| !v.is_null()),
            reasons: self.reason_texts(Located::In(mapping)),
        })
    }
}

/// A reason the engine gives itself (no attribute, no mapping location).
pub fn engine_reason(message: impl Into<String>) -> Reason {
    Reason {
        attribute: None,
        row: None,
        message: message.into(),
        span: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    #[test]
    fn reasons_render_with_or_without_the_mapping_location() {
        let mapping = SourceFile::new("m.cmap", "products from a {\n  price = .p\n}\n");
        let r = Reject {
            entity: Entity::Products,
            source: "a".into(),
            file: "a.ndjson".into(),
            loc: Loc::Line(3),
            id: Some(Value::from("X")),
            reasons: vec![
                Reason {
                    attribute: Some("price".into()),
                    message: "bad".into(),
                    span: Some(Span::new(28, 30)),
                    row: None,
                },
                engine_reason("duplicate id"),
            ],
        };
        assert_eq!(
            r.reason_texts(Located::In(&mapping)),
            vec!["`price`: bad (at m.cmap:2:11)", "duplicate id"]
        );
        assert_eq!(r.reason_texts(Located::Without)[0], "`price`: bad");
        let line =
            String::from_utf8(r.to_json_line(&mapping).unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            line,
            r#"{"entity":"products","source":"a","file":"a.ndjson","line":3,"id":"X","reasons":["`price`: bad (at m.cmap:2:11)","duplicate id"]}"#
        );
    }
}
