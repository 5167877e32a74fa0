#!/usr/bin/env bash
# The benchmark suite: median wall time and peak memory of eks-sg-lint, each
# beside a baseline measured in the same run, so that figures from a noisy
# shared machine stay comparable:
#   - the floor: reading and parsing the same files without analysis
#     (bench/parse_only.rs), so the cost of the analysis shows;
#   - the largest input file, for memory;
#   - peers on the same files: Checkov on 1,000 generated CloudFormation and
#     Terraform files, cfn-guard 3.2.1 with the same Guard rule
#     (bench/world-ssh.guard) on 2,000 generated templates.
# Inputs: ../shared/corpus (skipped when absent), 10,000 generated files of
# every format (bench/gen_mix.rs), a 5 MB CloudFormation YAML, a 20 MB
# CDK-style JSON, a 5 MB Terraform file and one cluster of 200 node groups.
# In each run the tools of a row take turns, so load from other processes
# falls on all alike.
#
# Usage: bench/run.sh [--runs N] [--peer-runs N] [--install-peers] [--quick]
#                     [--update-readme]
#   --runs N          runs per figure (default 9: five proved too few on a
#                     shared machine); the median is reported
#   --peer-runs N     runs of the (slow) peers (default 3, at most --runs)
#   --install-peers   install Checkov (PyPI, in a venv) and cfn-guard 3.2.1
#                     (crates.io) into bench/.peers/ first, if absent
#   --quick           one run of everything: a smoke test, not a measurement
#   --update-readme   also write the table into README.md (between the
#                     bench:start and bench:end markers)
# Peers already installed elsewhere: CHECKOV=path CFN_GUARD=path.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

runs=9
peer_runs=3
install=0
update_readme=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --peer-runs) peer_runs="$2"; shift ;;
    --install-peers) install=1 ;;
    --quick) runs=1; peer_runs=1 ;;
    --update-readme) update_readme=1 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$peer_runs" -gt "$runs" ] && peer_runs=$runs

checkov_version=3.3.30
cfn_guard_version=3.2.1
peers="$root/bench/.peers"
checkov="${CHECKOV:-$peers/checkov/bin/checkov}"
cfn_guard="${CFN_GUARD:-$peers/bin/cfn-guard}"
corpus="../shared/corpus"

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
. bench/lib.sh

# ---- peers: installed in the background while the rest runs ----------------
if [ $install -eq 1 ]; then
  mkdir -p "$peers"
  if [ ! -x "$checkov" ]; then
    echo "installing Checkov $checkov_version into bench/.peers/checkov (log: bench/.peers/checkov.log)" >&2
    ( nice -n 19 python3 -m venv "$peers/checkov" &&
      nice -n 19 "$peers/checkov/bin/pip" install --quiet "checkov==$checkov_version" ) \
      >"$peers/checkov.log" 2>&1 &
    pids+=($!)
  fi
  if [ ! -x "$cfn_guard" ]; then
    echo "installing cfn-guard $cfn_guard_version into bench/.peers (log: bench/.peers/cfn-guard.log; a long build)" >&2
    ( CARGO_TARGET_DIR="$peers/build" nice -n 19 \
        cargo install cfn-guard --version "$cfn_guard_version" --locked --root "$peers" &&
      rm -rf "$peers/build" ) >"$peers/cfn-guard.log" 2>&1 &
    pids+=($!)
  fi
fi

# ---- build and generate ------------------------------------------------------
build_and_generate
rule="$root/bench/world-ssh.guard"
"$gen" files 1000 "$work/checkov" yaml,json,tf
"$gen" files 2000 "$work/guard" yaml,json

mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1000000 }'; }

