variable "name" {}

resource "aws_security_group" "cluster" {
  name = "${var.name}-cluster"

  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
}

output "cluster_sg_id" {
  value = aws_security_group.cluster.id
}
