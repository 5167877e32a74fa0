# expect: none
variable "extra_security_group_ids" {
  type        = list(string)
  description = "no default: unknown here, so nothing is reported"
}

resource "aws_security_group" "control_plane" {
  name   = "control-plane"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_eks_cluster" "demo" {
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    endpoint_public_access  = false
    endpoint_private_access = true
    subnet_ids         = ["subnet-0a", "subnet-0b"]
    security_group_ids = [aws_security_group.control_plane.id]
  }
}

resource "aws_eks_cluster" "from_variable" {
  name     = "from-variable"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    endpoint_public_access  = false
    endpoint_private_access = true
    subnet_ids         = ["subnet-0a", "subnet-0b"]
    security_group_ids = var.extra_security_group_ids
  }
}
