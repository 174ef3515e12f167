#!/bin/bash
# ttng's kernel tracer against trace-cmd on a system-call storm (the capacity
# test of ../shared/bench/overhead/capacity.sh): N getppid() calls on one CPU
# while each recorder in turn records sched_switch and every system call with
# the same per-CPU buffer size. Reports events recorded per second, events
# lost and the recorder's CPU time during the workload.
#
# usage: bench/kernel-capacity.sh [-n SYSCALLS] [-m ttng,tracecmd] [-b BUFFER_KB_PER_CPU] [-s SUBBUF_BYTES] [-r ROUNDS] [-c CONTEXTS]
#   -c pid,tid,procname: ttng also records these contexts (add-context -k)
# Needs root, tracefs, gcc, trace-cmd, and a built dist/ (npm run build).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=$(cd "$HERE/../../shared" && pwd)
N=5000000; MODES=ttng,tracecmd; KB=4096; SUBBUF=1048576; ROUNDS=1; CTX=""
while getopts "n:m:b:s:r:c:" o; do
  case $o in n) N=$OPTARG;; m) MODES=$OPTARG;; b) KB=$OPTARG;; s) SUBBUF=$OPTARG;; r) ROUNDS=$OPTARG;; c) CTX=$OPTARG;; *) sed -n '2,11p' "$0"; exit 2;; esac
done
W=/tmp/ttng-bench/kernel; mkdir -p "$W"
BIN=$W/getppid_loop
[ -x "$BIN" ] || gcc -O2 -o "$BIN" "$SHARED/bench/overhead/src/getppid_loop.c" || exit 1
[ -f "$HERE/../dist/kernel/index.js" ] || (cd "$HERE/.." && npx tsc -p .) || exit 1
TFS=$(awk '$3=="tracefs"{print $2; exit}' /proc/mounts)
HZ=$(getconf CLK_TCK)
WL_CPU=${WL_CPU:-1}
pg_jiffies() { cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$1" '{ sub(/^.*\) /, ""); split($0, a, " "); if (a[3]==g) s+=a[12]+a[13] } END{print s+0}'; }
printf 'mode\tround\twl_s\tgenerated\tlost\tlost_pct\trecorded_per_s\tcpu_s\tcpu_pct_of_wl\tcpu_ns_per_event\tout_bytes\n' > "$W/result.tsv"
for round in $(seq 1 "$ROUNDS"); do
for mode in ${MODES//,/ }; do
  out=$W/$mode; rm -rf "$out"; mkdir -p "$out"; rdy=$out/ready; rm -f "$rdy"
  INST=ttngbenchtc$$
  case $mode in
    ttng) setsid node "$HERE/kernel-record.mjs" "$out/trace" --subbuf "$SUBBUF" --num $((KB * 1024 / SUBBUF)) ${CTX:+--contexts "$CTX"} --ready "$rdy" > "$out/log" 2>&1 < /dev/null & ;;
    tracecmd) setsid "$SHARED/bench/overhead/tc-wrap.sh" "$INST" trace-cmd record --compression none -B "$INST" -b "$KB" -e syscalls -e sched:sched_switch -o "$out/trace.dat" > "$out/log" 2>&1 < /dev/null & ;;
  esac
  TPID=$!
  if [ "$mode" = ttng ]; then for i in $(seq 1 100); do [ -f "$rdy" ] && break; sleep 0.1; done; sleep 1; else sleep 3; fi
  s0=""; [ "$mode" = tracecmd ] && s0=$(cat "$TFS/instances/$INST"/per_cpu/cpu*/stats | awk '/^entries:/{e+=$2} /^overrun:/{o+=$2} /^dropped events:/{d+=$3} /^read events:/{r+=$3} END{print e+o+r+d, o+d}')
  j0=$(pg_jiffies "$TPID")
  t0=$(date +%s.%N); taskset -c "$WL_CPU" "$BIN" "$N" > "$out/workload.txt"; t1=$(date +%s.%N)
  j1=$(pg_jiffies "$TPID")
  s1=""; [ "$mode" = tracecmd ] && s1=$(cat "$TFS/instances/$INST"/per_cpu/cpu*/stats | awk '/^entries:/{e+=$2} /^overrun:/{o+=$2} /^dropped events:/{d+=$3} /^read events:/{r+=$3} END{print e+o+r+d, o+d}')
  kill -INT -- -"$TPID"; for i in $(seq 1 600); do kill -0 "$TPID" 2>/dev/null || break; sleep 0.2; done; wait "$TPID" 2>/dev/null
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  if [ "$mode" = ttng ]; then
    rec=$(sed -nE 's/.*events_recorded=([0-9]+).*/\1/p' "$out/log"); lost=$(sed -nE 's/.*events_lost=([0-9]+).*/\1/p' "$out/log")
    gen=$((rec + lost))
  else
    read -r g0 l0 <<< "$s0"; read -r g1 l1 <<< "$s1"; gen=$((g1 - g0)); lost=$((l1 - l0))
  fi
  bytes=$(du -sb "$out" --exclude=log --exclude=workload.txt | cut -f1)
  cpu=$(awk -v a="$j0" -v b="$j1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b-a)/hz}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$round" "$secs" "$gen" "$lost" \
    "$(awk -v g="$gen" -v l="$lost" 'BEGIN{printf "%.2f", (g>0?100*l/g:0)}')" \
    "$(awk -v g="$gen" -v l="$lost" -v s="$secs" 'BEGIN{printf "%.0f", (g-l)/s}')" "$cpu" \
    "$(awk -v c="$cpu" -v s="$secs" 'BEGIN{printf "%.0f", 100*c/s}')" \
    "$(awk -v c="$cpu" -v g="$gen" 'BEGIN{printf "%.0f", (g>0?c*1e9/g:0)}')" "$bytes" >> "$W/result.tsv"
  tail -1 "$W/result.tsv"
  rm -rf "$out/trace" "$out/trace.dat"*
done
done
column -t -s $'\t' "$W/result.tsv"
