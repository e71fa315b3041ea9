//! Diagnostics: a code, a message, where (labelled spans in a mapping file), what to do about it.
//! A [`Diagnostic`] is data, built with a small builder:
//!
//! ```
//! use clerkmap::diagnostic::{Code, Diagnostic, Span};
//! let d = Diagnostic::error(Code::Duplicate, Span::new(30, 34), "attribute `name` is assigned twice")
//!     .label("second assignment")
//!     .secondary(Span::new(10, 14), "first assignment")
//!     .hint("remove one, or combine them with `??`");
//! assert_eq!(d.span(), Span::new(30, 34));
//! assert_eq!(d.labels.len(), 2);
//! ```
//!
//! [`Diagnostic::render`] draws it with the source lines and every labelled span underlined
//! (miette's graphical handler). This module imports nothing else from the crate.

mod render;
mod source;

pub mod codes;
pub mod suggest;

pub use codes::Code;
pub use render::render_all;
pub use source::{SourceFile, Span};

/// How bad it is: an error refuses the mapping, a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The mapping is refused.
    Error,
    /// The mapping runs; something looks like a mistake.
    Warning,
}

/// A span of the source with a short text under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// What it underlines.
    pub span: Span,
    /// The text under the underline (may be empty).
    pub text: String,
    /// The primary label is where the problem is; the others give context (where the first
    /// definition is, where the value comes from...).
    pub primary: bool,
}

/// A fix a tool can apply without asking: `text` in place of `span` (the name a "did you mean"
/// hint suggests, for an editor's quick fix).
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    /// What to replace.
    pub span: Span,
    /// The text to put there.
    pub text: String,
}

/// One problem found in a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// The stable code (`E003`).
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The primary label first, then the context labels.
    pub labels: Vec<Label>,
    /// Further explanations, shown after the snippet.
    pub notes: Vec<String>,
    /// How to fix it.
    pub hint: Option<String>,
    /// The hint as an edit, when it names the text to write (a "did you mean"); boxed, to keep
    /// a diagnostic small.
    pub replacement: Option<Box<Replacement>>,
}

impl Diagnostic {
    /// An error at `span` (its primary label, without text until [`Diagnostic::label`]).
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: vec![Label {
                span,
                text: String::new(),
                primary: true,
            }],
            notes: Vec::new(),
            hint: None,
            replacement: None,
        }
    }
    /// A warning at `span`; `Span::default()` for one that points nowhere in the file.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }
    /// Sets the text under the primary span.
    pub fn label(mut self, text: impl Into<String>) -> Diagnostic {
        match self.labels.iter_mut().find(|l| l.primary) {
            Some(l) => l.text = text.into(),
            None => self.labels.insert(
                0,
                Label {
                    span: Span::default(),
                    text: text.into(),
                    primary: true,
                },
            ),
        }
        self
    }
    /// Adds a context label: another place that explains this one.
    pub fn secondary(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            text: text.into(),
            primary: false,
        });
        self
    }
    /// Adds a note, shown after the snippet.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
    /// Sets how to fix it.
    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
    /// Sets how to fix it, when there is something to say.
    pub fn hint_opt(mut self, hint: Option<String>) -> Diagnostic {
        self.hint = hint;
        self
    }
    /// Sets the hint's edit: `text` in place of `span` (see [`Replacement`]).
    pub fn replace_with(mut self, span: Span, text: Option<&str>) -> Diagnostic {
        self.replacement = text.map(|text| {
            Box::new(Replacement {
                span,
                text: text.to_string(),
            })
        });
        self
    }
    /// The primary label, if there is one.
    pub fn primary(&self) -> Option<&Label> {
        self.labels.iter().find(|l| l.primary)
    }
    /// Where the problem is: the primary label's span (`Span::default()` when none).
    pub fn span(&self) -> Span {
        self.primary().map(|l| l.span).unwrap_or_default()
    }
    /// Whether the diagnostic points into the file (a `--var` warning does not).
    pub fn has_location(&self) -> bool {
        self.span() != Span::default()
    }
    /// Whether it refuses the mapping.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// One line: `file:line:col: error[E0001]: message`.
    pub fn short(&self, src: &SourceFile) -> String {
        let (line, col) = src.line_col(self.span().start);
        format!(
            "{}:{line}:{col}: {}[{}]: {}",
            src.name,
            self.severity_word(),
            self.code,
            self.message
        )
    }

    fn severity_word(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_keeps_the_primary_label_first() {
        let d = Diagnostic::error(Code::UsedBeforeAssigned, Span::new(8, 12), "used early")
            .secondary(Span::new(20, 24), "assigned here")
            .label("not assigned yet")
            .note("attributes are evaluated top to bottom");
        assert_eq!(d.labels[0].text, "not assigned yet");
        assert!(d.labels[0].primary && !d.labels[1].primary);
        assert_eq!(d.span(), Span::new(8, 12));
        assert_eq!(d.notes.len(), 1);
        let src = SourceFile::new("m.cmap", "let a = 1\nb = 2\n");
        assert_eq!(d.short(&src), "m.cmap:1:9: error[E010]: used early");
    }

    #[test]
    fn a_warning_without_a_place() {
        let d = Diagnostic::warning(Code::UnusedVar, Span::default(), "never read");
        assert!(!d.has_location() && !d.is_error());
    }
}
