# expect: none
# The nodes' group is a variable without a default: defined elsewhere, its
# rules unknown. Whether the nodes may send TCP 443 is unknown, so nothing is
# reported.
variable "node_security_group_id" {
  description = "The nodes' security group, managed by the network team"
  type        = string
}

resource "aws_security_group" "control_plane" {
  name   = "eks-control-plane"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description     = "API server from the nodes"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [var.node_security_group_id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_eks_cluster" "demo" {
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    endpoint_public_access  = false
    endpoint_private_access = true
    subnet_ids         = ["subnet-0a", "subnet-0b"]
    security_group_ids = [aws_security_group.control_plane.id]
  }
}

resource "aws_launch_template" "nodes" {
  name_prefix            = "demo-nodes-"
  vpc_security_group_ids = [var.node_security_group_id]
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
