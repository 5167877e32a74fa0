# A registry module that `terraform init` downloaded: followed through
# .terraform/modules/modules.json.
module "network" {
  source  = "example-org/network/aws"
  version = "1.2.0"

  name = "downloaded"
}

resource "aws_eks_cluster" "this" {
  name     = "downloaded"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids         = ["subnet-a"]
    security_group_ids = [module.network.cluster_sg_id, module.unread.id]
  }
}

module "unread" {
  source = "example-org/other/aws"
}
