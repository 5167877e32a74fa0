//! Findings and rule metadata: the plain data that flows from the checks to
//! the reporters. Reporters see these, never the rules themselves.

use crate::source::Span;

/// A finding's level, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text.to_ascii_lowercase().as_str() {
            "note" | "info" => Some(Level::Note),
            "warning" | "warn" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

/// What a rule is, for listings, documentation and SARIF.
#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    /// `EKS003`.
    pub code: &'static str,
    /// `cluster-security-group-egress-below-minimum`.
    pub name: &'static str,
    pub level: Level,
    /// One sentence: what the rule reports.
    pub summary: &'static str,
    /// The user documentation in Markdown (what it checks, why, examples,
    /// what to write instead, references). `explain` prints it.
    pub doc: &'static str,
    /// Seed references (`S5`).
    pub seed: &'static [&'static str],
    /// Formats the rule covers, for fixture meta-tests and docs.
    pub formats: &'static [&'static str],
    /// GitHub code scanning's `security-severity` (0.0–10.0) as a string.
    pub security_severity: &'static str,
}

/// A secondary location with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found, at one place in the user's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub level: Level,
    /// What is wrong (lower case start, no trailing period).
    pub message: String,
    pub span: Span,
    /// The label shown under the primary span.
    pub label: Option<String>,
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// The resource involved: logical ID / address / eksctl path.
    pub resource: Option<String>,
    /// Set when a comment or `Metadata` in the source suppresses the
    /// finding: it is kept for SARIF, not shown or counted otherwise.
    pub suppression: Option<Suppression>,
}

/// Why a finding is suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The reason the user wrote, if any.
    pub reason: Option<String>,
    /// Where the suppression is written.
    pub span: Span,
}

/// A remark about the run rather than the infrastructure: a suppression
/// that suppresses nothing. Reported as a note; it never fails a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub span: Span,
    /// What is wrong (lower case start, no trailing period).
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl Finding {
    pub fn new(meta: &RuleMeta, span: Span, message: impl Into<String>) -> Self {
        Finding {
            code: meta.code,
            level: meta.level,
            message: message.into(),
            span,
            label: None,
            labels: Vec::new(),
            help: None,
            resource: None,
            suppression: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }
}
