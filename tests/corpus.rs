//! Robustness on real templates: every file of `../shared/corpus` (450 EKS
//! templates from public repositories, listed in its MANIFEST.txt) is
//! analyzed without a panic and either yields its model or an EKS000 with a
//! position. Skipped where `../shared` is absent.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use eks_sg_lint::pipeline::{scan, Selection};

#[test]
fn every_corpus_file_is_analyzed_or_reported() {
    let Some(shared) = common::shared() else {
        eprintln!("skipped: ../shared is absent");
        return;
    };
    let corpus = shared.join("corpus");
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.txt")).unwrap();
    let listed: BTreeSet<PathBuf> = manifest
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(_, p)| corpus.join(p.trim_start_matches("./")))
        .collect();
    let result = scan(
        std::slice::from_ref(&corpus),
        &Selection::default(),
        &|_| false,
    );
    assert!(result.problems.is_empty(), "{:?}", result.problems);

    let analyzed: BTreeSet<PathBuf> = result
        .sources
        .files()
        .iter()
        .map(|f| f.path.clone())
        .collect();
    let missing: Vec<_> = listed.difference(&analyzed).collect();
    assert!(missing.is_empty(), "listed but not analyzed: {missing:#?}");

    let parse_errors: Vec<String> = result
        .findings
        .iter()
        .filter(|f| f.code == "EKS000")
        .map(|f| {
            let file = result.sources.get(f.span.file).unwrap();
            let pos = file.line_col(f.span.start);
            format!("{}:{}:{} {}", file.display, pos.line, pos.column, f.message)
        })
        .collect();
    let by_code = |code: &str| result.findings.iter().filter(|f| f.code == code).count();
    eprintln!(
        "corpus: {} files listed, {} read, {} analyzed as IaC; {} parse errors; model: {} clusters, {} node groups, {} security groups, {} endpoints; findings: EKS001 {}, EKS002 {}, EKS003 {}",
        listed.len(),
        result.sources.len(),
        result.files_analyzed,
        parse_errors.len(),
        result.model.clusters.len(),
        result.model.node_groups.len(),
        result.model.groups.len(),
        result.model.endpoints.len(),
        by_code("EKS001"),
        by_code("EKS002"),
        by_code("EKS003"),
    );
    for e in &parse_errors {
        eprintln!("  {e}");
    }
    assert_eq!(
        result.files_analyzed,
        listed.len(),
        "every listed file is IaC"
    );
    // Every parse error has a real position inside its file.
    for f in result.findings.iter().filter(|f| f.code == "EKS000") {
        let file = result.sources.get(f.span.file).unwrap();
        assert!(f.span.start as usize <= file.text.len());
    }
    assert!(!result.model.clusters.is_empty());
}
