# expect: none
# The services of the endpoints come from a variable without a default:
# whether they cover ecr.api, ecr.dkr and s3 is unknown, so nothing is
# reported.
variable "endpoint_services" {
  type        = list(string)
  description = "given by the caller"
}

variable "vpc_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

resource "aws_security_group" "control_plane" {
  name   = "demo-control-plane"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description     = "API server from the nodes"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.nodes.id]
  }
}

resource "aws_security_group" "nodes" {
  name   = "demo-nodes"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description = "node to node"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }

  egress {
    description = "the VPC only"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [var.vpc_cidr]
  }
}

resource "aws_vpc_security_group_ingress_rule" "nodes_kubelet" {
  security_group_id            = aws_security_group.nodes.id
  referenced_security_group_id = aws_security_group.control_plane.id
  ip_protocol                  = "tcp"
  from_port                    = 10250
  to_port                      = 10250
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

resource "aws_launch_template" "nodes" {
  name_prefix            = "demo-nodes-"
  vpc_security_group_ids = [aws_security_group.nodes.id]
}

resource "aws_eks_node_group" "nodes" {
  cluster_name    = aws_eks_cluster.demo.name
  node_group_name = "nodes"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = ["subnet-0a", "subnet-0b"]

  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }

  scaling_config {
    desired_size = 2
    max_size     = 3
    min_size     = 1
  }
}

resource "aws_security_group" "endpoints" {
  name   = "demo-endpoints"
  vpc_id = "vpc-0123456789abcdef0"

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }
}

resource "aws_vpc_endpoint" "registry" {
  count               = 3
  vpc_id              = "vpc-0123456789abcdef0"
  service_name        = var.endpoint_services[count.index]
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = ["subnet-0a", "subnet-0b"]
  security_group_ids  = [aws_security_group.endpoints.id]
}
