//! Human output through `miette`: graphical on a terminal, narratable text
//! otherwise. Source snippets are cut with the file's line index, so that
//! rendering thousands of findings does not rescan the file for each.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NarratableReportHandler, SourceCode, SourceSpan, SpanContents,
};

use std::borrow::Cow;
use std::collections::HashMap;

use super::{printable, Report};
use crate::finding::{Finding, Label, Level, Notice};
use crate::source::{FileId, SourceFile, Span};

/// How to draw diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unicode boxes and colour (a terminal).
    Color,
    /// Unicode boxes, no colour (`NO_COLOR`).
    Plain,
    /// Narrated text, one fact a line (CI logs, screen readers).
    Narrated,
}

/// A source file as miette reads it, cut by line index. `text` is the
/// file's text, or a copy of the same length whose control characters are
/// shown rather than sent to the terminal ([`printable::source`]).
struct Indexed<'a> {
    file: &'a SourceFile,
    text: &'a str,
}

impl SourceCode for Indexed<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let file = self.file;
        let text = self.text;
        if span.offset() > text.len() || span.offset() + span.len() > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let start = file.line_col(span.offset() as u32).line as usize - 1;
        let last_byte = (span.offset() + span.len())
            .saturating_sub(1)
            .max(span.offset());
        let end = file.line_col(last_byte.min(text.len()) as u32).line as usize - 1;
        let first_line = start.saturating_sub(before);
        let last_line = (end + after).min(file.lines().line_count().saturating_sub(1));
        let from = file
            .lines()
            .line_range(text, first_line as u32 + 1)
            .map_or(0, |r| r.0);
        // The last line's terminator stays out: miette takes a snippet that
        // ends in a newline for the end of the file and would attach later
        // labels to its last line.
        let to = file
            .lines()
            .line_range(text, last_line as u32 + 1)
            .map_or(text.len(), |r| r.1)
            .max(span.offset() + span.len())
            .max(from);
        // An empty last line would leave the snippet ending in a newline,
        // with the same effect: trim it.
        let mut to = to;
        while to > from.max(span.offset() + span.len())
            && matches!(text.as_bytes().get(to - 1), Some(b'\n' | b'\r'))
        {
            to -= 1;
        }
        let last_line = file.line_col(to as u32).line as usize - 1;
        Ok(Box::new(MietteSpanContents::new_named(
            printable::line(&file.display).into_owned(),
            &text.as_bytes()[from..to],
            SourceSpan::from((from, to - from)),
            first_line,
            0,
            last_line - first_line + 1,
        )))
    }
}

/// One finding, or one notice, as a miette diagnostic.
struct Rendered<'a> {
    /// `EKS003(name)`, or the notice's kind.
    code: String,
    level: Level,
    message: Cow<'a, str>,
    help: Option<Cow<'a, str>>,
    span: Span,
    label: Option<Cow<'a, str>>,
    labels: &'a [Label],
    source: Indexed<'a>,
    /// For the narrated report, which places labels its own way.
    narrated: bool,
}

impl<'a> Rendered<'a> {
    fn finding(finding: &'a Finding, name: &str, source: Indexed<'a>) -> Self {
        Rendered {
            code: format!("{}({name})", finding.code),
            level: finding.level,
            message: printable::text(&finding.message),
            help: finding.help.as_deref().map(printable::text),
            span: finding.span,
            label: finding.label.as_deref().map(printable::text),
            labels: &finding.labels,
            source,
            narrated: false,
        }
    }

    fn notice(notice: &'a Notice, source: Indexed<'a>) -> Self {
        Rendered {
            code: NOTICE_KIND.to_string(),
            level: Level::Note,
            message: printable::text(&notice.message),
            help: notice.help.as_deref().map(printable::text),
            span: notice.span,
            label: None,
            labels: &[],
            source,
            narrated: false,
        }
    }
}

