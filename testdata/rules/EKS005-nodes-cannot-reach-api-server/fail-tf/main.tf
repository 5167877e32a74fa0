# The launch template puts only aws_security_group.nodes on the nodes, and
# that group declares no egress: Terraform removes AWS's default allow-all, so
# the nodes can send nothing at all. The API server (EKS005), DNS between the
# nodes (EKS007, UDP and TCP) and the internet (EKS008) are all out of reach.
resource "aws_security_group" "cluster" {
  name   = "eks-cluster"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description     = "API server from the nodes"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.nodes.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "nodes" {
  name   = "eks-nodes"
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
    security_groups = [aws_security_group.cluster.id]
  }
}

resource "aws_eks_cluster" "demo" { # expect: EKS012
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids         = ["subnet-0a", "subnet-0b"]
    security_group_ids = [aws_security_group.cluster.id]
  }
}

resource "aws_launch_template" "nodes" {
  name_prefix            = "demo-nodes-"
  vpc_security_group_ids = [aws_security_group.nodes.id]
}

resource "aws_eks_node_group" "nodes" { # expect: EKS005, EKS007, EKS007, EKS008
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
