//! Rendering for the Guard commands: parse errors through miette, and the
//! `guard validate` outputs (single-line summary, JSON, SARIF).

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::parser::SyntaxError;
use crate::report::printable;

#[derive(Debug)]
struct SyntaxDiagnostic {
    message: String,
    src: NamedSource<String>,
    offset: usize,
    len: usize,
}

impl std::fmt::Display for SyntaxDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SyntaxDiagnostic {}

impl Diagnostic for SyntaxDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new("guard::parse"))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some("here".into()), (self.offset, self.len)),
        )))
    }
}

/// A rules-file parse error with the source line and a marker, through
/// miette (Unicode and colour on a terminal, ASCII otherwise).
pub fn render_syntax_error(path: &str, text: &str, error: &SyntaxError, color: bool) -> String {
    let offset = error.offset.min(text.len());
    let len = error.len.min(text.len() - offset);
    // The rules file may come from the scanned repository (its config's
    // `rules`): its control characters are shown, not sent to the terminal,
    // with stand-ins of the same length so that the offsets still fit.
    let diag = SyntaxDiagnostic {
        message: printable::text(&error.message).into_owned(),
        src: NamedSource::new(printable::line(path), printable::source(text).into_owned()),
        offset,
        len,
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    if GraphicalReportHandler::new_themed(theme)
        .render_report(&mut out, &diag)
        .is_err()
    {
        out = format!(
            "{}: {}\n",
            printable::line(path),
            printable::text(&error.message)
        );
    }
    out
}
