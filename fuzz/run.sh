#!/bin/sh
# Runs one target for $2 seconds (niced, one process) with the limits the
# README gives; further arguments go to libFuzzer. CARGO_FUZZ_FLAGS goes to
# cargo fuzz itself (`-s none` runs without AddressSanitizer, several times
# faster). cargo-fuzz must be on PATH.
# A target with a dictionary (fuzz/TARGET.dict: keywords and keys the
# mutations would take long to find byte by byte) gets it.
t=$1; secs=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$here/$t.dict" ] && set -- "-dict=$here/$t.dict" "$@"
export RUSTC_BOOTSTRAP=1
# shellcheck disable=SC2086
exec nice -n 19 cargo fuzz run $CARGO_FUZZ_FLAGS "$t" -- -jobs=1 -workers=1 -rss_limit_mb=2048 -max_len=65536 -timeout=10 -max_total_time="$secs" -print_final_stats=1 "$@"
