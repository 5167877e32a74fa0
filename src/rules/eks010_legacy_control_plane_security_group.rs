//! EKS010 legacy-control-plane-security-group (seed S9).

use super::Context;
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::{ClusterId, GroupRef, Peer, Protocol, SgId, SgRule};

pub static META: RuleMeta = RuleMeta {
    code: "EKS010",
    name: "legacy-control-plane-security-group",
    level: Level::Note,
    summary:
        "A separate control-plane group is paired with the nodes by the legacy 1025-65535 rules",
    doc: r#"## What it checks
A security group defined in the scan and given to a cluster at creation (a
separate "control plane security group") is paired with a group on one of its
node groups by the legacy rule: control plane to nodes on TCP 1025–65535, as an
outbound rule on the control-plane group or an inbound rule on the nodes' group.

## Why it matters
Clusters first built before platform version `eks.3` used a control-plane group
and a node group with these restricted rules (seed S9). Since then the EKS cluster
security group serves that purpose and is attached to managed nodes; the legacy pair
may be removed once the cluster security group holds the rules it held. Keeping
both doubles what a reviewer must read.

## Example
```yaml
ControlPlaneEgressToNodes:
  Type: AWS::EC2::SecurityGroupEgress
  Properties:
    GroupId: !Ref ControlPlaneSecurityGroup
    DestinationSecurityGroupId: !Ref NodeSecurityGroup
    IpProtocol: tcp
    FromPort: 1025
    ToPort: 65535
```

## Instead
Move the rules you need to the EKS cluster security group (`ClusterSecurityGroupId`)
and remove the legacy pair.

## References
Amazon EKS security group requirements (seed S9).
"#,
    seed: &["S9"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "1.0",
};

fn is_legacy(rule: &SgRule, peer: SgId) -> bool {
    rule.protocol == Protocol::Tcp
        && rule.ports.from == Some(1025)
        && rule.ports.to == Some(65535)
        && rule.peer == Peer::Group(GroupRef::Group(peer))
}

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut reported: Vec<crate::source::Span> = Vec::new();
    for (ci, cluster) in cx.model.clusters.iter().enumerate() {
        let cluster_id = ClusterId(ci as u32);
        for member in cluster.creation_groups.all_members() {
            let GroupRef::Group(cp) = member else {
                continue;
            };
            if !cx.model.group(cp).is_defined_in_scan() {
                continue;
            }
            for ng in cx.analysis.node_groups_of(cluster_id) {
                for node_sg in cx.analysis.nodes[ng.index()].model_groups() {
                    if node_sg == cp || !cx.model.group(node_sg).is_defined_in_scan() {
                        continue;
                    }
                    let cp_group = cx.model.group(cp);
                    let node_group = cx.model.group(node_sg);
                    let rules = cp_group
                        .egress
                        .iter()
                        .filter(|r| is_legacy(r, node_sg))
                        .map(|r| (r, "outbound rule of"))
                        .chain(
                            node_group
                                .ingress
                                .iter()
                                .filter(|r| is_legacy(r, cp))
                                .map(|r| (r, "inbound rule of")),
                        );
                    for (rule, side) in rules {
                        let owner = if rule.direction == crate::model::Direction::Egress {
                            &cp_group.name
                        } else {
                            &node_group.name
                        };
                        if reported.contains(&rule.span) {
                            continue;
                        }
                        reported.push(rule.span);
                        out.push(
                            Finding::new(
                                &META,
                                rule.span,
                                format!(
                                    "legacy control-plane rule ({side} `{owner}`): TCP 1025-65535 from `{}` to `{}` of cluster `{}`",
                                    cp_group.name, node_group.name, cluster.address
                                ),
                            )
                            .with_label("legacy control plane to nodes rule")
                            .with_help(
                                "since platform version eks.3 the EKS cluster security group serves this purpose; move the rules you need to it and remove the legacy pair",
                            )
                            .with_resource(cp_group.name.clone()),
                        );
                    }
                }
            }
        }
    }
}
