//! Drawing diagnostics for people: miette's graphical report with the source snippet, every
//! label (the primary one first), the notes and the hint.
//!
//! miette reads a snippet by scanning its source from the start; it is given only a window of
//! the file around the snippet, found with the file's line index ([`SourceFile`]), so drawing
//! a diagnostic costs the size of its snippet, not of the file. [`render_all`] draws at most
//! [`MAX_SHOWN`] diagnostics of a file and says how many more there are.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Severity, SourceFile};

/// The most diagnostics [`render_all`] draws for one file: the first ones (errors first, in
/// file order), then one line says how many more there are. A generated mapping with thousands
/// of mistakes gets a readable report at once; fixing the first ones usually fixes many.
pub const MAX_SHOWN: usize = 200;

/// Lines longer than this (in bytes) are not drawn: a diagnostic in one says where it is and
/// quotes its span instead (a generated mapping may hold an expression of a megabyte on one
/// line, and miette cannot draw a column past 65535).
const MAX_LINE: usize = 1000;

/// The most characters of a span quoted when its line is too long to draw.
const MAX_QUOTE: usize = 60;

impl Diagnostic {
    /// The full report: `error[CODE]`, the message, `file:line:col` with the source snippet and
    /// the labelled spans underlined, the notes and the hint. `color` adds ANSI colours (for
    /// terminals).
    pub fn render(&self, src: &SourceFile, color: bool) -> String {
        if !self.has_location() || !self.on_a_long_line(src) {
            return self.render_from(Some(&Window { src }), color, "");
        }
        let span = self.span();
        let (line, col) = src.line_col(span.start);
        let lines = src.lines();
        let n = lines.line_of(span.start);
        let (start, end) = (
            lines.starts.get(n).copied(),
            lines.starts.get(n + 1).copied(),
        );
        let length = src
            .text
            .get(start.unwrap_or(0)..end.unwrap_or(src.text.len()))
            .map_or(0, |l| l.trim_end().chars().count());
        let quoted = src.text.get(span.start..span.end).unwrap_or("");
        let mut quoted: String = quoted.trim().chars().take(MAX_QUOTE).collect();
        if quoted.chars().count()
            < src
                .text
                .get(span.start..span.end)
                .unwrap_or("")
                .trim()
                .chars()
                .count()
        {
            quoted.push_str("...");
        }
        let label = self
            .primary()
            .filter(|l| !l.text.is_empty())
            .map(|l| format!(" ({})", l.text))
            .unwrap_or_default();
        let at = format!(
            "  at {}:{line}:{col}: `{quoted}`{label}, in a line too long to show ({length} characters)\n",
            src.name
        );
        self.render_from(None, color, &at)
    }

    /// Whether a labelled span starts or ends on a line too long to draw.
    fn on_a_long_line(&self, src: &SourceFile) -> bool {
        let lines = src.lines();
        let long = |offset: usize| {
            let n = lines.line_of(offset);
            let start = lines.starts.get(n).copied().unwrap_or(0);
            let end = lines.starts.get(n + 1).copied().unwrap_or(src.text.len());
            end - start > MAX_LINE
        };
        self.labels
            .iter()
            .filter(|l| l.span != Default::default())
            .any(|l| long(l.span.start) || long(l.span.end))
    }

    /// The report, its snippets read from `code` (none: no snippet, `at` says where it is).
    fn render_from(&self, code: Option<&dyn SourceCode>, color: bool, at: &str) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .with_links(false);
        let report = Report { diag: self, code };
        let mut out = String::new();
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str("  (the source snippet could not be rendered)\n");
        }
        out.push_str(at);
        for note in &self.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        out
    }
}

