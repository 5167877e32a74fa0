resource "aws_security_group" "control_plane" {
  name   = "control-plane"
  vpc_id = "vpc-0123456789abcdef0"
}

# The public endpoint is on by default and admits everyone.
resource "aws_eks_cluster" "default_endpoint" { # expect: EKS012
  name     = "default"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {
    subnet_ids         = ["subnet-a", "subnet-b"]
    security_group_ids = [aws_security_group.control_plane.id]
  }
}

resource "aws_eks_cluster" "open" {
  name     = "open"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {
    subnet_ids              = ["subnet-a", "subnet-b"]
    security_group_ids      = [aws_security_group.control_plane.id]
    endpoint_public_access  = true
    endpoint_private_access = true
    public_access_cidrs     = ["::/0"] # expect: EKS012
  }
}
