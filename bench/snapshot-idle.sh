#!/bin/bash
# What a flight recorder costs while nothing is recorded: the session daemon's
# CPU time (it hosts the kernel consumers) during the same steady system-call
# load, for a snapshot session (overwrite channels, nothing read until
# `snapshot record`) and for a discard-mode session (read continuously into
# files). Both record sched_switch and every system call, 4 x 1 MiB per CPU.
# Prints one line per mode and the ratio snapshot / discard. A snapshot is
# recorded at the end to show the data was there.
#
# usage: bench/snapshot-idle.sh [-n CALLS] [-r ROUNDS]
# Needs root, tracefs, cc and a built dist/ (npm run build).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
N=1000000; ROUNDS=1
while getopts "n:r:" o; do case $o in n) N=$OPTARG;; r) ROUNDS=$OPTARG;; *) sed -n '2,12p' "$0"; exit 2;; esac; done
W=/tmp/ttng-bench/snapshot-idle; mkdir -p "$W"
BIN=$W/steady
cat > "$W/steady.c" <<'C'
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
/* N getppid() calls at a steady pace: a 2 ms pause every 1000 calls */
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  for (long i = 0; i < n; i++) { syscall(SYS_getppid); if (i % 1000 == 999) usleep(2000); }
  return 0;
}
C
[ -x "$BIN" ] || cc -O2 -o "$BIN" "$W/steady.c" || exit 1
[ -f "$HERE/../dist/cli/main.js" ] || (cd "$HERE/.." && npx tsc -p .) || exit 1
# ns on CPU of every thread of the daemon (schedstat: finer than the 10 ms ticks of stat)
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }
declare -A TOTAL
for round in $(seq 1 "$ROUNDS"); do
for mode in snapshot discard; do
  H=$W/home-$mode; rm -rf "$H"; mkdir -p "$H"
  T() { TTNG_HOME=$H node "$HERE/../bin/ttng.js" "$@"; }
  if [ $mode = snapshot ]; then T create b --snapshot > /dev/null; else T create b > /dev/null; fi
  T enable-event -k sched_switch > /dev/null && T enable-event -k --syscall -a > /dev/null && T start > /dev/null || exit 1
  PID=$(cat "$H/.ttng/sessiond.pid")
  sleep 1
  c0=$(cpu_ns "$PID"); t0=$(date +%s.%N)
  "$BIN" "$N"
  t1=$(date +%s.%N); c1=$(cpu_ns "$PID")
  extra=""
  if [ $mode = snapshot ]; then T snapshot record > /dev/null; extra="snapshot_bytes=$(du -sb "$H"/ttng-traces/b-*/snapshot-1-* | cut -f1)"; fi
  T destroy > /dev/null; kill "$PID" 2>/dev/null
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
  cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.4f", (b-a)/1e9}')
  TOTAL[$mode]=$(awk -v x="${TOTAL[$mode]:-0}" -v c="$cpu" 'BEGIN{print x+c}')
  printf '%s\tround=%s\tload_s=%s\tdaemon_cpu_s=%s\tcpu_pct=%s\t%s\n' "$mode" "$round" "$secs" "$cpu" "$(awk -v c="$cpu" -v s="$secs" 'BEGIN{printf "%.2f", 100*c/s}')" "$extra"
  rm -rf "$H"
done
done
awk -v s="${TOTAL[snapshot]}" -v d="${TOTAL[discard]}" 'BEGIN{printf "ratio snapshot/discard daemon CPU: %.3f\n", (d>0 ? s/d : 0)}'
