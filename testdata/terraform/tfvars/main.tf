variable "cluster_name" {}
variable "public_access" {
  default = false
}
variable "private_access" {
  default = false
}
variable "api_cidrs" {
  default = ["10.0.0.0/8"]
}

resource "aws_eks_cluster" "this" {
  name     = var.cluster_name
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids              = ["subnet-a"]
    security_group_ids      = [aws_security_group.cluster.id]
    endpoint_public_access  = var.public_access
    endpoint_private_access = var.private_access
    public_access_cidrs     = var.api_cidrs
  }
}

resource "aws_security_group" "cluster" {
  name   = format("%s-cluster", var.cluster_name)
  vpc_id = "vpc-1234"
}
