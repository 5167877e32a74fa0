#!/usr/bin/env bash
# Scaling: does the time grow linearly with the input? Generates (with
# bench/gen_mix.rs) one file of 1k, 4k and 16k resources in each of
# CloudFormation YAML, CDK-style JSON and Terraform (whole clusters: security
# groups, rules, launch templates, node groups), and 1k, 4k and 16k files
# mixing every format; times `eks-sg-lint check` and the parse-only floor on
# each (median of N runs, more for short ones; the two taking turns), and
# prints the ratios 4k/1k and 16k/4k: linear growth gives 4.0, quadratic 16.
# Usage: bench/scaling.sh [--runs N] [--update-readme]   (default 5 runs)
#   --update-readme   also write the table into README.md (between the
#                     scaling:start and scaling:end markers)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=5
update_readme=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --update-readme) update_readme=1 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# shellcheck source=bench/lib.sh
. bench/lib.sh

cargo build --release --quiet --bin eks-sg-lint --example gen_mix --example parse_only
bin="$root/target/release/eks-sg-lint"
floor="$root/target/release/examples/parse_only"
gen="$root/target/release/examples/gen_mix"
sizes=(1000 4000 16000)

# series LABEL GENERATE...: GENERATE is run as `GENERATE N OUT` for each size
series() {
  local label="$1"
  shift
  local c=() p=() n out t m rc tc=() tp=() r
  for n in "${sizes[@]}"; do
    out="$work/$n"
    rm -rf "$out"
    "$@" "$n" "$out"
    # Written back to disk now, not by the kernel during the timed runs.
    sync
    tc=(); tp=(); r=0; spent=0
    # at least $runs runs, more (up to 25) while they add up to under 3 s:
    # a median of short runs needs more of them to be stable
    while [ "$r" -lt "$runs" ] || { [ "$r" -lt 25 ] && awk -v s="$spent" 'BEGIN { exit !(s < 3) }'; }; do
      r=$((r + 1))
      read -r t m rc < <(once "$floor" "$out")
      [ "$r" -eq 1 ] && check_status parse_only "$rc" 0
      tp+=("$t")
      spent=$(awk -v s="$spent" -v t="$t" 'BEGIN { print s + t }')
      read -r t m rc < <(once "$bin" check --format json "$out")
      [ "$r" -eq 1 ] && check_status "eks-sg-lint check" "$rc" "0 1"
      tc+=("$t")
      spent=$(awk -v s="$spent" -v t="$t" 'BEGIN { print s + t }')
    done
    c+=("$(printf '%s\n' "${tc[@]}" | median)")
    p+=("$(printf '%s\n' "${tp[@]}" | median)")
    rm -rf "$out"
  done
  awk -v l="$label" -v c="${c[*]}" -v p="${p[*]}" 'BEGIN {
    split(c, a, " "); split(p, b, " ")
    printf "| %s | check | %.3f s | %.3f s | %.3f s | %.2f | %.2f |\n", l, a[1], a[2], a[3], a[2] / a[1], a[3] / a[2]
    printf "| %s | parse-only | %.3f s | %.3f s | %.3f s | %.2f | %.2f |\n", l, b[1], b[2], b[3], b[2] / b[1], b[3] / b[2]
  }'
}

out="$work/table.md"
{
  echo "eks-sg-lint $("$bin" --version | awk '{print $2}') ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)), $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine); median of $runs runs or more (up to 25, while they add up to under 3 s), check and parse-only taking turns"
  echo
  echo "| input | run | 1k | 4k | 16k | 4k / 1k | 16k / 4k |"
  echo "|---|---|---|---|---|---|---|"
} > "$out"
cat "$out"
emit() { tee -a "$out"; }

gen_one() { # KIND EXT N OUT
  mkdir -p "$4"
  "$gen" resources "$1" "$3" "$4/input.$2"
}
series "one CloudFormation YAML file, N resources" gen_one yaml yaml | emit
series "one CDK-style JSON file, N resources" gen_one json json | emit
series "one Terraform file, N resources" gen_one tf tf | emit
series "N files, every format" "$gen" files | emit

if [ $update_readme -eq 1 ]; then
  update_readme_table scaling "$out"
fi
