use super::*;
use crate::model::{GroupRef, SecurityGroup, SgId};
use crate::source::Span;
use crate::syntax::{json, yaml, Limits};

const FILE: FileId = FileId(0);

fn yaml_model(text: &str) -> Model {
    let docs = yaml::parse(FILE, text, Limits::default()).expect("yaml parses");
    let doc = docs.first().expect("one document");
    extract(doc, FILE)
}

fn json_model(text: &str) -> Model {
    let doc = json::parse(FILE, text, Limits::default()).expect("json parses");
    extract(&doc, FILE)
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

fn group<'m>(model: &'m Model, name: &str) -> (SgId, &'m SecurityGroup) {
    let i = model
        .groups
        .iter()
        .position(|g| g.name == name)
        .unwrap_or_else(|| panic!("group {name} in {:#?}", model.groups));
    (SgId(i as u32), &model.groups[i])
}

fn eval_in(template: &str, expr: &str) -> Val {
    let text = format!("{template}\nValue: {expr}\n");
    let docs = yaml::parse(FILE, &text, Limits::default()).expect("yaml parses");
    let doc = docs.first().expect("one document");
    let t = Template::new(doc);
    t.eval(doc.get("Value").expect("value"))
}

const PARAMS: &str = r#"
Parameters:
  Env: { Type: String, Default: prod }
  NoDefault: { Type: String }
  Cidrs: { Type: CommaDelimitedList, Default: "10.0.0.0/8, 192.168.0.0/16" }
  Ssm: { Type: "AWS::SSM::Parameter::Value<String>", Default: /my/param }
Mappings:
  Regions:
    prod: { Suffix: eu }
Resources:
  Sg: { Type: AWS::EC2::SecurityGroup, Properties: { GroupDescription: x } }
"#;

#[test]
fn resolver_folds_what_the_template_determines() {
    assert_eq!(eval_in(PARAMS, "!Ref Env"), Val::Str("prod".into()));
    assert_eq!(eval_in(PARAMS, "!Ref NoDefault"), Val::Unknown);
    assert_eq!(eval_in(PARAMS, "!Ref Ssm"), Val::Unknown);
    assert_eq!(eval_in(PARAMS, "!Ref AWS::Region"), Val::Unknown);
    assert_eq!(eval_in(PARAMS, "!Ref AWS::NoValue"), Val::Absent);
    assert_eq!(eval_in(PARAMS, "!Ref Sg"), Val::Ref("Sg".into()));
    assert_eq!(
        eval_in(PARAMS, "!Ref Cidrs"),
        Val::List(vec![
            Val::Str("10.0.0.0/8".into()),
            Val::Str("192.168.0.0/16".into())
        ])
    );
    assert_eq!(
        eval_in(PARAMS, "!Sub 'eks-${Env}-x'"),
        Val::Str("eks-prod-x".into())
    );
    assert_eq!(
        eval_in(PARAMS, "!Sub ['${A}-${Env}', {A: !Ref Env}]"),
        Val::Str("prod-prod".into())
    );
    assert_eq!(eval_in(PARAMS, "!Sub '${AWS::StackName}-x'"), Val::Unknown);
    assert_eq!(
        eval_in(PARAMS, "!Sub 'a${!Literal}'"),
        Val::Str("a${Literal}".into())
    );
    assert_eq!(
        eval_in(PARAMS, "!Join ['-', [a, !Ref Env]]"),
        Val::Str("a-prod".into())
    );
    assert_eq!(
        eval_in(PARAMS, "!Select [1, !Ref Cidrs]"),
        Val::Str("192.168.0.0/16".into())
    );
    assert_eq!(eval_in(PARAMS, "!Select [5, !Ref Cidrs]"), Val::Unknown);
    assert_eq!(
        eval_in(PARAMS, "!FindInMap [Regions, !Ref Env, Suffix]"),
        Val::Str("eu".into())
    );
    assert_eq!(
        eval_in(PARAMS, "!FindInMap [Regions, !Ref AWS::Region, Suffix]"),
        Val::Unknown
    );
    assert_eq!(eval_in(PARAMS, "!ImportValue Foo"), Val::Unknown);
    assert_eq!(
        eval_in(PARAMS, "!If [C, a, b]"),
        Val::OneOf(vec![Val::Str("a".into()), Val::Str("b".into())])
    );
    assert_eq!(
        eval_in(PARAMS, "{ 'Fn::Join': ['', [x, { Ref: Env }]] }"),
        Val::Str("xprod".into())
    );
    assert_eq!(
        eval_in(PARAMS, "!GetAtt Sg.GroupId"),
        Val::Att("Sg".into(), "GroupId".into())
    );
    assert_eq!(
        eval_in(PARAMS, "{ 'Fn::GetAtt': [Sg, GroupId] }"),
        Val::Att("Sg".into(), "GroupId".into())
    );
}

