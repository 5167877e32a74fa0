# expect: none
# terraform-aws-modules/eks, IPv6 cluster: the additional node rule is given
# for 0.0.0.0/0 and ::/0 alike.
module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name      = "demo"
  cluster_version   = "1.31"
  cluster_ip_family = "ipv6"

  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0a", "subnet-0b"]

  cluster_endpoint_public_access  = false
  cluster_endpoint_private_access = true

  node_security_group_additional_rules = {
    ingress_nodeports = {
      description      = "NodePorts from load balancers"
      type             = "ingress"
      protocol         = "tcp"
      from_port        = 30000
      to_port          = 32767
      cidr_blocks      = ["0.0.0.0/0"]
      ipv6_cidr_blocks = ["::/0"]
    }
  }

  eks_managed_node_groups = {
    default = {
      instance_types = ["m5.large"]
      min_size       = 1
      max_size       = 3
      desired_size   = 2
    }
  }
}
