# expect: none
resource "aws_security_group" "control_plane" {
  name   = "control-plane"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_eks_cluster" "this" {
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  vpc_config {
    subnet_ids              = ["subnet-a", "subnet-b"]
    security_group_ids      = [aws_security_group.control_plane.id]
    endpoint_public_access  = false
    endpoint_private_access = true
  }
}

resource "aws_eks_node_group" "nodes" {
  cluster_name  = aws_eks_cluster.this.name
  node_role_arn = "arn:aws:iam::111122223333:role/nodes"
  subnet_ids    = ["subnet-a", "subnet-b"]
  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}

resource "aws_security_group_rule" "kubelet_from_anywhere" {
  type              = "ingress"
  security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  protocol          = "tcp"
  from_port         = 10250
  to_port           = 10250
  cidr_blocks       = ["10.0.0.0/16"]
}
