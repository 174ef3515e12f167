#!/bin/bash
# ttng/ust against LTTng-UST, side by side in one command: the cost of an
# enabled 3-integer tracepoint (LTTng-UST's C `bench ints3`: int32 a, uint32 b,
# int64 c, into an active session, 4 MiB x 8 sub-buffers, discard mode) and of a
# disabled one, and the bytes each writes per event; for context, the clock
# read alone, pino and an OpenTelemetry span on the same loop (when installed).
# ttng is measured twice: through ttng-sessiond (the app uses ttng/ust from
# dist/, the daemon's consumer writes the trace, as LTTng's consumerd does), and
# with the app side driven directly (bench/ust-bench.mjs applies the config a
# daemon would push; a separate reader process drains the buffer), which also
# gives the disabled cost, the clock cost and pino/OpenTelemetry.
#
# usage: bench/ust-bench.sh [-n EVENTS] [-r RUNS]      (root; needs lttng-tools, liblttng-ust-dev, gcc; builds dist/ if stale)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REF=$(cd "$HERE/../../shared/lttng-reference" 2>/dev/null && pwd || echo /work/shared/lttng-reference)
N=10000000; RUNS=3
while getopts "n:r:" o; do
  case $o in n) N=$OPTARG;; r) RUNS=$OPTARG;; *) sed -n '2,12p' "$0"; exit 2;; esac
done
W=$(mktemp -d /tmp/ttng-ust-bench.XXXXXX)
SESSION=ttngbench$$
STARTED=""
cleanup() {
  lttng destroy "$SESSION" >/dev/null 2>&1
  [ -s "$W/home/.ttng/sessiond.pid" ] && kill "$(cat "$W/home/.ttng/sessiond.pid")" 2>/dev/null
  if [ -n "$STARTED" ]; then
    kill "$STARTED" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$STARTED" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$W"
}
trap cleanup EXIT

# ---- LTTng-UST's C bench, built in a temp dir
cp "$REF"/Makefile "$REF"/bench.c "$REF"/bench_tp.c "$REF"/bench_tp.h "$W"/ || exit 1
make -s -C "$W" bench >/dev/null || { echo "cannot build LTTng-UST's bench (liblttng-ust-dev, gcc)"; exit 1; }
PIDFILE=/var/run/lttng/lttng-sessiond.pid
if [ -s $PIDFILE ] && kill -0 "$(cat $PIDFILE)" 2>/dev/null; then
  echo "# using the running lttng-sessiond (pid $(cat $PIDFILE))"
else
  lttng-sessiond --daemonize --no-kernel || exit 1
  STARTED=$(cat $PIDFILE)
