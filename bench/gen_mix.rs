//! Generates the benchmark's inputs in every format eks-sg-lint reads, with
//! real EKS content: clusters, their security groups and rules, launch
//! templates and node groups, so that the whole pipeline (extraction, flow
//! analysis, rules, the built-in Guard rules) has work to do. A few units are
//! broken on purpose, so findings appear: one in ten opens SSH to the world
//! (EKS014), one in ten moves the kubelet rule off 10250 (EKS006), one in ten
//! leaves the public endpoint open to the world (EKS012).
//!
//! - `gen_mix files N DIR [KINDS]`: N files under DIR, cycling through KINDS
//!   (comma-separated, default `yaml,json,tf,eksctl`): CloudFormation YAML,
//!   CDK-style CloudFormation JSON, Terraform modules (a directory holding
//!   one `main.tf`) and eksctl configs. Each file holds one to three clusters.
//! - `gen_mix bytes KIND BYTES OUT`: one file of KIND (`yaml`, `json`, `tf`)
//!   of at least BYTES bytes.
//! - `gen_mix resources KIND N OUT`: one file of KIND with N resources
//!   (rounded up to whole clusters).
//!
//! The generated text is a pure function of the arguments.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Map, Value};

/// One cluster and everything around it; `i` numbers it within its file,
/// `seed` across the whole run (it picks the broken units).
#[derive(Clone, Copy)]
struct Unit {
    i: usize,
    seed: usize,
}

impl Unit {
    fn world_ssh(self) -> bool {
        self.seed % 10 == 3
    }
    fn kubelet_port(self) -> u16 {
        if self.seed % 10 == 7 {
            10251
        } else {
            10250
        }
    }
    fn public_world(self) -> bool {
        self.seed % 10 == 5
    }
    /// The public endpoint setting and its access CIDRs, as written.
    fn endpoint(self) -> (&'static str, &'static str) {
        if self.public_world() {
            ("true", "0.0.0.0/0")
        } else {
            ("false", "10.0.0.0/8")
        }
    }
    fn ssh_cidr(self) -> &'static str {
        if self.world_ssh() {
            "0.0.0.0/0"
        } else {
            "10.0.0.0/8"
        }
    }
    fn octets(self) -> (usize, usize) {
        ((self.seed / 256) % 256, self.seed % 256)
    }
}

/// Resources per unit, by kind (for `resources`).
fn per_unit(kind: &str) -> usize {
    match kind {
        "json" => 9,
        _ => 8,
    }
}

// ---- CloudFormation YAML ---------------------------------------------------

const YAML_HEAD: &str = "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: generated EKS benchmark template\nParameters:\n  VpcId:\n    Type: AWS::EC2::VPC::Id\n    Default: vpc-0123456789abcdef0\nResources:\n";

fn yaml_unit(out: &mut String, u: Unit) {
    let i = u.i;
    let (a, b) = u.octets();
    let kubelet = u.kubelet_port();
    let ssh = u.ssh_cidr();
    let (public, cidrs) = u.endpoint();
    let _ = write!(
        out,
        r#"  Cluster{i}Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: control plane {i}
      VpcId: !Ref VpcId
      SecurityGroupEgress:
        - IpProtocol: "-1"
          CidrIp: 0.0.0.0/0
  Nodes{i}Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: nodes {i}
      VpcId: !Ref VpcId
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: {ssh}
          Description: SSH from the bastion network
        - IpProtocol: tcp
          FromPort: {kubelet}
          ToPort: {kubelet}
          SourceSecurityGroupId: !Ref Cluster{i}Sg
          Description: kubelet from the control plane
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 10.{a}.{b}.0/24
      SecurityGroupEgress:
        - IpProtocol: "-1"
          CidrIp: 0.0.0.0/0
      Tags:
        - Key: Name
          Value: nodes-{i}
  Nodes{i}Self:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Nodes{i}Sg
      SourceSecurityGroupId: !GetAtt Nodes{i}Sg.GroupId
      IpProtocol: "-1"
  Cluster{i}FromNodes:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Cluster{i}Sg
      SourceSecurityGroupId: !Ref Nodes{i}Sg
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
  Cluster{i}:
    Type: AWS::EKS::Cluster
    Properties:
      Name: !Sub "bench-{i}-${{AWS::StackName}}"
      RoleArn: arn:aws:iam::111122223333:role/eks-cluster
      ResourcesVpcConfig:
        SecurityGroupIds: [!Ref Cluster{i}Sg]
        SubnetIds: [subnet-0a, subnet-0b]
        EndpointPrivateAccess: true
        EndpointPublicAccess: {public}
        PublicAccessCidrs: [{cidrs}]
  Nodes{i}Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        InstanceType: m5.large
        SecurityGroupIds: [!Ref Nodes{i}Sg]
  Nodes{i}:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: !Ref Cluster{i}
      NodeRole: arn:aws:iam::111122223333:role/eks-node
      Subnets: [subnet-0a, subnet-0b]
      ScalingConfig: {{MinSize: 1, DesiredSize: 2, MaxSize: 4}}
      LaunchTemplate:
        Id: !Ref Nodes{i}Template
        Version: !GetAtt Nodes{i}Template.LatestVersionNumber
"#
    );
}

