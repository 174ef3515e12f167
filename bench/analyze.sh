#!/usr/bin/env bash
# bench/analyze.sh — `ttng analyze` against Debian's lttng-analyses 0.6.1 on
# one kernel trace recorded by ttng.
#
# Usage (as root):  bash bench/analyze.sh [TRACE_DIR]
#   TRACE_DIR  default: $TRACE, else /tmp/ttng-bench/kernel-1M
# Environment:
#   EVENTS     events to record at least (default 1000000)
#   ROUNDS     runs of each tool per command, alternating (default 3)
#   COMMANDS   default "cputop syscallstats iousagetop"
#   FORCE=1    re-record even if TRACE_DIR exists
#
# The trace: a ttng kernel session (own TTNG_HOME, daemon stopped by PID at
# the end) with the scheduler, statedump and every system call, and pid/tid/
# procname contexts, while a workload copies files, forks and sleeps; repeated
# until the trace holds EVENTS events. Recorded into a temporary directory and
# renamed once complete.
#
# Each round runs `ttng analyze CMD TRACE` then `lttng-CMD --no-progress TRACE`
# (both with their default trace validation), checks that both printed the
# same text, and times them with /usr/bin/time. events/s = events / CPU
# seconds (user + system: the machine may be shared, so wall time is shown
# but not used); the median over the rounds is reported, with the ratio.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TRACE_DIR=${1:-${TRACE:-/tmp/ttng-bench/kernel-1M}}
EVENTS=${EVENTS:-1000000}
ROUNDS=${ROUNDS:-3}
COMMANDS=${COMMANDS:-cputop syscallstats iousagetop}
TTNG="node $ROOT/bin/ttng.js"

for cmd in /usr/bin/time /usr/bin/python3 lttng-cputop; do
	command -v "$cmd" >/dev/null || { echo "analyze.sh: $cmd not found (apt-get install time python3-lttnganalyses)" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "analyze.sh: recording kernel events needs root" >&2; exit 1; }
[[ -f $ROOT/dist/cli/main.js ]] || (cd "$ROOT" && npx tsc -p .)

count_events() {
	node --input-type=module -e "
		const { openInputs, iterate } = await import('$ROOT/dist/ctf/reader.js');
		const o = openInputs([process.argv[1]]);
		let n = 0;
		iterate(o, false, (c) => { if (c.item.kind === 'event') { n++; c.decodeBody(c.cs.skip(c.ceIndex)); } });
		console.log(n);" "$1"
}

# ---------------------------------------------------------------- record
record() {
	local home tmp pidfile
	home=$(mktemp -d /tmp/ttng-bench-home-XXXXXX)
	tmp="$TRACE_DIR.partial"
	rm -rf "$tmp"
	pidfile="$home/.ttng/sessiond.pid"
	stop_daemon() {
		set +e
		TTNG_HOME=$home $TTNG destroy -a >/dev/null 2>&1
		[[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null
		rm -rf "$home"
	}
	trap stop_daemon EXIT
	export TTNG_HOME=$home
	$TTNG create bench -o "$tmp" >/dev/null
	$TTNG enable-channel -k --subbuf-size=4M --num-subbuf=8 chan >/dev/null
	$TTNG enable-event -k -c chan sched_switch,sched_wakeup,sched_waking,sched_wakeup_new,sched_migrate_task,sched_process_fork,sched_process_exec,sched_process_exit,lttng_statedump_process_state,lttng_statedump_file_descriptor,lttng_statedump_start,lttng_statedump_end >/dev/null
	$TTNG enable-event -k -c chan --syscall -a >/dev/null
	$TTNG add-context -k -c chan -t pid -t tid -t procname >/dev/null
	$TTNG start >/dev/null
	# the workload: file copies, reads through a pipe, forks and sleeps;
	# about 12 events per 512-byte block (dd, then dd | cat)
	local blocks=$((EVENTS / 12)) work
	work=$(mktemp -d /tmp/ttng-bench-work-XXXXXX)
	dd if=/dev/zero of="$work/a" bs=512 count="$blocks" 2>/dev/null
	dd if="$work/a" bs=512 2>/dev/null | cat >/dev/null
	for i in $(seq 20); do ls -l /etc >/dev/null; sleep 0.01; done
	rm -rf "$work"
	$TTNG stop >/dev/null
	$TTNG destroy >/dev/null
	stop_daemon
	trap - EXIT
	unset TTNG_HOME
	mv "$tmp" "$TRACE_DIR"
}

if [[ ! -d $TRACE_DIR || -n ${FORCE:-} ]]; then
	rm -rf "$TRACE_DIR"
	mkdir -p "$(dirname "$TRACE_DIR")"
	echo "analyze.sh: recording $TRACE_DIR (at least $EVENTS events)" >&2
	record
fi
N=$(count_events "$TRACE_DIR")
echo "trace: $TRACE_DIR"
echo "events: $N"
if ((N < EVENTS)); then echo "analyze.sh: warning: only $N events (< $EVENTS): FORCE=1 EVENTS=… to re-record" >&2; fi

# ---------------------------------------------------------------- runs
TMPD=$(mktemp -d /tmp/ttng-bench-analyze-XXXXXX)
trap 'rm -rf "$TMPD"' EXIT
status=0
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for cmd in $COMMANDS; do
	: >"$TMPD/ttng.cpu"; : >"$TMPD/py.cpu"; : >"$TMPD/ttng.wall"; : >"$TMPD/py.wall"
	for r in $(seq "$ROUNDS"); do
		/usr/bin/time -f "%e %U %S" -o "$TMPD/t" $TTNG analyze "$cmd" "$TRACE_DIR" >"$TMPD/ttng.out"
		awk '{ print $2 + $3 > "'"$TMPD/ttng.cpu.1"'"; print $1 > "'"$TMPD/ttng.wall.1"'" }' "$TMPD/t"
		cat "$TMPD/ttng.cpu.1" >>"$TMPD/ttng.cpu"; cat "$TMPD/ttng.wall.1" >>"$TMPD/ttng.wall"
		/usr/bin/time -f "%e %U %S" -o "$TMPD/t" "lttng-$cmd" --no-progress "$TRACE_DIR" >"$TMPD/py.out" 2>"$TMPD/py.err"
		awk '{ print $2 + $3 > "'"$TMPD/py.cpu.1"'"; print $1 > "'"$TMPD/py.wall.1"'" }' "$TMPD/t"
		cat "$TMPD/py.cpu.1" >>"$TMPD/py.cpu"; cat "$TMPD/py.wall.1" >>"$TMPD/py.wall"
		if ! cmp -s "$TMPD/ttng.out" "$TMPD/py.out"; then
			echo "$cmd: round $r: outputs differ:" >&2
			diff "$TMPD/py.out" "$TMPD/ttng.out" | head -10 >&2
			status=1
		fi
	done
	tc=$(median <"$TMPD/ttng.cpu"); pc=$(median <"$TMPD/py.cpu")
	tw=$(median <"$TMPD/ttng.wall"); pw=$(median <"$TMPD/py.wall")
	awk -v c="$cmd" -v n="$N" -v tc="$tc" -v pc="$pc" -v tw="$tw" -v pw="$pw" 'BEGIN {
		printf "%-13s ttng %6.2f s cpu (%6.2f s wall) %10.0f events/s | lttng-analyses %7.2f s cpu (%7.2f s wall) %8.0f events/s | ratio %5.1fx\n",
			c, tc, tw, n / tc, pc, pw, n / pc, pc / tc }'
done
exit $status
