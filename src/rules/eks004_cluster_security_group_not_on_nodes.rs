//! EKS004 cluster-security-group-not-on-nodes (seed S4).

use super::Context;
use crate::analysis::peer_is_group;
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::{GroupList, GroupRef};

pub static META: RuleMeta = RuleMeta {
    code: "EKS004",
    name: "cluster-security-group-not-on-nodes",
    level: Level::Note,
    summary: "A group given to a cluster and meant to be shared is not on every node group",
    doc: r#"## What it checks
A security group defined in the scan and given to a cluster at creation has a
rule whose peer is the group itself — it was written to be shared between the
control plane and the nodes — but one or more node groups of that cluster do not
carry it. One finding per group, naming the node groups.

## Why it matters
EKS attaches the groups you give a cluster to the network interfaces it creates
for the control plane only, never to node groups (seed S4). A self-referencing rule
then connects nothing but the control plane's own interfaces, and the nodes rely
on other rules that may not exist.

## Example
```yaml
ClusterSharedSg:
  Type: AWS::EC2::SecurityGroup      # has an ingress rule from itself
Cluster:
  Type: AWS::EKS::Cluster
  Properties:
    ResourcesVpcConfig:
      SecurityGroupIds: [!Ref ClusterSharedSg]
Nodes:
  Type: AWS::EKS::Nodegroup          # no launch template: gets only the EKS cluster SG
```

## Instead
Put the group on the nodes too (a launch template's `SecurityGroupIds`, or
`vpc_security_group_ids`), or rely on the EKS cluster security group, which EKS
attaches to managed node groups without a launch template that sets groups.

## References
Amazon EKS security group requirements (seed S4).
"#,
    seed: &["S4"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "2.0",
};

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (ci, cluster) in cx.model.clusters.iter().enumerate() {
        let cluster_id = crate::model::ClusterId(ci as u32);
        let members = cluster.creation_groups.all_members();
        for member in &members {
            let GroupRef::Group(sg_id) = member else {
                continue;
            };
            let sg = cx.model.group(*sg_id);
            if !sg.is_defined_in_scan() {
                continue;
            }
            let Some(self_rule) = sg
                .ingress
                .iter()
                .chain(&sg.egress)
                .find(|r| peer_is_group(r, *sg_id))
            else {
                continue;
            };
            let missing: Vec<String> = cx
                .analysis
                .node_groups_of(cluster_id)
                .filter(|ng| {
                    let n = &cx.analysis.nodes[ng.index()];
                    n.complete && !n.contains(*sg_id)
                })
                .map(|ng| format!("`{}`", cx.model.node_groups[ng.index()].address))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let index = match &cluster.creation_groups {
                GroupList::Groups(list) => list.iter().position(|g| g == member),
                _ => members.iter().position(|g| g == member),
            };
            let span = index
                .and_then(|i| cluster.creation_group_spans.get(i).copied())
                .or(cluster.creation_groups_span)
                .unwrap_or(cluster.span);
            let plural = if missing.len() == 1 { "" } else { "s" };
            out.push(
                Finding::new(
                    &META,
                    span,
                    format!(
                        "security group `{}` has a rule for traffic with itself but is not on node group{plural} {} of cluster `{}`",
                        sg.name,
                        missing.join(", "),
                        cluster.address
                    ),
                )
                .with_label("given to the control plane only")
                .with_secondary(self_rule.span, "this rule is for traffic between members of the group")
                .with_help(
                    "EKS attaches a cluster's groups to its control plane only: put the group on those nodes too (a launch template's security groups), or rely on the EKS cluster security group",
                )
                .with_resource(sg.name.clone()),
            );
        }
    }
}
