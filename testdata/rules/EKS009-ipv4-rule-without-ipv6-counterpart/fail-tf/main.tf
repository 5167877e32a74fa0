# An IPv6 cluster whose groups carry IPv4-only rules: an inline egress block,
# a legacy standalone rule and a VPC egress rule, none with a ::/0 counterpart.
resource "aws_security_group" "control_plane" {
  name   = "demo-control-plane"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description     = "API server from the nodes"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.nodes.id]
  }
}

resource "aws_vpc_security_group_egress_rule" "control_plane_all" { # expect: EKS009
  security_group_id = aws_security_group.control_plane.id
  description       = "all outbound, IPv4 only"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_security_group" "nodes" {
  name   = "demo-nodes"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description = "node to node"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }

  ingress {
    description     = "kubelet from the control plane"
    from_port       = 10250
    to_port         = 10250
    protocol        = "tcp"
    security_groups = [aws_security_group.control_plane.id]
  }

  egress { # expect: EKS009
    description = "all outbound, IPv4 only"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "nodes_nodeports" { # expect: EKS009
  type              = "ingress"
  description       = "NodePorts from load balancers, IPv4 only"
  security_group_id = aws_security_group.nodes.id
  cidr_blocks       = ["0.0.0.0/0"]
  protocol          = "tcp"
  from_port         = 30000
  to_port           = 32767
}

resource "aws_eks_cluster" "demo" {
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a", "subnet-0b"]
    security_group_ids      = [aws_security_group.control_plane.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  kubernetes_network_config {
    ip_family = "ipv6"
  }
}

resource "aws_launch_template" "nodes" {
  name_prefix            = "demo-nodes-"
  vpc_security_group_ids = [aws_security_group.nodes.id]
}

resource "aws_eks_node_group" "nodes" {
  cluster_name    = aws_eks_cluster.demo.name
  node_group_name = "nodes"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = ["subnet-0a", "subnet-0b"]

  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }

  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}
