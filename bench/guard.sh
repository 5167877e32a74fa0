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

# wall seconds of one run (output discarded; exit 19 is expected)
once() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The two tools run alternately, so that load from other processes on a
# shared machine falls on both alike; each column is the median.
row() { # LABEL DATA
  local o=() r=() have_cfn=0
  command -v "$cfn" >/dev/null 2>&1 && have_cfn=1
  for _ in $(seq "$runs"); do
    o+=("$(once "$ours" guard validate -r "$work/rule.guard" -d "$2")")
    [ $have_cfn -eq 1 ] && r+=("$(once "$cfn" validate -r "$work/rule.guard" -d "$2")")
  done
  local om rm
  om=$(printf '%s\n' "${o[@]}" | median)
  if [ $have_cfn -eq 1 ]; then
    rm=$(printf '%s\n' "${r[@]}" | median)
    awk -v l="$1" -v o="$om" -v r="$rm" 'BEGIN { printf "| %s | %.3f s | %.3f s | %s |\n", l, o, r, (o > 0 ? sprintf("%.1fx", r / o) : "n/a") }'
  else
    awk -v l="$1" -v o="$om" 'BEGIN { printf "| %s | %.3f s | (cfn-guard not found) | |\n", l, o }'
  fi
}

echo "guard validate: eks-sg-lint $("$ours" --version | awk '{print $2}') vs $("$cfn" --version 2>/dev/null || echo cfn-guard absent), $(nproc) cores, $(date -u +%Y-%m-%d), median of $runs alternating runs"
echo
echo "| input | eks-sg-lint | cfn-guard | cfn-guard / eks-sg-lint |"
echo "|---|---|---|---|"
row "2,000 small templates, one rule" "$work/small"
row "one template, 1,000 clusters" "$work/large.yaml"
