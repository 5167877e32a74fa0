#!/usr/bin/env bash
# Conformance with cfn-guard 3.2.1 on the AWS Guard Rules Registry: runs
# `guard test` of eks-sg-lint and `cfn-guard test` on every rule file that
# has unit tests and compares exit codes and the per-case verdict lines.
# Usage: testdata/guard/registry-conformance.sh REGISTRY_DIR [EKS_SG_LINT] [CFN_GUARD]
# (REGISTRY_DIR is a checkout of aws-cloudformation/aws-guard-rules-registry.)
set -uo pipefail
reg="${1:?registry checkout}"
ours="${2:-target/release/eks-sg-lint}"
ref="${3:-cfn-guard}"
total=0; same=0; ours_pass=0; ref_pass=0
while IFS= read -r rule; do
  dir=$(dirname "$rule"); stem=$(basename "$rule" .guard)
  for t in "$dir"/tests/"$stem"*; do
    [ -f "$t" ] || continue
    case "$t" in *.yml|*.yaml|*.json|*.jsn) ;; *) continue ;; esac
    total=$((total+1))
    "$ours" guard test -r "$rule" -t "$t" > /tmp/conf-ours.txt 2>&1; a=$?
    "$ref" test -r "$rule" -t "$t" > /tmp/conf-ref.txt 2>&1; b=$?
    [ $a -eq 0 ] && ours_pass=$((ours_pass+1))
    [ $b -eq 0 ] && ref_pass=$((ref_pass+1))
    if [ $a -eq $b ]; then same=$((same+1)); else echo "DIFF $rule $t: ours=$a cfn-guard=$b"; fi
  done
done < <(find "$reg/rules" -name '*.guard' | sort)
echo "rule/test files: $total; same exit code: $same; eks-sg-lint passes: $ours_pass; cfn-guard passes: $ref_pass"
