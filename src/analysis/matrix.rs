//! The flow matrix of a cluster: every flow EKS needs (seed S5, S6) with its
//! verdict, for `eks-sg-lint graph`.

use super::flows::{flow, to_internet, Verdict};
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
    for &g1 in &groups {
        for &g2 in &groups {
            for protocol in [Protocol::Udp, Protocol::Tcp] {
                rows.push(FlowRow {
                    from: Endpoint::Nodes(g1),
                    to: Endpoint::Nodes(g2),
                    protocol,
                    port: 53,
                    purpose: "DNS",
                    verdict: flow(
                        model,
                        &analysis.nodes[g1.index()],
                        &analysis.nodes[g2.index()],
                        protocol,
                        53,
                    ),
                });
            }
        }
    }
    rows
}
