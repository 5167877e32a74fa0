use super::*;
use crate::model::{DefaultEgress, Peer, PortRange, Protocol, SgRule};
use crate::syntax::Limits;

/// Parses each text as one file of a module and extracts it.
fn module(texts: &[&str]) -> Model {
    let nodes: Vec<(FileId, Node)> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let file = FileId(u32::try_from(i).unwrap());
            match hcl::parse(file, text, Limits::default()) {
                Ok(node) => (file, node),
                Err(e) => panic!("file {i} does not parse: {e:?}"),
            }
        })
        .collect();
    let files: Vec<(FileId, &Node)> = nodes.iter().map(|(f, n)| (*f, n)).collect();
    extract(&files)
}

fn one(text: &str) -> Model {
    module(&[text])
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

fn group<'m>(model: &'m Model, name: &str) -> (SgId, &'m SecurityGroup) {
    let i = model
        .groups
        .iter()
        .position(|g| g.name == name)
        .unwrap_or_else(|| panic!("no group {name}: {:#?}", model.groups));
    (SgId(u32::try_from(i).unwrap()), &model.groups[i])
}

fn rule(protocol: Protocol, from: i64, to: i64, peer: Peer) -> (Protocol, PortRange, Peer) {
    (protocol, PortRange::new(Some(from), Some(to)), peer)
}

fn summary(rules: &[SgRule]) -> Vec<(Protocol, PortRange, Peer)> {
    rules
        .iter()
        .map(|r| (r.protocol, r.ports, r.peer.clone()))
        .collect()
}

const CLUSTER: &str = r#"
resource "aws_eks_cluster" "main" {
  name     = "demo"
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids         = var.subnets
    security_group_ids = [aws_security_group.cp.id, "sg-0123456789abcdef0"]
    endpoint_private_access = true
    public_access_cidrs     = ["10.0.0.0/8"]
  }
}

resource "aws_security_group" "cp" {
  name   = "cp"
  vpc_id = var.vpc_id

  ingress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    cidr_blocks     = ["10.0.0.0/16", "::/0"]
    security_groups = [aws_eks_cluster.main.vpc_config[0].cluster_security_group_id]
  }

  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }

  egress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }

  tags = {
    Name                                = "cp"
    "kubernetes.io/cluster/${var.name}" = "owned"
  }
}
"#;

#[test]
fn cluster_with_creation_groups_and_endpoint() {
    let model = one(CLUSTER);
    assert_eq!(model.clusters.len(), 1);
    let c = &model.clusters[0];
    assert_eq!(c.address, "aws_eks_cluster.main");
    assert_eq!(c.name, Known::Value("demo".into()));
    assert_eq!(
        slice(CLUSTER, c.span),
        "resource \"aws_eks_cluster\" \"main\""
    );
    assert!(slice(CLUSTER, c.vpc_config_span.unwrap()).starts_with("vpc_config {"));
    assert!(slice(CLUSTER, c.creation_groups_span.unwrap()).starts_with("security_group_ids = ["));
    let (cp, _) = group(&model, "aws_security_group.cp");
    assert_eq!(
        c.creation_groups,
        GroupList::Groups(vec![
            GroupRef::Group(cp),
            GroupRef::External("sg-0123456789abcdef0".into())
        ])
    );
    let spans: Vec<&str> = c
        .creation_group_spans
        .iter()
        .map(|s| slice(CLUSTER, *s))
        .collect();
    assert_eq!(
        spans,
        vec!["aws_security_group.cp.id", "\"sg-0123456789abcdef0\""]
    );
    assert!(c.explicit_group_expected);
    assert_eq!(c.ip_family, IpFamily::Ipv4);
    assert_eq!(c.endpoint.public_access, Known::Value(true));
    assert_eq!(c.endpoint.private_access, Known::Value(true));
    assert_eq!(
        c.endpoint.public_access_cidrs,
        Some(Known::Value(vec!["10.0.0.0/8".to_string()]))
    );
    assert_eq!(
        slice(CLUSTER, c.endpoint.cidrs_span.unwrap()),
        "public_access_cidrs     = [\"10.0.0.0/8\"]"
    );
    // The implicit cluster SG exists, is the cluster's, and is named by it.
    let sg = model.group(c.cluster_sg);
    assert_eq!(sg.origin, GroupOrigin::EksClusterSg(ClusterId(0)));
    assert!(sg.name.contains("demo"));
    assert_eq!(sg.span, c.span);
}

#[test]
fn inline_rules_one_per_peer() {
    let model = one(CLUSTER);
    let (cp, g) = group(&model, "aws_security_group.cp");
    let cluster_sg = model.clusters[0].cluster_sg;
    assert_eq!(g.origin, GroupOrigin::Defined);
    assert_eq!(
        slice(CLUSTER, g.span),
        "resource \"aws_security_group\" \"cp\""
    );
    assert_eq!(
        summary(&g.ingress),
        vec![
            rule(Protocol::Tcp, 443, 443, Peer::cidr("10.0.0.0/16")),
            rule(Protocol::Tcp, 443, 443, Peer::cidr("::/0")),
            rule(
                Protocol::Tcp,
                443,
                443,
                Peer::Group(GroupRef::Group(cluster_sg))
            ),
            (Protocol::All, PortRange::ALL, Peer::SelfRef),
        ]
    );
    assert!(slice(CLUSTER, g.ingress[0].span).starts_with("ingress {"));
    assert_eq!(g.ingress[0].span, g.ingress[1].span);
    assert!(g
        .ingress
        .iter()
        .all(|r| r.presence == Presence::Always && !r.implicit));
    assert_eq!(
        summary(&g.egress),
        vec![
            (Protocol::All, PortRange::ALL, Peer::cidr("0.0.0.0/0")),
            (Protocol::All, PortRange::ALL, Peer::cidr("::/0")),
        ]
    );
    assert!(g.inline_egress_declared);
    assert!(slice(CLUSTER, g.egress_span.unwrap()).starts_with("egress {"));
    assert_eq!(g.default_egress, DefaultEgress::None);
    assert!(!g.rules_incomplete);
    // Tags: the literal one is known, the template with an unset variable not.
    assert_eq!(g.tags.len(), 2);
    assert_eq!(g.tags[0].key, Known::Value("Name".into()));
    assert_eq!(g.tags[0].value, Known::Value("cp".into()));
    assert_eq!(g.tags[1].key, Known::Unknown);
    assert_eq!(g.tags[1].value, Known::Value("owned".into()));
    let _ = cp;
}