const CLUSTER: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ExtraSg: { Type: "AWS::EC2::SecurityGroup::Id" }
Resources:
  ControlPlaneSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: cp
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: prod
      RoleArn: arn
      ResourcesVpcConfig:
        SecurityGroupIds:
          - !Ref ControlPlaneSg
          - !GetAtt ControlPlaneSg.GroupId
          - Fn::GetAtt: [ControlPlaneSg, GroupId]
          - !Ref ExtraSg
          - sg-0123
          - !ImportValue shared-sg
        SubnetIds: [a, b]
        EndpointPrivateAccess: true
        PublicAccessCidrs: [203.0.113.0/24]
      KubernetesNetworkConfig:
        IpFamily: IPv6
"#;

#[test]
fn cluster_groups_spans_and_endpoint() {
    let m = yaml_model(CLUSTER);
    assert_eq!(m.clusters.len(), 1);
    let c = &m.clusters[0];
    let (cp, _) = group(&m, "ControlPlaneSg");
    assert_eq!(c.address, "Cluster");
    assert_eq!(c.name, Known::Value("prod".into()));
    assert_eq!(slice(CLUSTER, c.span), "Cluster");
    assert_eq!(
        c.creation_groups,
        GroupList::Groups(vec![
            GroupRef::Group(cp),
            GroupRef::Group(cp),
            GroupRef::Group(cp),
            GroupRef::External("parameter ExtraSg".into()),
            GroupRef::External("sg-0123".into()),
            GroupRef::External("import shared-sg".into()),
        ])
    );
    assert!(c.explicit_group_expected);
    assert!(slice(CLUSTER, c.vpc_config_span.unwrap()).starts_with("ResourcesVpcConfig:"));
    assert!(slice(CLUSTER, c.creation_groups_span.unwrap()).starts_with("SecurityGroupIds:"));
    let spans: Vec<&str> = c
        .creation_group_spans
        .iter()
        .map(|s| slice(CLUSTER, *s))
        .collect();
    assert_eq!(spans[0], "!Ref ControlPlaneSg");
    assert_eq!(spans[4], "sg-0123");
    assert_eq!(spans.len(), 6);
    assert_eq!(c.ip_family, IpFamily::Ipv6);
    assert_eq!(c.endpoint.public_access, Known::Value(true));
    assert_eq!(c.endpoint.private_access, Known::Value(true));
    assert_eq!(
        c.endpoint.public_access_cidrs,
        Some(Known::Value(vec!["203.0.113.0/24".into()]))
    );
    assert!(slice(CLUSTER, c.endpoint.cidrs_span.unwrap()).starts_with("PublicAccessCidrs"));
    assert!(slice(CLUSTER, c.endpoint.span.unwrap()).starts_with("EndpointPrivateAccess"));
    // The implicit group comes first and carries the cluster's name.
    let implicit = m.group(c.cluster_sg);
    assert_eq!(
        implicit.origin,
        GroupOrigin::EksClusterSg(crate::model::ClusterId(0))
    );
    assert_eq!(
        implicit.tags[0].key,
        Known::Value("kubernetes.io/cluster/prod".into())
    );
}

#[test]
fn cluster_defaults_and_unknowns() {
    let text = r#"
Parameters:
  Groups: { Type: "List<AWS::EC2::SecurityGroup::Id>" }
  Defaults: { Type: "List<AWS::EC2::SecurityGroup::Id>", Default: "sg-1,sg-2" }
Resources:
  NoGroups:
    Type: AWS::EKS::Cluster
    Properties:
      ResourcesVpcConfig: { SubnetIds: [a] }
  Empty:
    Type: AWS::EKS::Cluster
    Properties:
      Name: !Sub "${AWS::StackName}-c"
      ResourcesVpcConfig: { SecurityGroupIds: [], SubnetIds: [a] }
  FromParam:
    Type: AWS::EKS::Cluster
    Properties:
      ResourcesVpcConfig: { SecurityGroupIds: !Ref Groups, EndpointPublicAccess: false }
  FromDefaults:
    Type: AWS::EKS::Cluster
    Properties:
      ResourcesVpcConfig: { SecurityGroupIds: !Ref Defaults }
      KubernetesNetworkConfig: { IpFamily: !Ref Unknown }
  NoVpc:
    Type: AWS::EKS::Cluster
"#;
    let m = yaml_model(text);
    let c: Vec<&Cluster> = m.clusters.iter().collect();
    assert_eq!(c.len(), 5);
    assert_eq!(c[0].creation_groups, GroupList::Absent);
    assert_eq!(c[0].name, Known::Unknown);
    assert_eq!(c[0].ip_family, IpFamily::Ipv4);
    assert_eq!(c[0].endpoint.public_access, Known::Value(true));
    assert_eq!(c[0].endpoint.private_access, Known::Value(false));
    assert_eq!(c[0].endpoint.public_access_cidrs, None);
    assert_eq!(c[1].creation_groups, GroupList::Groups(vec![]));
    assert_eq!(c[1].name, Known::Unknown);
    assert_eq!(c[2].creation_groups, GroupList::Unknown);
    assert_eq!(c[2].endpoint.public_access, Known::Value(false));
    assert_eq!(
        c[3].creation_groups,
        GroupList::Groups(vec![
            GroupRef::External("sg-1".into()),
            GroupRef::External("sg-2".into())
        ])
    );
    assert_eq!(c[3].ip_family, IpFamily::Unknown);
    assert_eq!(c[4].creation_groups, GroupList::Absent);
    assert_eq!(c[4].vpc_config_span, None);
    // The implicit group of an unnamed cluster is named after its logical ID.
    assert_eq!(
        m.group(c[0].cluster_sg).tags[0].key,
        Known::Value("kubernetes.io/cluster/NoGroups".into())
    );
}

