//! The one diagnostic type every rule emits and every reporter renders.

use std::fmt;

use serde::Serialize;

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span with a short text saying what is there.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// A finding (or an input problem such as a parse error).
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// `AKS004`, or `parse-error` for input that could not be read.
    pub code: String,
    /// Kebab-case rule name, e.g. `cni-subnet-too-small`.
    pub name: String,
    pub severity: Severity,
    pub message: String,
    /// The most specific place that explains the finding.
    pub primary: Label,
    /// Other places involved (possibly in other files).
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// Resource id (or format-local address) of the resource the finding is about.
    pub resource: Option<String>,
    /// The deployment scope the finding was made in (a path), when it helps
    /// tell two scopes apart.
    pub scope: Option<String>,
}

impl Diagnostic {
    pub fn new(
        code: impl Into<String>,
        name: impl Into<String>,
        severity: Severity,
        message: impl Into<String>,
        primary: Label,
    ) -> Diagnostic {
        Diagnostic {
            code: code.into(),
            name: name.into(),
            severity,
            message: message.into(),
            primary,
            labels: Vec::new(),
            help: None,
            resource: None,
            scope: None,
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label::new(span, message));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_resource(mut self, resource: impl Into<String>) -> Diagnostic {
        self.resource = Some(resource.into());
        self
    }

    /// An input that could not be parsed; the run goes on with the other files.
    pub fn parse_error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(
            "parse-error",
            "parse-error",
            Severity::Error,
            message,
            Label::new(span, "the parser stopped here"),
        )
    }
}