#[test]
fn creation_groups_absent_empty_unknown() {
    let text = r#"
variable "sgs" {}
variable "empty" { default = [] }
resource "aws_eks_cluster" "none" {
  name = "a"
  vpc_config { subnet_ids = ["s"] }
}
resource "aws_eks_cluster" "noblock" {
  name = "b"
}
resource "aws_eks_cluster" "empty" {
  name = "c"
  vpc_config { security_group_ids = [] }
}
resource "aws_eks_cluster" "unknown" {
  name = "d"
  vpc_config { security_group_ids = var.sgs }
}
resource "aws_eks_cluster" "viavar" {
  name = "e"
  vpc_config { security_group_ids = var.empty }
}
resource "aws_eks_cluster" "data" {
  name = "f"
  vpc_config { security_group_ids = [data.aws_security_group.x.id, var.sgs] }
}
resource "aws_eks_cluster" "cond" {
  name = var.name
  vpc_config {
    security_group_ids = var.create ? [aws_security_group.a.id] : []
    endpoint_public_access = false
  }
  kubernetes_network_config { ip_family = "ipv6" }
}
resource "aws_security_group" "a" {}
"#;
    let model = one(text);
    let lists: Vec<&GroupList> = model.clusters.iter().map(|c| &c.creation_groups).collect();
    let (a, _) = group(&model, "aws_security_group.a");
    assert_eq!(lists[0], &GroupList::Absent);
    assert_eq!(lists[1], &GroupList::Absent);
    assert!(model.clusters[1].vpc_config_span.is_none());
    assert_eq!(lists[2], &GroupList::Groups(vec![]));
    assert_eq!(lists[3], &GroupList::Unknown);
    assert_eq!(lists[4], &GroupList::Groups(vec![]));
    assert_eq!(
        lists[5],
        &GroupList::Groups(vec![
            GroupRef::External("data.aws_security_group.x.id".into()),
            GroupRef::External("var.sgs".into()),
        ])
    );
    assert_eq!(
        lists[6],
        &GroupList::OneOf(vec![
            GroupList::Groups(vec![GroupRef::Group(a)]),
            GroupList::Groups(vec![]),
        ])
    );
    let cond = &model.clusters[6];
    assert_eq!(cond.name, Known::Unknown);
    assert_eq!(cond.endpoint.public_access, Known::Value(false));
    assert_eq!(cond.endpoint.private_access, Known::Value(false));
    assert_eq!(cond.endpoint.public_access_cidrs, None);
    assert_eq!(cond.ip_family, IpFamily::Ipv6);
    // The unknown list is noted.
    assert!(model
        .notes
        .iter()
        .any(|n| n.message.contains("aws_eks_cluster.unknown")));
    // Each cluster has its own implicit group, named by address when the
    // name is unknown.
    assert_eq!(
        model.group(cond.cluster_sg).origin,
        GroupOrigin::EksClusterSg(ClusterId(6))
    );
    assert!(model
        .group(cond.cluster_sg)
        .name
        .contains("aws_eks_cluster.cond"));
}

#[test]
fn standalone_rules_attach_to_their_groups() {
    let text = r#"
resource "aws_eks_cluster" "main" {
  name = "demo"
  vpc_config { security_group_ids = [aws_security_group.nodes.id] }
}
resource "aws_security_group" "nodes" {
  name = "nodes"
}
resource "aws_security_group_rule" "self" {
  type                     = "ingress"
  security_group_id        = aws_security_group.nodes.id
  source_security_group_id = aws_security_group.nodes.id
  from_port                = 0
  to_port                  = 65535
  protocol                 = "-1"
}
resource "aws_security_group_rule" "https" {
  type              = "egress"
  security_group_id = aws_security_group.nodes.id
  cidr_blocks       = ["0.0.0.0/0"]
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
}
resource "aws_security_group_rule" "selfflag" {
  type              = "ingress"
  security_group_id = aws_security_group.nodes.id
  self              = true
  from_port         = 53
  to_port           = 53
  protocol          = "udp"
}
resource "aws_security_group_rule" "counted" {
  count             = var.enabled ? 1 : 0
  type              = "ingress"
  security_group_id = aws_security_group.nodes.id
  prefix_list_ids   = ["pl-123"]
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
}
resource "aws_security_group_rule" "zero" {
  count             = 0
  type              = "ingress"
  security_group_id = aws_security_group.nodes.id
  cidr_blocks       = ["1.2.3.4/32"]
  from_port         = 1
  to_port           = 1
  protocol          = "tcp"
}
resource "aws_security_group_rule" "elsewhere" {
  type              = "ingress"
  security_group_id = "sg-999"
  cidr_blocks       = ["0.0.0.0/0"]
  from_port         = 1
  to_port           = 1
  protocol          = "tcp"
}
resource "aws_vpc_security_group_ingress_rule" "kubelet" {
  security_group_id            = aws_security_group.nodes.id
  referenced_security_group_id = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 10250
  to_port                      = 10250
}
resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.nodes.id
  cidr_ipv6         = "::/0"
  ip_protocol       = "-1"
}
resource "aws_vpc_security_group_ingress_rule" "on_cluster_sg" {
  security_group_id            = aws_eks_cluster.main.vpc_config[0].cluster_security_group_id
  referenced_security_group_id = aws_security_group.nodes.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}