// ---- CDK-style CloudFormation JSON -----------------------------------------

/// CDK's logical ID: the path's parts without separators, and eight hex
/// digits of a hash of the path.
fn cdk_id(path: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let human: String = path
        .split('/')
        .skip(1)
        .filter(|p| *p != "Resource")
        .collect::<Vec<_>>()
        .concat()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("{human}{:08X}", h as u32)
}

fn cdk_resource(
    resources: &mut Map<String, Value>,
    path: &str,
    kind: &str,
    props: Value,
) -> String {
    let id = cdk_id(path);
    resources.insert(
        id.clone(),
        json!({
            "Type": kind,
            "Properties": props,
            "Metadata": { "aws:cdk:path": path }
        }),
    );
    id
}

fn json_unit(resources: &mut Map<String, Value>, u: Unit) {
    let i = u.i;
    let (a, b) = u.octets();
    let base = format!("BenchStack/Cluster{i}");
    let vpc = cdk_resource(
        resources,
        &format!("{base}/Vpc/Resource"),
        "AWS::EC2::VPC",
        json!({
            "CidrBlock": format!("10.{a}.0.0/16"),
            "EnableDnsHostnames": true,
            "EnableDnsSupport": true,
            "Tags": [{ "Key": "Name", "Value": format!("{base}/Vpc") }]
        }),
    );
    let cluster_sg = cdk_resource(
        resources,
        &format!("{base}/ControlPlaneSecurityGroup/Resource"),
        "AWS::EC2::SecurityGroup",
        json!({
            "GroupDescription": "EKS Control Plane Security Group",
            "SecurityGroupEgress": [{
                "CidrIp": "0.0.0.0/0",
                "Description": "Allow all outbound traffic by default",
                "IpProtocol": "-1"
            }],
            "VpcId": { "Ref": vpc }
        }),
    );
    let nodes_sg = cdk_resource(
        resources,
        &format!("{base}/NodesSecurityGroup/Resource"),
        "AWS::EC2::SecurityGroup",
        json!({
            "GroupDescription": format!("{base}/NodesSecurityGroup"),
            "SecurityGroupEgress": [{
                "CidrIp": "0.0.0.0/0",
                "Description": "Allow all outbound traffic by default",
                "IpProtocol": "-1"
            }],
            "SecurityGroupIngress": [
                {
                    "CidrIp": u.ssh_cidr(),
                    "Description": "SSH from the bastion network",
                    "FromPort": 22,
                    "IpProtocol": "tcp",
                    "ToPort": 22
                },
                {
                    "CidrIp": format!("10.{a}.{b}.0/24"),
                    "Description": "HTTPS from the load balancers",
                    "FromPort": 443,
                    "IpProtocol": "tcp",
                    "ToPort": 443
                }
            ],
            "VpcId": { "Ref": vpc }
        }),
    );
    cdk_resource(
        resources,
        &format!("{base}/NodesSecurityGroup/from {base}NodesSecurityGroup:ALL TRAFFIC"),
        "AWS::EC2::SecurityGroupIngress",
        json!({
            "Description": "from self",
            "GroupId": { "Fn::GetAtt": [nodes_sg, "GroupId"] },
            "IpProtocol": "-1",
            "SourceSecurityGroupId": { "Fn::GetAtt": [nodes_sg, "GroupId"] }
        }),
    );
    cdk_resource(
        resources,
        &format!("{base}/NodesSecurityGroup/from {base}ControlPlaneSecurityGroup:kubelet"),
        "AWS::EC2::SecurityGroupIngress",
        json!({
            "Description": "kubelet from the control plane",
            "FromPort": u.kubelet_port(),
            "GroupId": { "Fn::GetAtt": [nodes_sg, "GroupId"] },
            "IpProtocol": "tcp",
            "SourceSecurityGroupId": { "Fn::GetAtt": [cluster_sg, "GroupId"] },
            "ToPort": u.kubelet_port()
        }),
    );
    cdk_resource(
        resources,
        &format!("{base}/ControlPlaneSecurityGroup/from {base}NodesSecurityGroup:443"),
        "AWS::EC2::SecurityGroupIngress",
        json!({
            "Description": "API server from the nodes",
            "FromPort": 443,
            "GroupId": { "Fn::GetAtt": [cluster_sg, "GroupId"] },
            "IpProtocol": "tcp",
            "SourceSecurityGroupId": { "Fn::GetAtt": [nodes_sg, "GroupId"] },
            "ToPort": 443
        }),
    );
    let cidrs = if u.public_world() {
        "0.0.0.0/0"
    } else {
        "10.0.0.0/8"
    };
    let cluster = cdk_resource(
        resources,
        &format!("{base}/Resource"),
        "AWS::EKS::Cluster",
        json!({
            "Name": format!("bench-{i}"),
            "ResourcesVpcConfig": {
                "EndpointPrivateAccess": true,
                "EndpointPublicAccess": u.public_world(),
                "PublicAccessCidrs": [cidrs],
                "SecurityGroupIds": [{ "Fn::GetAtt": [cluster_sg, "GroupId"] }],
                "SubnetIds": ["subnet-0a", "subnet-0b"]
            },
            "RoleArn": { "Fn::Join": ["", ["arn:", { "Ref": "AWS::Partition" }, ":iam::111122223333:role/eks-cluster"]] },
            "Version": "1.31"
        }),
    );
    let template = cdk_resource(
        resources,
        &format!("{base}/NodesLaunchTemplate/Resource"),
        "AWS::EC2::LaunchTemplate",
        json!({
            "LaunchTemplateData": {
                "InstanceType": "m5.large",
                "SecurityGroupIds": [{ "Fn::GetAtt": [nodes_sg, "GroupId"] }]
            }
        }),
    );
    cdk_resource(
        resources,
        &format!("{base}/NodegroupDefaultCapacity/Resource"),
        "AWS::EKS::Nodegroup",
        json!({
            "ClusterName": { "Ref": cluster },
            "LaunchTemplate": {
                "Id": { "Ref": template },
                "Version": { "Fn::GetAtt": [template, "LatestVersionNumber"] }
            },
            "NodeRole": "arn:aws:iam::111122223333:role/eks-node",
            "ScalingConfig": { "DesiredSize": 2, "MaxSize": 4, "MinSize": 1 },
            "Subnets": ["subnet-0a", "subnet-0b"]
        }),
    );
}

