//! EKS009 ipv4-rule-without-ipv6-counterpart (seed S7).

use super::Context;
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::{ClusterId, IpFamily, Protocol, SgId, SgRule};

pub static META: RuleMeta = RuleMeta {
    code: "EKS009",
    name: "ipv4-rule-without-ipv6-counterpart",
    level: Level::Warning,
    summary: "An IPv6 cluster's group has a rule for 0.0.0.0/0 with no matching rule for ::/0",
    doc: r#"## What it checks
In a cluster whose IP family is IPv6, a security group on the control plane or
on a node group's nodes has a rule to or from `0.0.0.0/0` with no rule of the
same direction, a protocol that covers it and a port range
that covers it, to or from `::/0`.

## Why it matters
IPv4 and IPv6 addresses need separate rules (seed S7). In an IPv6 cluster, pods and
nodes talk over IPv6: a rule written only for `0.0.0.0/0` opens nothing for them,
and CoreDNS or webhooks fail in ways that look unrelated to security groups.

## Example
```yaml
SecurityGroupEgress:
  - IpProtocol: "-1"
    CidrIp: 0.0.0.0/0        # no CidrIpv6: ::/0 rule beside it
```

## Instead
Add the IPv6 counterpart (`CidrIpv6: ::/0`, `ipv6_cidr_blocks = ["::/0"]`).

## References
Amazon EKS security group requirements (seed S7).
"#,
    seed: &["S7"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "4.0",
};

fn covered_by(v4: &SgRule, v6: &SgRule) -> bool {
    if !v6.peer.is_world_v6() {
        return false;
    }
    if v6.protocol == Protocol::All {
        return true;
    }
    if v6.protocol != v4.protocol {
        return false;
    }
    if !v4.protocol.has_ports() {
        return true;
    }
    match (v4.ports.from, v4.ports.to, v6.ports.from, v6.ports.to) {
        (Some(a), Some(b), Some(c), Some(d)) => c <= a && b <= d,
        // Unknown bounds: precision first, treat as covered.
        _ => true,
    }
}

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut seen: Vec<SgId> = Vec::new();
    for (ci, cluster) in cx.model.clusters.iter().enumerate() {
        if cluster.ip_family != IpFamily::Ipv6 {
            continue;
        }
        let cluster_id = ClusterId(ci as u32);
        let mut groups: Vec<SgId> = cx.analysis.control_plane[ci].model_groups().collect();
        for ng in cx.analysis.node_groups_of(cluster_id) {
            groups.extend(cx.analysis.nodes[ng.index()].model_groups());
        }
        for id in groups {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            let sg = cx.model.group(id);
            // Rules the user adds to the EKS cluster security group count
            // too; the rules EKS and the formats add by default are paired.
            if sg.rules_incomplete {
                continue;
            }
            for rules in [&sg.ingress, &sg.egress] {
                for rule in rules.iter().filter(|r| r.peer.is_world_v4() && !r.implicit) {
                    if rules.iter().any(|other| covered_by(rule, other)) {
                        continue;
                    }
                    let dir = match rule.direction {
                        crate::model::Direction::Ingress => "inbound",
                        crate::model::Direction::Egress => "outbound",
                    };
                    let traffic = if rule.protocol == Protocol::All {
                        "all-traffic".to_string()
                    } else if rule.protocol.has_ports() {
                        format!("{} {}", rule.protocol.label(), rule.ports.label())
                    } else {
                        rule.protocol.label()
                    };
                    out.push(
                        Finding::new(
                            &META,
                            rule.span,
                            format!(
                                "{dir} {traffic} rule for 0.0.0.0/0 of security group `{}` has no ::/0 rule that covers it, and cluster `{}` is IPv6",
                                sg.name,
                                cluster.address
                            ),
                        )
                        .with_label("IPv4 only")
                        .with_help("add the same rule for ::/0 (`CidrIpv6`, `ipv6_cidr_blocks`, `cidr_ipv6`)")
                        .with_resource(sg.name.clone()),
                    );
                }
            }
        }
    }
}