"#;
    let model = one(text);
    let (nodes, g) = group(&model, "aws_security_group.nodes");
    let cluster_sg = model.clusters[0].cluster_sg;
    assert_eq!(
        summary(&g.ingress),
        vec![
            (Protocol::All, PortRange::ALL, Peer::SelfRef),
            rule(Protocol::Udp, 53, 53, Peer::SelfRef),
            rule(Protocol::Tcp, 22, 22, Peer::PrefixList("pl-123".into())),
            rule(
                Protocol::Tcp,
                10250,
                10250,
                Peer::Group(GroupRef::Group(cluster_sg))
            ),
        ]
    );
    assert_eq!(g.ingress[2].presence, Presence::Conditional);
    assert_eq!(g.ingress[0].presence, Presence::Always);
    assert!(
        slice(text, g.ingress[0].span).starts_with("resource \"aws_security_group_rule\" \"self\"")
    );
    assert!(slice(text, g.ingress[0].span).ends_with('}'));
    assert_eq!(
        summary(&g.egress),
        vec![
            rule(Protocol::Tcp, 443, 443, Peer::cidr("0.0.0.0/0")),
            (Protocol::All, PortRange::ALL, Peer::cidr("::/0")),
        ]
    );
    // Standalone egress rules do not declare inline egress.
    assert!(!g.inline_egress_declared);
    assert!(g.egress_span.is_none());
    // A rule on the implicit cluster SG is added to it.
    let csg = model.group(cluster_sg);
    assert_eq!(
        summary(&csg.ingress).last().cloned(),
        Some(rule(
            Protocol::Tcp,
            443,
            443,
            Peer::Group(GroupRef::Group(nodes))
        ))
    );
    // The rule on a group outside the scan is dropped.
    assert!(model
        .groups
        .iter()
        .flat_map(|g| &g.ingress)
        .all(|r| r.ports != PortRange::single(1)));
}

#[test]
fn node_groups_link_clusters_and_launch_templates() {
    let text = r#"
resource "aws_eks_cluster" "main" {
  name = "demo"
  vpc_config {}
}
resource "aws_security_group" "nodes" {}
resource "aws_launch_template" "with_groups" {
  name                   = "lt-groups"
  vpc_security_group_ids = [aws_security_group.nodes.id, aws_eks_cluster.main.vpc_config[0].cluster_security_group_id]
}
resource "aws_launch_template" "no_groups" {
  name = "lt-none"
}
resource "aws_launch_template" "eni" {
  network_interfaces {
    security_groups = [aws_security_group.nodes.id]
  }
}
resource "aws_eks_node_group" "a" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "a"
  launch_template {
    id      = aws_launch_template.with_groups.id
    version = "$Latest"
  }
}
resource "aws_eks_node_group" "b" {
  cluster_name = "other-cluster"
  launch_template {
    name    = "lt-none"
    version = 1
  }
}
resource "aws_eks_node_group" "c" {
  cluster_name = var.cluster
  launch_template {
    id = var.template_id
  }
}
resource "aws_eks_node_group" "d" {
  cluster_name = aws_eks_cluster.main.id
}
resource "aws_eks_node_group" "e" {
  cluster_name = aws_eks_cluster.main.name
  launch_template {
    name = aws_launch_template.eni.name
  }
}
resource "aws_eks_node_group" "by_name" {
  cluster_name = "demo"
}
"#;
    let model = one(text);
    let (nodes, _) = group(&model, "aws_security_group.nodes");
    let cluster_sg = model.clusters[0].cluster_sg;
    let ng: Vec<&NodeGroup> = model.node_groups.iter().collect();
    assert_eq!(ng.len(), 6);
    assert_eq!(ng[0].cluster, ClusterLink::Cluster(ClusterId(0)));
    assert_eq!(ng[0].name, Known::Value("a".into()));
    assert_eq!(ng[0].kind, NodeGroupKind::Managed);
    assert_eq!(
        ng[0].cluster_sg,
        ClusterSgAttachment::UnlessLaunchTemplateSetsGroups
    );
    assert_eq!(
        ng[0].launch_template_groups,
        GroupList::Groups(vec![GroupRef::Group(nodes), GroupRef::Group(cluster_sg)])
    );
    assert!(!ng[0].launch_template_unknown);
    assert_eq!(
        slice(text, ng[0].span),
        "resource \"aws_eks_node_group\" \"a\""
    );
    assert_eq!(ng[1].cluster, ClusterLink::Name("other-cluster".into()));
    assert_eq!(ng[5].cluster, ClusterLink::Cluster(ClusterId(0)));
    assert_eq!(ng[1].launch_template_groups, GroupList::Absent);
    assert!(!ng[1].launch_template_unknown);
    assert_eq!(ng[2].cluster, ClusterLink::Unknown);
    assert_eq!(ng[2].launch_template_groups, GroupList::Unknown);
    assert!(ng[2].launch_template_unknown);
    assert_eq!(ng[3].cluster, ClusterLink::Cluster(ClusterId(0)));
    assert_eq!(ng[3].launch_template_groups, GroupList::Absent);
    assert!(ng[3].remote_access.is_none());
    assert_eq!(
        ng[4].launch_template_groups,
        GroupList::Groups(vec![GroupRef::Group(nodes)])
    );
}

