//! EKS003 cluster-security-group-egress-below-minimum (seed S2, S5).

use super::Context;
use crate::analysis::{effective_egress, peer_is_group};
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::{Protocol, SgId, SgRule};

pub static META: RuleMeta = RuleMeta {
    code: "EKS003",
    name: "cluster-security-group-egress-below-minimum",
    level: Level::Error,
    summary: "A group shared by the control plane and the nodes lacks a minimum outbound rule",
    doc: r#"## What it checks
A *shared* security group (defined in the scan, on the control plane and on the
nodes of a node group) whose outbound rules do not allow all traffic to
`0.0.0.0/0` or `::/0` must keep the minimum rules: TCP 443, TCP 10250, TCP 53 and
UDP 53, each to the group itself. A rule counts when its protocol matches (or is
all protocols), its port range holds the port, and its destination is the group
itself or the whole internet. One finding for each missing protocol and port.

The format's egress default counts: a CloudFormation group without inline egress
allows all outbound traffic; a Terraform `aws_security_group` without egress has
none at all, because the provider removes the default rule.

## Why it matters
The outbound rule of the cluster security group may be removed only if the minimum
rules remain (seed S2, S5): nodes reach the API server on 443, the control plane
reaches the kubelet on 10250, and every pod needs DNS over both TCP and UDP 53.
Without them nodes do not join, `kubectl logs`/`exec` and webhooks time out, and
name resolution fails.

## Example
```yaml
SharedSecurityGroup:
  Type: AWS::EC2::SecurityGroup
  Properties:
    GroupDescription: shared
    VpcId: !Ref Vpc
    SecurityGroupEgress:
      - IpProtocol: tcp
        FromPort: 443
        ToPort: 443
        DestinationSecurityGroupId: !Ref SharedSecurityGroup
```

## Instead
Add outbound rules to the group itself for TCP 10250, TCP 53 and UDP 53, or keep
the default outbound rule that allows all traffic.

## Formats
CloudFormation and Terraform. eksctl configs are read too, but cannot fail
this rule: the groups eksctl generates carry the rules, and groups given to it
by ID are defined elsewhere, so their rules are unknown.

## References
Amazon EKS security group requirements (seed S2, S5).
"#,
    seed: &["S2", "S5"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "7.0",
};

/// The minimum outbound rules of seed S5.
const MINIMUM: [(Protocol, i64); 4] = [
    (Protocol::Tcp, 443),
    (Protocol::Tcp, 10250),
    (Protocol::Tcp, 53),
    (Protocol::Udp, 53),
];

/// Whether `rule` satisfies the minimum rule `(protocol, port)` for `group`:
/// `Some(true)` yes, `Some(false)` no, `None` when its ports are unknown.
fn satisfies(rule: &SgRule, group: SgId, protocol: Protocol, port: i64) -> Option<bool> {
    if rule.protocol == Protocol::Unknown {
        return None;
    }
    if !rule.protocol.covers(protocol) {
        return Some(false);
    }
    if !(peer_is_group(rule, group) || rule.peer.is_world()) {
        return Some(false);
    }
    if rule.protocol == Protocol::All {
        return Some(true);
    }
    rule.ports.contains(port)
}

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    for (sg_id, cluster_id) in cx.analysis.shared_groups(cx.model) {
        let sg = cx.model.group(sg_id);
        if sg.rules_incomplete {
            continue;
        }
        let egress = effective_egress(cx.model, sg_id);
        let allows_all_to_world = egress
            .iter()
            .any(|r| r.protocol == Protocol::All && r.peer.is_world());
        if allows_all_to_world {
            continue;
        }
        let cluster = cx.model.cluster(cluster_id);
        let anchor = sg.egress_span.unwrap_or(sg.span);
        for (protocol, port) in MINIMUM {
            let verdicts: Vec<Option<bool>> = egress
                .iter()
                .map(|r| satisfies(r, sg_id, protocol, port))
                .collect();
            // Precision first: a rule we cannot read might be the one.
            if verdicts.iter().any(|v| *v != Some(false)) {
                continue;
            }
            let flow = format!("{} {port}", protocol.label());
            let label = if sg.egress.is_empty() && sg.inline_egress_declared {
                format!("no outbound rule allows {flow}")
            } else if sg.egress.is_empty() {
                format!("this group has no outbound rules, so nothing allows {flow}")
            } else {
                format!("none of these outbound rules allows {flow} to the group itself")
            };
            out.push(
                Finding::new(
                    &META,
                    anchor,
                    format!(
                        "shared security group `{}` of cluster `{}` has no outbound {flow} rule to itself",
                        sg.name, cluster.address
                    ),
                )
                .with_label(label)
                .with_help(format!(
                    "add an outbound {flow} rule whose destination is this group itself, or allow all outbound traffic to 0.0.0.0/0"
                ))
                .with_resource(sg.name.clone()),
            );
        }
    }
}
