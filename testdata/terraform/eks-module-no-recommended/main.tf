# The module with its recommended node rules switched off: the node group
# has no egress at all.
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "20.31.6"

  cluster_name = "bare"
  vpc_id       = "vpc-1234"
  subnet_ids   = ["subnet-a"]

  node_security_group_enable_recommended_rules = false

  eks_managed_node_groups = {
    default = {}
  }
}
