//! SARIF 2.1.0 through `serde-sarif`, as GitHub code scanning and SARIF
//! viewers read it: every rule's metadata in `tool.driver.rules`, results
//! with `ruleId`/`ruleIndex`, paths relative to `%SRCROOT%` (the working
//! directory) and regions whose columns count Unicode code points.

use std::collections::BTreeMap;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    ReportingDescriptorReference, Result as SarifResult, ResultLevel, Run, Sarif,
    Suppression as SarifSuppression, Tool, ToolComponent,
};

use super::Report;
use crate::finding::{Level, RuleMeta};
use crate::source::{SourceFile, Span};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const INFORMATION_URI: &str = "https://github.com/eks-sg-lint/eks-sg-lint";
const SRCROOT: &str = "%SRCROOT%";
/// The id of the notification an unused suppression gets.
const UNUSED_SUPPRESSION: &str = "unused-suppression";
/// What an unused suppression is, and what to do about it.
const UNUSED_SUPPRESSION_DOC: &str = "A suppression (a comment `eks-sg-lint: ignore CODE` or a CloudFormation Metadata entry) names a code whose rule ran and found nothing there, a code that no rule has, or no code at all. Remove the stale codes, or the suppression itself, so that it cannot hide a finding the file gains later.";

/// Characters escaped in a relative URI path (RFC 3986: keep unreserved
/// characters and `/`).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn level(level: Level) -> ResultLevel {
    match level {
        Level::Error => ResultLevel::Error,
        Level::Warning => ResultLevel::Warning,
        Level::Note => ResultLevel::Note,
    }
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

fn descriptor(meta: &RuleMeta) -> ReportingDescriptor {
    let mut extra = BTreeMap::new();
    extra.insert(
        "security-severity".to_string(),
        serde_json::Value::String(meta.security_severity.to_string()),
    );
    let mut tags = vec!["security".to_string(), "eks".to_string()];
    tags.extend(meta.seed.iter().map(|s| format!("seed-{s}")));
    let full = first_paragraph(meta.doc);
    ReportingDescriptor::builder()
        .id(meta.code)
        .name(meta.name)
        .short_description(text(meta.summary))
        .full_description(text(&full))
        .help(
            MultiformatMessageString::builder()
                .text(plain_text(meta.doc))
                .markdown(meta.doc)
                .build(),
        )
        .help_uri(format!(
            "{INFORMATION_URI}#{}",
            meta.code.to_ascii_lowercase()
        ))
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::Value::String(meta.level.as_str().into()))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(extra)
                .build(),
        )
        .build()
}

