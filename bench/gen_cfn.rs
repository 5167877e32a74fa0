//! Generates a large CloudFormation YAML template for the benchmark:
//! `cargo run --release --example gen_cfn -- BYTES OUT.yaml`. Each block is a
//! cluster, a shared security group with restricted egress, a launch
//! template and a managed node group, so the whole pipeline has work to do.

use std::fmt::Write as _;

fn main() {
    let mut args = std::env::args().skip(1);
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