#[test]
fn remote_access_makes_a_group() {
    let text = r#"
resource "aws_eks_node_group" "open" {
  cluster_name = "demo"
  remote_access {
    ec2_ssh_key = "my-key"
  }
}
resource "aws_eks_node_group" "restricted" {
  cluster_name = "demo"
  remote_access {
    ec2_ssh_key               = "my-key"
    source_security_group_ids = [aws_security_group.bastion.id]
  }
}
resource "aws_security_group" "bastion" {}
"#;
    let model = one(text);
    let (bastion, _) = group(&model, "aws_security_group.bastion");
    let open = &model.node_groups[0];
    let ra = open.remote_access.as_ref().unwrap();
    assert_eq!(ra.key_set, Known::Value(true));
    assert_eq!(ra.source_groups, GroupList::Absent);
    assert!(slice(text, ra.span).starts_with("remote_access {"));
    let sg = model.group(ra.group.unwrap());
    assert_eq!(
        sg.origin,
        GroupOrigin::RemoteAccess(crate::model::NodeGroupId(0))
    );
    assert_eq!(
        summary(&sg.ingress),
        vec![rule(Protocol::Tcp, 22, 22, Peer::cidr("0.0.0.0/0"))]
    );
    assert!(sg.ingress[0].implicit);
    assert_eq!(sg.default_egress, DefaultEgress::AllowAll);
    let restricted = &model.node_groups[1];
    let ra = restricted.remote_access.as_ref().unwrap();
    assert_eq!(
        ra.source_groups,
        GroupList::Groups(vec![GroupRef::Group(bastion)])
    );
    let sg = model.group(ra.group.unwrap());
    assert_eq!(
        sg.origin,
        GroupOrigin::RemoteAccess(crate::model::NodeGroupId(1))
    );
    assert_eq!(
        summary(&sg.ingress),
        vec![rule(
            Protocol::Tcp,
            22,
            22,
            Peer::Group(GroupRef::Group(bastion))
        )]
    );
}

#[test]
fn files_of_one_module_resolve_together() {
    let variables = r#"
variable "cluster_name" {
  default = "prod"
}
variable "vpc_cidr" {
  type    = string
  default = "10.1.0.0/16"
}
variable "ports" {
  default = { https = 443 }
}
"#;
    let locals = r#"
locals {
  node_sgs  = [aws_security_group.nodes.id]
  full_name = "${var.cluster_name}-eks"
  a         = local.b
  b         = local.a
}
"#;
    let main = r#"
resource "aws_eks_cluster" "this" {
  name = local.full_name
  vpc_config {
    security_group_ids = local.node_sgs
    endpoint_public_access = local.a
  }
}
resource "aws_security_group" "nodes" {
  ingress {
    from_port   = var.ports.https
    to_port     = var.ports["https"]
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr, aws_vpc.main.cidr_block, var.missing]
  }
}
resource "aws_vpc" "main" {
  cidr_block = "10.2.0.0/16"
}
"#;
    let model = module(&[variables, locals, main]);
    let c = &model.clusters[0];
    assert_eq!(c.name, Known::Value("prod-eks".into()));
    let (nodes, g) = group(&model, "aws_security_group.nodes");
    assert_eq!(
        c.creation_groups,
        GroupList::Groups(vec![GroupRef::Group(nodes)])
    );
    // The member's span is where the list was written: the locals file.
    assert_eq!(c.creation_group_spans[0].file, FileId(1));
    assert_eq!(
        slice(locals, c.creation_group_spans[0]),
        "aws_security_group.nodes.id"
    );
    // A cycle between locals stays unknown.
    assert_eq!(c.endpoint.public_access, Known::Unknown);
    assert_eq!(
        summary(&g.ingress),
        vec![
            rule(Protocol::Tcp, 443, 443, Peer::cidr("10.1.0.0/16")),
            rule(Protocol::Tcp, 443, 443, Peer::cidr("10.2.0.0/16")),
            rule(Protocol::Tcp, 443, 443, Peer::Unknown),
        ]
    );
    assert_eq!(c.cluster_sg, SgId(1));
    assert!(model.group(c.cluster_sg).name.contains("prod-eks"));
}

#[test]
fn attribute_form_and_dynamic_rules() {
    let text = r#"
resource "aws_security_group" "attr" {
  ingress = [
    {
      from_port        = 10250
      to_port          = 10250
      protocol         = "tcp"
      cidr_blocks      = []
      ipv6_cidr_blocks = []
      prefix_list_ids  = []
      security_groups  = []
      self             = true
      description      = "kubelet"
    }
  ]
  egress = []
}
resource "aws_security_group" "dyn" {
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port = ingress.value.port
      to_port   = ingress.value.port
      protocol  = "tcp"
    }
  }
}
resource "aws_default_security_group" "default" {
  vpc_id = "vpc-1"
  ingress {
    protocol  = -1
    self      = true
    from_port = 0
    to_port   = 0
  }
}
"#;
    let model = one(text);
    let (_, attr) = group(&model, "aws_security_group.attr");
    assert_eq!(
        summary(&attr.ingress),
        vec![rule(Protocol::Tcp, 10250, 10250, Peer::SelfRef)]
    );
    assert_eq!(attr.ingress[0].description.as_deref(), Some("kubelet"));
    assert!(slice(text, attr.ingress[0].span).starts_with('{'));
    assert!(attr.inline_egress_declared);
    assert!(attr.egress.is_empty());
    assert_eq!(slice(text, attr.egress_span.unwrap()), "egress = []");
    let (_, dynamic) = group(&model, "aws_security_group.dyn");
    assert!(dynamic.rules_incomplete);
    assert!(dynamic.ingress.is_empty());
    let (_, default) = group(&model, "aws_default_security_group.default");
    assert_eq!(
        summary(&default.ingress),
        vec![(Protocol::All, PortRange::ALL, Peer::SelfRef)]
    );
    assert_eq!(default.default_egress, DefaultEgress::None);
}

