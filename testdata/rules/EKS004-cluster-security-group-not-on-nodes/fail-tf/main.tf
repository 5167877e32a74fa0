# Two groups given to the cluster, each with a rule whose peer is the group
# itself (an inline `self = true` ingress; a standalone egress rule that
# references the group's own ID). The managed node group has no launch
# template, so its nodes carry only the EKS cluster security group: one
# finding per group, at its entry in `security_group_ids`.
resource "aws_security_group" "shared" {
  name   = "eks-shared"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "internal" {
  name   = "eks-internal"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_vpc_security_group_egress_rule" "internal_to_itself" {
  security_group_id            = aws_security_group.internal.id
  referenced_security_group_id = aws_security_group.internal.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

resource "aws_eks_cluster" "demo" { # expect: EKS012
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids = ["subnet-0a", "subnet-0b"]
    security_group_ids = [
      aws_security_group.shared.id,   # expect: EKS004
      aws_security_group.internal.id, # expect: EKS004
    ]
  }
}

resource "aws_eks_node_group" "nodes" {
  cluster_name    = aws_eks_cluster.demo.name
  node_group_name = "nodes"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = ["subnet-0a", "subnet-0b"]

  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}
