//! EKS006 control-plane-cannot-reach-kubelet (seed S5).

use super::{BlockedFlow, Context};
use crate::analysis::flows::{flow, Verdict};
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::{NodeGroupId, Protocol};

pub static META: RuleMeta = RuleMeta {
    code: "EKS006",
    name: "control-plane-cannot-reach-kubelet",
    level: Level::Error,
    summary: "The control plane cannot reach the kubelets of a node group on TCP 10250",
    doc: r#"## What it checks
The flow from a cluster's control plane to the nodes of one of its node groups on
TCP 10250 (the kubelet) is blocked: no group on the control plane has an outbound
rule that allows it, or no group on the nodes admits it, and every group on that
side has known rules. The groups on each side are worked out as for EKS005.

## Why it matters
The API server reaches the kubelet for `kubectl logs`, `exec`, `port-forward` and
metrics (seed S5). With 10250 closed the nodes may join, but these commands time
out and metrics-server reports nothing.

## Example
```yaml
NodeSecurityGroup:
  Type: AWS::EC2::SecurityGroup
  Properties:
    SecurityGroupIngress:
      - IpProtocol: tcp
        FromPort: 443
        ToPort: 443
        SourceSecurityGroupId: !Ref ControlPlaneSecurityGroup   # 10250 missing
```

## Instead
Admit TCP 10250 (or 1025–65535) from the control plane's group on the nodes'
group, and allow it outbound from the control plane's group.

## References
Amazon EKS security group requirements (seed S5).
"#,
    seed: &["S5"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "6.0",
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
        if let Verdict::Blocked { side, groups } = flow(cx.model, &cp, nodes, Protocol::Tcp, 10250)
        {
            let blocked = BlockedFlow {
                meta: &META,
                anchor: ng.span,
                resource: &ng.address,
                what: format!(
                    "the control plane of cluster `{}` cannot reach the kubelets of node group `{}`",
                    cluster.address, ng.address
                ),
                traffic: "TCP 10250".into(),
                toward: format!("to node group `{}`", ng.address),
                from: format!("from the control plane of `{}`", cluster.address),
            };
            out.push(blocked.finding(cx.model, side, &groups));
        }
    }
}
