//! Drawing diagnostics for people: miette's graphical report with the source snippet, every
//! label (the primary one first), the notes and the hint.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::{Diagnostic, Severity, SourceFile};

impl Diagnostic {
    /// The full report: `error[CODE]`, the message, `file:line:col` with the source snippet and
    /// the labelled spans underlined, the notes and the hint. `color` adds ANSI colours (for
    /// terminals).
    pub fn render(&self, src: &SourceFile, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .with_links(false);
        let report = Report {
            diag: self,
            src: NamedSource::new(&src.name, src.text.clone()),
        };
        let mut out = String::new();
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str("  (the source snippet could not be rendered)\n");
        }
        for note in &self.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        out
    }
}

/// Renders a list of diagnostics, errors first, then a summary line.
pub fn render_all(diags: &[Diagnostic], src: &SourceFile, color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render(src, color));
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if errors > 0 {
        out.push_str(&format!(
            "{}: {}, {}\n",
            src.name,
            plural(errors, "error"),
            plural(warnings, "warning")
        ));
    }
    out
}

/// A diagnostic and its file, as miette wants them.
struct Report<'a> {
    diag: &'a Diagnostic,
    src: NamedSource<String>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report").field("diag", self.diag).finish()
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}[{}]",
            self.diag.severity_word(),
            self.diag.code
        )))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.diag
            .has_location()
            .then_some(&self.src as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.diag.has_location() {
            return None;
        }
        let primary = self.diag.labels.iter().filter(|l| l.primary);
        let context = self.diag.labels.iter().filter(|l| !l.primary);
        let labels = primary
            .chain(context)
            .filter(|l| l.span != Default::default())
            .map(|l| {
                let text = (!l.text.is_empty()).then(|| l.text.clone());
                let span = (l.span.start, l.span.end.saturating_sub(l.span.start));
                if l.primary {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            });
        Some(Box::new(labels))
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{Code, Diagnostic, SourceFile, Span};

    #[test]
    fn renders_every_label_and_the_notes() {
        let text = "products from a {\n  name = .x\n  id = .c\n  name = .y\n}\n";
        let src = SourceFile::new("m.cmap", text);
        let second = text.rfind("name").unwrap_or(0);
        let first = text.find("name").unwrap_or(0);
        let d = Diagnostic::error(
            Code::Duplicate,
            Span::new(second, second + 4),
            "attribute `name` is assigned twice",
        )
        .label("second assignment")
        .secondary(Span::new(first, first + 4), "first assignment")
        .note("a note")
        .hint("remove one");
        let out = d.render(&src, false);
        assert!(out.contains("error[E009]"), "{out}");
        // The header points at the primary label, though the other one comes first.
        assert!(out.contains("[m.cmap:4:3]"), "{out}");
        assert!(out.contains("second assignment"), "{out}");
        assert!(out.contains("first assignment"), "{out}");
        assert!(out.contains("help: remove one"), "{out}");
        assert!(out.ends_with("  note: a note\n"), "{out}");
    }
}
