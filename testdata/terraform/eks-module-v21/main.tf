# The EKS module with its v21 input names, IPv6.
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"

  name               = local.name
  kubernetes_version = "1.33"
  vpc_id             = "vpc-1234"
  subnet_ids         = ["subnet-a", "subnet-b"]

  endpoint_public_access       = true
  endpoint_public_access_cidrs = ["203.0.113.0/24"]
  ip_family                    = "ipv6"

  security_group_additional_rules = {
    egress_nodes = {
      type                       = "egress"
      protocol                   = "tcp"
      from_port                  = 10250
      to_port                    = 10250
      source_node_security_group = true
    }
  }

  eks_managed_node_groups = {
    main = {
      name = "main-nodes"
    }
  }
}

locals {
  name = "v21"
}
