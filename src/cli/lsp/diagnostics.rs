//! A document checked as `clerkmap check` checks a file, and its diagnostics in the protocol's
//! terms: the code, the primary span as the range, the notes and the hint in the message, the
//! other labels as related information.

use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position,
    PublishDiagnosticsParams, Range, Url,
};

use super::Document;
use super::project::Projects;
use crate::check::input_warnings;
use crate::diagnostic::{Diagnostic, Severity, SourceFile};

/// What checking a document found.
pub(super) struct Checked {
    /// The checker's diagnostics, W003 against the project's inputs included.
    pub diags: Vec<Diagnostic>,
    /// Why the project file could not be used, if it could not.
    pub project_error: Option<String>,
}

/// The name a document goes by in messages.
pub(super) fn name(doc: &Document) -> String {
    doc.path
        .as_ref()
        .map_or_else(|| "<untitled>".to_string(), |p| p.display().to_string())
}

/// Checks a document: [`super::super::diagnose`] with its project's vars, then its record
/// paths against the inputs the project names (W003).
pub(super) fn check(doc: &Document, projects: &mut Projects) -> Checked {
    let src = SourceFile::new(name(doc), doc.text.clone());
    let project = projects.project(doc.path.as_deref());
    let mut diags = match super::super::diagnose(&src, &project.vars, false) {
        Ok(c) => c.warnings,
        Err(d) => d,
    };
    if !project.inputs.is_empty() {
        let fields = projects.input_fields(&project);
        diags.extend(input_warnings(&src, &fields));
    }
    Checked {
        diags,
        project_error: project.error,
    }
}

/// The notification that publishes a document's diagnostics.
pub(super) fn publish(uri: Url, doc: &Document, checked: &Checked) -> PublishDiagnosticsParams {
    let mut diagnostics: Vec<lsp_types::Diagnostic> =
        checked.diags.iter().map(|d| to_lsp(&uri, doc, d)).collect();
    if let Some(e) = &checked.project_error {
        diagnostics.push(lsp_types::Diagnostic {
            range: Range::new(Position::new(0, 0), Position::new(0, 0)),
            severity: Some(DiagnosticSeverity::WARNING),
            source: Some("clerkmap".into()),
            message: format!("the project file is not used: {e}"),
            ..lsp_types::Diagnostic::default()
        });
    }
    PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    }
}

/// One diagnostic in the protocol's terms.
pub(super) fn to_lsp(uri: &Url, doc: &Document, d: &Diagnostic) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    for n in &d.notes {
        message.push_str("\nnote: ");
        message.push_str(n);
    }
    if let Some(h) = &d.hint {
        message.push_str("\nhint: ");
        message.push_str(h);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), doc.index.range(&doc.text, l.span)),
            message: if l.text.is_empty() {
                "here".into()
            } else {
                l.text.clone()
            },
        })
        .collect();
    lsp_types::Diagnostic {
        range: doc.index.range(&doc.text, d.span()),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        source: Some("clerkmap".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}
