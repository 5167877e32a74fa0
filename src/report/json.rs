//! The JSON report: a documented, versioned shape (see the README).
//!
//! ```json
//! {"version": 1, "tool": {"name": "eks-sg-lint", "version": "0.1.0"},
//!  "findings": [{"code": "EKS003", "name": "...", "level": "error",
//!    "message": "...", "file": "a.yaml",
//!    "start": {"line": 3, "column": 5}, "end": {"line": 3, "column": 20},
//!    "resource": "SharedSg", "help": "...", "labels": [...]}],
//!  "notices": [{"kind": "unused-suppression", "message": "...",
//!    "file": "a.yaml", "start": {...}, "end": {...}, "help": "..."}],
//!  "summary": {"files": 1, "errors": 1, "warnings": 0, "notes": 0}}
//! ```
//!
//! `notices` (unused suppressions) is left out when there are none.

use serde::Serialize;

use super::Report;
use crate::finding::Level;

/// Bumped when a field changes meaning or disappears; new fields may be
/// added within a version.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    /// Unused suppressions; absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notices: Vec<JsonNotice<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonNotice<'a> {
    kind: &'static str,
    message: &'a str,
    file: &'a str,
    start: Position,
    end: Position,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    start: Position,
    end: Position,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    name: &'a str,
    level: &'a str,
    message: &'a str,
    file: &'a str,
    start: Position,
    end: Position,
    resource: Option<&'a str>,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

pub fn render(report: &Report) -> String {
    let position = |file: &crate::source::SourceFile, span: crate::source::Span| {
        let (s, e) = file.range(span);
        (
            Position {
                line: s.line,
                column: s.column,
            },
            Position {
                line: e.line,
                column: e.column,
            },
        )
    };
    let findings = report
        .findings
        .iter()
        .filter_map(|f| {
            let file = report.sources.get(f.span.file)?;
            let (start, end) = position(file, f.span);
            let labels = f
                .labels
                .iter()
                .filter_map(|l| {
                    let lf = report.sources.get(l.span.file)?;
                    let (start, end) = position(lf, l.span);
                    Some(JsonLabel {
                        file: &lf.display,
                        start,
                        end,
                        message: &l.message,
                    })
                })
                .collect();
            Some(JsonFinding {
                code: f.code,
                name: report.meta(f.code).map_or("", |m| m.name),
                level: f.level.as_str(),
                message: &f.message,
                file: &file.display,
                start,
                end,
                resource: f.resource.as_deref(),
                help: f.help.as_deref(),
                labels,
            })
        })
        .collect();
    let notices = report
        .notices
        .iter()
        .filter_map(|n| {
            let file = report.sources.get(n.span.file)?;
            let (start, end) = position(file, n.span);
            Some(JsonNotice {
                kind: "unused-suppression",
                message: &n.message,
                file: &file.display,
                start,
                end,
                help: n.help.as_deref(),
            })
        })
        .collect();
    let count = |level| report.findings.iter().filter(|f| f.level == level).count();
    let doc = Document {
        version: JSON_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        findings,
        notices,
        summary: Summary {
            files: report.files_analyzed,
            errors: count(Level::Error),
            warnings: count(Level::Warning),
            notes: count(Level::Note),
        },
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}
