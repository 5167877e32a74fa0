# Shared by bench/run.sh, bench/scaling.sh and bench/instructions.sh
# (sourced, not run). Expects: $root (the project) and $work (a scratch
# directory).

# The machine the figures come from, on one line.
machine() {
  local cpu mem
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  mem=$(awk '/^MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo 2>/dev/null || true)
  echo "$(nproc) cores (${cpu:-unknown CPU}), ${mem:-unknown RAM}, $(uname -s) $(uname -r)"
}

# once CMD... -> "seconds peak_kib exit_status" of one run. Wall time is
# taken from the shell's clock around /usr/bin/time, peak resident memory
# (the largest process of the run) from /usr/bin/time. Output is discarded;
# stderr is kept in $work/last.err for a failed run to be explained.
once() {
  local start end rc=0
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$work/time.out" "$@" >/dev/null 2>"$work/last.err" || rc=$?
  end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" -v m="$(tail -n 1 "$work/time.out")" -v rc="$rc" \
    'BEGIN { printf "%.4f %d %d\n", b - a, m, rc }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
maximum() { sort -g | tail -n 1; }

# check_status NAME RC OK_CODES: warns on stderr (with the tool's own
# message) when a run ended with a status that means it did not do its work.
check_status() {
  case " $3 " in
    *" $2 "*) ;;
    *) echo "warning: $1 exited with status $2:" >&2; tail -n 5 "$work/last.err" >&2 ;;
  esac
}

# size of the largest file under PATHS, in bytes
largest() { find "$@" -type f -printf '%s\n' | sort -n | tail -n 1; }

# update_readme_table NAME TABLE: replaces what README.md holds between
# `<!-- NAME:start -->` and `<!-- NAME:end -->` with the file TABLE.
update_readme_table() {
  awk -v table="$2" -v start="<!-- $1:start -->" -v end="<!-- $1:end -->" '
    $0 == start { print; while ((getline line < table) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' README.md > "$work/README.md"
  cp "$work/README.md" README.md
  echo "README.md updated" >&2
}

# build_and_generate: builds the binary, the parse-only floor and the
# generators (setting $bin, $floor and $gen), and writes the inputs that
# bench/run.sh and bench/instructions.sh both measure into $work: mix/ (10,000
# files of every format), large.yaml (5 MB), cdk.template.json (20 MB),
# large-tf/main.tf (5 MB) and cluster.yaml (200 node groups).
build_and_generate() {
  cargo build --release --quiet --bin eks-sg-lint --example gen_cfn --example gen_mix --example parse_only
  bin="$root/target/release/eks-sg-lint"
  floor="$root/target/release/examples/parse_only"
  gen="$root/target/release/examples/gen_mix"
  echo "generating inputs..." >&2
  "$gen" files 10000 "$work/mix"
  "$gen" bytes yaml 5000000 "$work/large.yaml"
  "$gen" bytes json 20000000 "$work/cdk.template.json"
  "$gen" bytes tf 5000000 "$work/large-tf/main.tf"
  "$root/target/release/examples/gen_cfn" cluster 200 5000 "$work/cluster.yaml"
  # Written back to disk now, not by the kernel during the timed runs.
  sync
}