#[test]
fn fn_if_gives_alternatives() {
    let text = r#"
Conditions:
  UseSg: !Equals [a, a]
Resources:
  Sg: { Type: AWS::EC2::SecurityGroup, Properties: { GroupDescription: x } }
  Other: { Type: AWS::EC2::SecurityGroup, Properties: { GroupDescription: y } }
  A:
    Type: AWS::EKS::Cluster
    Properties:
      ResourcesVpcConfig:
        SecurityGroupIds: !If [UseSg, [!Ref Sg], !Ref AWS::NoValue]
        EndpointPublicAccess: !If [UseSg, true, false]
  B:
    Type: AWS::EKS::Cluster
    Properties:
      ResourcesVpcConfig:
        SecurityGroupIds:
          - !Ref Sg
          - !If [UseSg, !Ref Other, !Ref AWS::NoValue]
"#;
    let m = yaml_model(text);
    let (sg, _) = group(&m, "Sg");
    let (other, _) = group(&m, "Other");
    assert_eq!(
        m.clusters[0].creation_groups,
        GroupList::OneOf(vec![
            GroupList::Groups(vec![GroupRef::Group(sg)]),
            GroupList::Absent
        ])
    );
    assert_eq!(
        m.clusters[0].endpoint.public_access,
        Known::OneOf(vec![Known::Value(true), Known::Value(false)])
    );
    assert_eq!(
        m.clusters[1].creation_groups,
        GroupList::OneOf(vec![
            GroupList::Groups(vec![GroupRef::Group(sg), GroupRef::Group(other)]),
            GroupList::Groups(vec![GroupRef::Group(sg)]),
        ])
    );
}

#[test]
fn json_long_forms() {
    let text = r#"{
  "Resources": {
    "Sg": {
      "Type": "AWS::EC2::SecurityGroup",
      "Properties": {
        "GroupDescription": "x",
        "SecurityGroupIngress": [
          {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
           "SourceSecurityGroupId": {"Fn::GetAtt": "Cluster.ClusterSecurityGroupId"}}
        ]
      }
    },
    "Cluster": {
      "Type": "AWS::EKS::Cluster",
      "Properties": {
        "ResourcesVpcConfig": {
          "SecurityGroupIds": [{"Ref": "Sg"}, {"Fn::GetAtt": "Sg.GroupId"}]
        }
      }
    }
  }
}"#;
    let m = json_model(text);
    let (sg, g) = group(&m, "Sg");
    let c = &m.clusters[0];
    assert_eq!(
        c.creation_groups,
        GroupList::Groups(vec![GroupRef::Group(sg), GroupRef::Group(sg)])
    );
    assert_eq!(g.ingress.len(), 1);
    assert_eq!(
        g.ingress[0].peer,
        Peer::Group(GroupRef::Group(c.cluster_sg))
    );
    assert_eq!(g.ingress[0].ports, PortRange::single(443));
    assert!(slice(text, g.ingress[0].span).starts_with("{\"IpProtocol\""));
    // JSON keys may be reported with or without their quotes.
    assert_eq!(slice(text, g.span).trim_matches('"'), "Sg");
}

const RULES: &str = r#"
Resources:
  Nodes:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: nodes
      GroupDescription: nodes
      SecurityGroupIngress:
        - IpProtocol: "-1"
          SourceSecurityGroupId: !Ref Nodes
        - IpProtocol: 6
          FromPort: 10250
          ToPort: 10250
          SourceSecurityGroupId: !GetAtt Cp.GroupId
          Description: kubelet
        - IpProtocol: tcp
          FromPort: -1
          ToPort: -1
          CidrIp: 10.0.0.0/8
        - IpProtocol: udp
          FromPort: 53
          ToPort: 53
          SourceSecurityGroupName: nodes
        - !If
          - Cond
          - IpProtocol: tcp
            FromPort: 22
            ToPort: 22
            CidrIpv6: "::/0"
          - !Ref AWS::NoValue
        - !Ref AWS::NoValue
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          SourcePrefixListId: pl-123
      SecurityGroupEgress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          DestinationSecurityGroupId: !GetAtt Nodes.GroupId
      Tags:
        - Key: !Sub "kubernetes.io/cluster/${Name}"
          Value: owned
        - Key: Team
          Value: !Ref Unresolved
  Cp:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: cp