fn json_template(units: impl Iterator<Item = Unit>) -> String {
    let mut resources = Map::new();
    for u in units {
        json_unit(&mut resources, u);
    }
    resources.insert(
        "CDKMetadata".into(),
        json!({
            "Type": "AWS::CDK::Metadata",
            "Properties": { "Analytics": "v2:deflate64:H4sIAAAAAAAA/zPSMzS00DNQTCwv1k1OydbNyczTqw4pSswr" },
            "Metadata": { "aws:cdk:path": "BenchStack/CDKMetadata/Default" }
        }),
    );
    let doc = json!({
        "Resources": resources,
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
                "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]"
            }
        },
        "Rules": {
            "CheckBootstrapVersion": {
                "Assertions": [{
                    "Assert": { "Fn::Not": [{ "Fn::Contains": [["1", "2", "3", "4", "5"], { "Ref": "BootstrapVersion" }] }] },
                    "AssertDescription": "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI."
                }]
            }
        }
    });
    // CDK writes its templates indented by one space.
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(&doc, &mut ser).expect("JSON serializes");
    buf.push(b'\n');
    String::from_utf8(buf).expect("JSON is UTF-8")
}

// ---- Terraform ---------------------------------------------------------------

const TF_HEAD: &str = "variable \"vpc_id\" {\n  type    = string\n  default = \"vpc-0123456789abcdef0\"\n}\n\nvariable \"subnet_ids\" {\n  type    = list(string)\n  default = [\"subnet-0a\", \"subnet-0b\"]\n}\n\n";

