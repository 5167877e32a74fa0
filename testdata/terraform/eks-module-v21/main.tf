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
    gpu = {
      security_group_ingress_rules = {
        nccl = {
          from_port = 0
          to_port   = 65535
          self      = true
        }
      }
      security_group_egress_rules = {
        all = {
          ip_protocol = "-1"
          cidr_ipv6   = "::/0"
        }
      }
    }
  }
}

locals {
  name = "v21"
}
