//! EKS007 node-dns-blocked (seed S5, S6).

use foldhash::{HashMap, HashMapExt};

use super::{BlockedFlow, Context};
use crate::analysis::flows::{blocked_between, dns_sides, Side, Verdict, DNS};
use crate::analysis::Membership;
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::{ClusterId, NodeGroupId};

pub static META: RuleMeta = RuleMeta {
    code: "EKS007",
    name: "node-dns-blocked",
    level: Level::Error,
    summary: "Pods on one node group cannot reach DNS on another (or the same) node group",
    doc: r#"## What it checks
For every ordered pair of node groups of one cluster, a node group paired with
itself included, the flow from the first group's nodes to the second's on UDP 53
and on TCP 53 is blocked. One finding per pair and protocol, on the first node
group.

## Why it matters
CoreDNS runs as pods on some nodes of the cluster; every pod on every node must
reach them over UDP 53 and, for large answers, TCP 53 (seed S5, S6). When DNS is
closed between node groups, pods fail to resolve service names intermittently,
depending on which node CoreDNS landed on.

## Example
```hcl
resource "aws_security_group" "nodes" {
  ingress {
    from_port = 443
    to_port   = 443
    protocol  = "tcp"
    security_groups = [aws_security_group.control_plane.id]
  }
  # nothing admits port 53 from the nodes themselves
}
```

## Instead
Admit TCP and UDP 53 from the nodes' groups (a `self = true` rule, or one per
node group) and allow them outbound.

## References
Amazon EKS security group requirements (seed S5, S6).
"#,
    seed: &["S5", "S6"],
    formats: &[
        "cloudformation-yaml",
        "cloudformation-json",
        "terraform",
        "eksctl",
    ],
    security_severity: "6.0",
};

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    for ci in 0..cx.model.clusters.len() {
        let cluster_id = ClusterId(ci as u32);
        let groups: Vec<_> = cx.analysis.node_groups_of(cluster_id).collect();
        // A flow depends only on the two sides' group sets: node groups with
        // the same set share a class, each pair of classes is decided once,
        // and only the pairs of a blocked class pair are visited (a cluster
        // of many alike node groups stays cheap; findings are sorted later).
        let mut index: HashMap<&Membership, usize> = HashMap::new();
        let mut classes: Vec<Vec<NodeGroupId>> = Vec::new();
        for &g in &groups {
            let next = index.len();
            let class = *index.entry(&cx.analysis.nodes[g.index()]).or_insert(next);
            match classes.get_mut(class) {
                Some(members) => members.push(g),
                None => classes.push(vec![g]),
            }
        }
        // Each class's egress and ingress, by protocol, read once.
        // Classes are never empty: each is made with its first member.
        let firsts = classes.iter().filter_map(|class| class.first());
        let members: Vec<_> = firsts.map(|g| &cx.analysis.nodes[g.index()]).collect();
        let sides = |side| dns_sides(cx.model, members.iter().copied(), side);
        let (egress, ingress) = (sides(Side::Egress), sides(Side::Ingress));
        for (from, out_of) in classes.iter().zip(&egress) {
            // This class's blocked verdicts toward every class, by protocol.
            let row: Vec<[Option<Verdict>; 2]> = ingress
                .iter()
                .map(|into| [0, 1].map(|p| blocked_between(&out_of[p], &into[p])))
                .collect();
            for &g1 in from {
                for (to, verdicts) in classes.iter().zip(&row) {
                    if verdicts.iter().all(Option::is_none) {
                        continue;
                    }
                    for &g2 in to {
                        report(cx, cluster_id, (g1, g2), verdicts, out);
                    }
                }
            }
        }
    }
}

/// The findings of one ordered pair of node groups, UDP first.
fn report(
    cx: &Context,
    cluster_id: ClusterId,
    (g1, g2): (NodeGroupId, NodeGroupId),
    verdicts: &[Option<Verdict>; 2],
    out: &mut Vec<Finding>,
) {
    let cluster = cx.model.cluster(cluster_id);
    let (a1, a2) = (
        &cx.model.node_groups[g1.index()],
        &cx.model.node_groups[g2.index()],
    );
    for (protocol, verdict) in DNS.iter().zip(verdicts) {
        let Some(Verdict::Blocked { side, groups }) = verdict else {
            continue;
        };
        let what = if g1 == g2 {
            format!(
                "pods on node group `{}` of cluster `{}` cannot reach DNS on other nodes of the same node group",
                a1.address, cluster.address
            )
        } else {
            format!(
                "pods on node group `{}` cannot reach DNS on node group `{}` of cluster `{}`",
                a1.address, a2.address, cluster.address
            )
        };
        let blocked = BlockedFlow {
            meta: &META,
            anchor: a1.span,
            resource: &a1.address,
            what,
            traffic: format!("{} 53", protocol.label()),
            toward: format!("to node group `{}`", a2.address),
            from: format!("from node group `{}`", a1.address),
        };
        out.push(blocked.finding(cx.model, *side, groups));
    }
}
