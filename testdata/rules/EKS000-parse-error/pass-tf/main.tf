# expect: none
resource "aws_eks_cluster" "demo" {
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    endpoint_public_access  = false
    endpoint_private_access = true
    subnet_ids         = ["subnet-0a", "subnet-0b"]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}
