//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice`
//! line per finding, which GitHub shows as an annotation on the pull request.

use super::{printable, Report};
use crate::finding::Level;
use crate::source::Span;

/// Escapes a message (data): `%`, `\r` and `\n`. Other control characters,
/// which the Actions log would send to its terminal renderer, are shown as
/// pictures ([`printable::text`]).
fn escape_data(s: &str) -> String {
    printable::text(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as data, plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in report.findings {
        let command = match f.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        let name = report.meta(f.code).map_or("", |m| m.name);
        let title = format!("{} {name}", f.code);
        annotate(
            &mut out,
            report,
            command,
            f.span,
            &title,
            &f.message,
            f.help.as_deref(),
        );
    }
    for n in report.notices {
        annotate(
            &mut out,
            report,
            "notice",
            n.span,
            "eks-sg-lint unused-suppression",
            &n.message,
            n.help.as_deref(),
        );
    }
    out
}

/// Writes one workflow command for `span`.
fn annotate(
    out: &mut String,
    report: &Report,
    command: &str,
    span: Span,
    title: &str,
    message: &str,
    help: Option<&str>,
) {
    let Some(file) = report.sources.get(span.file) else {
        return;
    };
    let (start, end) = file.range(span);
    let mut message = message.to_string();
    if let Some(help) = help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    out.push_str(&format!(
        "::{command} file={},line={},endLine={},col={},endColumn={},title={}::{}\n",
        escape_property(&file.display),
        start.line,
        end.line,
        start.column,
        end.column,
        escape_property(title),
        escape_data(&message),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_data("a\r\nb\u{1b}[8m"), "a%0Ab\u{241b}[8m");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
