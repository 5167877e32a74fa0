//! Suppressions written in the user's files:
//! - a comment `# eks-sg-lint: ignore EKS003 <reason>` (YAML, HCL; `//` in
//!   HCL too) on the finding's line, on the line above it, or on (or above)
//!   the first line of the resource the finding is about; the marker inside
//!   a value (a quoted string, a block scalar, a heredoc) is no comment;
//! - CloudFormation `Metadata: { eks-sg-lint: { ignore: [EKS003] } }` on a
//!   resource (JSON too), optionally with `reason:`; items may also be maps
//!   `{code: EKS003, reason: ...}`.
//!
//! Suppressed findings are marked, not dropped: SARIF lists them with their
//! justification. A suppression that suppresses nothing is reported as a
//! [`Notice`].

use foldhash::{HashMap, HashMapExt, HashSet};

use rayon::prelude::*;

use crate::finding::{Finding, Notice, Suppression};
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

/// Reads comment directives from a YAML/HCL file. `values` are the sorted
/// byte ranges of its text values ([`crate::syntax::text_spans`]): a `#` or
/// `//` inside one (a quoted string, a block scalar or heredoc, a YAML
/// plain scalar such as `a // b`) starts no comment.
pub fn comment_directives(file: FileId, text: &str, values: &[(u32, u32)]) -> Vec<Directive> {
    let in_value = |at: usize| {
        let at = u32::try_from(at).unwrap_or(u32::MAX);
        // The ranges are of leaves, so they do not overlap: only the last
        // one that starts at or before `at` can hold it.
        let i = values.partition_point(|&(start, _)| start <= at);
        i > 0 && at < values[i - 1].1
    };
    let mut out = Vec::new();
    let mut offset = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        // The first marker after the first `#` or `//` that is not part of
        // a value: that one starts the line's comment.
        let Some((comment_start, at)) = line.match_indices(MARKER).find_map(|(at, _)| {
            let before = &line[..at];
            before
                .match_indices(['#', '/'])
                .filter(|&(c, m)| m == "#" || before[c..].starts_with("//"))
                .map(|(c, _)| c)
                .find(|&c| !in_value(start + c))
                .map(|c| (c, at))
        }) else {
            continue;
        };
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
    /// The whole `eks-sg-lint` block.
    pub span: Span,
    /// Its `ignore` value.
    pub ignore_span: Span,
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
        let ignore = meta.get("ignore");
        match ignore {
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
                resource: resource.key.to_string(),
                codes,
                span: meta.span,
                ignore_span: ignore.map_or(meta.span, |n| n.span),
            });
        }
    }
    out
}

fn code_matches(pattern: &str, code: &str) -> bool {
    pattern == "ALL" || code.eq_ignore_ascii_case(pattern)
}

/// A suppression with, per code, whether it suppressed a finding.
type Tracked<T> = (T, Vec<bool>);

/// Where a file's text values lie (sorted byte ranges), given its id and
/// text: see [`comment_directives`].
pub type ValueSpans<'a> = dyn Fn(FileId, &str) -> Vec<(u32, u32)> + Sync + 'a;

/// Which suppressions can be judged unused, and how.
pub struct Judge<'a> {
    /// Files whose suppressions are judged: those analyzed and reported on
    /// (a file that did not parse, or one read only for its module, is not).
    pub files: &'a HashSet<FileId>,
    /// Every rule code the run knows (built-in and the user's).
    pub known: &'a [&'a str],
    /// Whether a code's rule ran: a suppression of a rule that did not run
    /// cannot be judged.
    pub ran: &'a dyn Fn(&str) -> bool,
}

