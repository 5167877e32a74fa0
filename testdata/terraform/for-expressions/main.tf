# for expressions and operators, as teams write them around the module.
variable "env" {
  default = "prod"
}

variable "node_groups" {
  default = {
    general = { size = 3 }
    batch   = { size = 0 }
  }
}

locals {
  node_groups = {
    for name, ng in var.node_groups : name => {
      vpc_security_group_ids = [aws_security_group.extra.id]
    } if ng.size > 0
  }
  ports  = [for p in [443, 10250, 53] : p if p != 53]
  public = var.env != "prod" || length(local.ports) > 5
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"

  name                   = "for-${var.env}"
  vpc_id                 = "vpc-1234"
  endpoint_public_access = local.public

  eks_managed_node_groups = local.node_groups
}

resource "aws_security_group" "extra" {
  name   = "extra"
  vpc_id = "vpc-1234"

  dynamic "ingress" {
    for_each = local.ports
    content {
      from_port = ingress.value
      to_port   = ingress.value
      protocol  = "tcp"
      self      = true
    }
  }
}