/// The first paragraph after the first heading: the rule in a few lines.
fn first_paragraph(doc: &str) -> String {
    doc.lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Markdown without heading marks or code fences, for `help.text`.
fn plain_text(doc: &str) -> String {
    doc.lines()
        .filter(|l| !l.starts_with("```"))
        .map(|l| l.trim_start_matches('#').trim_start())
        .collect::<Vec<_>>()
        .join("\n")
}

fn artifact(file: &SourceFile) -> ArtifactLocation {
    #[cfg(unix)]
    if file.path.to_str().is_none() {
        // A name that is not UTF-8 is displayed with U+FFFD where its other
        // bytes are, which no viewer could open: the URI encodes the
        // absolute path's own bytes instead.
        use std::os::unix::ffi::OsStrExt;
        if let Ok(absolute) = std::path::absolute(&file.path) {
            let bytes = absolute.as_os_str().as_bytes();
            let uri = format!("file://{}", percent_encoding::percent_encode(bytes, PATH));
            return ArtifactLocation::builder().uri(uri).build();
        }
    }
    let display = &file.display;
    if std::path::Path::new(display).is_absolute() {
        let uri = format!("file://{}", utf8_percent_encode(display, PATH));
        ArtifactLocation::builder().uri(uri).build()
    } else {
        ArtifactLocation::builder()
            .uri(utf8_percent_encode(display, PATH).to_string())
            .uri_base_id(SRCROOT)
            .build()
    }
}

fn region(file: &SourceFile, span: Span) -> Region {
    let (start, end) = file.range(span);
    Region::builder()
        .start_line(i64::from(start.line))
        .start_column(i64::from(start.column))
        .end_line(i64::from(end.line))
        .end_column(i64::from(end.column))
        .byte_offset(i64::from(span.start))
        .byte_length(span.len() as i64)
        .build()
}

fn location(file: &SourceFile, span: Span, message: Option<&str>) -> Location {
    let physical = PhysicalLocation::builder()
        .artifact_location(artifact(file))
        .region(region(file, span))
        .build();
    match message {
        Some(m) => Location::builder()
            .physical_location(physical)
            .message(Message::builder().text(m).build())
            .build(),
        None => Location::builder().physical_location(physical).build(),
    }
}

pub fn render(report: &Report) -> String {
    let rules: Vec<ReportingDescriptor> = report.rules.iter().map(|m| descriptor(m)).collect();
    let results: Vec<SarifResult> = report
        .findings
        .iter()
        .filter_map(|f| {
            let file = report.sources.get(f.span.file)?;
            let index = report.rules.iter().position(|m| m.code == f.code);
            let related: Vec<Location> = f
                .labels
                .iter()
                .filter_map(|l| {
                    let lf = report.sources.get(l.span.file)?;
                    Some(location(lf, l.span, Some(&l.message)))
                })
                .collect();
            let mut message = f.message.clone();
            if let Some(help) = &f.help {
                message.push_str(&format!(" (help: {help})"));
            }
            let base = SarifResult::builder()
                .rule_id(f.code)
                .level(level(f.level))
                .message(Message::builder().text(message).build())
                .locations(vec![location(file, f.span, None)]);
            let suppressions: Vec<SarifSuppression> = f
                .suppression
                .iter()
                .map(|s| {
                    let mut suppression = SarifSuppression::builder()
                        .kind(serde_json::Value::String("inSource".into()))
                        .build();
                    suppression.justification = s.reason.clone();
                    suppression.location = report
                        .sources
                        .get(s.span.file)
                        .map(|sf| location(sf, s.span, None));
                    suppression
                })
                .collect();
            let mut result = base.build();
            result.rule_index = index.map(|i| i as i64);
            result.related_locations = (!related.is_empty()).then_some(related);
            result.suppressions = (!suppressions.is_empty()).then_some(suppressions);
            Some(result)
        })
        .collect();

    let mut base_ids = BTreeMap::new();
    if let Ok(cwd) = std::env::current_dir() {
        let mut uri = format!(
            "file://{}",
            utf8_percent_encode(&cwd.to_string_lossy().replace('\\', "/"), PATH)
        );
        if !uri.ends_with('/') {
            uri.push('/');
        }
        base_ids.insert(
            SRCROOT.to_string(),
            ArtifactLocation::builder().uri(uri).build(),
        );
    }

    // Unused suppressions are about the run's configuration, not the code:
    // tool configuration notifications, described in `driver.notifications`.
    let notifications: Vec<Notification> = report
        .notices
        .iter()
        .filter_map(|n| {
            let file = report.sources.get(n.span.file)?;
            let mut message = n.message.clone();
            if let Some(help) = &n.help {
                message.push_str(&format!(" (help: {help})"));
            }
            Some(
                Notification::builder()
                    .message(Message::builder().text(message).build())
                    .level(serde_json::Value::String("note".into()))
                    .locations(vec![location(file, n.span, None)])
                    .descriptor(
                        ReportingDescriptorReference::builder()
                            .id(UNUSED_SUPPRESSION)
                            .index(0)
                            .build(),
                    )
                    .build(),
            )
        })
        .collect();
    let mut driver = ToolComponent::builder()
        .name(env!("CARGO_PKG_NAME"))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build();
    let mut invocations = None;
    if !notifications.is_empty() {
        driver.notifications = Some(vec![ReportingDescriptor::builder()
            .id(UNUSED_SUPPRESSION)
            .short_description(text(
                "A suppression comment or Metadata entry that suppresses no finding.",
            ))
            .full_description(text(UNUSED_SUPPRESSION_DOC))
            .help(
                MultiformatMessageString::builder()
                    .text(UNUSED_SUPPRESSION_DOC)
                    .markdown(UNUSED_SUPPRESSION_DOC)
                    .build(),
            )
            .default_configuration(
                ReportingConfiguration::builder()
                    .level(serde_json::Value::String("note".into()))
                    .build(),
            )
            .build()]);
        invocations = Some(vec![Invocation::builder()
            .execution_successful(true)
            .tool_configuration_notifications(notifications)
            .build()]);
    }
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::Value::String("unicodeCodePoints".into()))
        .original_uri_base_ids(base_ids)
        .build();
    run.invocations = invocations;
    let sarif = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::Value::String("2.1.0".into()))
        .runs(vec![run])
        .build();
    let mut out = serde_json::to_string_pretty(&sarif).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}
