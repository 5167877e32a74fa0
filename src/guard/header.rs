//! A rule file's header: the leading `#` comment lines of the form
//! `# eks-sg-lint: KEY = VALUE`, and `# eks-sg-lint: doc` after which every
//! comment line up to the first line that is not a comment is the rule's
//! Markdown documentation (the `# ` prefix removed).
//!
//! ```text
//! # eks-sg-lint: input = model          (cloudformation | model | terraform | eksctl | plan)
//! # eks-sg-lint: code = EKS012
//! # eks-sg-lint: name = public-endpoint-open-to-world
//! # eks-sg-lint: level = warning        (error | warning | note)
//! # eks-sg-lint: summary = one sentence, no final period
//! # eks-sg-lint: formats = cloudformation-yaml, cloudformation-json, terraform, eksctl
//! # eks-sg-lint: security-severity = 5.3
//! # eks-sg-lint: doc
//! # ## What it checks
//! # ...
//! ```
//! A file without a header runs as cfn-guard runs it: on each raw
//! CloudFormation document.

use crate::finding::{Level, RuleMeta};

/// The documents a rules file runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputKind {
    /// Each raw CloudFormation document (the default, as cfn-guard).
    #[default]
    CloudFormation,
    /// The EKS model document (one shape for every format).
    Model,
    /// Each raw Terraform module, as the tree of its blocks.
    Terraform,
    /// Each raw eksctl `ClusterConfig` document.
    Eksctl,
    /// Terraform plan JSON (`terraform show -json`), in `guard validate`.
    Plan,
}

impl InputKind {
    pub fn parse(s: &str) -> Option<InputKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cloudformation" | "cfn" => Some(InputKind::CloudFormation),
            "model" => Some(InputKind::Model),
            "terraform" | "tf" => Some(InputKind::Terraform),
            "eksctl" => Some(InputKind::Eksctl),
            "plan" | "terraform-plan" => Some(InputKind::Plan),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub input: InputKind,
    pub code: Option<String>,
    pub name: Option<String>,
    pub level: Option<Level>,
    pub summary: Option<String>,
    pub doc: Option<String>,
    pub formats: Vec<String>,
    pub security_severity: Option<String>,
    /// Keys or values the header did not understand: the byte range of
    /// the value (or of the directive) in the file, and what is wrong.
    pub problems: Vec<(std::ops::Range<usize>, String)>,
}

const PREFIX: &str = "eks-sg-lint:";

