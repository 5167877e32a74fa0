//! The rule fixtures: every file or Terraform directory under
//! `testdata/rules/<CODE>-<name>/` is scanned alone and its findings are
//! compared, code and line, with the expectations it marks:
//! - YAML and HCL: a comment `# expect: EKS003` (several codes
//!   comma-separated, repeated for several findings) on the line where the
//!   finding starts; `# expect: none` in a fixture that must be clean.
//! - JSON (no comments): a sidecar `<file>.expect` with lines
//!   `LINE: CODE[, CODE]`, or `none`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use eks_sg_lint::finding::RuleMeta;
use eks_sg_lint::pipeline::{scan, Selection};

/// Every rule: the Rust rules and the built-in Guard rules.
fn all_rules() -> Vec<&'static RuleMeta> {
    eks_sg_lint::rules::all_metas()
}

/// A fixture: a file, or a directory (one Terraform module).
fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let rules_dir = common::testdata("rules");
    for rule_dir in sorted_entries(&rules_dir) {
        for entry in sorted_entries(&rule_dir) {
            let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".expect") || name.ends_with(".md") {
                continue;
            }
            out.push(entry);
        }
    }
    out
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// Files of a fixture (one, or the `.tf` files of its directory).
fn fixture_files(fixture: &Path) -> Vec<PathBuf> {
    if fixture.is_dir() {
        sorted_entries(fixture)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect()
    } else {
        vec![fixture.to_path_buf()]
    }
}

/// Expected (file, line) -> codes, and whether the fixture says it is clean.
fn expectations(fixture: &Path) -> (BTreeMap<(String, u32), Vec<String>>, bool) {
    let mut expected: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
    let mut clean = false;
    for file in fixture_files(fixture) {
        let key = file.to_string_lossy().to_string();
        let sidecar = PathBuf::from(format!("{}.expect", file.display()));
        if file.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&sidecar).unwrap_or_else(|_| {
                panic!("{} needs a sidecar {}", file.display(), sidecar.display())
            });
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                if line == "none" {
                    clean = true;
                    continue;
                }
                let (n, codes) = line.split_once(':').expect("LINE: CODES");
                let n: u32 = n.trim().parse().expect("line number");
                for code in codes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                    expected
                        .entry((key.clone(), n))
                        .or_default()
                        .push(code.to_string());
                }
            }
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some((_, rest)) = line.split_once("# expect:") else {
                continue;
            };
            let rest = rest.trim();
            if rest == "none" {
                clean = true;
                continue;
            }
            for code in rest.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                expected
                    .entry((key.clone(), i as u32 + 1))
                    .or_default()
                    .push(code.to_string());
            }
        }
    }
    for codes in expected.values_mut() {
        codes.sort();
    }
    (expected, clean)
}

#[test]
fn every_fixture_yields_exactly_the_marked_findings() {
    let all = Selection::default();
    let mut failures = Vec::new();
    let fixtures = fixtures();
    assert!(!fixtures.is_empty(), "no fixtures found");
    for fixture in &fixtures {
        let (expected, clean) = expectations(fixture);
        let name = fixture.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("pass") {
            assert!(
                clean,
                "{}: a passing fixture must say `expect: none`",
                fixture.display()
            );
            assert!(
                expected.is_empty(),
                "{}: a passing fixture expects findings",
                fixture.display()
            );
        } else {
            assert!(
                name.starts_with("fail"),
                "{}: fixtures are named pass* or fail*",
                fixture.display()
            );
            assert!(
                !expected.is_empty(),
                "{}: a failing fixture marks no finding",
                fixture.display()
            );
        }
        let result = scan(std::slice::from_ref(fixture), &all, &|_| false);
        assert!(
            result.problems.is_empty(),
            "{}: {:?}",
            fixture.display(),
            result.problems
        );
        assert!(
            result.files_analyzed > 0,
            "{}: nothing analyzed",
            fixture.display()
        );
        let mut actual: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
        for f in result.findings.iter().filter(|f| f.suppression.is_none()) {
            let file = result.sources.get(f.span.file).unwrap();
            let line = file.line_col(f.span.start).line;
            actual
                .entry((file.path.to_string_lossy().to_string(), line))
                .or_default()
                .push(f.code.to_string());
        }
        for codes in actual.values_mut() {
            codes.sort();
        }
        if actual != expected {
            let messages: Vec<String> = result
                .findings
                .iter()
                .map(|f| {
                    let file = result.sources.get(f.span.file).unwrap();
                    format!(
                        "  {}:{} {} {}",
                        file.display,
                        file.line_col(f.span.start).line,
                        f.code,
                        f.message
                    )
                })
                .collect();
            failures.push(format!(
                "{}\n expected {:?}\n actual   {:?}\n{}",
                fixture.display(),
                expected,
                actual,
                messages.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures disagree:\n{}",
        failures.join("\n")
    );
}

/// The format a fixture is written in, as `RuleMeta::formats` names them.
fn format_of(fixture: &Path) -> &'static str {
    if fixture.is_dir() {
        return "terraform";
    }
    let text = std::fs::read_to_string(fixture).unwrap();
    match fixture.extension().and_then(|e| e.to_str()) {
        Some("json") => "cloudformation-json",
        _ if text.contains("eksctl.io/") => "eksctl",
        _ => "cloudformation-yaml",
    }
}

#[test]
fn every_rule_has_passing_and_failing_fixtures_for_each_format() {
    let mut missing = Vec::new();
    for meta in all_rules() {
        let dir = common::testdata("rules").join(format!("{}-{}", meta.code, meta.name));
        if !dir.is_dir() {
            missing.push(format!("{}: no folder {}", meta.code, dir.display()));
            continue;
        }
        let entries: Vec<PathBuf> = sorted_entries(&dir)
            .into_iter()
            .filter(|p| !p.to_string_lossy().ends_with(".expect"))
            .collect();
        for format in meta.formats {
            for kind in ["pass", "fail"] {
                let found = entries.iter().any(|p| {
                    p.file_name().unwrap().to_string_lossy().starts_with(kind)
                        && format_of(p) == *format
                });
                if !found {
                    missing.push(format!("{}: no {kind} fixture in {format}", meta.code));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn fixture_folders_match_registered_rules() {
    for dir in sorted_entries(&common::testdata("rules")) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            all_rules()
                .iter()
                .any(|m| name == format!("{}-{}", m.code, m.name)),
            "{name} names no registered rule"
        );
    }
}
