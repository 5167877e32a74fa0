#!/usr/bin/env bash
# The work behind the benchmark's time ratios, without the noise: the
# instructions `eks-sg-lint check` and the parse-only floor execute on the
# inputs of bench/run.sh, counted by valgrind's callgrind (every thread
# together). A count is the same from run to run whatever else the machine
# does, so one run of each is enough. Where the time ratio of a row
# (bench/run.sh) is well above its instruction ratio, the difference is not
# work but waiting: on memory (cache misses and page faults, which grow with
# the memory a run keeps), or on steps that run on one core while the floor
# uses every core.
# Usage: bench/instructions.sh [--update-readme]
#   --update-readme   also write the table into README.md (between the
#                     instructions:start and instructions:end markers)
# Needs valgrind (Debian's package). Takes about 100 times as long as the
# runs themselves: some minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
update_readme=0
while [ $# -gt 0 ]; do
  case "$1" in
    --update-readme) update_readme=1 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# shellcheck source=bench/lib.sh
. bench/lib.sh

build_and_generate
corpus="../shared/corpus"

# count CMD... -> the instructions CMD executes, all threads together. One
# worker thread for both: valgrind runs threads one at a time, and idle
# workers would add the instructions of their waiting.
count() {
  local n
  rm -f "$work/cg.out"
  RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" \
    >/dev/null 2>"$work/last.err" || true
  n=$(awk '/^(summary|totals):/ { print $2; exit }' "$work/cg.out" 2>/dev/null || true)
  if [ -z "$n" ]; then
    echo "valgrind counted nothing for: $*" >&2
    tail -n 5 "$work/last.err" >&2
    exit 1
  fi
  echo "$n"
}

row() {
  local label="$1"
  shift
  local ours theirs
  ours=$(count "$bin" check --format json "$@")
  theirs=$(count "$floor" "$@")
  awk -v l="$label" -v o="$ours" -v f="$theirs" 'BEGIN {
    printf "| %s | %.0fM | %.0fM | %.2fx |\n", l, o / 1e6, f / 1e6, o / f
  }'
}

out="$work/table.md"
{
  echo "eks-sg-lint $("$bin" --version | awk '{print $2}') ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)), $(date -u '+%Y-%m-%d %H:%M UTC'), $(valgrind --version); \`check\` and the parse-only floor with one worker thread, instructions of every thread"
  echo
  echo "| input | eks-sg-lint instructions | parse-only instructions | ratio |"
  echo "|---|---|---|---|"
} > "$out"
cat "$out"
emit() { tee -a "$out"; }

if [ -d "$corpus" ]; then
  row "shared corpus ($(grep -c . "$corpus/MANIFEST.txt") files)" "$corpus" | emit
else
  echo "| shared corpus | skipped: ../shared is absent | | |" | emit
fi
row "10,000 generated files" "$work/mix" | emit
row "CloudFormation YAML, 5 MB" "$work/large.yaml" | emit
row "CDK-style JSON, 20 MB" "$work/cdk.template.json" | emit
row "Terraform, 5 MB" "$work/large-tf" | emit
row "one cluster, 200 node groups, 5,000 rules" "$work/cluster.yaml" | emit

if [ $update_readme -eq 1 ]; then
  update_readme_table instructions "$out"
fi
