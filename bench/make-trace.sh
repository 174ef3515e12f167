#!/usr/bin/env bash
# bench/make-trace.sh — record the benchmark trace with real LTTng-UST.
#
# Usage (as root):  bash bench/make-trace.sh [TRACE_DIR]
#   TRACE_DIR  default: $TRACE, else /tmp/ttng-bench/ints3-5M
# Environment:
#   EVENTS     events to record (default 5000000)
#   REF_SRC    the LTTng reference programs (default ../shared/lttng-reference,
#              read-only: it is copied to $BENCH_TMP/ref and built there)
#   BENCH_TMP  scratch directory (default /tmp/ttng-bench)
#   FORCE=1    re-record even if TRACE_DIR already exists
#
# Same recipe as the "BIG" trace of ../shared/lttng-reference/measure.sh:
# `bench ints3 EVENTS` (3 integer fields: int32 a, uint32 b, int64 c) recorded
# by a userspace channel of 8 x 4 MiB sub-buffers in blocking mode
# (--blocking-timeout=inf + LTTNG_UST_ALLOW_BLOCKING=1), so no event is
# discarded. Starts `lttng-sessiond --daemonize --no-kernel` if none runs and
# stops it again (by PID) at exit. The trace is recorded into a temporary
# directory and renamed to TRACE_DIR only once it is complete, so an existing
# TRACE_DIR is always a complete trace and is reused as is.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BENCH_TMP=${BENCH_TMP:-/tmp/ttng-bench}
TRACE_DIR=${1:-${TRACE:-$BENCH_TMP/ints3-5M}}
EVENTS=${EVENTS:-5000000}
REF_SRC=${REF_SRC:-$ROOT/../shared/lttng-reference}

if [[ -d $TRACE_DIR && -z ${FORCE:-} ]]; then
	echo "make-trace: reusing $TRACE_DIR (FORCE=1 to re-record)" >&2
	exit 0
fi

for cmd in lttng lttng-sessiond gcc make babeltrace2; do
	command -v "$cmd" >/dev/null || { echo "make-trace: $cmd not found (apt-get install lttng-tools liblttng-ust-dev babeltrace2 gcc make)" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || echo "make-trace: warning: not root; lttng-sessiond normally runs as root here" >&2

# ---------------------------------------------------------------- build bench
REF=$BENCH_TMP/ref
mkdir -p "$BENCH_TMP"
rm -rf "$REF"
cp -r "$REF_SRC" "$REF"
chmod -R u+w "$REF"
rm -f "$REF/bench" "$REF/reftypes"
make -C "$REF" bench >/dev/null
BENCH=$REF/bench

# ---------------------------------------------------------------- sessiond
SESSION=ttng-bench-$$
SESSIOND_PID=""
PARTIAL=""
cleanup() {
	set +e
	lttng destroy "$SESSION" >/dev/null 2>&1
	if [[ -n $SESSIOND_PID ]]; then
		kill "$SESSIOND_PID"
		for _ in $(seq 50); do kill -0 "$SESSIOND_PID" 2>/dev/null || break; sleep 0.1; done
		echo "make-trace: stopped lttng-sessiond pid $SESSIOND_PID" >&2
	fi
	[[ -n $PARTIAL ]] && rm -rf "$PARTIAL"
}
trap cleanup EXIT
PIDFILE=/var/run/lttng/lttng-sessiond.pid
if [[ -s $PIDFILE ]] && kill -0 "$(cat $PIDFILE)" 2>/dev/null; then
	echo "make-trace: using the running lttng-sessiond (pid $(cat $PIDFILE))" >&2
else
	lttng-sessiond --daemonize --no-kernel
	SESSIOND_PID=$(cat $PIDFILE)
	echo "make-trace: started lttng-sessiond pid $SESSIOND_PID" >&2
fi

# ---------------------------------------------------------------- record
PARTIAL=$(dirname "$TRACE_DIR")/.$(basename "$TRACE_DIR").partial-$$
mkdir -p "$(dirname "$TRACE_DIR")"
rm -rf "$PARTIAL"
lttng create "$SESSION" --output="$PARTIAL" >/dev/null
lttng enable-channel --session="$SESSION" --userspace --subbuf-size=4M --num-subbuf=8 --blocking-timeout=inf big >/dev/null
lttng enable-event --session="$SESSION" --userspace --channel=big bench:ints3 >/dev/null
lttng start "$SESSION" >/dev/null
LTTNG_UST_ALLOW_BLOCKING=1 "$BENCH" ints3 "$EVENTS" >&2
lttng stop "$SESSION" >/dev/null 2>&1
disc=$(lttng list "$SESSION" | awk '/Discarded events:/ {s += $3} END {print s + 0}')
lttng destroy "$SESSION" >/dev/null
if [[ $disc != 0 ]]; then
	echo "make-trace: $disc events discarded; not keeping the trace" >&2
	exit 1
fi

rm -rf "$TRACE_DIR"
mv "$PARTIAL" "$TRACE_DIR"
PARTIAL=""
echo "make-trace: recorded $EVENTS bench:ints3 events (0 discarded) in $TRACE_DIR ($(du -sh "$TRACE_DIR" | cut -f1))" >&2
