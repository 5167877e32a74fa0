#!/usr/bin/env bash
# Benchmark: Terraform module expansion. Generates, into a temporary
# directory, a root module with 50 calls of a local module (each making a
# security group with a dynamic block and a rule), 5 calls of the EKS
# module, and a 1,000-entry for_each of rules; and, as the baseline measured
# in the same run, the same number of resources written out flat (no
# modules, no for_each). Reports median wall time and peak memory of
# `eks-sg-lint check` on each, and of `cat` on the generated files.
# Usage: bench/terraform.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# BIN=path/to/eks-sg-lint skips the release build (for a quick check).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin eks-sg-lint
fi
bin="${BIN:-target/release/eks-sg-lint}"

# ---- the module-based configuration ----------------------------------------
mods="$work/modules"
mkdir -p "$mods/modules/sg"
cat > "$mods/modules/sg/main.tf" <<'EOF'
variable "name" {}
variable "ports" {
  default = [443, 10250]
}
variable "cluster_sg" {}

resource "aws_security_group" "this" {
  name   = var.name
  vpc_id = "vpc-1234"

  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port       = ingress.value
      to_port         = ingress.value
      protocol        = "tcp"
      security_groups = [var.cluster_sg]
    }
  }
}

resource "aws_security_group_rule" "egress" {
  type              = "egress"
  security_group_id = aws_security_group.this.id
  protocol          = "-1"
  from_port         = 0
  to_port           = 0
  cidr_blocks       = ["0.0.0.0/0"]
}

output "id" {
  value = aws_security_group.this.id
}
EOF
{
  for i in $(seq 1 5); do
    cat <<EOF
module "eks_$i" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name = "bench-$i"
  vpc_id       = "vpc-1234"
  subnet_ids   = ["subnet-a"]

  eks_managed_node_groups = {
    a = { vpc_security_group_ids = [module.sg_$i.id] }
    b = { attach_cluster_primary_security_group = true }
  }
}
EOF
  done
  for i in $(seq 1 50); do
    e=$(( (i - 1) % 5 + 1 ))
    cat <<EOF
module "sg_$i" {
  source     = "./modules/sg"
  name       = "sg-$i"
  cluster_sg = module.eks_$e.cluster_primary_security_group_id
}
EOF
  done
  echo "locals {"
  echo "  rules = {"
  for i in $(seq 1 1000); do
    echo "    r$i = { port = $(( 1000 + i )), cidr = \"10.$(( i / 250 )).$(( i % 250 )).0/24\" }"
  done
  echo "  }"
  echo "}"
  cat <<'EOF'
resource "aws_security_group" "many" {
  name   = "many"
  vpc_id = "vpc-1234"
}

resource "aws_security_group_rule" "many" {
  for_each          = local.rules
  type              = "ingress"
  security_group_id = aws_security_group.many.id
  protocol          = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_blocks       = [each.value.cidr]
}
EOF
} > "$mods/main.tf"

# ---- the baseline: the same resources written out flat ---------------------
flat="$work/flat"
mkdir -p "$flat"
{
  for i in $(seq 1 5); do
    cat <<EOF
resource "aws_eks_cluster" "c$i" {
  name     = "bench-$i"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids = ["subnet-a"]
  }
}
EOF
  done
  for i in $(seq 1 50); do
    cat <<EOF
resource "aws_security_group" "sg_$i" {
  name   = "sg-$i"
  vpc_id = "vpc-1234"
  ingress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = ["sg-0123456789abcdef0"]
  }
  ingress {
    from_port       = 10250
    to_port         = 10250
    protocol        = "tcp"
    security_groups = ["sg-0123456789abcdef0"]
  }
}
resource "aws_security_group_rule" "egress_$i" {
  type              = "egress"
  security_group_id = aws_security_group.sg_$i.id
  protocol          = "-1"
  from_port         = 0
  to_port           = 0
  cidr_blocks       = ["0.0.0.0/0"]
}
EOF
  done
  echo 'resource "aws_security_group" "many" {'
  echo '  name   = "many"'
  echo '  vpc_id = "vpc-1234"'
  echo '}'
  for i in $(seq 1 1000); do
    cat <<EOF
resource "aws_security_group_rule" "many_$i" {
  type              = "ingress"
  security_group_id = aws_security_group.many.id
  protocol          = "tcp"
  from_port         = $(( 1000 + i ))
  to_port           = $(( 1000 + i ))
  cidr_blocks       = ["10.$(( i / 250 )).$(( i % 250 )).0/24"]
}
EOF
  done
} > "$flat/main.tf"

# measure CMD... -> prints "median_seconds peak_kib"
measure() {
  local times=() mems=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>&1 || true
    read -r t m < <(tail -n 1 "$work/t")
    times+=("$t"); mems+=("$m")
  done
  local mt mm
  mt=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mm=$(printf '%s\n' "${mems[@]}" | sort -g | tail -1)
  echo "$mt $mm"
}

row() {
  local name="$1"
  shift
  read -r t m < <(measure "$@")
  awk -v n="$name" -v t="$t" -v m="$m" 'BEGIN { printf "| %s | %.3f s | %.1f MiB |\n", n, t, m / 1024 }'
}

if [ -n "${KEEP:-}" ]; then cp -r "$work/." "$KEEP/"; fi
echo "eks-sg-lint $(${bin} --version | awk '{print $2}') on $(nproc) cores, $(date -u +%Y-%m-%d), median of ${runs} runs"
echo
echo "| input | wall time | peak memory |"
echo "|---|---|---|"
row "50 local module calls + 5 EKS module calls + 1,000-entry for_each ($(wc -c < "$mods/main.tf") bytes)" "$bin" check --format json "$mods"
row "baseline: the same resources written flat ($(wc -c < "$flat/main.tf") bytes)" "$bin" check --format json "$flat"
row "baseline: cat of the module files" sh -c "cat '$mods/main.tf' '$mods/modules/sg/main.tf' > /dev/null"