#[test]
fn autoscaling_groups_need_a_cluster_tag() {
    let text = r#"
variable "cluster_name" {}
resource "aws_eks_cluster" "main" {
  name = "demo"
}
resource "aws_security_group" "workers" {}
resource "aws_launch_configuration" "workers" {
  name            = "workers"
  security_groups = [aws_security_group.workers.id]
}
resource "aws_launch_template" "lt" {
  vpc_security_group_ids = [aws_security_group.workers.id]
}
resource "aws_autoscaling_group" "linked_by_name" {
  name                 = "workers"
  launch_configuration = aws_launch_configuration.workers.name
  tag {
    key                 = "kubernetes.io/cluster/demo"
    value               = "owned"
    propagate_at_launch = true
  }
}
resource "aws_autoscaling_group" "linked_by_ref" {
  launch_template {
    id = aws_launch_template.lt.id
  }
  tag {
    key                 = "kubernetes.io/cluster/${aws_eks_cluster.main.name}"
    value               = "owned"
    propagate_at_launch = true
  }
}
resource "aws_autoscaling_group" "external" {
  mixed_instances_policy {
    launch_template {
      launch_template_specification {
        launch_template_id = aws_launch_template.lt.id
      }
    }
  }
  tags = concat(
    [for k, v in var.tags : { key = k, value = v }],
    [{
      key                 = "kubernetes.io/cluster/${var.cluster_name}"
      value               = "owned"
      propagate_at_launch = true
    }]
  )
}
resource "aws_autoscaling_group" "unrelated" {
  launch_template {
    id = aws_launch_template.lt.id
  }
}
"#;
    let model = one(text);
    let (workers, _) = group(&model, "aws_security_group.workers");
    assert_eq!(model.node_groups.len(), 3);
    for ng in &model.node_groups {
        assert_eq!(ng.kind, NodeGroupKind::SelfManaged);
        assert_eq!(ng.cluster_sg, ClusterSgAttachment::Never);
        assert_eq!(
            ng.launch_template_groups,
            GroupList::Groups(vec![GroupRef::Group(workers)])
        );
        assert!(!ng.launch_template_unknown);
    }
    assert_eq!(
        model.node_groups[0].cluster,
        ClusterLink::Cluster(ClusterId(0))
    );
    assert_eq!(
        model.node_groups[1].cluster,
        ClusterLink::Cluster(ClusterId(0))
    );
    assert_eq!(model.node_groups[2].cluster, ClusterLink::Unknown);
}

#[test]
fn vpc_endpoints_keep_data_source_regions_as_wildcards() {
    let text = r#"
variable "region" { default = "eu-west-1" }
variable "other" {}
data "aws_region" "current" {}
resource "aws_vpc_endpoint" "ecr_api" {
  service_name = "com.amazonaws.${var.region}.ecr.api"
}
resource "aws_vpc_endpoint" "s3" {
  service_name = "com.amazonaws.${data.aws_region.current.name}.s3"
}
resource "aws_vpc_endpoint" "unknown" {
  service_name = "com.amazonaws.${var.other}.sts"
}
"#;
    let model = one(text);
    let services: Vec<&Known<String>> = model.endpoints.iter().map(|e| &e.service).collect();
    assert_eq!(
        services[0],
        &Known::Value("com.amazonaws.eu-west-1.ecr.api".into())
    );
    assert_eq!(services[1], &Known::Value("com.amazonaws.*.s3".into()));
    assert_eq!(services[2], &Known::Unknown);
    assert_eq!(
        slice(text, model.endpoints[0].span),
        "resource \"aws_vpc_endpoint\" \"ecr_api\""
    );
}

#[test]
fn evaluator_functions_and_conditionals() {
    let text = r#"
variable "extra" { default = ["sg-extra"] }
variable "on" { default = true }
locals {
  list = compact(concat([aws_security_group.a.id], var.extra, [""], [null]))
}
resource "aws_security_group" "a" {}
resource "aws_eks_cluster" "x" {
  name = upper("abc")
  vpc_config {
    security_group_ids = distinct(flatten([local.list, [aws_security_group.a.id]]))
    endpoint_public_access = var.on ? false : true
    public_access_cidrs = var.on ? ["1.1.1.1/32"] : var.nothing
  }
}
"#;
    let model = one(text);
    let (a, _) = group(&model, "aws_security_group.a");
    let c = &model.clusters[0];
    assert_eq!(c.name, Known::Value("ABC".into()));
    assert_eq!(
        c.creation_groups,
        GroupList::Groups(vec![
            GroupRef::Group(a),
            GroupRef::External("sg-extra".into())
        ])
    );
    assert_eq!(c.endpoint.public_access, Known::Value(false));
    assert_eq!(
        c.endpoint.public_access_cidrs,
        Some(Known::Value(vec!["1.1.1.1/32".into()]))
    );
}