Parameters:
  Name: { Type: String, Default: prod }
"#;

#[test]
fn inline_rules_peers_and_tags() {
    let m = yaml_model(RULES);
    let (cp, _) = group(&m, "Cp");
    let (_, g) = group(&m, "Nodes");
    assert_eq!(slice(RULES, g.span), "Nodes");
    assert_eq!(g.origin, GroupOrigin::Defined);
    assert_eq!(g.ingress.len(), 6, "{:#?}", g.ingress);
    let r = &g.ingress;
    assert_eq!(
        (r[0].protocol, r[0].ports, &r[0].peer),
        (Protocol::All, PortRange::ALL, &Peer::SelfRef)
    );
    assert_eq!(r[1].protocol, Protocol::Tcp);
    assert_eq!(r[1].ports, PortRange::single(10250));
    assert_eq!(r[1].peer, Peer::Group(GroupRef::Group(cp)));
    assert_eq!(r[1].description.as_deref(), Some("kubelet"));
    assert_eq!(r[1].presence, Presence::Always);
    assert!(!r[1].implicit);
    assert_eq!(r[2].ports, PortRange::ALL);
    assert_eq!(r[2].peer, Peer::cidr("10.0.0.0/8"));
    assert_eq!(r[3].peer, Peer::SelfRef);
    assert_eq!(r[3].protocol, Protocol::Udp);
    assert_eq!(r[4].peer, Peer::cidr("::/0"));
    assert_eq!(r[4].presence, Presence::Conditional);
    assert_eq!(r[5].peer, Peer::PrefixList("pl-123".into()));
    assert!(slice(RULES, r[1].span).starts_with("IpProtocol: 6"));
    assert_eq!(g.egress.len(), 1);
    assert_eq!(g.egress[0].peer, Peer::SelfRef);
    assert!(g.inline_egress_declared);
    assert_eq!(g.default_egress, DefaultEgress::AllowAll);
    assert!(slice(RULES, g.egress_span.unwrap()).starts_with("SecurityGroupEgress:"));
    assert!(!g.rules_incomplete);
    assert_eq!(g.tags.len(), 2);
    assert_eq!(
        g.tags[0].key,
        Known::Value("kubernetes.io/cluster/prod".into())
    );
    assert_eq!(g.tags[0].value, Known::Value("owned".into()));
    assert_eq!(g.tags[1].value, Known::Unknown);
    assert!(slice(RULES, g.tags[0].span).starts_with("Key: !Sub"));
}

#[test]
fn egress_defaults_and_cdk_sentinel() {
    let text = r#"
Resources:
  NoEgress:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: a }
  EmptyEgress:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: a, SecurityGroupEgress: [] }
  NoValueEgress:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: a, SecurityGroupEgress: !Ref AWS::NoValue }
  CondEgress:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: a
      SecurityGroupEgress: !If [C, [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}], !Ref AWS::NoValue]
  Unresolved:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: a, SecurityGroupEgress: !Ref SomeParam }
  Cdk:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: a
      SecurityGroupEgress:
        - CidrIp: 255.255.255.255/32
          Description: Disallow all traffic
          FromPort: 252
          IpProtocol: icmp
          ToPort: 86
"#;
    let m = yaml_model(text);
    let (_, g) = group(&m, "NoEgress");
    assert!(!g.inline_egress_declared);
    assert_eq!(g.default_egress, DefaultEgress::AllowAll);
    assert_eq!(g.egress_span, None);
    let (_, g) = group(&m, "EmptyEgress");
    assert!(g.inline_egress_declared);
    assert!(g.egress.is_empty());
    let (_, g) = group(&m, "NoValueEgress");
    assert!(!g.inline_egress_declared);
    let (_, g) = group(&m, "CondEgress");
    assert!(!g.inline_egress_declared);
    assert_eq!(g.egress.len(), 1);
    assert_eq!(g.egress[0].presence, Presence::Conditional);
    let (_, g) = group(&m, "Unresolved");
    assert!(g.inline_egress_declared);
    assert!(g.rules_incomplete);
    let (_, g) = group(&m, "Cdk");
    assert!(g.inline_egress_declared);
    assert!(g.egress.is_empty());
    assert!(!g.rules_incomplete);
}

const STANDALONE: &str = r#"
Parameters:
  External: { Type: "AWS::EC2::SecurityGroup::Id" }
Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: c1
      ResourcesVpcConfig: { SecurityGroupIds: [!Ref Nodes] }
  NodeSelf:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Nodes
      IpProtocol: "-1"
      SourceSecurityGroupId: !GetAtt Nodes.GroupId
  ClusterSgFromNodes:
    Type: AWS::EC2::SecurityGroupIngress
    Condition: Maybe
    Properties:
      GroupId: !GetAtt Cluster.ClusterSecurityGroupId
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      SourceSecurityGroupId: !Ref Nodes
  ClusterSgSelfEgress:
    Type: AWS::EC2::SecurityGroupEgress
    Properties:
      GroupId: !GetAtt Cluster.ClusterSecurityGroupId
      IpProtocol: tcp
      FromPort: 10250
      ToPort: 10250
      DestinationSecurityGroupId: !GetAtt Cluster.ClusterSecurityGroupId
  ToExternal:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref External
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      SourceSecurityGroupId: !Ref Nodes
  Nodes:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: nodes }
