# Sample: a cluster created without a security group of its own (EKS001), and
# a second cluster whose shared group admits nothing from itself (EKS002).

variable "vpc_id" {
  type    = string
  default = "vpc-0123456789abcdef0"
}

variable "subnet_ids" {
  type    = list(string)
  default = ["subnet-0a", "subnet-0b"]
}

resource "aws_eks_cluster" "legacy" {
  name     = "legacy"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids = var.subnet_ids
  }
}

resource "aws_security_group" "shared" {
  name   = "sample-shared"
  vpc_id = var.vpc_id

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_eks_cluster" "sample" {
  name     = "sample"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.shared.id]
  }
}

resource "aws_launch_template" "nodes" {
  name_prefix            = "sample-nodes-"
  vpc_security_group_ids = [aws_security_group.shared.id]
}

resource "aws_eks_node_group" "nodes" {
  cluster_name    = aws_eks_cluster.sample.name
  node_group_name = "nodes"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = var.subnet_ids

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