#[test]
fn hostile_modules_stay_bounded() {
    // Exponential locals: each doubles the previous.
    let mut text = String::from("locals {\n  l0 = [\"x\"]\n");
    for i in 1..60 {
        text.push_str(&format!(
            "  l{i} = concat(local.l{}, local.l{})\n",
            i - 1,
            i - 1
        ));
    }
    text.push_str("}\nresource \"aws_eks_cluster\" \"c\" {\n  vpc_config { security_group_ids = local.l59 }\n}\n");
    let model = one(&text);
    assert_eq!(model.clusters.len(), 1);
    assert_eq!(model.clusters[0].creation_groups, GroupList::Unknown);
    // Self-referencing resource attributes.
    let model = one(r#"
resource "aws_vpc" "v" { cidr_block = aws_vpc.v.cidr_block }
resource "aws_security_group" "g" {
  ingress {
    protocol = "tcp"
    from_port = 1
    to_port = 1
    cidr_blocks = [aws_vpc.v.cidr_block]
  }
}
"#);
    assert_eq!(model.groups[0].ingress[0].peer, Peer::Unknown);
}

#[test]
fn corpus_modules_extract_without_panicking() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !root.is_dir() {
        eprintln!("corpus not found; skipped");
        return;
    }
    let mut dirs: std::collections::BTreeMap<std::path::PathBuf, Vec<std::path::PathBuf>> =
        Default::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "tf") {
                dirs.entry(dir.clone()).or_default().push(path);
            }
        }
    }
    let (mut files, mut failed, mut totals) = (0usize, 0usize, [0usize; 6]);
    for (dir, paths) in &dirs {
        let mut nodes = Vec::new();
        for (i, path) in paths.iter().enumerate() {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            files += 1;
            let file = FileId(u32::try_from(i).unwrap());
            match hcl::parse(file, &text, Limits::default()) {
                Ok(node) => nodes.push((file, node, text)),
                Err(e) => {
                    failed += 1;
                    eprintln!("{}: {e:?}", path.display());
                }
            }
        }
        let refs: Vec<(FileId, &Node)> = nodes.iter().map(|(f, n, _)| (*f, n)).collect();
        let model = extract(&refs);
        // Every span points into one of the module's files.
        let check = |span: Span, what: &str| {
            let ok = nodes
                .iter()
                .any(|(f, _, t)| *f == span.file && span.end as usize <= t.len());
            assert!(
                ok,
                "{}: {what} span {span:?} outside the files",
                dir.display()
            );
        };
        for c in &model.clusters {
            check(c.span, "cluster");
        }
        for g in &model.groups {
            check(g.span, "group");
            for r in g.ingress.iter().chain(&g.egress) {
                check(r.span, "rule");
            }
        }
        for n in &model.notes {
            check(n.span, "note");
        }
        totals[0] += model.clusters.len();
        totals[1] += model.groups.len();
        totals[2] += model
            .groups
            .iter()
            .map(|g| g.ingress.len() + g.egress.len())
            .sum::<usize>();
        totals[3] += model.node_groups.len();
        totals[4] += model.endpoints.len();
        totals[5] += model.notes.len();
    }
    eprintln!(
        "corpus: {} modules, {files} files, {failed} parse failures; clusters {}, groups {}, rules {}, node groups {}, endpoints {}, notes {}",
        dirs.len(),
        totals[0],
        totals[1],
        totals[2],
        totals[3],
        totals[4],
        totals[5]
    );
    // Parse failures are findings (EKS000), not crashes; the corpus has one
    // file with a repeated object key.
    assert!(failed <= 2, "{failed} corpus files failed to parse");
    if std::env::var_os("EKS_SG_LINT_DUMP").is_some() {
        for (dir, paths) in &dirs {
            let texts: Vec<String> = paths
                .iter()
                .map(|p| std::fs::read_to_string(p).unwrap_or_default())
                .collect();
            let nodes: Vec<(FileId, Node)> = texts
                .iter()
                .enumerate()
                .filter_map(|(i, t)| {
                    let f = FileId(u32::try_from(i).ok()?);
                    hcl::parse(f, t, Limits::default()).ok().map(|n| (f, n))
                })
                .collect();
            let refs: Vec<(FileId, &Node)> = nodes.iter().map(|(f, n)| (*f, n)).collect();
            let model = extract(&refs);
            if !model.groups.is_empty() || !model.node_groups.is_empty() {
                eprintln!("=== {}", dir.display());
                for c in &model.clusters {
                    eprintln!(
                        "  cluster {} {:?} groups {:?} sg {:?} ep {:?}/{:?}/{:?} ip {:?}",
                        c.address,
                        c.name,
                        c.creation_groups,
                        c.cluster_sg,
                        c.endpoint.public_access,
                        c.endpoint.private_access,
                        c.endpoint.public_access_cidrs,
                        c.ip_family
                    );
                }
                for (i, g) in model.groups.iter().enumerate() {
                    eprintln!(
                        "  sg{i} {} incomplete={} egress_declared={} tags={:?}",
                        g.name,
                        g.rules_incomplete,
                        g.inline_egress_declared,
                        g.tags
                            .iter()
                            .map(|t| (&t.key, &t.value))
                            .collect::<Vec<_>>()
                    );
                    for r in g.ingress.iter().chain(&g.egress) {
                        eprintln!(
                            "    {:?} {:?} {} {:?} {:?}",
                            r.direction,
                            r.protocol,
                            r.ports.label(),
                            r.peer,
                            r.presence
                        );
                    }
                }
                for n in &model.node_groups {
                    eprintln!(
                        "  ng {} {:?} {:?} lt={:?} unknown={} ra={:?}",
                        n.address,
                        n.kind,
                        n.cluster,
                        n.launch_template_groups,
                        n.launch_template_unknown,
                        n.remote_access
                            .as_ref()
                            .map(|r| (&r.key_set, &r.source_groups))
                    );
                }
                for e in &model.endpoints {
                    eprintln!("  endpoint {} {:?}", e.address, e.service);
                }
            }
        }
    }
}