"#;

#[test]
fn standalone_rules_on_defined_and_implicit_groups() {
    let m = yaml_model(STANDALONE);
    let (nodes, g) = group(&m, "Nodes");
    assert_eq!(g.ingress.len(), 1);
    assert_eq!(g.ingress[0].peer, Peer::SelfRef);
    assert_eq!(slice(STANDALONE, g.ingress[0].span), "NodeSelf");
    let c = &m.clusters[0];
    assert_eq!(
        c.creation_groups,
        GroupList::Groups(vec![GroupRef::Group(nodes)])
    );
    let implicit = m.group(c.cluster_sg);
    // The EKS default self rule, then ours.
    assert_eq!(implicit.ingress.len(), 2);
    let ours = &implicit.ingress[1];
    assert_eq!(ours.peer, Peer::Group(GroupRef::Group(nodes)));
    assert_eq!(ours.presence, Presence::Conditional);
    assert_eq!(slice(STANDALONE, ours.span), "ClusterSgFromNodes");
    assert_eq!(implicit.egress.len(), 1);
    assert_eq!(implicit.egress[0].peer, Peer::SelfRef);
    // Standalone egress keeps the default.
    assert!(!implicit.inline_egress_declared);
    // A rule on a group from elsewhere is dropped, with a note.
    assert!(m
        .notes
        .iter()
        .any(|n| slice(STANDALONE, n.span) == "ToExternal"));
    let rule_count: usize = m
        .groups
        .iter()
        .map(|g| g.ingress.len() + g.egress.len())
        .sum();
    assert_eq!(rule_count, 4);
}

const NODEGROUPS: &str = r#"
Parameters:
  LtParam: { Type: String }
  ClusterNameParam: { Type: String, Default: prod }
Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: prod
      ResourcesVpcConfig: { SecurityGroupIds: [!Ref Nodes] }
  Nodes:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: nodes }
  Extra:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: extra }
  Lt:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateName: nodes-lt
      LaunchTemplateData:
        SecurityGroupIds: [!Ref Nodes]
        NetworkInterfaces:
          - DeviceIndex: 0
            Groups: [!GetAtt Extra.GroupId]
  BareLt:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData: { InstanceType: m5.large }
  WithLt:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: !Ref Cluster
      NodegroupName: ng1
      LaunchTemplate: { Id: !Ref Lt, Version: !GetAtt Lt.LatestVersionNumber }
  ByName:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: !Ref ClusterNameParam
      LaunchTemplate: { Name: nodes-lt }
  Bare:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: other
      LaunchTemplate: { Id: !Ref BareLt }
  Unresolved:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: !ImportValue cluster
      LaunchTemplate: { Id: !Ref LtParam }
  Ssh:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: prod
      RemoteAccess:
        Ec2SshKey: my-key
  SshFromGroup:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: prod
      AmiType: WINDOWS_CORE_2019_x86_64
      RemoteAccess:
        Ec2SshKey: my-key
        SourceSecurityGroups: [!Ref Extra]
"#;

