//! EKS001 cluster-without-explicit-security-group (seed S10, S4).

use super::Context;
use crate::finding::{Finding, Level, RuleMeta};

pub static META: RuleMeta = RuleMeta {
    code: "EKS001",
    name: "cluster-without-explicit-security-group",
    level: Level::Warning,
    summary: "An EKS cluster is created without a security group of its own",
    doc: r#"## What it checks
An `AWS::EKS::Cluster` whose `ResourcesVpcConfig.SecurityGroupIds` is missing or
empty, or an `aws_eks_cluster` whose `vpc_config.security_group_ids` is missing or
`[]`. A `Fn::If` branch that gives no groups counts; a parameter or variable that
cannot be resolved does not. eksctl always creates a control-plane group, and the
`terraform-aws-modules/eks` module creates one unless told not to, so neither is
reported.

## Why it matters
When a cluster is created through the API, the CLI or CloudFormation without a
security group, the network interfaces EKS places in your subnets get the VPC's
default security group (seed S10) next to the EKS cluster security group (seed S4).
The default group's rules are whatever the VPC was left with, and the template
controls none of the rules on the control plane's interfaces.

## Example
```yaml
Cluster:
  Type: AWS::EKS::Cluster
  Properties:
    RoleArn: !GetAtt ClusterRole.Arn
    ResourcesVpcConfig:
      SubnetIds: [!Ref SubnetA, !Ref SubnetB]
```

## Instead
```yaml
    ResourcesVpcConfig:
      SecurityGroupIds: [!Ref ControlPlaneSecurityGroup]
      SubnetIds: [!Ref SubnetA, !Ref SubnetB]
```
In Terraform, set `vpc_config { security_group_ids = [aws_security_group.cluster.id] }`.

## References
Amazon EKS security group requirements (seed S4, S10).
"#,
    seed: &["S10", "S4"],
    formats: &["cloudformation-yaml", "cloudformation-json", "terraform"],
    security_severity: "4.0",
};

pub fn check(cx: &Context, out: &mut Vec<Finding>) {
    for cluster in &cx.model.clusters {
        if !cluster.explicit_group_expected {
            continue;
        }
        let alternatives = cluster.creation_groups.alternatives();
        let empty_in_some_branch = alternatives
            .iter()
            .any(|alt| alt.as_ref().is_some_and(Vec::is_empty));
        if !empty_in_some_branch {
            continue;
        }
        let (what, label) = if cluster.creation_groups.is_absent() {
            (
                "sets no security group",
                "no security group ids in this VPC configuration",
            )
        } else if alternatives.len() > 1 {
            (
                "sets no security group under one of its conditions",
                "one branch of this condition gives no security group",
            )
        } else {
            (
                "sets an empty security group list",
                "empty security group list",
            )
        };
        let span = if cluster.creation_groups.is_absent() {
            cluster.vpc_config_span.unwrap_or(cluster.span)
        } else {
            cluster
                .creation_groups_span
                .or(cluster.vpc_config_span)
                .unwrap_or(cluster.span)
        };
        out.push(
            Finding::new(
                &META,
                span,
                format!(
                    "cluster `{}` {what}: its network interfaces get the VPC's default security group",
                    cluster.address
                ),
            )
            .with_label(label)
            .with_help(
                "give the cluster a security group of its own at creation, with the rules its control plane needs",
            )
            .with_resource(cluster.address.clone()),
        );
    }
}