fi
median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
nsper() { sed -n 's/.*ns_per_event=\([0-9.]*\).*/\1/p'; }
lt_dis=(); lt_en=(); lt_bpe=""
for _ in $(seq "$RUNS"); do lt_dis+=("$("$W/bench" ints3 "$N" | nsper)"); done
for r in $(seq "$RUNS"); do
  rm -rf "$W/trace"
  lttng create "$SESSION" --output="$W/trace" >/dev/null || exit 1
  lttng enable-channel --userspace --session="$SESSION" --subbuf-size=4M --num-subbuf=8 big >/dev/null
  lttng enable-event --userspace --session="$SESSION" --channel=big bench:ints3 >/dev/null
  lttng start "$SESSION" >/dev/null
  v=$("$W/bench" ints3 "$N" | nsper)
  lttng stop "$SESSION" >/dev/null 2>&1
  disc=$(lttng list "$SESSION" | awk '/Discarded events:/ {s+=$3} END {print s+0}')
  lttng destroy "$SESSION" >/dev/null
  sb=$(find "$W/trace" -type f ! -name metadata ! -name '*.idx' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
  lt_bpe=$(awk -v s="$sb" -v n="$((N - disc))" 'BEGIN {printf "%.2f", s / n}')
  echo "lttng-ust run $r: ${v} ns/event, discarded=$disc, stream bytes/event=$lt_bpe"
  lt_en+=("$v")
done
LT_DIS=$(printf '%s\n' "${lt_dis[@]}" | median)
LT_EN=$(printf '%s\n' "${lt_en[@]}" | median)

# ---- ttng through ttng-sessiond
ROOT=$(cd "$HERE/.." && pwd)
if [ ! -f "$ROOT/dist/ust/index.js" ] || [ -n "$(find "$ROOT/src" -name '*.ts' -newer "$ROOT/dist/ust/index.js" | head -1)" ]; then
  (cd "$ROOT" && npx --no-install tsc -p . >/dev/null) || echo "# warning: tsc reported errors"
fi
export TTNG_HOME="$W/home"; mkdir -p "$TTNG_HOME"
TT="node $ROOT/bin/ttng.js"
td_en=(); td_bpe=""
for r in $(seq "$RUNS"); do
  rm -rf "$W/ttng-trace"
  $TT create tb --output="$W/ttng-trace" >/dev/null || { echo "ttng create failed"; exit 1; }
  $TT enable-channel -u --subbuf-size=4M --num-subbuf=8 big >/dev/null
  $TT enable-event -u -c big bench:ints3 >/dev/null
  $TT start >/dev/null
  v=$(cd "$ROOT" && node bench/ust-app-bench.mjs "$N" | nsper)
  $TT stop >/dev/null 2>&1
  disc=$($TT list tb | awk '/Discarded events:/ {s+=$3} END {print s+0}')
  $TT destroy >/dev/null
  sb=$(find "$W/ttng-trace" -type f ! -name metadata ! -name '*.idx' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
  td_bpe=$(awk -v s="$sb" -v n="$((N - disc))" 'BEGIN {printf "%.2f", s / n}')
  echo "ttng (sessiond) run $r: ${v} ns/event, discarded=$disc, stream bytes/event=$td_bpe"
  td_en+=("$v")
done
[ -s "$TTNG_HOME/.ttng/sessiond.pid" ] && kill "$(cat "$TTNG_HOME/.ttng/sessiond.pid")" 2>/dev/null
TD_EN=$(printf '%s\n' "${td_en[@]}" | median)

# ---- ttng, app side driven directly
OUT=$(cd "$HERE/.." && node --import tsx bench/ust-bench.mjs "$N" "$RUNS") || { echo "ttng bench failed"; exit 1; }
echo "$OUT" | grep '^ttng_enabled_run' | sed 's/^ttng_enabled_run\([0-9]*\)=\([0-9.]*\) /ttng (direct) run \1: \2 ns\/event, /'
get() { echo "$OUT" | sed -n "s/^$1=//p"; }
T_EN=$(get ttng_enabled_ns); T_DIS=$(get ttng_disabled_ns); T_BPE=$(get ttng_bytes_per_event)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "n/a"}'; }
echo
printf '%-44s %14s %14s %10s\n' "N=$N, median of $RUNS" "ttng/ust" "LTTng-UST (C)" "ratio"
printf '%-44s %14s %14s %10s\n' "enabled bench:ints3 via sessiond, ns/event" "$TD_EN" "$LT_EN" "$(ratio "$TD_EN" "$LT_EN")"
printf '%-44s %14s %14s %10s\n' "enabled bench:ints3 driven directly, ns/event" "$T_EN" "$LT_EN" "$(ratio "$T_EN" "$LT_EN")"
printf '%-44s %14s %14s %10s\n' "disabled bench:ints3, ns/event" "$T_DIS" "$LT_DIS" ""
printf '%-44s %14s %14s %10s\n' "stream bytes per recorded event (sessiond)" "$td_bpe" "$lt_bpe" "$(ratio "$td_bpe" "$lt_bpe")"
printf '%-44s %14s %14s %10s\n' "stream bytes per recorded event (direct)" "$T_BPE" "$lt_bpe" "$(ratio "$T_BPE" "$lt_bpe")"
printf '%-44s %14s\n' "loop and arguments alone, ns/iteration" "$(get ttng_loop_only_ns)"
printf '%-44s %14s\n' "Node clock read (hrtime.bigint), ns" "$(get node_clock_ns)"
echo "pino: $(get pino_ns)"
echo "OpenTelemetry span: $(get otel_span_ns)"
echo "targets: enabled <= 1.0x LTTng-UST, disabled <= 5 ns, <= 22 bytes/event"
