# One EKS module call per environment.
variable "clusters" {
  default = {
    blue  = { public = false }
    green = { public = true }
  }
}

module "eks" {
  source   = "terraform-aws-modules/eks/aws"
  version  = "~> 21.0"
  for_each = var.clusters

  name                   = "shop-${each.key}"
  vpc_id                 = "vpc-1234"
  endpoint_public_access = each.value.public

  eks_managed_node_groups = {
    default = {}
  }
}

# A rule on the green cluster's node group only.
resource "aws_vpc_security_group_ingress_rule" "green_ssh" {
  security_group_id = module.eks["green"].node_security_group_id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "10.0.0.0/8"
}