/// Reads the header of a rules file.
pub fn parse(text: &str) -> Header {
    let mut h = Header::default();
    let mut doc: Option<Vec<String>> = None;
    // Where `part` (a slice of `text`) lies in it.
    let at = |part: &str| {
        let start = part.as_ptr() as usize - text.as_ptr() as usize;
        start..start + part.len()
    };
    for line in text.lines() {
        let t = line.trim_start();
        let Some(comment) = t.strip_prefix('#') else {
            if t.is_empty() && doc.is_none() {
                continue;
            }
            break;
        };
        let body = comment.strip_prefix(' ').unwrap_or(comment);
        if let Some(directive) = body.trim().strip_prefix(PREFIX) {
            let directive = directive.trim();
            if directive == "doc" {
                doc = Some(Vec::new());
                continue;
            }
            let Some((key, raw)) = directive.split_once('=') else {
                h.problems.push((
                    at(directive),
                    format!("`{directive}` is not `key = value` (nor `doc`)"),
                ));
                continue;
            };
            let span = at(raw.trim());
            let value = raw.trim().to_string();
            match key.trim() {
                "input" => match InputKind::parse(&value) {
                    Some(k) => h.input = k,
                    None => h.problems.push((
                        span,
                        format!(
                            "unknown input `{value}`: cloudformation, model, terraform, eksctl or plan"
                        ),
                    )),
                },
                "code" => h.code = Some(value),
                "name" => h.name = Some(value),
                "level" => match Level::parse(&value) {
                    Some(l) => h.level = Some(l),
                    None => h.problems.push((
                        span,
                        format!("unknown level `{value}`: error, warning or note"),
                    )),
                },
                "summary" => h.summary = Some(value),
                "formats" => {
                    h.formats = value
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                }
                // GitHub code scanning reads it as a number from 0.0 to 10.0.
                "security-severity" => match value.parse::<f64>() {
                    Ok(n) if (0.0..=10.0).contains(&n) => h.security_severity = Some(value),
                    _ => h.problems.push((
                        span,
                        format!("security-severity `{value}` is not a number from 0.0 to 10.0"),
                    )),
                },
                other => h.problems.push((
                    at(key.trim()),
                    format!(
                        "unknown header key `{other}`: input, code, name, level, summary, formats, security-severity or doc"
                    ),
                )),
            }
            continue;
        }
        if let Some(d) = &mut doc {
            d.push(body.trim_end().to_string());
        }
    }
    if let Some(d) = doc {
        let text = d.join("\n").trim().to_string();
        if !text.is_empty() {
            h.doc = Some(format!("{text}\n"));
        }
    }
    h
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl Header {
    /// The metadata of rule `rule` of a file with this header: the header's
    /// code and name when it sets them (one rule per file), else the rule's
    /// own name. Strings are leaked once per rule at load time.
    pub fn meta_for(&self, rule: &str, path: &std::path::Path) -> &'static RuleMeta {
        let code = self.code.clone().unwrap_or_else(|| rule.to_string());
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| rule.to_ascii_lowercase().replace('_', "-"));
        let summary = self
            .summary
            .clone()
            .unwrap_or_else(|| format!("Guard rule `{rule}` of {} failed", path.display()));
        let doc = self.doc.clone().unwrap_or_else(|| {
            format!(
                "## What it checks\nThe Guard rule `{rule}` of `{}`.\n",
                path.display()
            )
        });
        let formats: Vec<&'static str> = if self.formats.is_empty() {
            vec![match self.input {
                InputKind::CloudFormation => "cloudformation",
                InputKind::Model => "all",
                InputKind::Terraform | InputKind::Plan => "terraform",
                InputKind::Eksctl => "eksctl",
            }]
        } else {
            self.formats.iter().map(|f| leak(f.clone())).collect()
        };
        let level = self.level.unwrap_or(super::DEFAULT_USER_LEVEL);
        let severity = self.security_severity.clone().unwrap_or_else(|| {
            match level {
                Level::Error => "7.5",
                Level::Warning => "5.0",
                Level::Note => "2.0",
            }
            .to_string()
        });
        Box::leak(Box::new(RuleMeta {
            code: leak(code),
            name: leak(name),
            level,
            summary: leak(summary),
            doc: leak(doc),
            seed: &[],
            formats: Box::leak(formats.into_boxed_slice()),
            security_severity: leak(severity),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys_and_doc() {
        let h = parse(
            "# eks-sg-lint: input = model\n# eks-sg-lint: code = X001\n# eks-sg-lint: level = error\n# eks-sg-lint: doc\n# ## What it checks\n# Things.\n\nrule a { this exists }\n",
        );
        assert_eq!(h.input, InputKind::Model);
        assert_eq!(h.code.as_deref(), Some("X001"));
        assert_eq!(h.level, Some(Level::Error));
        assert_eq!(h.doc.as_deref(), Some("## What it checks\nThings.\n"));
        assert!(h.problems.is_empty());
    }

    #[test]
    fn problems_point_at_what_is_not_understood() {
        let text = "# eks-sg-lint: level = fatal\n# eks-sg-lint: inptu = model\n# eks-sg-lint: security-severity = high\n# eks-sg-lint: security-severity = 11\n# eks-sg-lint: input = terrafrom\n# eks-sg-lint: docs\nrule a { this exists }\n";
        let h = parse(text);
        let found: Vec<(&str, &str)> = h
            .problems
            .iter()
            .map(|(range, message)| (&text[range.clone()], message.split(':').next().unwrap()))
            .collect();
        assert_eq!(
            found,
            [
                ("fatal", "unknown level `fatal`"),
                ("inptu", "unknown header key `inptu`"),
                (
                    "high",
                    "security-severity `high` is not a number from 0.0 to 10.0"
                ),
                (
                    "11",
                    "security-severity `11` is not a number from 0.0 to 10.0"
                ),
                ("terrafrom", "unknown input `terrafrom`"),
                ("docs", "`docs` is not `key = value` (nor `doc`)"),
            ]
        );
        // What was not understood is left at its default.
        assert_eq!((h.level, h.input), (None, InputKind::CloudFormation));
        assert_eq!(h.security_severity, None);
    }

    #[test]
    fn no_header_means_cloudformation() {
        let h = parse("rule a { Resources exists }\n");
        assert_eq!(h.input, InputKind::CloudFormation);
        assert!(h.code.is_none());
    }
}
