# Shared by bench/run.sh and bench/scaling.sh (sourced, not run).
# Expects: $work (a scratch directory).

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
