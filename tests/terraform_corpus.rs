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
        // Before the EKS module and local modules were read: 1 cluster and
        // 2 unlinked node groups, and nothing in the Blueprints patterns.
        let (clusters, node_groups) = match name {
            "terraform-aws-eks" => (12, 21),
            _ => (30, 35),
        };
        assert!(c.clusters >= clusters, "{name}: {} clusters", c.clusters);
        assert!(
            c.linked >= node_groups,
            "{name}: {} linked node groups",
            c.linked
        );
    }
}

#[test]
#[ignore = "prints the corpus model for a hand check"]
fn print_corpus_model() {
    let Some(shared) = common::shared() else {
        return;
    };
    for name in ["terraform-aws-eks", "terraform-aws-eks-blueprints"] {
        let dir = shared.join("corpus").join(name);
        let result = scan(&[dir], &Selection::default(), &|_| false);
        for c in &result.model.clusters {
            let file = result.sources.get(c.span.file).map(|f| f.display.clone());
            eprintln!("cluster {} {:?} {:?}", c.address, c.name, file);
        }
        for n in &result.model.node_groups {
            eprintln!("  node group {} {:?}", n.address, n.launch_template_groups);
        }
        for note in &result.model.notes {
            let file = result.sources.get(note.span.file);
            eprintln!(
                "note {}:{} {}",
                file.map(|f| f.display.as_str()).unwrap_or("?"),
                file.map(|f| f.line_col(note.span.start).line).unwrap_or(0),
                note.message
            );
        }
    }
}
