# A node group submodule called directly, beside the module.
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"

  name   = "sub"
  vpc_id = "vpc-1234"
}

module "extra_nodes" {
  source  = "terraform-aws-modules/eks/aws//modules/eks-managed-node-group"
  version = "~> 21.0"

  name                              = "extra"
  cluster_name                      = module.eks.cluster_name
  cluster_primary_security_group_id = module.eks.cluster_primary_security_group_id
  vpc_security_group_ids            = [module.eks.node_security_group_id]
}

module "asg_nodes" {
  source = "terraform-aws-modules/eks/aws//modules/self-managed-node-group"

  name                   = "asg"
  cluster_name           = "sub"
  vpc_security_group_ids = [module.eks.node_security_group_id]
}
