# for_each and count: one item per instance.
locals {
  groups = {
    web = 443
    api = 8443
  }
  cidr = cidrsubnet("10.0.0.0/16", 8, 2)
}

resource "aws_security_group" "svc" {
  for_each = local.groups
  name     = "svc-${each.key}"
  vpc_id   = "vpc-1234"
}

resource "aws_security_group_rule" "svc_in" {
  for_each          = local.groups
  type              = "ingress"
  security_group_id = aws_security_group.svc[each.key].id
  protocol          = "tcp"
  from_port         = each.value
  to_port           = each.value
  cidr_blocks       = [local.cidr]
}

resource "aws_security_group" "counted" {
  count  = 2
  name   = "counted-${count.index}"
  vpc_id = "vpc-1234"
}

resource "aws_security_group_rule" "counted_self" {
  count             = length(aws_security_group.counted)
  type              = "ingress"
  security_group_id = aws_security_group.counted[count.index].id
  protocol          = "-1"
  from_port         = 0
  to_port           = 0
  self              = true
}

resource "aws_security_group" "never" {
  count  = 0
  name   = "never"
  vpc_id = "vpc-1234"
}