# ---- one row ------------------------------------------------------------------
# row LABEL MODE PEER INPUT...
#   MODE: check (eks-sg-lint check) or guard (eks-sg-lint guard validate with
#   bench/world-ssh.guard); PEER: none, checkov or cfn-guard.
row() {
  local label="$1" mode="$2" peer="$3"
  shift 3
  local inputs=("$@")
  local ours=() theirs=() peer_name="" peer_ok="" ours_ok
  case "$mode" in
    check) ours=("$bin" check --format json "${inputs[@]}"); ours_ok="0 1" ;;
    guard) ours=("$bin" guard validate -r "$rule" -d "${inputs[0]}"); ours_ok="0 19" ;;
  esac
  local skip=""
  case "$peer" in
    checkov)
      peer_name="Checkov"; peer_ok="0 1"
      theirs=("$checkov" -d "${inputs[0]}" --framework cloudformation terraform --quiet --compact --skip-download)
      [ -x "$checkov" ] || skip="skipped: run bench/run.sh --install-peers" ;;
    cfn-guard)
      peer_name="cfn-guard"; peer_ok="0 19"
      theirs=("$cfn_guard" validate -r "$rule" -d "${inputs[0]}")
      [ -x "$cfn_guard" ] || skip="skipped: run bench/run.sh --install-peers" ;;
  esac

  local t_ours=() m_ours=() t_floor=() m_floor=() t_peer=() r t m rc
  for r in $(seq "$runs"); do
    read -r t m rc < <(once "$floor" "${inputs[@]}")
    [ "$r" -eq 1 ] && check_status parse_only "$rc" 0
    t_floor+=("$t"); m_floor+=("$m")
    read -r t m rc < <(once "${ours[@]}")
    [ "$r" -eq 1 ] && check_status "eks-sg-lint $mode" "$rc" "$ours_ok"
    t_ours+=("$t"); m_ours+=("$m")
    if [ -n "$peer_name" ] && [ -z "$skip" ] && [ "$r" -le "$peer_runs" ]; then
      read -r t m rc < <(once "${theirs[@]}")
      [ "$r" -eq 1 ] && check_status "$peer_name" "$rc" "$peer_ok"
      t_peer+=("$t")
    fi
  done

  local to tf mo mf big tp=""
  to=$(printf '%s\n' "${t_ours[@]}" | median)
  tf=$(printf '%s\n' "${t_floor[@]}" | median)
  mo=$(printf '%s\n' "${m_ours[@]}" | maximum)
  mf=$(printf '%s\n' "${m_floor[@]}" | maximum)
  big=$(largest "${inputs[@]}")
  [ ${#t_peer[@]} -gt 0 ] && tp=$(printf '%s\n' "${t_peer[@]}" | median)
  awk -v l="$label" -v to="$to" -v tf="$tf" -v mo="$mo" -v mf="$mf" -v big="$big" -v tp="$tp" \
      -v pn="$peer_name" -v skip="$skip" -v np="${#t_peer[@]}" 'BEGIN {
    mib = mo / 1024; fmib = mf / 1024; bigm = big / 1048576
    memr = (bigm >= 1) ? sprintf("%.2fx", mib / bigm) : "n/a (< 1 MiB)"
    if (pn == "") { pt = "—"; ps = "—" }
    else if (skip != "") { pt = pn ": " skip; ps = "—" }
    else { pt = sprintf("%s: %.2f s (%d runs)", pn, tp, np); ps = sprintf("%.0fx", tp / to) }
    printf "| %s | %.3f s | %.3f s | %.2fx | %.1f MiB | %.1f MiB | %.2f MiB | %s | %s | %s |\n",
      l, to, tf, to / tf, mib, fmib, bigm, memr, pt, ps
  }'
}

# ---- the table ----------------------------------------------------------------
out="$work/table.md"
{
  echo "eks-sg-lint $("$bin" --version | awk '{print $2}') ($(git rev-parse --short HEAD 2>/dev/null || echo unknown)), $(date -u '+%Y-%m-%d %H:%M UTC'), $(machine); median of $runs runs (peers: $peer_runs), tools taking turns in each run"
  echo
  echo "| input | eks-sg-lint time | parse-only time | ratio | eks-sg-lint peak | parse-only peak | largest input | memory ratio | peer time | speed-up vs peer |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$out"
cat "$out"
emit() { tee -a "$out"; }

if [ -d "$corpus" ]; then
  row "shared corpus ($(grep -c . "$corpus/MANIFEST.txt") files)" check none "$corpus" | emit
else
  echo "| shared corpus | skipped: ../shared is absent | | | | | | | | |" | emit
fi
row "10,000 generated files (CloudFormation YAML, CDK JSON, Terraform, eksctl)" check none "$work/mix" | emit
row "CloudFormation YAML, $(mb "$(stat -c %s "$work/large.yaml")")" check none "$work/large.yaml" | emit
row "CDK-style JSON, $(mb "$(stat -c %s "$work/cdk.template.json")")" check none "$work/cdk.template.json" | emit
row "Terraform, $(mb "$(stat -c %s "$work/large-tf/main.tf")")" check none "$work/large-tf" | emit
row "one cluster, 200 node groups, 5,000 rules" check none "$work/cluster.yaml" | emit

# the peers: wait for their installation, if under way
if [ ${#pids[@]} -gt 0 ]; then
  echo "waiting for the peers' installation..." >&2
  for p in "${pids[@]}"; do
    wait "$p" || echo "warning: a peer failed to install; see bench/.peers/*.log" >&2
  done
  pids=()
fi
row "1,000 generated CloudFormation/CDK/Terraform files: check vs Checkov $checkov_version" check checkov "$work/checkov" | emit
row "2,000 generated templates, one Guard rule: guard validate vs cfn-guard $cfn_guard_version" guard cfn-guard "$work/guard" | emit

if [ $update_readme -eq 1 ]; then
  update_readme_table bench "$out"
fi