/// Renders a list of diagnostics (at most [`MAX_SHOWN`], then a line counting the others),
/// then a summary line when there are errors.
pub fn render_all(diags: &[Diagnostic], src: &SourceFile, color: bool) -> String {
    let mut out = String::new();
    let (shown, hidden) = diags.split_at(diags.len().min(MAX_SHOWN));
    for d in shown {
        out.push_str(&d.render(src, color));
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    if !hidden.is_empty() {
        let errors = hidden.iter().filter(|d| d.is_error()).count();
        let warnings = hidden.len() - errors;
        let more = match (errors, warnings) {
            (0, w) => plural(w, "more warning"),
            (e, 0) => plural(e, "more error"),
            (e, w) => format!(
                "{} and {}",
                plural(e, "more error"),
                plural(w, "more warning")
            ),
        };
        out.push_str(&format!(
            "... and {more} (only the first {MAX_SHOWN} diagnostics of a file are shown)\n"
        ));
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
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

/// The source as miette reads it: each snippet from a window of whole lines around its span.
struct Window<'a> {
    src: &'a SourceFile,
}

impl SourceCode for Window<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let text = self.src.text.as_str();
        let end = span.offset() + span.len();
        if end > text.len() {
            // Out of bounds: miette says so.
            return text.read_span(span, context_lines_before, context_lines_after);
        }
        let lines = self.src.lines();
        // Whole lines, one more than the context on each side (miette's own scan decides).
        let first = lines
            .line_of(span.offset())
            .saturating_sub(context_lines_before + 1);
        let last = lines.line_of(end) + context_lines_after + 2;
        let lo = lines.starts.get(first).copied().unwrap_or(0);
        let hi = lines.starts.get(last).copied().unwrap_or(text.len());
        // Line starts follow a `\n`, so they are character boundaries.
        let (lo, window, first) = match text.get(lo..hi) {
            Some(w) => (lo, w, first),
            None => (0, text, 0),
        };
        #[cfg(test)]
        tests::READ.with(|n| n.set(n.get() + window.len()));
        let inner = window.read_span(
            &SourceSpan::new((span.offset() - lo).into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        // Line numbers count the lines before the window, as miette would have.
        let shift = lines.breaks_before(first);
        Ok(Box::new(MietteSpanContents::new_named(
            self.src.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + lo).into(), inner.span().len()),
            inner.line() + shift,
            inner.column(),
            inner.line_count() + shift,
        )))
    }
}

