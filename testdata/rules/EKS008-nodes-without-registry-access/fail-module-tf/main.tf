# terraform-aws-modules/eks without the recommended node rules: the module's
# node group then has no egress of its own, and the only one added goes to
# the VPC CIDR. No VPC endpoints: the nodes cannot reach ECR or S3.
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name    = "demo"
  cluster_version = "1.31"

  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0a", "subnet-0b"]

  cluster_endpoint_public_access  = false
  cluster_endpoint_private_access = true

  node_security_group_enable_recommended_rules = false
  node_security_group_additional_rules = {
    egress_vpc = {
      description = "the VPC only"
      type        = "egress"
      protocol    = "-1"
      from_port   = 0
      to_port     = 0
      cidr_blocks = ["10.0.0.0/16"]
    }
  }

  eks_managed_node_groups = {
    default = { # expect: EKS008
      instance_types = ["m5.large"]
      min_size       = 1
      max_size       = 3
      desired_size   = 2
    }
  }
}
