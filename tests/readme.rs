//! The README's rule table is generated from the registry; this test keeps
//! it in sync (`UPDATE_README=1 cargo test --test readme` rewrites it).

mod common;

use eks_sg_lint::rules::RULES;

const START: &str =
    "<!-- rules:start (generated from the rule registry; a test keeps it in sync) -->";
const END: &str = "<!-- rules:end -->";

fn table() -> String {
    eks_sg_lint::rules::markdown_table(&eks_sg_lint::rules::all_metas())
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let path = common::root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(START)
        .expect("README has the rules:start marker")
        + START.len();
    let end = readme.find(END).expect("README has the rules:end marker");
    let expected = format!("\n{}", table());
    if readme[start..end] != expected {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{}{}", &readme[..start], expected, &readme[end..]);
            std::fs::write(&path, updated).unwrap();
        } else {
            panic!(
                "README rule table is stale; run `UPDATE_README=1 cargo test --test readme`.\nExpected:\n{expected}"
            );
        }
    }
}

#[test]
fn codes_are_unique_and_in_the_catalog() {
    let mut codes: Vec<&str> = RULES.iter().map(|r| r.meta.code).collect();
    let n = codes.len();
    codes.dedup();
    assert_eq!(codes.len(), n, "codes are unique and sorted");
    if let Some(shared) = common::shared() {
        let catalog = std::fs::read_to_string(shared.join("docs/rules.md")).unwrap();
        for rule in RULES {
            let m = rule.meta;
            let row = format!("| {} | {} | {} |", m.code, m.name, m.level.as_str());
            assert!(
                catalog.contains(&row),
                "{} does not match the catalog row {row}",
                m.code
            );
        }
    }
}

#[test]
fn rule_documentation_has_the_sections_explain_prints() {
    for rule in RULES {
        let doc = rule.meta.doc;
        for heading in ["## What it checks", "## Why it matters", "## Example"] {
            assert!(doc.contains(heading), "{} lacks {heading}", rule.meta.code);
        }
        assert!(
            !rule.meta.summary.ends_with('.'),
            "{}: summaries end without a period",
            rule.meta.code
        );
    }
}
