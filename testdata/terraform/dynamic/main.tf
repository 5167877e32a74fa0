# dynamic blocks over a known collection, with lookup/try/merge/concat.
variable "extra_ports" {
  default = { metrics = 9100 }
}

locals {
  ports    = merge({ https = 443, kubelet = 10250 }, var.extra_ports)
  defaults = { protocol = "tcp" }
  cidrs    = concat(["10.0.0.0/16"], compact(["", "10.1.0.0/16"]))
}

resource "aws_security_group" "nodes" {
  name   = "nodes"
  vpc_id = "vpc-1234"

  dynamic "ingress" {
    for_each = local.ports
    content {
      description = ingress.key
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = lookup(local.defaults, "protocol", "udp")
      cidr_blocks = local.cidrs
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = try(local.defaults.missing, "-1")
    cidr_blocks = [join("/", ["0.0.0.0", "0"])]
  }
}