fn tf_unit(out: &mut String, u: Unit) {
    let i = u.i;
    let (a, b) = u.octets();
    let kubelet = u.kubelet_port();
    let ssh = u.ssh_cidr();
    let (public, cidrs) = u.endpoint();
    let _ = write!(
        out,
        r#"resource "aws_security_group" "cluster_{i}" {{
  name        = "bench-{i}-cluster"
  description = "control plane {i}"
  vpc_id      = var.vpc_id

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_security_group" "nodes_{i}" {{
  name        = "bench-{i}-nodes"
  description = "nodes {i}"
  vpc_id      = var.vpc_id

  ingress {{
    description = "SSH from the bastion network"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["{ssh}"]
  }}

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.{a}.{b}.0/24"]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  tags = {{
    Name = "bench-{i}-nodes"
  }}
}}

resource "aws_vpc_security_group_ingress_rule" "nodes_{i}_self" {{
  security_group_id            = aws_security_group.nodes_{i}.id
  referenced_security_group_id = aws_security_group.nodes_{i}.id
  ip_protocol                  = "-1"
}}

resource "aws_vpc_security_group_ingress_rule" "nodes_{i}_kubelet" {{
  security_group_id            = aws_security_group.nodes_{i}.id
  referenced_security_group_id = aws_security_group.cluster_{i}.id
  ip_protocol                  = "tcp"
  from_port                    = {kubelet}
  to_port                      = {kubelet}
  description                  = "kubelet from the control plane"
}}

resource "aws_vpc_security_group_ingress_rule" "cluster_{i}_api" {{
  security_group_id            = aws_security_group.cluster_{i}.id
  referenced_security_group_id = aws_security_group.nodes_{i}.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}}

resource "aws_eks_cluster" "bench_{i}" {{
  name     = "bench-{i}"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"
  version  = "1.31"

  vpc_config {{
    subnet_ids              = var.subnet_ids
    security_group_ids      = [aws_security_group.cluster_{i}.id]
    endpoint_private_access = true
    endpoint_public_access  = {public}
    public_access_cidrs     = ["{cidrs}"]
  }}
}}

resource "aws_launch_template" "nodes_{i}" {{
  name_prefix            = "bench-{i}-nodes-"
  instance_type          = "m5.large"
  vpc_security_group_ids = [aws_security_group.nodes_{i}.id]
}}

resource "aws_eks_node_group" "nodes_{i}" {{
  cluster_name    = aws_eks_cluster.bench_{i}.name
  node_group_name = "nodes-{i}"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = var.subnet_ids

  launch_template {{
    id      = aws_launch_template.nodes_{i}.id
    version = aws_launch_template.nodes_{i}.latest_version
  }}

  scaling_config {{
    desired_size = 2
    max_size     = 4
    min_size     = 1
  }}
}}

"#
    );
}

// ---- eksctl --------------------------------------------------------------------

