variable "name" {}
variable "vpc_id" {}
variable "api_cidr" {
  default = "0.0.0.0/0"
}

resource "aws_security_group" "cluster" {
  name   = "${var.name}-cluster"
  vpc_id = var.vpc_id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.api_cidr]
  }

  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

output "cluster_sg_id" {
  value = aws_security_group.cluster.id
}
