# Self-managed nodes (an Auto Scaling group tagged for the cluster) whose
# group allows HTTPS to the VPC CIDR only, and no VPC endpoints.
resource "aws_security_group" "control_plane" {
  name   = "demo-control-plane"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_security_group" "workers" {
  name   = "demo-workers"
  vpc_id = "vpc-0123456789abcdef0"
}

resource "aws_security_group_rule" "control_plane_https_from_workers" {
  type                     = "ingress"
  security_group_id        = aws_security_group.control_plane.id
  source_security_group_id = aws_security_group.workers.id
  protocol                 = "tcp"
  from_port                = 443
  to_port                  = 443
}

resource "aws_security_group_rule" "workers_self" {
  type              = "ingress"
  security_group_id = aws_security_group.workers.id
  self              = true
  protocol          = "-1"
  from_port         = 0
  to_port           = 0
}

resource "aws_security_group_rule" "workers_kubelet" {
  type                     = "ingress"
  security_group_id        = aws_security_group.workers.id
  source_security_group_id = aws_security_group.control_plane.id
  protocol                 = "tcp"
  from_port                = 10250
  to_port                  = 10250
}

resource "aws_security_group_rule" "workers_egress_self" {
  type              = "egress"
  security_group_id = aws_security_group.workers.id
  self              = true
  protocol          = "-1"
  from_port         = 0
  to_port           = 0
}

resource "aws_security_group_rule" "workers_egress_vpc_https" {
  type              = "egress"
  security_group_id = aws_security_group.workers.id
  cidr_blocks       = ["10.0.0.0/16"]
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_eks_cluster" "demo" {
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a", "subnet-0b"]
    security_group_ids      = [aws_security_group.control_plane.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }
}

resource "aws_launch_template" "workers" {
  name_prefix            = "demo-workers-"
  image_id               = "ami-0123456789abcdef0"
  instance_type          = "m5.large"
  vpc_security_group_ids = [aws_security_group.workers.id]
}

resource "aws_autoscaling_group" "workers" { # expect: EKS008
  name                = "demo-workers"
  min_size            = 1
  max_size            = 3
  desired_capacity    = 2
  vpc_zone_identifier = ["subnet-0a", "subnet-0b"]

  launch_template {
    id      = aws_launch_template.workers.id
    version = "$Latest"
  }

  tag {
    key                 = "kubernetes.io/cluster/${aws_eks_cluster.demo.name}"
    value               = "owned"
    propagate_at_launch = true
  }
}