#[test]
fn managed_node_groups_launch_templates_and_remote_access() {
    let m = yaml_model(NODEGROUPS);
    let (nodes, _) = group(&m, "Nodes");
    let (extra, _) = group(&m, "Extra");
    let ng = |name: &str| {
        m.node_groups
            .iter()
            .find(|n| n.address == name)
            .unwrap_or_else(|| panic!("node group {name}"))
    };
    let with_lt = ng("WithLt");
    assert_eq!(with_lt.kind, NodeGroupKind::Managed);
    assert_eq!(with_lt.name, Known::Value("ng1".into()));
    assert_eq!(
        with_lt.cluster,
        ClusterLink::Cluster(crate::model::ClusterId(0))
    );
    assert_eq!(slice(NODEGROUPS, with_lt.span), "WithLt");
    assert_eq!(
        with_lt.launch_template_groups,
        GroupList::Groups(vec![GroupRef::Group(nodes), GroupRef::Group(extra)])
    );
    assert!(!with_lt.launch_template_unknown);
    assert_eq!(
        with_lt.cluster_sg,
        ClusterSgAttachment::UnlessLaunchTemplateSetsGroups
    );
    let by_name = ng("ByName");
    assert_eq!(
        by_name.cluster,
        ClusterLink::Cluster(crate::model::ClusterId(0))
    );
    assert_eq!(
        by_name.launch_template_groups,
        with_lt.launch_template_groups
    );
    let bare = ng("Bare");
    assert_eq!(bare.launch_template_groups, GroupList::Absent);
    assert_eq!(bare.cluster, ClusterLink::Name("other".into()));
    let unresolved = ng("Unresolved");
    assert!(unresolved.launch_template_unknown);
    assert_eq!(unresolved.cluster, ClusterLink::Unknown);
    assert_eq!(unresolved.name, Known::Unknown);

    let ssh = ng("Ssh");
    let ra = ssh.remote_access.as_ref().expect("remote access");
    assert_eq!(ra.key_set, Known::Value(true));
    assert_eq!(ra.source_groups, GroupList::Absent);
    assert!(slice(NODEGROUPS, ra.span).starts_with("RemoteAccess:"));
    let ra_group = m.group(ra.group.expect("group"));
    let ssh_id = m
        .node_groups
        .iter()
        .position(|n| n.address == "Ssh")
        .unwrap();
    assert_eq!(
        ra_group.origin,
        GroupOrigin::RemoteAccess(crate::model::NodeGroupId(ssh_id as u32))
    );
    assert_eq!(ra_group.ingress.len(), 1);
    assert_eq!(ra_group.ingress[0].peer, Peer::cidr("0.0.0.0/0"));
    assert_eq!(ra_group.ingress[0].ports, PortRange::single(22));
    assert!(ra_group.ingress[0].implicit);
    assert_eq!(ra_group.default_egress, DefaultEgress::AllowAll);

    let win = ng("SshFromGroup");
    let ra = win.remote_access.as_ref().expect("remote access");
    let ra_group = m.group(ra.group.expect("group"));
    assert_eq!(ra_group.ingress.len(), 1);
    assert_eq!(
        ra_group.ingress[0].peer,
        Peer::Group(GroupRef::Group(extra))
    );
    assert_eq!(ra_group.ingress[0].ports, PortRange::single(3389));
}

const SELF_MANAGED: &str = r#"
Parameters:
  ClusterName: { Type: String, Default: prod }
  Unnamed: { Type: String }
Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: !Ref ClusterName
  NodeSg:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: nodes }
  Lt:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData: { SecurityGroupIds: [!Ref NodeSg] }
  Lc:
    Type: AWS::AutoScaling::LaunchConfiguration
    Properties:
      SecurityGroups: [!Ref NodeSg, sg-999]
  ByTag:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      LaunchTemplate: { LaunchTemplateId: !Ref Lt, Version: "1" }
      Tags:
        - Key: !Sub kubernetes.io/cluster/${ClusterName}
          Value: owned
          PropagateAtLaunch: true
  ByRef:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      LaunchConfigurationName: !Ref Lc
      Tags:
        - { Key: !Sub "kubernetes.io/cluster/${Cluster}", Value: owned, PropagateAtLaunch: true }
  Mixed:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MixedInstancesPolicy:
        LaunchTemplate:
          LaunchTemplateSpecification: { LaunchTemplateId: !Ref Lt, Version: "1" }
      Tags:
        - { Key: !Sub "kubernetes.io/cluster/${Unnamed}", Value: owned, PropagateAtLaunch: true }
  Elsewhere:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      LaunchTemplate: { LaunchTemplateId: lt-123, Version: "1" }
      Tags:
        - { Key: kubernetes.io/cluster/other, Value: owned, PropagateAtLaunch: true }
  NotEks:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      LaunchTemplate: { LaunchTemplateId: !Ref Lt, Version: "1" }
      Tags: [{ Key: Name, Value: web, PropagateAtLaunch: true }]
"#;

#[test]
fn self_managed_node_groups_link_by_tag() {
    let m = yaml_model(SELF_MANAGED);
    let (sg, _) = group(&m, "NodeSg");
    assert_eq!(m.node_groups.len(), 4);
    let c0 = ClusterLink::Cluster(crate::model::ClusterId(0));
    let by_tag = &m.node_groups[0];
    assert_eq!(by_tag.address, "ByTag");
    assert_eq!(by_tag.kind, NodeGroupKind::SelfManaged);
    assert_eq!(by_tag.cluster, c0);
    assert_eq!(by_tag.cluster_sg, ClusterSgAttachment::Never);
    assert_eq!(
        by_tag.launch_template_groups,
        GroupList::Groups(vec![GroupRef::Group(sg)])
    );
    let by_ref = &m.node_groups[1];
    assert_eq!(by_ref.cluster, c0);
    assert_eq!(
        by_ref.launch_template_groups,
        GroupList::Groups(vec![
            GroupRef::Group(sg),
            GroupRef::External("sg-999".into())
        ])
    );
    let mixed = &m.node_groups[2];
    assert_eq!(mixed.cluster, ClusterLink::Unknown);
    assert_eq!(
        mixed.launch_template_groups,
        GroupList::Groups(vec![GroupRef::Group(sg)])
    );
    let elsewhere = &m.node_groups[3];
    assert_eq!(elsewhere.cluster, ClusterLink::Name("other".into()));
    assert!(elsewhere.launch_template_unknown);
    assert_eq!(elsewhere.launch_template_groups, GroupList::Unknown);
}

