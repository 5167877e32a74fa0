//! The flow matrix of a cluster: every flow EKS needs (seed S5, S6) with its
//! verdict, for `eks-sg-lint graph`.

use super::flows::{dns_sides, flow, flow_between, to_internet, Side, Verdict, DNS};
use super::Analysis;
use crate::model::{ClusterId, Model, NodeGroupId, Protocol};

/// One end of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    ControlPlane,
    Nodes(NodeGroupId),
    Internet,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowRow {
    pub from: Endpoint,
    pub to: Endpoint,
    pub protocol: Protocol,
    pub port: i64,
    /// What the flow is for.
    pub purpose: &'static str,
    pub verdict: Verdict,
}

/// The flows cluster `cluster` needs, in a fixed order: per node group the
/// API server, the kubelet and the internet, then DNS between every ordered
/// pair of node groups.
pub fn cluster_flows(model: &Model, analysis: &Analysis, cluster: ClusterId) -> Vec<FlowRow> {
    let groups: Vec<NodeGroupId> = analysis.node_groups_of(cluster).collect();
    let mut rows = Vec::new();
    for &g in &groups {
        let nodes = &analysis.nodes[g.index()];
        let Some(cp) = analysis.control_plane_of(g) else {
            continue;
        };
        let cp = &cp;
        rows.push(FlowRow {
            from: Endpoint::Nodes(g),
            to: Endpoint::ControlPlane,
            protocol: Protocol::Tcp,
            port: 443,
            purpose: "API server",
            verdict: flow(model, nodes, cp, Protocol::Tcp, 443),
        });
        rows.push(FlowRow {
            from: Endpoint::ControlPlane,
            to: Endpoint::Nodes(g),
            protocol: Protocol::Tcp,
            port: 10250,
            purpose: "kubelet",
            verdict: flow(model, cp, nodes, Protocol::Tcp, 10250),
        });
        rows.push(FlowRow {
            from: Endpoint::Nodes(g),
            to: Endpoint::Internet,
            protocol: Protocol::Tcp,
            port: 443,
            purpose: "EKS API, ECR, S3",
            verdict: to_internet(model, nodes, Protocol::Tcp, 443),
        });
    }
    // Each node group's egress and ingress, by protocol, read once.
    let sides = |side| {
        dns_sides(
            model,
            groups.iter().map(|g| &analysis.nodes[g.index()]),
            side,
        )
    };
    let (egress, ingress) = (sides(Side::Egress), sides(Side::Ingress));
    for (&g1, out_of) in groups.iter().zip(&egress) {
        for (&g2, into) in groups.iter().zip(&ingress) {
            for (p, protocol) in DNS.into_iter().enumerate() {
                rows.push(FlowRow {
                    from: Endpoint::Nodes(g1),
                    to: Endpoint::Nodes(g2),
                    protocol,
                    port: 53,
                    purpose: "DNS",
                    verdict: flow_between(&out_of[p], &into[p]),
                });
            }
        }
    }
    rows
}
