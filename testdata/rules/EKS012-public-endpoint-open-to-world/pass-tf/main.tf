# expect: none
resource "aws_security_group" "control_plane" {
  name   = "control-plane"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_eks_cluster" "private" {
  name     = "private"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {
    subnet_ids              = ["subnet-a", "subnet-b"]
    security_group_ids      = [aws_security_group.control_plane.id]
    endpoint_public_access  = false
    endpoint_private_access = true
  }
}

variable "public_cidrs" {
  type = list(string)
}

# Unknown CIDRs: the rule stays silent.
resource "aws_eks_cluster" "variable" {
  name     = "variable"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {
    subnet_ids              = ["subnet-a", "subnet-b"]
    security_group_ids      = [aws_security_group.control_plane.id]
    endpoint_private_access = true
    public_access_cidrs     = var.public_cidrs
  }
}