#[test]
fn vpc_endpoints_keep_pseudo_parameters() {
    let text = r#"
Parameters:
  Vpc: { Type: String }
Resources:
  EcrApi:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: !Sub "com.amazonaws.${AWS::Region}.ecr.api"
      VpcId: !Ref Vpc
  EcrDkr:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: !Join [".", ["com.amazonaws", !Ref "AWS::Region", "ecr.dkr"]]
  S3:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: com.amazonaws.us-east-1.s3
  Unknown:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: !Sub "com.amazonaws.${Vpc}.sts"
"#;
    let m = yaml_model(text);
    let services: Vec<(&str, &Known<String>)> = m
        .endpoints
        .iter()
        .map(|e| (e.address.as_str(), &e.service))
        .collect();
    assert_eq!(
        services,
        vec![
            (
                "EcrApi",
                &Known::Value("com.amazonaws.${AWS::Region}.ecr.api".into())
            ),
            (
                "EcrDkr",
                &Known::Value("com.amazonaws.${AWS::Region}.ecr.dkr".into())
            ),
            ("S3", &Known::Value("com.amazonaws.us-east-1.s3".into())),
            ("Unknown", &Known::Unknown),
        ]
    );
    assert_eq!(slice(text, m.endpoints[0].span), "EcrApi");
}

#[test]
fn odd_shapes_do_not_panic() {
    for text in [
        "",
        "just a string",
        "- a\n- b\n",
        "Resources: [1, 2]\n",
        "Resources:\n  X: 3\n  Y: { Type: 7 }\n",
        "Resources:\n  Sg: { Type: AWS::EC2::SecurityGroup, Properties: [1] }\n",
        "Resources:\n  Sg: { Type: AWS::EC2::SecurityGroup, Properties: { SecurityGroupIngress: [1, [2], {IpProtocol: [x]}] } }\n",
        "Resources:\n  C: { Type: AWS::EKS::Cluster, Properties: { ResourcesVpcConfig: [1], Name: { a: b } } }\n",
        "Resources:\n  C: { Type: AWS::EKS::Cluster, Properties: { ResourcesVpcConfig: !If [c, {SecurityGroupIds: [sg-1]}, !Ref AWS::NoValue] } }\n",
        "Resources:\n  N: { Type: AWS::EKS::Nodegroup, Properties: { LaunchTemplate: 3, RemoteAccess: 4 } }\n",
        "Resources:\n  A: { Type: AWS::AutoScaling::AutoScalingGroup, Properties: { Tags: { a: b } } }\n",
        "Resources:\n  A: { Type: AWS::EC2::SecurityGroupIngress, Properties: { GroupId: !GetAtt [] } }\n",
        "Resources:\n  A: { Type: AWS::EC2::VPCEndpoint, Properties: { ServiceName: !Sub [] } }\n",
        "Resources:\n  A: { Type: AWS::EC2::VPCEndpoint, Properties: { ServiceName: !Sub 'x${' } }\n",
        "Resources:\n  A: { Type: AWS::EKS::Cluster, Properties: { Name: !Sub '${B}' } }\n  B: { Type: AWS::EKS::Cluster, Properties: { Name: !Sub '${A}' } }\n",
    ] {
        if let Ok(docs) = yaml::parse(FILE, text, Limits::default()) {
            for doc in &docs {
                let _ = extract(doc, FILE);
            }
        }
    }
    let _ = extract(
        &Node::new(Span::default(), crate::syntax::Value::Null),
        FILE,
    );
}

#[test]
fn cluster_behind_a_condition() {
    let text = "Resources:\n  C:\n    Type: AWS::EKS::Cluster\n    Properties:\n      ResourcesVpcConfig: !If [c, {SecurityGroupIds: [sg-1]}, {SubnetIds: [a]}]\n";
    let m = yaml_model(text);
    assert_eq!(
        m.clusters[0].creation_groups,
        GroupList::OneOf(vec![
            GroupList::Groups(vec![GroupRef::External("sg-1".into())]),
            GroupList::Absent
        ])
    );
}

#[test]
fn resources_fragment_without_resources_key() {
    let text = r#"{
  "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "x"}},
  "Ng": {"Type": "AWS::EKS::Nodegroup", "Properties": {"ClusterName": "lt"}}
}"#;
    let m = json_model(text);
    assert_eq!(m.groups.len(), 1);
    assert_eq!(m.node_groups.len(), 1);
    assert_eq!(m.node_groups[0].cluster, ClusterLink::Name("lt".into()));
}