fn eksctl_config(u: Unit) -> String {
    let i = u.seed;
    let (public, cidrs) = u.endpoint();
    let ssh = if u.world_ssh() {
        "\n    ssh:\n      allow: true\n      publicKeyName: ops"
    } else {
        ""
    };
    format!(
        r#"apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: bench-{i}
  region: eu-west-1
  version: "1.31"
  tags:
    team: platform-{t}
vpc:
  clusterEndpoints:
    publicAccess: {public}
    privateAccess: true
  publicAccessCIDRs: ["{cidrs}"]
iam:
  withOIDC: true
addons:
  - name: vpc-cni
  - name: coredns
  - name: kube-proxy
managedNodeGroups:
  - name: general
    instanceType: m5.large
    desiredCapacity: 2
    privateNetworking: true{ssh}
  - name: spot
    instanceTypes: [m5.large, m5a.large]
    spot: true
    desiredCapacity: 1
    privateNetworking: true
nodeGroups:
  - name: batch-{i}
    instanceType: c5.xlarge
    desiredCapacity: 1
    privateNetworking: true
"#,
        t = i % 7
    )
}

// ---- driver ----------------------------------------------------------------------

fn text_of(kind: &str, units: &[Unit]) -> String {
    match kind {
        "yaml" => {
            let mut s = String::from(YAML_HEAD);
            for u in units {
                yaml_unit(&mut s, *u);
            }
            s
        }
        "json" => json_template(units.iter().copied()),
        "tf" => {
            let mut s = String::from(TF_HEAD);
            for u in units {
                tf_unit(&mut s, *u);
            }
            s
        }
        "eksctl" => eksctl_config(units[0]),
        other => die(&format!("unknown kind {other} (yaml, json, tf or eksctl)")),
    }
}

fn die(msg: &str) -> ! {
    eprintln!("gen_mix: {msg}");
    std::process::exit(2);
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        if let Err(e) = std::fs::create_dir_all(dir) {
            die(&format!("cannot create {}: {e}", dir.display()));
        }
    }
    if let Err(e) = std::fs::write(path, text) {
        die(&format!("cannot write {}: {e}", path.display()));
    }
}

fn files(n: usize, dir: &Path, kinds: &[&str]) {
    let mut seed = 0;
    for f in 0..n {
        let kind = kinds[f % kinds.len()];
        let count = if kind == "eksctl" { 1 } else { 1 + f % 3 };
        let units: Vec<Unit> = (0..count)
            .map(|i| {
                seed += 1;
                Unit { i, seed }
            })
            .collect();
        let path = match kind {
            "yaml" => dir.join(format!("cfn/stack-{f:05}.yaml")),
            "json" => dir.join(format!("cdk.out/Stack{f:05}.template.json")),
            "tf" => dir.join(format!("terraform/cluster-{f:05}/main.tf")),
            "eksctl" => dir.join(format!("eksctl/cluster-{f:05}.yaml")),
            _ => die(&format!("unknown kind {kind}")),
        };
        write(&path, &text_of(kind, &units));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: usize| -> &str {
        args.get(k).map(String::as_str).unwrap_or_else(|| {
            die("usage: gen_mix files N DIR [KINDS] | bytes KIND BYTES OUT | resources KIND N OUT")
        })
    };
    let number = |k: usize| -> usize {
        arg(k)
            .parse()
            .unwrap_or_else(|_| die(&format!("not a number: {}", arg(k))))
    };
    match arg(0) {
        "files" => {
            let kinds: Vec<&str> = args
                .get(3)
                .map_or("yaml,json,tf,eksctl", String::as_str)
                .split(',')
                .collect();
            files(number(1), Path::new(arg(2)), &kinds);
        }
        "bytes" => {
            let (kind, bytes) = (arg(1), number(2));
            // Size the text from one unit, then generate it whole (the JSON
            // is one document).
            let sample = text_of(kind, &[Unit { i: 0, seed: 1 }, Unit { i: 1, seed: 2 }]).len()
                - text_of(kind, &[Unit { i: 0, seed: 1 }]).len();
            let n = bytes.div_ceil(sample.max(1)).max(1);
            let units: Vec<Unit> = (0..n).map(|i| Unit { i, seed: i + 1 }).collect();
            write(Path::new(arg(3)), &text_of(kind, &units));
        }
        "resources" => {
            let (kind, want) = (arg(1), number(2));
            let n = want.div_ceil(per_unit(kind)).max(1);
            let units: Vec<Unit> = (0..n).map(|i| Unit { i, seed: i + 1 }).collect();
            write(Path::new(arg(3)), &text_of(kind, &units));
        }
        other => die(&format!("unknown command {other}")),
    }
}
