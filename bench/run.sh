#!/usr/bin/env bash
# Benchmark: median wall time and peak memory of `eks-sg-lint check` on the
# shared corpus, a generated 5 MB CloudFormation template and a generated
# cluster of 200 node groups and 5,000 rules, each beside a baseline
# measured in the same run: the floor, reading and parsing the same files
# without analysis (`parse_only`), so that figures from a noisy shared machine
# stay comparable and the cost of the analysis shows.
# Usage: bench/run.sh [RUNS]   (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
corpus="../shared/corpus"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin eks-sg-lint --example gen_cfn --example parse_only
bin=target/release/eks-sg-lint
target/release/examples/gen_cfn 5000000 "$work/large.yaml"
target/release/examples/gen_cfn cluster 200 5000 "$work/cluster.yaml"

# measure CMD... -> prints "median_seconds peak_kib" (wall time from the
# shell's clock, peak resident memory from /usr/bin/time)
measure() {
  local times=() mems=() start end
  for _ in $(seq "$runs"); do
    start=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$work/t" "$@" >/dev/null 2>&1 || true
    end=$EPOCHREALTIME
    times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')")
    mems+=("$(tail -n 1 "$work/t")")
  done
  local mt mm
  mt=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mm=$(printf '%s\n' "${mems[@]}" | sort -g | tail -n 1)
  echo "$mt $mm"
}

row() {
  local name="$1" input="$2"
  read -r bt bm < <(measure target/release/examples/parse_only "$input")
  read -r t m < <(measure "$bin" check --format json "$input")
  awk -v n="$name" -v t="$t" -v m="$m" -v bt="$bt" -v bm="$bm" 'BEGIN {
    printf "| %s | %.3f s | %.1f MiB | %.3f s | %.1f MiB | %.2fx |\n", n, t, m / 1024, bt, bm / 1024, t / bt }'
}

echo "eks-sg-lint $(${bin} --version | awk '{print $2}') on $(nproc) cores, $(date -u +%Y-%m-%d), median of ${runs} runs"
echo
echo "| input | check: wall time | check: peak memory | parse only: wall time | parse only: peak memory | check / parse only |"
echo "|---|---|---|---|---|---|"
if [ -d "$corpus" ]; then
  row "shared corpus ($(grep -c . "$corpus/MANIFEST.txt") files)" "$corpus"
else
  echo "| shared corpus | skipped: ../shared is absent | | | | |"
fi
row "generated CloudFormation, $(( $(stat -c %s "$work/large.yaml") / 1000000 )) MB" "$work/large.yaml"
row "one cluster, 200 node groups, 5,000 rules" "$work/cluster.yaml"
