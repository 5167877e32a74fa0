#!/bin/sh
# Runs one target for $2 seconds (niced, one process) with the limits the
# README gives; further arguments go to libFuzzer.
t=$1; secs=$2; shift 2
export PATH=/work/tools/bin:$PATH RUSTC_BOOTSTRAP=1
exec nice -n 19 cargo fuzz run "$t" -- -jobs=1 -workers=1 -rss_limit_mb=2048 -max_len=65536 -timeout=10 -max_total_time="$secs" -print_final_stats=1 "$@"
