# A local module creates the cluster's group; its output links back.
module "network" {
  source = "./modules/network"

  name     = "local"
  vpc_id   = "vpc-1234"
  api_cidr = "10.0.0.0/16"
}

resource "aws_eks_cluster" "this" {
  name     = "local"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids         = ["subnet-a"]
    security_group_ids = [module.network.cluster_sg_id]
  }
}

resource "aws_eks_node_group" "default" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "default"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = ["subnet-a"]

  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }
}
