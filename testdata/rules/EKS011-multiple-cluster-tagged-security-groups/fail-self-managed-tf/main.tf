# Self-managed workers whose launch template sets two groups of the module,
# both tagged for the cluster (the workers' group and a group shared by all
# workers).
resource "aws_security_group" "control_plane" {
  name   = "demo-control-plane"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description     = "API server from the workers"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.workers.id]
  }
}

resource "aws_security_group" "workers" {
  name   = "demo-workers"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description     = "kubelet from the control plane"
    from_port       = 10250
    to_port         = 10250
    protocol        = "tcp"
    security_groups = [aws_security_group.control_plane.id]
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

resource "aws_security_group" "all_workers" {
  name   = "demo-all-workers"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description = "worker to worker"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }

  egress {
    description = "worker to worker"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }

  tags = {
    "kubernetes.io/cluster/demo" = "shared"
  }
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
  name_prefix   = "demo-workers-"
  image_id      = "ami-0123456789abcdef0"
  instance_type = "m5.large"

  network_interfaces {
    device_index    = 0
    security_groups = [aws_security_group.workers.id, aws_security_group.all_workers.id]
  }
}

resource "aws_autoscaling_group" "workers" { # expect: EKS011
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
