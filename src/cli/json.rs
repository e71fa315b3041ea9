//! `--message-format json`: one JSON object per line on stdout, each with a `type`
//! (`diagnostic`, `result`, `case`, `entity`, `summary`, `error`...).

use std::io::Write;

use crate::json;
use crate::value::{Map, Value};

use crate::diagnostic::{Diagnostic, Severity, SourceFile, Span};

/// Prints one object on its own line (a closed pipe is not an error).
pub(crate) fn emit(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}").and_then(|()| out.flush());
}

/// `{"line", "column", "end_line", "end_column"}` of a span (1-based).
fn place(src: &SourceFile, span: Span) -> Map {
    let (line, column) = src.line_col(span.start);
    let (end_line, end_column) = src.line_col(span.end);
    let mut m = Map::new();
    m.insert("line", json!(line));
    m.insert("column", json!(column));
    m.insert("end_line", json!(end_line));
    m.insert("end_column", json!(end_column));
    m
}

/// A diagnostic: its severity, code, message, place (when it has one), labels, notes, hint,
/// and the text `check` would draw for it.
pub(crate) fn diagnostic(d: &Diagnostic, src: &SourceFile) -> Value {
    let mut m = Map::new();
    m.insert("type", json!("diagnostic"));
    m.insert(
        "severity",
        json!(match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }),
    );
    m.insert("code", json!(d.code.to_string()));
    m.insert("message", json!(d.message));
    m.insert("file", json!(src.name));
    if d.has_location() {
        m.extend(place(src, d.span()));
    }
    let labels: Vec<Value> = d
        .labels
        .iter()
        .filter(|l| l.span != Span::default())
        .map(|l| {
            let mut lm = place(src, l.span);
            lm.insert("text", json!(l.text));
            lm.insert("primary", json!(l.primary));
            Value::Object(lm)
        })
        .collect();
    m.insert("labels", Value::Array(labels));
    m.insert("notes", json!(d.notes));
    m.insert("hint", json!(d.hint));
    m.insert("rendered", json!(d.render(src, false)));
    Value::Object(m)
}