#[test]
fn dynamic_blocks_expand_over_known_collections() {
    let text = r#"
variable "custom_lt" { default = true }
variable "ssh" {}
locals {
  ports = [443, 10250]
  rules = {
    dns = { port = 53, proto = "udp" }
  }
}
resource "aws_security_group" "nodes" {
  dynamic "ingress" {
    for_each = local.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      self        = true
    }
  }
  dynamic "egress" {
    for_each = local.rules
    iterator = rule
    content {
      description = rule.key
      from_port   = rule.value.port
      to_port     = rule.value.port
      protocol    = rule.value.proto
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
resource "aws_launch_template" "lt" {
  vpc_security_group_ids = [aws_security_group.nodes.id]
}
resource "aws_eks_node_group" "ng" {
  cluster_name = "demo"
  dynamic "launch_template" {
    for_each = var.custom_lt ? [1] : []
    content {
      id = aws_launch_template.lt.id
    }
  }
  dynamic "remote_access" {
    for_each = var.ssh != null ? [var.ssh] : []
    content {
      ec2_ssh_key = remote_access.value.key
    }
  }
}
"#;
    let model = one(text);
    let (nodes, g) = group(&model, "aws_security_group.nodes");
    assert!(!g.rules_incomplete);
    assert_eq!(
        summary(&g.ingress),
        vec![
            rule(Protocol::Tcp, 443, 443, Peer::SelfRef),
            rule(Protocol::Tcp, 10250, 10250, Peer::SelfRef),
        ]
    );
    assert_eq!(
        summary(&g.egress),
        vec![rule(Protocol::Udp, 53, 53, Peer::cidr("0.0.0.0/0"))]
    );
    assert_eq!(g.egress[0].description.as_deref(), Some("dns"));
    assert!(slice(text, g.egress[0].span).starts_with("dynamic \"egress\""));
    assert!(g.inline_egress_declared);
    let ng = &model.node_groups[0];
    assert_eq!(
        ng.launch_template_groups,
        GroupList::Groups(vec![GroupRef::Group(nodes)])
    );
    assert!(!ng.launch_template_unknown);
    let ra = ng.remote_access.as_ref().unwrap();
    assert_eq!(ra.key_set, Known::Unknown);
    assert_eq!(ra.group, None);
}

#[test]
fn iterators_do_not_leak_into_other_expressions() {
    // `ingress` inside the local is not the dynamic block's iterator.
    let text = r#"
locals {
  port = ingress.value
}
resource "aws_security_group" "g" {
  dynamic "ingress" {
    for_each = [22]
    content {
      from_port = local.port
      to_port   = ingress.value
      protocol  = "tcp"
      self      = true
    }
  }
}
"#;
    let model = one(text);
    assert_eq!(
        summary(&model.groups[0].ingress),
        vec![(Protocol::Tcp, PortRange::new(None, Some(22)), Peer::SelfRef)]
    );
}

#[test]
fn legacy_interpolation_only_strings_keep_their_values() {
    let text = r#"
resource "aws_security_group" "a" {}
resource "aws_eks_cluster" "x" {
  name = "${var.name}"
  vpc_config {
    security_group_ids = ["${aws_security_group.a.id}", "${var.other}"]
  }
}
"#;
    let model = one(text);
    let (a, _) = group(&model, "aws_security_group.a");
    assert_eq!(
        model.clusters[0].creation_groups,
        GroupList::Groups(vec![
            GroupRef::Group(a),
            GroupRef::External("var.other".into())
        ])
    );
    assert_eq!(model.clusters[0].name, Known::Unknown);
}

#[test]
fn unplaceable_rules_make_their_groups_incomplete() {
    let text = r#"
variable "rules" {}
resource "aws_security_group" "a" {}
resource "aws_security_group" "b" {}
resource "aws_security_group_rule" "typed_by_each" {
  for_each          = var.rules
  type              = each.value.type
  security_group_id = aws_security_group.a.id
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  self              = true
}
resource "aws_security_group_rule" "outside" {
  type              = "ingress"
  security_group_id = var.sg
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  self              = true
}
resource "aws_launch_template" "empty" {
  vpc_security_group_ids = []
}
resource "aws_eks_node_group" "ng" {
  cluster_name = "x"
  launch_template {
    id = aws_launch_template.empty.id
  }
}
"#;
    let model = one(text);
    let (_, a) = group(&model, "aws_security_group.a");
    let (_, b) = group(&model, "aws_security_group.b");
    assert!(a.rules_incomplete);
    assert!(a.ingress.is_empty());
    // A rule on a variable's group is outside the module: dropped quietly.
    assert!(!b.rules_incomplete);
    assert!(b.ingress.is_empty());
    // An empty list in a launch template sets no groups.
    assert_eq!(
        model.node_groups[0].launch_template_groups,
        GroupList::Absent
    );
}

#[test]
fn common_functions_evaluate_when_their_inputs_are_known() {
    let text = r#"
variable "env" { default = "prod" }
variable "unset" {}
locals {
  base    = "10.0.0.0/16"
  subnet  = cidrsubnet(local.base, 8, 3)
  v6      = cidrsubnet("2001:db8::/56", 8, 1)
  name    = format("%s-%s", "eks", var.env)
  joined  = join(",", ["a", "b"])
  looked  = lookup({ a = "x" }, "b", "fallback")
  m       = { a = 1 }
  tried   = try(local.m.b, local.m.c, "caught")
  unknown = try(var.unset, "not taken")
  set     = toset(["a", "a", "b"])
  bigger  = 3 > 2 && !(var.env == "dev")
  evens   = [for n in [1, 2, 3, 4] : n if n % 2 == 0]
  by_key  = { for k, v in { a = 1, b = 2 } : "${k}x" => v * 10 }
}
resource "aws_security_group" "r" {
  name = local.name
  ingress {
    from_port   = length(local.set)
    to_port     = length(local.evens) + local.by_key["bx"]
    protocol    = local.bigger ? "tcp" : "udp"
    cidr_blocks = [local.subnet, local.v6]
    description = "${local.joined}/${local.looked}/${local.tried}"
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [local.unknown]
  }
}
"#;
    let model = one(text);
    let (_, g) = group(&model, "aws_security_group.r");
    assert_eq!(
        summary(&g.ingress),
        vec![
            rule(Protocol::Tcp, 2, 22, Peer::cidr("10.0.3.0/24")),
            rule(Protocol::Tcp, 2, 22, Peer::cidr("2001:db8:0:1::/64")),
        ]
    );
    assert_eq!(
        g.ingress[0].description.as_deref(),
        Some("a,b/fallback/caught")
    );
    // `try` does not take its fallback for a value that is merely unknown.
    assert_eq!(g.egress.len(), 1);
    assert_eq!(g.egress[0].peer, Peer::Unknown);
}

#[test]
fn text_that_doubles_through_locals_stays_bounded() {
    // Each local is four copies of the one before: 16 * 4^20 bytes (16 TiB)
    // at the end. The text past the cap is unknown; the known CIDR stays.
    let mut text = String::from("locals {\n  l0 = \"0123456789abcdef\"\n");
    for i in 1..=20 {
        let p = i - 1;
        text.push_str(&format!(
            "  l{i} = \"${{local.l{p}}}${{local.l{p}}}${{local.l{p}}}${{local.l{p}}}\"\n"
        ));
        text.push_str(&format!(
            "  j{i} = join(\"\", [local.l{p}, local.l{p}, local.l{p}, local.l{p}])\n"
        ));
        text.push_str(&format!(
            "  r{i} = replace(local.l{p}, \"a\", local.l{p})\n"
        ));
        text.push_str(&format!(
            "  f{i} = format(\"%s%s%s%s\", local.l{p}, local.l{p}, local.l{p}, local.l{p})\n"
        ));
    }
    text.push_str(
        r#"}
resource "aws_security_group" "r" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", local.l20, local.j20, local.r20, local.f20]
  }
}
"#,
    );
    let model = one(&text);
    let (_, g) = group(&model, "aws_security_group.r");
    assert!(g.ingress.iter().any(|r| r.peer == Peer::cidr("10.0.0.0/8")));
}

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// Parses `text` as one HCL file.
fn tree(text: &str) -> Node {
    match hcl::parse(FileId(0), text, Limits::default()) {
        Ok(node) => node,
        Err(e) => panic!("does not parse: {e:?}"),
    }
}

