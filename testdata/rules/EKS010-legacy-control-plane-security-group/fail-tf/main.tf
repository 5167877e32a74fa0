# The legacy pair in Terraform: the cluster's own group (given at creation)
# sends TCP 1025-65535 to the workers' group, which admits it.
resource "aws_security_group" "cluster" {
  name        = "demo-cluster"
  description = "EKS cluster security group"
  vpc_id      = "vpc-0123456789abcdef0"

  egress { # expect: EKS010
    description     = "kubelets and pods"
    from_port       = 1025
    to_port         = 65535
    protocol        = "tcp"
    security_groups = [aws_security_group.workers.id]
  }

  egress {
    description     = "extension API servers"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.workers.id]
  }
}

resource "aws_security_group_rule" "cluster_https_worker_ingress" {
  description              = "API server from the workers"
  type                     = "ingress"
  security_group_id        = aws_security_group.cluster.id
  source_security_group_id = aws_security_group.workers.id
  protocol                 = "tcp"
  from_port                = 443
  to_port                  = 443
}

resource "aws_security_group" "workers" {
  name        = "demo-workers"
  description = "EKS worker nodes"
  vpc_id      = "vpc-0123456789abcdef0"

  ingress {
    description = "worker to worker"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }

  egress {
    description = "all outbound"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    "kubernetes.io/cluster/demo" = "owned"
  }
}

resource "aws_vpc_security_group_ingress_rule" "workers_from_cluster" { # expect: EKS010
  description                  = "kubelets and pods from the control plane"
  security_group_id            = aws_security_group.workers.id
  referenced_security_group_id = aws_security_group.cluster.id
  ip_protocol                  = "tcp"
  from_port                    = 1025
  to_port                      = 65535
}

resource "aws_vpc_security_group_ingress_rule" "workers_https_from_cluster" {
  description                  = "extension API servers from the control plane"
  security_group_id            = aws_security_group.workers.id
  referenced_security_group_id = aws_security_group.cluster.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}

resource "aws_eks_cluster" "demo" {
  name     = "demo"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids              = ["subnet-0a", "subnet-0b"]
    security_group_ids      = [aws_security_group.cluster.id]
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

resource "aws_autoscaling_group" "workers" {
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
    key                 = "kubernetes.io/cluster/demo"
    value               = "owned"
    propagate_at_launch = true
  }
}
