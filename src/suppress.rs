//! Suppressions written in the user's files:
//! - a comment `# eks-sg-lint: ignore EKS003 <reason>` (YAML, HCL; `//` in
//!   HCL too) on the finding's line, on the line above it, or on (or above)
//!   the first line of the resource the finding is about;
//! - CloudFormation `Metadata: { eks-sg-lint: { ignore: [EKS003] } }` on a
//!   resource (JSON too), optionally with `reason:`; items may also be maps
//!   `{code: EKS003, reason: ...}`.
//!
//! Suppressed findings are marked, not dropped: SARIF lists them with their
//! justification.

use std::collections::HashMap;

use crate::finding::{Finding, Suppression};
use crate::model::Model;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::Node;

const MARKER: &str = "eks-sg-lint: ignore";

#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    pub line: u32,
    pub codes: Vec<String>,
    pub reason: Option<String>,
    pub span: Span,
}

/// Reads comment directives from a YAML/HCL file.
pub fn comment_directives(file: FileId, text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        // Only inside a comment: `#` or `//` before the marker.
        let before = &line[..at];
        if !(before.contains('#') || before.contains("//")) {
            continue;
        }
        let rest = line[at + MARKER.len()..].trim_end_matches(['\r', '\n']);
        let mut codes = Vec::new();
        let mut reason_start = rest.len();
        let mut pos = 0;
        for token in rest.split_inclusive([' ', ',', '\t']) {
            let word = token.trim_matches([' ', ',', '\t']);
            if word.is_empty() {
                pos += token.len();
                continue;
            }
            // A code is letters then digits (`EKS003`), or `ALL`.
            let letters = word.chars().take_while(char::is_ascii_alphabetic).count();
            let digits = &word[letters..];
            let is_code = word.eq_ignore_ascii_case("ALL")
                || (letters >= 2
                    && !digits.is_empty()
                    && digits.chars().all(|c| c.is_ascii_digit()));
            if !is_code {
                reason_start = pos;
                break;
            }
            codes.push(word.to_ascii_uppercase());
            pos += token.len();
        }
        let reason = rest
            .get(reason_start..)
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let comment_start = before
            .rfind('#')
            .or_else(|| before.rfind("//"))
            .unwrap_or(at);
        out.push(Directive {
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            codes,
            reason: reason.map(str::to_string),
            span: Span::new(file, start + comment_start, start + line.trim_end().len()),
        });
    }
    out
}

/// One resource's `Metadata.eks-sg-lint` block.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataIgnore {
    /// The logical ID.
    pub resource: String,
    /// Codes, each with its reason.
    pub codes: Vec<(String, Option<String>)>,
    pub span: Span,
}

/// `Metadata.eks-sg-lint.ignore` of each resource of a CloudFormation
/// document.
pub fn metadata_directives(doc: &Node) -> Vec<MetadataIgnore> {
    let mut out = Vec::new();
    let Some(resources) = doc.get("Resources").or(Some(doc)).and_then(Node::as_map) else {
        return out;
    };
    for resource in resources {
        let Some(meta) = resource.value.path(&["Metadata", "eks-sg-lint"]) else {
            continue;
        };
        let shared_reason = meta
            .get("reason")
            .and_then(Node::as_str)
            .map(str::to_string);
        let mut codes = Vec::new();
        match meta.get("ignore") {
            Some(node) if node.as_seq().is_some() => {
                for item in node.as_seq().unwrap_or(&[]) {
                    if let Some(code) = item.as_str() {
                        codes.push((code.to_ascii_uppercase(), shared_reason.clone()));
                    } else if let Some(code) = item.get("code").and_then(Node::as_str) {
                        let reason = item
                            .get("reason")
                            .and_then(Node::as_str)
                            .map(str::to_string)
                            .or_else(|| shared_reason.clone());
                        codes.push((code.to_ascii_uppercase(), reason));
                    }
                }
            }
            Some(node) => {
                if let Some(code) = node.as_str() {
                    codes.push((code.to_ascii_uppercase(), shared_reason.clone()));
                }
            }
            None => {}
        }
        if !codes.is_empty() {
            out.push(MetadataIgnore {
                resource: resource.key.clone(),
                codes,
                span: meta.span,
            });
        }
    }
    out
}

