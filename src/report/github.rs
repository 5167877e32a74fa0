//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice`
//! line per finding, which GitHub shows as an annotation on the pull request.

use super::Report;
use crate::finding::Level;

/// Escapes a message (data): `%`, `\r` and `\n`.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
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
        let Some(file) = report.sources.get(f.span.file) else {
            continue;
        };
        let (start, end) = file.range(f.span);
        let command = match f.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        let name = report.meta(f.code).map_or("", |m| m.name);
        let title = format!("{} {name}", f.code);
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
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
            escape_property(&title),
            escape_data(&message),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
