# The EKS module with its v19/v20 input names.
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name    = "v20"
  cluster_version = "1.30"
  vpc_id          = var.vpc_id
  subnet_ids      = var.subnet_ids

  cluster_endpoint_public_access       = true
  cluster_endpoint_public_access_cidrs = ["0.0.0.0/0"]

  cluster_additional_security_group_ids = [aws_security_group.extra.id]

  cluster_security_group_additional_rules = {
    ingress_vpn = {
      description = "VPN to the API"
      type        = "ingress"
      protocol    = "tcp"
      from_port   = 443
      to_port     = 443
      cidr_blocks = ["10.8.0.0/16"]
    }
  }

  node_security_group_additional_rules = {
    ingress_cluster_all = {
      description                   = "Cluster to nodes, all ports"
      type                          = "ingress"
      protocol                      = "tcp"
      from_port                     = 1025
      to_port                       = 65535
      source_cluster_security_group = true
    }
  }

  eks_managed_node_groups = {
    default = {
      instance_types = ["m6i.large"]
    }
    primary = {
      attach_cluster_primary_security_group = true
      vpc_security_group_ids                = [aws_security_group.extra.id]
    }
    eks_template = {
      use_custom_launch_template = false
      remote_access = {
        ec2_ssh_key = "ops"
      }
    }
  }

  self_managed_node_groups = {
    workers = {
      instance_type = "m6i.large"
    }
  }
}

resource "aws_security_group" "extra" {
  name   = "extra"
  vpc_id = var.vpc_id

  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
}

# A rule of the user's on the module's node group.
resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = module.eks.node_security_group_id
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_blocks       = ["0.0.0.0/0"]
}

variable "vpc_id" {}
variable "subnet_ids" {}
