//! EKS002 cluster-security-group-without-self-ingress (seed S1, S2).

use super::Context;
use crate::analysis::peer_is_group;
use crate::finding::{Finding, Level, RuleMeta};

pub static META: RuleMeta = RuleMeta {
    code: "EKS002",
    name: "cluster-security-group-without-self-ingress",
    level: Level::Error,
    summary: "A group shared by the control plane and the nodes does not admit traffic from itself",
    doc: r#"## What it checks
A security group defined in the scan that is both on a cluster's control plane
(given at creation) and on the nodes of one of its node groups — a *shared* group —
has no inbound rule whose source is the group itself.

## Why it matters
The EKS cluster security group admits all traffic from itself, and EKS puts that
rule back whenever it is removed (seed S1, S2). A group of your own that takes over
that role must carry the same rule: without it, the control plane's network
interfaces and the nodes that share the group cannot open connections to each
other, and nodes fail to join or pods cannot reach the API server.

## Example
```hcl
resource "aws_security_group" "shared" {
  vpc_id = var.vpc_id
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
```

## Instead
```hcl
  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
```
In CloudFormation, add an `AWS::EC2::SecurityGroupIngress` whose `GroupId` and
`SourceSecurityGroupId` are both the group.

## Formats
CloudFormation and Terraform. eksctl configs are read too, but cannot fail
this rule: the groups eksctl generates carry the rules, and groups given to it
by ID are defined elsewhere, so their rules are unknown.

## References
Amazon EKS security group requirements (seed S1, S2).
"#,
    seed: &["S1", "S2"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "6.0",
};

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (sg_id, cluster_id) in cx.analysis.shared_groups(cx.model) {
        let sg = cx.model.group(sg_id);
        if sg.rules_incomplete {
            continue;
        }
        if sg.ingress.iter().any(|r| peer_is_group(r, sg_id)) {
            continue;
        }
        let cluster = cx.model.cluster(cluster_id);
        out.push(
            Finding::new(
                &META,
                sg.span,
                format!(
                    "security group `{}` is shared by the control plane and the nodes of cluster `{}` but admits no traffic from itself",
                    sg.name, cluster.address
                ),
            )
            .with_label("shared group without a self-referencing inbound rule")
            .with_secondary(cluster.span, "the cluster that shares it")
            .with_help(
                "add an inbound rule for all traffic whose source is this group itself (`self = true` in Terraform, `SourceSecurityGroupId` set to the group in CloudFormation)",
            )
            .with_resource(sg.name.clone()),
        );
    }
}
