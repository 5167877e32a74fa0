//! EKS011 multiple-cluster-tagged-security-groups (seed S3).

use super::Context;
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::{Known, SgId};

pub static META: RuleMeta = RuleMeta {
    code: "EKS011",
    name: "multiple-cluster-tagged-security-groups",
    level: Level::Warning,
    summary: "A node group's nodes carry more than one group tagged for the cluster",
    doc: r#"## What it checks
The nodes of a node group carry more than one security group tagged
`kubernetes.io/cluster/<cluster-name>`. The EKS cluster security group counts: EKS
tags it so (seed S3).

## Why it matters
The AWS Load Balancer Controller and the in-tree service controller look for
exactly one group tagged for the cluster on a node's interface to open traffic from
load balancers; with two they refuse the node ("expected exactly one securityGroup
tagged with kubernetes.io/cluster/..."), and services get no targets.

## Example
```hcl
resource "aws_security_group" "nodes" {
  tags = { "kubernetes.io/cluster/demo" = "owned" }
}
resource "aws_launch_template" "nodes" {
  vpc_security_group_ids = [
    aws_eks_cluster.demo.vpc_config[0].cluster_security_group_id,  # tagged by EKS
    aws_security_group.nodes.id,                                    # tagged again
  ]
}
```

## Instead
Keep the tag on one group on the nodes: drop it from your own group, or set groups
in the launch template so the EKS cluster security group is not attached.

## References
Amazon EKS security group requirements (seed S3).
"#,
    seed: &["S3"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "3.0",
};

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (gi, ng) in cx.model.node_groups.iter().enumerate() {
        let Some(cluster_id) = cx.analysis.cluster_of[gi] else {
            continue;
        };
        let cluster = cx.model.cluster(cluster_id);
        let Known::Value(name) = &cluster.name else {
            continue;
        };
        let key = format!("kubernetes.io/cluster/{name}");
        let tagged: Vec<SgId> = cx.analysis.nodes[gi]
            .model_groups()
            .filter(|id| {
                cx.model
                    .group(*id)
                    .tags
                    .iter()
                    .any(|t| t.key == Known::Value(key.clone()))
            })
            .collect();
        if tagged.len() < 2 {
            continue;
        }
        let names: Vec<String> = tagged
            .iter()
            .map(|id| format!("`{}`", cx.model.group(*id).name))
            .collect();
        let mut finding = Finding::new(
            &META,
            ng.span,
            format!(
                "nodes of node group `{}` carry {} security groups tagged `{key}`: {}",
                ng.address,
                tagged.len(),
                names.join(", ")
            ),
        )
        .with_label("more than one group tagged for the cluster")
        .with_help(format!(
            "keep the `{key}` tag on exactly one group on the nodes; load balancer controllers refuse nodes with more"
        ))
        .with_resource(ng.address.clone());
        for id in tagged {
            let sg = cx.model.group(id);
            if sg.is_defined_in_scan() {
                let span = sg
                    .tags
                    .iter()
                    .find(|t| t.key == Known::Value(key.clone()))
                    .map_or(sg.span, |t| t.span);
                finding = finding.with_secondary(span, "tagged for the cluster");
            }
        }
        out.push(finding);
    }
}
