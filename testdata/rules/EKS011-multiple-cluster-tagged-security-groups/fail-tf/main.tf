# A managed node group whose launch template sets the EKS cluster security
# group (which EKS tags kubernetes.io/cluster/demo) beside a group of the
# module tagged for the same cluster.
variable "cluster_name" {
  type    = string
  default = "demo"
}

resource "aws_security_group" "control_plane" {
  name   = "${var.cluster_name}-control-plane"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_security_group" "nodes" {
  name   = "${var.cluster_name}-nodes"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description = "NodePorts from the VPC"
    from_port   = 30000
    to_port     = 32767
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }

  tags = {
    Name                                        = "${var.cluster_name}-nodes"
    "kubernetes.io/cluster/${var.cluster_name}" = "owned"
  }
}

resource "aws_eks_cluster" "demo" {
  name     = var.cluster_name
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a", "subnet-0b"]
    security_group_ids      = [aws_security_group.control_plane.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }
}

resource "aws_launch_template" "nodes" {
  name_prefix = "${var.cluster_name}-nodes-"
  vpc_security_group_ids = [
    aws_eks_cluster.demo.vpc_config[0].cluster_security_group_id,
    aws_security_group.nodes.id,
  ]
}

resource "aws_eks_node_group" "nodes" { # expect: EKS011
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