/// A diagnostic and its file, as miette wants them.
struct Report<'a> {
    diag: &'a Diagnostic,
    /// Where the snippets come from; none: the report has no snippet.
    code: Option<&'a dyn SourceCode>,
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
        self.code.filter(|_| self.diag.has_location())
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.diag.has_location() || self.code.is_none() {
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
pub(super) mod tests {
    use std::cell::Cell;

    use miette::NamedSource;

    use super::MAX_SHOWN;
    use crate::diagnostic::source::tests::INDEX_BUILDS;
    use crate::diagnostic::{Code, Diagnostic, SourceFile, Span, render_all};

    thread_local! {
        /// How many bytes of source this thread handed miette to scan.
        pub(in crate::diagnostic) static READ: Cell<usize> = const { Cell::new(0) };
    }

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

    /// Reading snippets from a window of the file draws exactly what reading the whole file
    /// draws: first and last lines, spans over several lines, labels far apart or close
    /// together, an empty span at the end, CRLF and lone CR line ends, non-ASCII text.
    #[test]
    fn a_window_renders_like_the_whole_file() {
        let mut text = String::new();
        for i in 0..40 {
            let end = match i % 7 {
                3 => "\r\n",
                5 => "\r",
                _ => "\n",
            };
            text.push_str(&format!("  attr_{i} = .campo_{i} | trim # è ü{end}"));
        }
        text.push_str("  last = 1");
        let src = SourceFile::new("m.cmap", text.clone());
        let whole = NamedSource::new("m.cmap", text.clone());
        let at = |needle: &str| text.find(needle).unwrap_or(0);
        let len = text.len();
        let spans = [
            (0, 2, None),
            (at("attr_1 "), at("attr_1 ") + 6, Some(at("attr_30"))),
            (at("attr_5 "), at("attr_9 "), None),
            (at("attr_20"), at("attr_20") + 3, Some(at("attr_21"))),
            (at("attr_21"), at("attr_21") + 3, Some(at("attr_19"))),
            (at("campo_33"), at("campo_33") + 8, Some(at("campo_36"))),
            (at("last"), len, None),
            (len, len, Some(0)),
        ];
        for (start, end, other) in spans {
            let mut d = Diagnostic::error(Code::Syntax, Span::new(start, end), "m")
                .label("here")
                .hint("h");
            if let Some(o) = other {
                d = d.secondary(Span::new(o, o + 4), "there");
            }
            for color in [false, true] {
                assert_eq!(
                    d.render(&src, color),
                    d.render_from(Some(&whole), color, ""),
                    "span {start}..{end}, other {other:?}"
                );
            }
        }
    }

    /// A line of a generated mapping may be megabytes long: miette would draw all of it, and
    /// panics on a column past 65535. The place and the span's text are said instead.
    #[test]
    fn a_diagnostic_on_a_very_long_line_says_where_it_is() {
        let text = format!("products from a {{\n  id = {}.x\n}}\n", "(".repeat(70_000));
        let src = SourceFile::new("m.cmap", text.clone());
        let at = text.find(".x").unwrap_or(0);
        let d = Diagnostic::error(Code::Syntax, Span::new(at, at + 2), "deep")
            .label("here")
            .note("a note");
        let out = d.render(&src, false);
        assert!(out.starts_with("error[E001]\n"), "{out}");
        assert!(
            out.ends_with(
                "  at m.cmap:2:70008: `.x` (here), in a line too long to show (70009 characters)\n  note: a note\n"
            ),
            "{out}"
        );
        let d = Diagnostic::error(Code::Syntax, Span::new(25, 95), "deep");
        assert!(
            d.render(&src, false)
                .contains("  at m.cmap:2:8: `((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((...`, in a line")
        );
    }

    #[test]
    fn at_most_max_shown_diagnostics_then_a_count() {
        let text = "products from a {\n  id = .x\n}\n".repeat(4);
        let src = SourceFile::new("m.cmap", text);
        let mut diags: Vec<Diagnostic> = (0..20_000)
            .map(|i| Diagnostic::error(Code::UnknownName, Span::new(20, 22), format!("error {i}")))
            .collect();
        diags.push(Diagnostic::warning(
            Code::UnusedLookup,
            Span::new(20, 22),
            "w",
        ));
        let out = render_all(&diags, &src, false);
        assert_eq!(out.matches("error[E004]").count(), MAX_SHOWN);
        assert!(
            out.contains("× error 199\n") && !out.contains("error 200\n"),
            "{out}"
        );
        assert!(
            out.ends_with(
                "... and 19800 more errors and 1 more warning (only the first 200 diagnostics of a file are shown)\nm.cmap: 20000 errors, 1 warning\n"
            ),
            "{}",
            &out[out.len() - 300..]
        );
        // Under the cap, nothing is said.
        let out = render_all(&diags[..2], &src, false);
        assert!(out.ends_with("\nm.cmap: 2 errors, 0 warnings\n"), "{out}");
    }

    /// Issue 10: 8,000 diagnostics took 4.5 s and 16,000 took 65 s, each one scanning the file
    /// from its start. The file's lines are indexed once, and each snippet is read from a
    /// window around it: the bytes miette scans do not grow with the file.
    #[test]
    fn rendering_does_not_scan_the_file_per_diagnostic() {
        let lines = 50_000;
        let text: String = (0..lines).map(|i| format!("  a{i} = nofn(.x)\n")).collect();
        let src = SourceFile::new("big.cmap", text.clone());
        let starts: Vec<usize> = text.match_indices("nofn").map(|(i, _)| i).collect();
        // The last diagnostics of the file: the furthest from its start.
        let diags: Vec<Diagnostic> = starts[starts.len() - MAX_SHOWN..]
            .iter()
            .map(|&i| Diagnostic::error(Code::UnknownFunction, Span::new(i, i + 4), "unknown"))
            .collect();
        let (builds, read) = (INDEX_BUILDS.with(Cell::get), READ.with(Cell::get));
        let out = render_all(&diags, &src, false);
        assert!(out.contains(&format!("[big.cmap:{lines}:12]")), "{out}");
        assert_eq!(INDEX_BUILDS.with(Cell::get) - builds, 1);
        let read = READ.with(Cell::get) - read;
        // A few lines per snippet, read a few times each (miette reads the labels, the
        // context and the header separately): nothing like 200 times 1 MB.
        assert!(read < MAX_SHOWN * 20 * 30, "{read} bytes read");
    }
}
