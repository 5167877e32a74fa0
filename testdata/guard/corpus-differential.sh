#!/usr/bin/env bash
# Differential check: every rule of the AWS Guard Rules Registry over every
# CloudFormation file of the shared corpus, PASS/FAIL/SKIP per rule and
# file, eks-sg-lint `guard validate` against `cfn-guard validate` 3.2.1.
# Usage: testdata/guard/corpus-differential.sh REGISTRY_DIR [CORPUS] [EKS_SG_LINT] [CFN_GUARD]
set -uo pipefail
reg="${1:?registry checkout}"
corpus="${2:-../shared/corpus}"
ours="${3:-target/release/eks-sg-lint}"
ref="${4:-cfn-guard}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
verdicts() { grep -E '^[^ ]+\.guard/[^ ]+ +(PASS|FAIL|SKIP)$' | awk '{print $1, $2}' | sort -u; }
files=0; same=0; pairs=0; agree=0
while read -r kind path; do
  case "$kind" in cfn-yaml|cfn-json) ;; *) continue ;; esac
  f="$corpus/${path#./}"
  files=$((files+1))
  "$ours" guard validate -r "$reg/rules" -d "$f" -S all > "$work/o" 2> "$work/oe"; a=$?
  "$ref" validate -r "$reg/rules" -d "$f" -S all > "$work/r" 2> "$work/re"; b=$?
  verdicts < "$work/o" > "$work/ov"; verdicts < "$work/r" > "$work/rv"
  n=$(wc -l < "$work/rv"); pairs=$((pairs+n))
  c=$(comm -12 "$work/ov" "$work/rv" | wc -l); agree=$((agree+c))
  if [ $a -eq $b ] && cmp -s "$work/ov" "$work/rv"; then same=$((same+1)); else
    echo "== $path: exit ours=$a cfn-guard=$b"
    diff "$work/ov" "$work/rv" | sed 's/^</  ours:/; s/^>/  cfn-guard:/' | grep -E 'ours:|cfn-guard:' | head -20
    [ -s "$work/re" ] && head -c 300 "$work/re" | sed 's/^/  cfn-guard stderr: /'
    [ -s "$work/oe" ] && head -c 300 "$work/oe" | sed 's/^/  ours stderr: /'
  fi
done < "$corpus/MANIFEST.txt"
echo "CloudFormation files: $files; identical verdicts: $same; rule verdicts compared: $pairs; agreeing: $agree"
