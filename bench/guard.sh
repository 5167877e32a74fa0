#!/usr/bin/env bash
# Benchmark of `eks-sg-lint guard validate` beside `cfn-guard validate`
# 3.2.1 in the same run, on generated inputs:
#   1. 2,000 small CloudFormation templates, one rule;
#   2. one template of 1,000 EKS clusters, the same rule (cfn-guard's
#      default reporter is quadratic there).
# Half of the clusters fail the rule, so both tools report failures.
# Usage: bench/guard.sh [RUNS] (default 5). CFN_GUARD=path/to/cfn-guard,
# EKS_SG_LINT=path/to/eks-sg-lint (default: a release build of this crate).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
cfn="${CFN_GUARD:-cfn-guard}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -z "${EKS_SG_LINT:-}" ]; then
  cargo build --release --quiet --bin eks-sg-lint
  ours=target/release/eks-sg-lint
else
  ours="$EKS_SG_LINT"
fi

cat > "$work/rule.guard" <<'RULE'
let clusters = Resources.*[ Type == 'AWS::EKS::Cluster' ]
rule EKS_ENDPOINT_PRIVATE when %clusters !empty {
  %clusters.Properties.ResourcesVpcConfig.EndpointPublicAccess == false
    << the cluster's API endpoint is public >>
}
RULE

cluster() { # NAME PUBLIC
  printf '  %s:\n    Type: AWS::EKS::Cluster\n    Properties:\n      Name: %s\n      RoleArn: arn:aws:iam::111122223333:role/eks\n      ResourcesVpcConfig:\n        SubnetIds: [subnet-a, subnet-b]\n        EndpointPublicAccess: %s\n' "$1" "$1" "$2"
}
mkdir -p "$work/small"
for i in $(seq 1 2000); do
  { printf 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
    cluster "Cluster$i" $([ $((i % 2)) -eq 0 ] && echo true || echo false)
    printf '  Bucket%s:\n    Type: AWS::S3::Bucket\n' "$i"
  } > "$work/small/t$i.yaml"
done
{ printf 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
  for i in $(seq 1 1000); do cluster "Cluster$i" $([ $((i % 2)) -eq 0 ] && echo true || echo false); done
} > "$work/large.yaml"

# median wall seconds of a command (output discarded; exit 19 is expected)
measure() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

row() { # LABEL DATA
  local o r
  o=$(measure "$ours" guard validate -r "$work/rule.guard" -d "$2")
  if command -v "$cfn" >/dev/null 2>&1; then
    r=$(measure "$cfn" validate -r "$work/rule.guard" -d "$2")
    awk -v l="$1" -v o="$o" -v r="$r" 'BEGIN { printf "| %s | %.3f s | %.3f s | %s |\n", l, o, r, (o > 0 ? sprintf("%.1fx", r / o) : "n/a") }'
  else
    awk -v l="$1" -v o="$o" 'BEGIN { printf "| %s | %.3f s | (cfn-guard not found) | |\n", l, o }'
  fi
}

echo "guard validate: eks-sg-lint $("$ours" --version | awk '{print $2}') vs $("$cfn" --version 2>/dev/null || echo cfn-guard absent), $(nproc) cores, $(date -u +%Y-%m-%d), median of $runs runs"
echo
echo "| input | eks-sg-lint | cfn-guard | cfn-guard / eks-sg-lint |"
echo "|---|---|---|---|"
row "2,000 small templates, one rule" "$work/small"
row "one template, 1,000 clusters" "$work/large.yaml"
