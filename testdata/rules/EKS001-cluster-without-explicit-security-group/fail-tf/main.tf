variable "cluster_name" {
  type    = string
  default = "demo"
}

# No security_group_ids in vpc_config.
resource "aws_eks_cluster" "demo" { # expect: EKS012
  name     = var.cluster_name
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config { # expect: EKS001
    subnet_ids = ["subnet-0a", "subnet-0b"]
  }
}

# An empty list.
resource "aws_eks_cluster" "empty" { # expect: EKS012
  name     = "${var.cluster_name}-empty"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids         = ["subnet-0a", "subnet-0b"]
    security_group_ids = [] # expect: EKS001
  }
}
