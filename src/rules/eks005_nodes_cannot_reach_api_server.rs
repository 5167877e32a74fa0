//! EKS005 nodes-cannot-reach-api-server (seed S5, S6).

use super::{BlockedFlow, Context};
use crate::analysis::flows::{flow, Verdict};
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::{NodeGroupId, Protocol};

pub static META: RuleMeta = RuleMeta {
    code: "EKS005",
    name: "nodes-cannot-reach-api-server",
    level: Level::Error,
    summary: "The nodes of a node group cannot reach the cluster's API server on TCP 443",
    doc: r#"## What it checks
The flow from the nodes of a node group to its cluster's control plane on TCP 443
is blocked: either no group on the nodes has an outbound rule that allows it (to a
group on the control plane, or to `0.0.0.0/0`), or no group on the control plane
admits it (from a group on the nodes, or from `0.0.0.0/0`), and every group on that
side is defined in the scan so its rules are known.

The groups on each side are worked out as EKS does: the EKS cluster security group
and the groups given at creation on the control plane; on a managed node group's
nodes the EKS cluster security group *only when its launch template sets no
groups*; the launch template's or launch configuration's groups on self-managed
nodes; what eksctl and the formats' defaults add.

## Why it matters
Kubelets register with the API server and watch it over HTTPS (seed S5, S6). When
443 is closed, nodes never join the cluster: the node group stays in `CREATING`
and fails after a long timeout.

## Example
```hcl
resource "aws_launch_template" "nodes" {
  vpc_security_group_ids = [aws_security_group.nodes.id]  # replaces the cluster SG
}
resource "aws_security_group" "nodes" {
  # no egress: Terraform removes AWS's default allow-all
}
```

## Instead
Give the nodes' group an outbound rule for TCP 443 to the control plane's groups
(or keep an allow-all egress), and make sure a control-plane group admits TCP 443
from the nodes' group.

## References
Amazon EKS security group requirements (seed S5, S6).
"#,
    seed: &["S5", "S6"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "7.0",
};

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (gi, ng) in cx.model.node_groups.iter().enumerate() {
        let Some(cluster_id) = cx.analysis.cluster_of[gi] else {
            continue;
        };
        let cluster = cx.model.cluster(cluster_id);
        let nodes = &cx.analysis.nodes[gi];
        let Some(cp) = cx.analysis.control_plane_of(NodeGroupId(gi as u32)) else {
            continue;
        };
        if let Verdict::Blocked { side, groups } = flow(cx.model, nodes, &cp, Protocol::Tcp, 443) {
            let blocked = BlockedFlow {
                meta: &META,
                anchor: ng.span,
                resource: &ng.address,
                what: format!(
                    "nodes of node group `{}` cannot reach the API server of cluster `{}`",
                    ng.address, cluster.address
                ),
                traffic: "TCP 443".into(),
                toward: format!("to the control plane of `{}`", cluster.address),
                from: format!("from node group `{}`", ng.address),
            };
            out.push(blocked.finding(cx.model, side, &groups));
        }
    }
}