#[test]
fn a_module_reads_other_directories_through_local_calls_and_downloads() {
    let nowhere = std::path::Path::new("/nonexistent/eks-sg-lint/dir");
    let registry = tree("module \"eks\" {\n  source = \"terraform-aws-modules/eks/aws\"\n}\n");
    let local = tree("module \"net\" {\n  source = \"../net\"\n}\n");
    let here = tree("module \"net\" {\n  source = \".\"\n}\n");
    let computed = tree("module \"net\" {\n  source = var.where\n}\n");
    let none = tree("resource \"aws_security_group\" \"a\" {}\n");
    // No calls, a registry call without downloads, or a source that is not
    // a literal: nothing else is read.
    assert!(!reads_other_dirs(&[&none], nowhere));
    assert!(!reads_other_dirs(&[&registry], nowhere));
    assert!(!reads_other_dirs(&[&computed], nowhere));
    // A local call, in any file of the module.
    assert!(reads_other_dirs(&[&none, &local], nowhere));
    assert!(reads_other_dirs(&[&here], nowhere));
    // Any call where `terraform init` recorded downloads.
    let downloaded = normalize(&testdata("terraform/downloaded"));
    let downloaded = downloaded.expect("testdata/terraform/downloaded");
    assert!(reads_other_dirs(&[&registry], &downloaded));
    assert!(!reads_other_dirs(&[&none], &downloaded));
}

#[test]
fn the_directories_called_are_local_sources_and_downloads() {
    let root = testdata("terraform/local-module");
    let local = tree("module \"net\" {\n  source = \"./modules/network\"\n}\n");
    let called = dirs_called(&[(root.as_path(), vec![&local])]);
    assert_eq!(
        called.into_iter().collect::<Vec<_>>(),
        vec![normalize(&root.join("modules/network")).expect("canonical")]
    );
    let downloaded = testdata("terraform/downloaded");
    let registry = tree("module \"network\" {\n  source = \"example-org/network/aws\"\n}\n");
    let called = dirs_called(&[(downloaded.as_path(), vec![&registry])]);
    let network = normalize(&downloaded.join(".terraform/modules/network")).expect("canonical");
    assert!(called.contains(&network), "{called:?}");
    // A directory without calls calls nothing, downloads or not.
    let none = tree("resource \"aws_security_group\" \"a\" {}\n");
    assert!(dirs_called(&[(downloaded.as_path(), vec![&none])]).is_empty());
}
