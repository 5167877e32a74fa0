# The module told not to create its cluster group, and given none.
module "eks" {
  source = "terraform-aws-modules/eks/aws"

  name   = "nogroup"
  vpc_id = "vpc-1234"

  create_security_group      = false
  create_node_security_group = false
}
