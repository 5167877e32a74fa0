//! EKS008 nodes-without-registry-access (seed S6).

use super::Context;
use crate::analysis::effective_egress;
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::{GroupRef, Known, Peer, Protocol};

pub static META: RuleMeta = RuleMeta {
    code: "EKS008",
    name: "nodes-without-registry-access",
    level: Level::Warning,
    summary: "Nodes have no outbound HTTPS to the internet and no VPC endpoints for ECR and S3",
    doc: r#"## What it checks
No group on the nodes of a node group has an outbound rule for TCP 443 to
`0.0.0.0/0` or `::/0`, and the scan defines no VPC endpoints for all of `ecr.api`,
`ecr.dkr` and `s3` (nor is it an eksctl private cluster, which creates them).
Silent when any group on the nodes is defined elsewhere, when a rule's values are
unknown, or when an endpoint's service cannot be resolved.

## Why it matters
Nodes register with the EKS API and pull images from Amazon ECR, whose layers are
served from Amazon S3 (seed S6). With neither internet egress nor private endpoints,
nodes cannot join and pods stay in `ImagePullBackOff`.

## Example
```hcl
resource "aws_security_group" "nodes" {
  egress {
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]     # the VPC only
  }
}
```

## Instead
Allow outbound TCP 443 to `0.0.0.0/0` (through a NAT gateway), or create
interface endpoints for `ecr.api` and `ecr.dkr` and a gateway endpoint for `s3`.

## References
Amazon EKS security group requirements (seed S6).
"#,
    seed: &["S6"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "4.0",
};

/// The registry services the scan has no VPC endpoint for (empty when it
/// has all of them); `None` when some endpoint's service is unknown.
fn missing_registry_endpoints(cx: &Context) -> Option<Vec<&'static str>> {
    let mut services = Vec::new();
    for e in &cx.model.endpoints {
        match &e.service {
            Known::Value(s) => services.push(s.as_str()),
            _ => return None,
        }
    }
    Some(
        ["ecr.api", "ecr.dkr", "s3"]
            .into_iter()
            .filter(|name| !services.iter().any(|s| s.ends_with(&format!(".{name}"))))
            .collect(),
    )
}

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    let missing = match missing_registry_endpoints(cx) {
        Some(missing) if !missing.is_empty() => missing,
        _ => return,
    };
    let endpoints = if missing.len() == 3 {
        "no VPC endpoints for ecr.api, ecr.dkr and s3".to_string()
    } else {
        format!("no VPC endpoint for {}", missing.join(" and "))
    };
    for (gi, ng) in cx.model.node_groups.iter().enumerate() {
        let cluster = cx.analysis.cluster_of[gi].map(|c| cx.model.cluster(c));
        if cluster.is_some_and(|c| c.creates_private_endpoints) {
            continue;
        }
        let nodes = &cx.analysis.nodes[gi];
        if !nodes.complete || nodes.groups.is_empty() {
            continue;
        }
        let mut ids = Vec::new();
        for g in &nodes.groups {
            match g {
                GroupRef::Group(id) if !cx.model.group(*id).rules_incomplete => ids.push(*id),
                _ => {
                    ids.clear();
                    break;
                }
            }
        }
        if ids.len() != nodes.groups.len() {
            continue;
        }
        let mut uncertain = false;
        let mut allowed = false;
        for id in &ids {
            for rule in effective_egress(cx.model, *id) {
                let protocol = match rule.protocol {
                    Protocol::Unknown => None,
                    p => Some(p.covers(Protocol::Tcp)),
                };
                let port = if rule.protocol == Protocol::All {
                    Some(true)
                } else {
                    rule.ports.contains(443)
                };
                if protocol == Some(false) || port == Some(false) {
                    continue;
                }
                match &rule.peer {
                    peer if peer.is_world() => {
                        if protocol.is_some() && port.is_some() {
                            allowed = true;
                        } else {
                            uncertain = true;
                        }
                    }
                    // Another CIDR, a group or a prefix list is not the internet.
                    Peer::Cidr(_) | Peer::Group(_) | Peer::SelfRef | Peer::PrefixList(_) => {}
                    Peer::Unknown => uncertain = true,
                }
            }
        }
        if allowed || uncertain {
            continue;
        }
        let names: Vec<String> = ids
            .iter()
            .map(|id| format!("`{}`", cx.model.group(*id).name))
            .collect();
        out.push(
            Finding::new(
                &META,
                ng.span,
                format!(
                    "nodes of node group `{}` have no outbound TCP 443 to the internet ({}) and the scan defines {endpoints}",
                    ng.address,
                    names.join(", ")
                ),
            )
            .with_label("cannot reach the EKS API, ECR or S3")
            .with_help(
                "allow outbound TCP 443 to 0.0.0.0/0 from the nodes' group, or create VPC endpoints for ecr.api, ecr.dkr and s3",
            )
            .with_resource(ng.address.clone()),
        );
    }
}
