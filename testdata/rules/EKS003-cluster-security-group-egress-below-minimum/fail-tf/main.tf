# Terraform removes AWS's default egress rule: a group is left with exactly
# the egress it declares.
resource "aws_security_group" "shared" {
  name   = "eks-shared"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }

  egress { # expect: EKS003, EKS003, EKS003
    description = "API server only"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    self        = true
  }
}

# No egress at all: all four minimum rules are missing.
resource "aws_security_group" "silent" { # expect: EKS003, EKS003, EKS003, EKS003
  name   = "eks-silent"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
}

resource "aws_eks_cluster" "demo" { # expect: EKS012
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids         = ["subnet-0a", "subnet-0b"]
    security_group_ids = [aws_security_group.shared.id, aws_security_group.silent.id]
  }
}

resource "aws_launch_template" "nodes" {
  name_prefix            = "demo-nodes-"
  vpc_security_group_ids = [aws_security_group.shared.id, aws_security_group.silent.id]
}

resource "aws_eks_node_group" "nodes" { # expect: EKS007, EKS007, EKS008
  cluster_name    = aws_eks_cluster.demo.name
  node_group_name = "nodes"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = ["subnet-0a", "subnet-0b"]

  launch_template {
    id      = aws_launch_template.nodes.id
    version = "$Latest"
  }

  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}
