#!/usr/bin/env bash
# Benchmark: median wall time and peak memory of `eks-sg-lint check` on the
# shared corpus, a generated 5 MB CloudFormation template and a generated
# cluster of 200 node groups and 5,000 rules, each beside
# a baseline measured in the same run (`cat` of the same files: the cost of
# reading them), so that figures from a noisy shared machine stay
# comparable. Usage: bench/run.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
corpus="../shared/corpus"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin eks-sg-lint --example gen_cfn
bin=target/release/eks-sg-lint
target/release/examples/gen_cfn 5000000 "$work/large.yaml"
target/release/examples/gen_cfn cluster 200 5000 "$work/cluster.yaml"

# measure LABEL CMD... -> prints "median_seconds peak_kib"
measure() {
  local times=() mems=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>&1 || true
    read -r t m < "$work/t"
    times+=("$t"); mems+=("$m")
  done
  local mt mm
  mt=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mm=$(printf '%s\n' "${mems[@]}" | sort -g | tail -1)
  echo "$mt $mm"
}

row() {
  local name="$1" input="$2"
  shift 2
  local files
  files=$(find "$input" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.tf' -o -name '*.template' \) | sort)
  read -r bt bm < <(measure sh -c "cat $(echo "$files" | sed "s/.*/'&'/" | tr '\n' ' ') > /dev/null")
  read -r t m < <(measure "$bin" check --format json "$input")
  awk -v n="$name" -v t="$t" -v m="$m" -v bt="$bt" -v bm="$bm" 'BEGIN {
    r = (bt > 0) ? sprintf("%.1fx", t / bt) : "n/a";
    printf "| %s | %.3f s | %.1f MiB | %.3f s | %s |\n", n, t, m / 1024, bt, r }'
}

echo "eks-sg-lint $(${bin} --version | awk '{print $2}') on $(nproc) cores, $(date -u +%Y-%m-%d), median of ${runs} runs"
echo
echo "| input | wall time | peak memory | baseline (cat) | ratio to baseline |"
echo "|---|---|---|---|---|"
if [ -d "$corpus" ]; then
  row "shared corpus ($(grep -c . "$corpus/MANIFEST.txt") files)" "$corpus"
else
  echo "| shared corpus | skipped: ../shared is absent | | | |"
fi
row "generated CloudFormation, $(( $(stat -c %s "$work/large.yaml") / 1000000 )) MB" "$work/large.yaml"
row "one cluster, 200 node groups, 5,000 rules" "$work/cluster.yaml"
