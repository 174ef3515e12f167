#!/bin/bash
# What a user-space flight recorder costs while nothing is recorded: the
# session daemon's CPU time during the same steady load of a Node.js app
# (bench/ust-steady.mjs: BATCH events per ms), for a snapshot session
# (overwrite channel, nothing read until `snapshot record`) and for a
# discard-mode session (buffers drained into files). Prints one line per mode
# and the ratio snapshot / discard; a snapshot is recorded at the end to show
# the data was there.
#
# usage: bench/ust-snapshot-idle.sh [-n EVENTS] [-b BATCH]
# Needs a built dist/ (npm run build).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
N=1000000; BATCH=200
while getopts "n:b:" o; do case $o in n) N=$OPTARG;; b) BATCH=$OPTARG;; *) sed -n '2,12p' "$0"; exit 2;; esac; done
W=/tmp/ttng-bench/ust-snapshot-idle; mkdir -p "$W"
[ -f "$HERE/../dist/cli/main.js" ] || (cd "$HERE/.." && npx tsc -p .) || exit 1
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }
declare -A CPU
for mode in snapshot discard; do
  H=$W/home-$mode; rm -rf "$H"; mkdir -p "$H"
  T() { TTNG_HOME=$H node "$HERE/../bin/ttng.js" "$@"; }
  if [ $mode = snapshot ]; then T create b --snapshot > /dev/null; else T create b > /dev/null; fi
  T enable-event -u 'bench:*' > /dev/null && T start > /dev/null || exit 1
  PID=$(cat "$H/.ttng/sessiond.pid")
  sleep 0.5
  c0=$(cpu_ns "$PID"); t0=$(date +%s.%N)
  (cd "$HERE/.." && TTNG_HOME=$H node bench/ust-steady.mjs "$N" "$BATCH")
  t1=$(date +%s.%N); c1=$(cpu_ns "$PID")
  if [ $mode = snapshot ]; then T snapshot record > /dev/null; extra="snapshot_bytes=$(du -sb "$H"/ttng-traces/b-*/snapshot-1-* | cut -f1)"
  else T stop > /dev/null; extra="trace_bytes=$(du -sb "$H"/ttng-traces/b-* | cut -f1)"; fi
  T destroy > /dev/null; kill "$PID" 2>/dev/null
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
  cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.4f", (b-a)/1e9}')
  CPU[$mode]=$cpu
  printf '%s\tevents=%s\tload_s=%s\tdaemon_cpu_s=%s\tcpu_pct=%s\t%s\n' "$mode" "$N" "$secs" "$cpu" "$(awk -v c="$cpu" -v s="$secs" 'BEGIN{printf "%.2f", 100*c/s}')" "$extra"
  rm -rf "$H"
done
awk -v s="${CPU[snapshot]}" -v d="${CPU[discard]}" 'BEGIN{printf "ratio snapshot/discard daemon CPU: %.3f\n", (d>0 ? s/d : 0)}'