/// Every CloudFormation file of the shared corpus extracts without panicking.
#[test]
fn corpus_extracts_without_panicking() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(manifest) = std::fs::read_to_string(root.join("MANIFEST.txt")) else {
        eprintln!("corpus not found; skipped");
        return;
    };
    let mut seen = 0;
    for line in manifest.lines() {
        let mut parts = line.split_whitespace();
        let (Some(format), Some(path)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(root.join(path)) else {
            continue;
        };
        match format {
            "cfn-yaml" => {
                if let Ok(docs) = yaml::parse(FILE, &text, Limits::default()) {
                    for doc in &docs {
                        let _ = extract(doc, FILE);
                    }
                }
            }
            "cfn-json" => {
                if let Ok(doc) = json::parse(FILE, &text, Limits::default()) {
                    let _ = extract(&doc, FILE);
                }
            }
            _ => continue,
        }
        seen += 1;
    }
    eprintln!("extracted {seen} corpus files");
}

#[test]
fn creation_groups_may_name_another_clusters_group() {
    let text = r#"
Resources:
  B:
    Type: AWS::EKS::Cluster
    Properties:
      ResourcesVpcConfig: { SecurityGroupIds: [!GetAtt A.ClusterSecurityGroupId] }
  A:
    Type: AWS::EKS::Cluster
    Properties: { Name: a }
"#;
    let m = yaml_model(text);
    let a = m.clusters.iter().find(|c| c.address == "A").expect("A");
    let b = m.clusters.iter().find(|c| c.address == "B").expect("B");
    assert_eq!(
        b.creation_groups,
        GroupList::Groups(vec![GroupRef::Group(a.cluster_sg)])
    );
    assert_eq!(
        m.group(a.cluster_sg).origin,
        GroupOrigin::EksClusterSg(crate::model::ClusterId(1))
    );
    assert_eq!(m.clusters[1].address, "A");
}

/// `product` extends single-choice parts in place; its combinations, their
/// order and the cap must stay those of the plain cross product.
#[test]
fn product_of_mixed_parts_keeps_order_and_cap() {
    use super::intrinsics::{product, MAX_ALTERNATIVES};
    // The straightforward definition, copying every prefix for every part.
    fn reference(parts: &[Vec<u32>]) -> Option<Vec<Vec<u32>>> {
        let mut acc: Vec<Vec<u32>> = vec![Vec::new()];
        for part in parts {
            let mut next = Vec::new();
            for prefix in &acc {
                for choice in part {
                    let mut v = prefix.clone();
                    v.push(*choice);
                    next.push(v);
                }
            }
            if next.len() > MAX_ALTERNATIVES * MAX_ALTERNATIVES {
                return None;
            }
            acc = next;
        }
        Some(acc)
    }
    let mixed = vec![vec![1], vec![2, 3], vec![4], vec![5, 6], vec![7]];
    assert_eq!(
        product(&mixed),
        Some(vec![
            vec![1, 2, 4, 5, 7],
            vec![1, 2, 4, 6, 7],
            vec![1, 3, 4, 5, 7],
            vec![1, 3, 4, 6, 7],
        ])
    );
    let singles: Vec<Vec<u32>> = (0..1000).map(|i| vec![i]).collect();
    assert_eq!(product(&singles), Some(vec![(0..1000).collect()]));
    let two_way = |n: usize| -> Vec<Vec<u32>> { (0..n as u32).map(|i| vec![i, i + 100]).collect() };
    let cases = [
        Vec::new(),
        mixed,
        vec![vec![1], vec![], vec![2, 3]],
        vec![(0..300).collect(), vec![1]],
        // 2^8 combinations is the cap itself; 2^9 is past it.
        [two_way(8), singles[..5].to_vec()].concat(),
        [singles[..5].to_vec(), two_way(9)].concat(),
    ];
    for parts in &cases {
        assert_eq!(product(parts), reference(parts), "{parts:?}");
    }
    assert!(product(&two_way(8)).is_some());
    assert_eq!(product(&two_way(9)), None);
}

#[test]
fn a_cluster_name_links_only_when_one_cluster_has_it() {
    let m = yaml_model(
        "Resources:
  A:
    Type: AWS::EKS::Cluster
    Properties: {Name: prod, RoleArn: r, ResourcesVpcConfig: {SubnetIds: [s]}}
  B:
    Type: AWS::EKS::Cluster
    Properties: {Name: prod, RoleArn: r, ResourcesVpcConfig: {SubnetIds: [s]}}
  C:
    Type: AWS::EKS::Cluster
    Properties: {Name: dev, RoleArn: r, ResourcesVpcConfig: {SubnetIds: [s]}}
  ToProd:
    Type: AWS::EKS::Nodegroup
    Properties: {ClusterName: prod, NodeRole: r, Subnets: [s]}
  ToDev:
    Type: AWS::EKS::Nodegroup
    Properties: {ClusterName: dev, NodeRole: r, Subnets: [s]}
",
    );
    let link = |i: usize| m.node_groups[i].cluster.clone();
    assert_eq!(link(0), ClusterLink::Name("prod".into()));
    assert_eq!(link(1), ClusterLink::Cluster(crate::model::ClusterId(2)));
}
