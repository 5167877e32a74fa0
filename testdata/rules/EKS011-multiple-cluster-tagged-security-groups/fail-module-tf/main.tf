# terraform-aws-modules/eks: the module's node security group is tagged
# kubernetes.io/cluster/demo, and attach_cluster_primary_security_group adds
# the EKS cluster security group, which EKS tags the same way.
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name    = "demo"
  cluster_version = "1.31"

  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0a", "subnet-0b"]

  cluster_endpoint_public_access  = false
  cluster_endpoint_private_access = true

  eks_managed_node_groups = {
    default = { # expect: EKS011
      instance_types = ["m5.large"]
      min_size       = 1
      max_size       = 3
      desired_size   = 2

      attach_cluster_primary_security_group = true
    }
  }
}
