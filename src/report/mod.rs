//! Reporters: findings in, text out. A reporter knows findings and rule
//! metadata, never the rules themselves.

pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod printable;
pub mod sarif;

use crate::finding::{Finding, Notice, RuleMeta};
use crate::source::SourceMap;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Rich diagnostics for people (plain text when not a terminal).
    Human,
    /// SARIF 2.1.0 for GitHub code scanning and SARIF viewers.
    Sarif,
    /// A versioned JSON document (see the README).
    Json,
    /// GitHub Actions annotations (`::error file=...::message`).
    Github,
}

/// Everything a reporter may use.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub sources: &'a SourceMap,
    pub rules: &'a [&'static RuleMeta],
    /// Files analyzed, for summaries.
    pub files_analyzed: usize,
    /// Remarks about the run (unused suppressions), shown as notes.
    pub notices: &'a [Notice],
    /// The run's duration, for the closing line; `None` keeps the output
    /// the same from run to run.
    pub elapsed: Option<std::time::Duration>,
}

impl Report<'_> {
    pub fn meta(&self, code: &str) -> Option<&'static RuleMeta> {
        self.rules.iter().copied().find(|m| m.code == code)
    }
}

/// Renders `report` in `format`.
pub fn render(format: OutputFormat, report: &Report, style: human::Style) -> String {
    match format {
        OutputFormat::Human => human::render(report, style),
        OutputFormat::Sarif => sarif::render(report),
        OutputFormat::Json => json::render(report),
        OutputFormat::Github => github::render(report),
    }
}
