# The nodes' egress is restricted to HTTPS and the kubelet port: the inbound
# side admits everything from the nodes, but nothing lets DNS out (UDP 53 and
# TCP 53). The EKS API, ECR and S3 stay reachable on TCP 443.
resource "aws_security_group" "control_plane" {
  name   = "eks-control-plane"
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
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }

  ingress {
    description     = "kubelet from the control plane"
    from_port       = 10250
    to_port         = 10250
    protocol        = "tcp"
    security_groups = [aws_security_group.control_plane.id]
  }

  egress {
    description = "HTTPS anywhere"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "kubelet on the other nodes"
    from_port   = 10250
    to_port     = 10250
    protocol    = "tcp"
    self        = true
  }
}

resource "aws_eks_cluster" "demo" { # expect: EKS012
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids         = ["subnet-0a", "subnet-0b"]
    security_group_ids = [aws_security_group.control_plane.id]
  }
}

resource "aws_launch_template" "nodes" {
  name_prefix            = "demo-nodes-"
  vpc_security_group_ids = [aws_security_group.nodes.id]
}

resource "aws_eks_node_group" "nodes" { # expect: EKS007, EKS007
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
