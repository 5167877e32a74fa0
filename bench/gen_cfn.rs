//! Generates CloudFormation YAML templates for the benchmark:
//! - `gen_cfn BYTES OUT.yaml`: blocks of a cluster, a shared security group
//!   with restricted egress, a launch template and a managed node group, up
//!   to BYTES, so the whole pipeline has work to do;
//! - `gen_cfn cluster NODE_GROUPS RULES OUT.yaml`: one cluster with that
//!   many node groups (each with its own group and launch template) and that
//!   many rules spread over the groups, for the flow analysis. Every node
//!   group also carries a common group that opens what EKS needs, so the
//!   cluster is healthy and the figure measures analysis, not reporting.

use std::fmt::Write as _;

fn big_cluster(node_groups: usize, rules: usize, out: &str) {
    let mut text = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: generated cluster\nResources:\n  ControlPlane:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: control plane\n      VpcId: vpc-0123456789abcdef0\n  Cluster:\n    Type: AWS::EKS::Cluster\n    Properties:\n      Name: big\n      RoleArn: arn:aws:iam::111122223333:role/eks-cluster\n      ResourcesVpcConfig:\n        SecurityGroupIds: [!Ref ControlPlane]\n        SubnetIds: [subnet-0a, subnet-0b]\n  AllNodes:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: every node\n      VpcId: vpc-0123456789abcdef0\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 10250\n          ToPort: 10250\n          SourceSecurityGroupId: !Ref ControlPlane\n  AllNodesSelf:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref AllNodes\n      SourceSecurityGroupId: !Ref AllNodes\n      IpProtocol: \"-1\"\n  ControlPlaneFromNodes:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref ControlPlane\n      SourceSecurityGroupId: !Ref AllNodes\n      IpProtocol: tcp\n      FromPort: 443\n      ToPort: 443\n",
    );
    let per_group = rules / node_groups.max(1);
    for g in 0..node_groups {
        let _ = write!(
            text,
            "  Nodes{g}Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: nodes {g}\n      VpcId: vpc-0123456789abcdef0\n      SecurityGroupIngress:\n"
        );
        for r in 0..per_group.saturating_sub(1) {
            let port = 1024 + (g * per_group + r) % 60000;
            let _ = write!(
                text,
                "        - IpProtocol: tcp\n          FromPort: {port}\n          ToPort: {port}\n          CidrIp: 10.{}.{}.0/24\n",
                g % 256,
                r % 256
            );
        }
        let _ = write!(
            text,
            "  Nodes{g}Self:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref Nodes{g}Sg\n      SourceSecurityGroupId: !Ref Nodes{g}Sg\n      IpProtocol: \"-1\"\n  Nodes{g}Template:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n        SecurityGroupIds: [!Ref Nodes{g}Sg, !Ref AllNodes]\n  Nodes{g}:\n    Type: AWS::EKS::Nodegroup\n    Properties:\n      ClusterName: !Ref Cluster\n      NodeRole: arn:aws:iam::111122223333:role/eks-node\n      Subnets: [subnet-0a]\n      LaunchTemplate:\n        Id: !Ref Nodes{g}Template\n"
        );
    }
    if let Err(e) = std::fs::write(out, text) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(2);
    }
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("cluster") {
        let _ = args.next();
        let node_groups = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
        let rules = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
        let out = args.next().unwrap_or_else(|| "cluster.yaml".into());
        big_cluster(node_groups, rules, &out);
        return;
    }
    let bytes: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(5_000_000);
    let out = args.next().unwrap_or_else(|| "large.yaml".into());
    let mut text = String::with_capacity(bytes + 4096);
    text.push_str("AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: generated benchmark template\nResources:\n");
    let mut i = 0;
    while text.len() < bytes {
        let _ = write!(
            text,
            r#"  Shared{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: shared group {i}
      VpcId: vpc-0123456789abcdef0
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 10.{a}.{b}.0/24
      SecurityGroupEgress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 0.0.0.0/0
  SharedSelf{i}:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Shared{i}
      SourceSecurityGroupId: !GetAtt Shared{i}.GroupId
      IpProtocol: "-1"
  Cluster{i}:
    Type: AWS::EKS::Cluster
    Properties:
      Name: !Sub "cluster-{i}-${{AWS::StackName}}"
      RoleArn: arn:aws:iam::111122223333:role/eks-cluster
      ResourcesVpcConfig:
        SecurityGroupIds: [!Ref Shared{i}]
        SubnetIds: [subnet-0a, subnet-0b]
  Template{i}:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        SecurityGroupIds: [!Ref Shared{i}]
  Nodes{i}:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: !Ref Cluster{i}
      NodeRole: arn:aws:iam::111122223333:role/eks-node
      Subnets: [subnet-0a, subnet-0b]
      LaunchTemplate:
        Id: !Ref Template{i}
"#,
            a = (i / 256) % 256,
            b = i % 256,
        );
        i += 1;
    }
    if let Err(e) = std::fs::write(&out, text) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(2);
    }
}