fn code_matches(pattern: &str, code: &str) -> bool {
    pattern == "ALL" || code.eq_ignore_ascii_case(pattern)
}

/// Marks the findings that a directive suppresses.
pub fn apply<'a>(
    findings: &mut [Finding],
    sources: &SourceMap,
    model: &'a Model,
    cloudformation: &[(FileId, &Node)],
    comment_files: &[FileId],
) {
    // The first line of each resource, by (file, name).
    let mut resource_lines: HashMap<(FileId, &str), u32> = HashMap::new();
    let mut note = |name: &'a str, span: Span| {
        if let Some(file) = sources.get(span.file) {
            resource_lines
                .entry((span.file, name))
                .or_insert(file.line_col(span.start).line);
        }
    };
    for c in &model.clusters {
        note(&c.address, c.span);
    }
    for n in &model.node_groups {
        note(&n.address, n.span);
    }
    for g in model.groups.iter().filter(|g| g.is_defined_in_scan()) {
        note(&g.name, g.span);
    }
    let mut by_file: HashMap<FileId, Vec<Directive>> = HashMap::new();
    for &file in comment_files {
        if let Some(source) = sources.get(file) {
            if source.text.contains(MARKER) {
                by_file.insert(file, comment_directives(file, &source.text));
            }
        }
    }
    let mut metadata: HashMap<(FileId, String), Vec<MetadataIgnore>> = HashMap::new();
    for (file, doc) in cloudformation {
        for ignore in metadata_directives(doc) {
            metadata
                .entry((*file, ignore.resource.clone()))
                .or_default()
                .push(ignore);
        }
    }
    for finding in findings.iter_mut() {
        let file = finding.span.file;
        let Some(source) = sources.get(file) else {
            continue;
        };
        let line = source.line_col(finding.span.start).line;
        let resource_line = finding
            .resource
            .as_deref()
            .and_then(|r| resource_lines.get(&(file, r)).copied());
        let applies = |d: &Directive| {
            let at = |l: u32| d.line == l || d.line + 1 == l;
            d.codes.iter().any(|c| code_matches(c, finding.code))
                && (at(line) || resource_line.is_some_and(at))
        };
        if let Some(d) = by_file
            .get(&file)
            .and_then(|ds| ds.iter().find(|d| applies(d)))
        {
            finding.suppression = Some(Suppression {
                reason: d.reason.clone(),
                span: d.span,
            });
            continue;
        }
        if let Some(resource) = &finding.resource {
            let hit = metadata.get(&(file, resource.clone())).and_then(|blocks| {
                blocks.iter().find_map(|b| {
                    b.codes
                        .iter()
                        .find(|(c, _)| code_matches(c, finding.code))
                        .map(|(_, reason)| (reason.clone(), b.span))
                })
            });
            if let Some((reason, span)) = hit {
                finding.suppression = Some(Suppression { reason, span });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_give_codes_and_reason() {
        let text = "a: 1\nb: 2 # eks-sg-lint: ignore EKS003, EKS007 CoreDNS is restricted on purpose\n// eks-sg-lint: ignore eks001\nnot: eks-sg-lint: ignore EKS002\n";
        let d = comment_directives(FileId(0), text);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].line, 2);
        assert_eq!(d[0].codes, vec!["EKS003", "EKS007"]);
        assert_eq!(
            d[0].reason.as_deref(),
            Some("CoreDNS is restricted on purpose")
        );
        assert_eq!(d[1].line, 3);
        assert_eq!(d[1].codes, vec!["EKS001"]);
        assert_eq!(d[1].reason, None);
    }
}