/// Marks the findings that a directive (comments in `comment_files`, the
/// CloudFormation `metadata_ignores` read by [`metadata_directives`])
/// suppresses, and returns a notice for
/// each directive (in a file `judge` covers) that suppresses nothing: one
/// naming codes whose rules ran and found nothing there, codes that are no
/// rule's, or no code at all.
pub fn apply<'a>(
    findings: &mut [Finding],
    sources: &SourceMap,
    model: &'a Model,
    metadata_ignores: Vec<(FileId, MetadataIgnore)>,
    comment_files: &[FileId],
    values: &ValueSpans<'_>,
    judge: &Judge,
) -> Vec<Notice> {
    // Each directive with, per code, whether it suppressed a finding; the
    // files are searched for the marker side by side.
    let mut by_file: HashMap<FileId, Vec<Tracked<Directive>>> = comment_files
        .par_iter()
        .filter_map(|&file| {
            let source = sources.get(file)?;
            if !source.text.contains(MARKER) {
                return None;
            }
            let values = values(file, &source.text);
            let directives = comment_directives(file, &source.text, &values)
                .into_iter()
                .map(|d| {
                    let used = vec![false; d.codes.len()];
                    (d, used)
                })
                .collect();
            Some((file, directives))
        })
        .collect();
    // The first line of each resource, by (file, name), in the files that
    // have directives: the others need no lines.
    let mut resource_lines: HashMap<(FileId, &str), u32> = HashMap::new();
    let mut note = |name: &'a str, span: Span| {
        if !by_file.contains_key(&span.file) {
            return;
        }
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
    let mut metadata: HashMap<(FileId, String), Vec<Tracked<MetadataIgnore>>> = HashMap::new();
    for (file, ignore) in metadata_ignores {
        let used = vec![false; ignore.codes.len()];
        metadata
            .entry((file, ignore.resource.clone()))
            .or_default()
            .push((ignore, used));
    }
    for finding in findings.iter_mut() {
        let file = finding.span.file;
        let Some(source) = sources.get(file) else {
            continue;
        };
        if let Some(directives) = by_file.get_mut(&file) {
            let line = source.line_col(finding.span.start).line;
            let resource_line = finding
                .resource
                .as_deref()
                .and_then(|r| resource_lines.get(&(file, r)).copied());
            let at = |d: &Directive, l: u32| d.line == l || d.line + 1 == l;
            // Every directive that applies counts as used; the first one
            // is the finding's suppression.
            for (d, used) in directives {
                if !(at(d, line) || resource_line.is_some_and(|l| at(d, l))) {
                    continue;
                }
                for (code, used) in d.codes.iter().zip(used.iter_mut()) {
                    if code_matches(code, finding.code) {
                        *used = true;
                        if finding.suppression.is_none() {
                            finding.suppression = Some(Suppression {
                                reason: d.reason.clone(),
                                span: d.span,
                            });
                        }
                    }
                }
            }
        }
        let Some(resource) = &finding.resource else {
            continue;
        };
        for (block, used) in metadata
            .get_mut(&(file, resource.clone()))
            .into_iter()
            .flatten()
        {
            for ((code, reason), used) in block.codes.iter().zip(used.iter_mut()) {
                if code_matches(code, finding.code) {
                    *used = true;
                    if finding.suppression.is_none() {
                        finding.suppression = Some(Suppression {
                            reason: reason.clone(),
                            span: block.span,
                        });
                    }
                }
            }
        }
    }

    let mut notices = Vec::new();
    for (file, directives) in &by_file {
        if !judge.files.contains(file) {
            continue;
        }
        for (d, used) in directives {
            let codes: Vec<&str> = d.codes.iter().map(String::as_str).collect();
            notices.extend(unused_notice(d.span, &codes, used, judge));
        }
    }
    for ((file, _), blocks) in &metadata {
        if !judge.files.contains(file) {
            continue;
        }
        for (block, used) in blocks {
            let codes: Vec<&str> = block.codes.iter().map(|(c, _)| c.as_str()).collect();
            notices.extend(unused_notice(block.ignore_span, &codes, used, judge));
        }
    }
    notices.sort_by_key(|n| (n.span.file, n.span.start));
    notices
}

/// The notice for one directive whose `codes` were `used` or not, if it
/// has something to say.
fn unused_notice(span: Span, codes: &[&str], used: &[bool], judge: &Judge) -> Option<Notice> {
    if codes.is_empty() {
        return Some(Notice {
            span,
            message: "suppression names no rule code".into(),
            help: Some(
                "write the codes after the marker: `# eks-sg-lint: ignore EKS003 <reason>`".into(),
            ),
        });
    }
    let mut unknown = Vec::new();
    let mut unused = Vec::new();
    for (&code, &used) in codes.iter().zip(used) {
        if used {
            continue;
        }
        if code == "ALL" {
            // Decidable only when every rule ran.
            if judge.known.iter().all(|c| (judge.ran)(c)) {
                unused.push(code);
            }
        } else if !judge.known.iter().any(|c| c.eq_ignore_ascii_case(code)) {
            unknown.push(code);
        } else if (judge.ran)(code) {
            unused.push(code);
        }
    }
    let list = |codes: &[&str]| codes.join(", ");
    match (unknown.is_empty(), unused.is_empty()) {
        (true, true) => None,
        (false, true) => Some(Notice {
            span,
            message: format!("suppression names {}", unknown_codes(&unknown)),
            help: Some("`eks-sg-lint rules` lists the codes".into()),
        }),
        (true, false) => Some(Notice {
            span,
            message: format!("unused suppression: no {} finding here", list(&unused)),
            help: Some(format!(
                "remove {} from the suppression, or the suppression itself",
                list(&unused)
            )),
        }),
        (false, false) => Some(Notice {
            span,
            message: format!(
                "unused suppression: no {} finding here; it also names {}",
                list(&unused),
                unknown_codes(&unknown)
            ),
            help: Some(format!(
                "remove {} and {} from the suppression",
                list(&unused),
                list(&unknown)
            )),
        }),
    }
}

/// `EKS099, which is no rule's code` / `EKS098, EKS099, which are no rules' codes`.
fn unknown_codes(codes: &[&str]) -> String {
    if codes.len() == 1 {
        format!("{}, which is no rule's code", codes[0])
    } else {
        format!("{}, which are no rules' codes", codes.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_give_codes_and_reason() {
        let text = "a: 1\nb: 2 # eks-sg-lint: ignore EKS003, EKS007 CoreDNS is restricted on purpose\n// eks-sg-lint: ignore eks001\nnot: eks-sg-lint: ignore EKS002\n";
        let d = comment_directives(FileId(0), text, &[]);
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

    #[test]
    fn a_marker_inside_a_value_starts_no_comment() {
        let text = "a: \"# eks-sg-lint: ignore EKS001\"\nb: \"#\" # eks-sg-lint: ignore EKS002 why\nc: '// x' // eks-sg-lint: ignore EKS003\n";
        // The quoted values, as the YAML front end spans them.
        let values = [(3, 33), (37, 40), (77, 83)];
        for &(start, end) in &values {
            assert!(matches!(&text[start as usize..end as usize], s if s.ends_with(['"', '\''])));
        }
        let d = comment_directives(FileId(0), text, &values);
        let found: Vec<(u32, &str, &str)> = d
            .iter()
            .map(|d| {
                let span = &text[d.span.start as usize..d.span.end as usize];
                (d.line, d.codes[0].as_str(), span)
            })
            .collect();
        assert_eq!(
            found,
            [
                (2, "EKS002", "# eks-sg-lint: ignore EKS002 why"),
                (3, "EKS003", "// eks-sg-lint: ignore EKS003"),
            ]
        );
    }
}
