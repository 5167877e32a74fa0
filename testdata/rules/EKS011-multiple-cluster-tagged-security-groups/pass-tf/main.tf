# expect: none
# A group tagged for the cluster sits on the control plane only; the managed
# node group has no launch template, so its nodes carry the EKS cluster
# security group alone: one tagged group on the nodes.
variable "cluster_name" {
  type    = string
  default = "demo"
}

resource "aws_security_group" "control_plane" {
  name   = "${var.cluster_name}-control-plane"
  vpc_id = "vpc-0123456789abcdef0"

  tags = {
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