/// What notices are, in the narrated header and the graphical code.
const NOTICE_KIND: &str = "unused-suppression";

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendered")
            .field("code", &self.code)
            .finish()
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.level {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
            Level::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_deref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = &self.span;
        let text = self.source.text.as_bytes();
        // The narrated report gives a line break no column, and would say
        // "columns 10 to 9" of a span that is only a line's break: it is
        // told of the span without the break it ends with. (The graphical
        // one draws no label for an empty span at a line's end.)
        let shown = |span: &Span| {
            let start = span.start as usize;
            let mut end = span.end as usize;
            while self.narrated && end > start && matches!(text.get(end - 1), Some(b'\n' | b'\r')) {
                end -= 1;
            }
            (start, end - start)
        };
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            self.label.as_deref().map(str::to_string),
            shown(primary),
        )];
        for label in self.labels {
            // miette draws one source at a time: labels elsewhere are named
            // in the message instead.
            if label.span.file == primary.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(printable::text(&label.message).into_owned()),
                    shown(&label.span),
                ));
            }
        }
        Some(Box::new(labels.into_iter()))
    }
}

pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let graphical = match style {
        Style::Color => Some(GraphicalReportHandler::new_themed(GraphicalTheme::unicode())),
        Style::Plain => Some(GraphicalReportHandler::new_themed(
            GraphicalTheme::unicode_nocolor(),
        )),
        Style::Narrated => None,
    };
    let narrated = NarratableReportHandler::new();
    // The files shown whose text holds control characters, as copies that
    // show them (each file is looked at once).
    let mut shown: HashMap<FileId, Option<String>> = HashMap::new();
    let spans = report.findings.iter().map(|f| f.span);
    for span in spans.chain(report.notices.iter().map(|n| n.span)) {
        shown.entry(span.file).or_insert_with(|| {
            let file = report.sources.get(span.file)?;
            match printable::source(&file.text) {
                Cow::Owned(copy) => Some(copy),
                Cow::Borrowed(_) => None,
            }
        });
    }
    let source = |id: FileId| {
        let file = report.sources.get(id)?;
        let copy = shown.get(&id).and_then(Option::as_deref);
        Some(Indexed {
            file,
            text: copy.unwrap_or(&file.text),
        })
    };
    let findings = report.findings.iter().filter_map(|finding| {
        let name = report.meta(finding.code).map_or("", |m| m.name);
        Some((
            finding.code,
            Rendered::finding(finding, name, source(finding.span.file)?),
        ))
    });
    let notices = report.notices.iter().filter_map(|notice| {
        Some((
            NOTICE_KIND,
            Rendered::notice(notice, source(notice.span.file)?),
        ))
    });
    for (code, mut diagnostic) in findings.chain(notices) {
        diagnostic.narrated = graphical.is_none();
        let file = diagnostic.source.file;
        let pos = file.line_col(diagnostic.span.start);
        let display = printable::line(&file.display);
        if style == Style::Narrated {
            out.push_str(&format!(
                "{}:{}:{}: {} {}\n",
                display,
                pos.line,
                pos.column,
                diagnostic.level.as_str(),
                code
            ));
        }
        let rendered = match &graphical {
            Some(handler) => {
                out.push_str(&format!("{}:{}:{}\n", display, pos.line, pos.column));
                handler.render_report(&mut out, &diagnostic)
            }
            None => narrated.render_report(&mut out, &diagnostic),
        };
        if rendered.is_err() {
            out.push_str(&format!("{}\n", diagnostic.message));
        }
        out.push('\n');
    }
    out.push_str(&summary(report));
    out
}

/// The closing line: findings by level, files analyzed, and the time taken
/// when the report has it.
pub fn summary(report: &Report) -> String {
    let count = |level| report.findings.iter().filter(|f| f.level == level).count();
    let (e, w, n) = (
        count(Level::Error),
        count(Level::Warning),
        count(Level::Note),
    );
    let files = report.files_analyzed;
    let mut files = format!("{files} file{}", if files == 1 { "" } else { "s" });
    if let Some(elapsed) = report.elapsed {
        files.push_str(&format!(" ({:.2} s)", elapsed.as_secs_f64()));
    }
    let mut line = if report.findings.is_empty() {
        format!("No findings in {files}")
    } else {
        let total = report.findings.len();
        format!(
            "Found {total} finding{} in {files}: {e} error{}, {w} warning{}, {n} note{}",
            if total == 1 { "" } else { "s" },
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" },
            if n == 1 { "" } else { "s" },
        )
    };
    match report.notices.len() {
        0 => {}
        1 => line.push_str("; 1 suppression suppresses nothing"),
        k => line.push_str(&format!("; {k} suppressions suppress nothing")),
    }
    line.push_str(".\n");
    line
}
