//! Failing and fixed examples of each rule, per format, for `explain`: the
//! rule's own failing and passing fixtures (testdata/rules), embedded at
//! build time by build.rs, without their `# expect:` test annotations.

/// One failing example and its fix, in one format.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub code: &'static str,
    /// `CloudFormation (YAML)`, `Terraform`, ...
    pub format: &'static str,
    /// The Markdown code-fence language.
    pub language: &'static str,
    pub failing: &'static str,
    pub fixed: &'static str,
}

static EXAMPLES: &[Example] = include!(concat!(env!("OUT_DIR"), "/examples.rs"));

/// The examples of the rule `code`, in catalog format order.
pub fn of(code: &str) -> impl Iterator<Item = &'static Example> + '_ {
    EXAMPLES.iter().filter(move |e| e.code == code)
}

/// `text` without the fixtures' `# expect: ...` annotations: whole-line
/// ones go, trailing ones are cut off.
pub fn without_annotations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        match body.find("# expect:") {
            Some(0) => continue,
            Some(at) if body[..at].trim().is_empty() => continue,
            Some(at) => {
                out.push_str(body[..at].trim_end());
                out.push_str(&line[body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Markdown for `explain`: per format, the failing example whole and the
/// fix as a unified diff against it.
pub fn markdown(code: &str, format: Option<&str>) -> String {
    let mut out = String::new();
    for example in of(code).filter(|e| format.is_none_or(|f| e.format == f)) {
        let failing = without_annotations(example.failing);
        let fixed = without_annotations(example.fixed);
        let diff = similar::TextDiff::from_lines(&failing, &fixed);
        out.push_str(&format!(
            "\n### {}\n\nFails:\n\n```{}\n{}```\n\nFixed:\n\n```diff\n{}```\n",
            example.format,
            example.language,
            failing,
            diff.unified_diff()
                .context_radius(2)
                .header("failing", "fixed")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_removed() {
        let text = "# expect: none\na: 1\n  Nodes: # expect: EKS007, EKS007\n    # expect: EKS001\nb: 2 # not an annotation\n";
        assert_eq!(
            without_annotations(text),
            "a: 1\n  Nodes:\nb: 2 # not an annotation\n"
        );
    }

    #[test]
    fn every_rule_has_examples() {
        for meta in crate::rules::all_metas() {
            assert!(
                of(meta.code).next().is_some(),
                "{} has no example",
                meta.code
            );
        }
        // Every example fails and is fixed in a visible way.
        for e in EXAMPLES {
            assert_ne!(e.failing, e.fixed, "{} {}", e.code, e.format);
        }
    }
}
