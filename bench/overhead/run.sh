#!/bin/bash
# The overhead study of the LTTng talk, with ttng: sysbench oltp_read_write
# against a MariaDB of our own on 127.0.0.1, untraced and under each recorder
# (sched_switch + every system call), at 1/2/4/8 client threads, in repeated
# passes with the modes interleaved, at the default InnoDB setting and a
# CPU-bound one. Writes raw.csv (one row per run), summary.md and
# throughput.svg. See bench/README.md ("Overhead study").
#
# usage: bash bench/overhead/run.sh [--smoke] [-o DIR]      (as root)
#   --smoke (or SMOKE=1)  one pass, 1 thread, 3 s runs, 3 modes: well under 2 min (CI)
#   --plan                print the plan (runs, estimated duration) and exit
#   -o DIR                results directory (default: bench/overhead/results;
#                         smoke: $WORK/smoke-results)
# environment (defaults for the full study):
#   MODES="untraced ttng ttng-snapshot ttng-relayd trace-cmd perf strace"
#   SETTINGS="default cpu-bound"  PASSES=3  THREADS="1 2 4 8"  DURATION=20 (s per run)
#   TABLES=4  TABLE_SIZE=20000  WARMUP=10 (s, per setting)  SETTLE=1 (s after a recorder starts)
#   SNAP_EVERY=10 (s between snapshots)  NICE=0 (of server, load and recorders)
#   WORK=/tmp/ttng-overhead (server datadir, traces)  DB_PORT=23306  KEEP=1 keeps traces
#   NO_INSTALL=1 installs nothing
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ARGS=("$@")
SMOKE=${SMOKE:-0}
PLAN_ONLY=0
OUT=""
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--plan) PLAN_ONLY=1 ;;
	-o) OUT=${2:?-o needs a directory}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
	esac
	shift
done
[ "$SMOKE" = 1 ] && S=1 || S=0
pick() { if [ $S = 1 ]; then echo "$2"; else echo "$1"; fi; }
MODES=${MODES:-$(pick "untraced ttng ttng-snapshot ttng-relayd trace-cmd perf strace" "untraced ttng ttng-snapshot")}
SETTINGS=${SETTINGS:-$(pick "default cpu-bound" "default")}
PASSES=${PASSES:-$(pick 3 1)}
THREADS=${THREADS:-$(pick "1 2 4 8" "1")}
DURATION=${DURATION:-$(pick 20 3)}
TABLES=${TABLES:-$(pick 4 2)}
TABLE_SIZE=${TABLE_SIZE:-$(pick 20000 2000)}
WARMUP=${WARMUP:-$(pick 10 1)}
SETTLE=${SETTLE:-1}
SNAP_EVERY=${SNAP_EVERY:-10}
NICE=${NICE:-0}
WORK=${WORK:-/tmp/ttng-overhead}
DB_PORT=${DB_PORT:-23306}
KEEP=${KEEP:-0}
OUT=$(realpath -m "${OUT:-$(pick "$HERE/results" "$WORK/smoke-results")}")
export TTNG_HOME=$WORK/ttng-home
HZ=$(getconf CLK_TCK)
T_START=$(date +%s)

log() { echo "[$(date +%T)] $*" | tee -a "$OUT/log.txt"; }
die() { echo "run.sh: error: $*" >&2; exit 1; }

setting_opts() { # the server options of a setting
	case $1 in
	default) ;;
	cpu-bound) echo "--innodb-flush-log-at-trx-commit=2" ;;
	*) return 1 ;;
	esac
}

# ---- plan -------------------------------------------------------------------
# rough seconds each mode adds to a run on a quiet 2-CPU machine (start, stop,
# counting; perf post-processes its ~1 GB file), for the estimate
mode_extra() {
	case $1 in
	untraced) echo 3 ;; ttng) echo 12 ;; ttng-snapshot) echo 25 ;; ttng-relayd) echo 14 ;;
	trace-cmd) echo 10 ;; perf) echo 45 ;; strace) echo 10 ;; *) echo 10 ;;
	esac
}
planned=""
for m in $MODES; do
	# the relay is the one mode known to be skipped before anything is installed
	[ "$m" = ttng-relayd ] && [ ! -f "$REPO/bin/ttng-relayd.js" ] && continue
	planned="$planned $m"
done
n_set=$(wc -w <<< "$SETTINGS"); n_thr=$(wc -w <<< "$THREADS"); n_mod=$(wc -w <<< "$planned")
runs=$((n_set * PASSES * n_thr * n_mod))
per_block=0
for m in $planned; do per_block=$((per_block + DURATION + SETTLE + $(mode_extra "$m"))); done
est=$((n_set * (PASSES * n_thr * per_block + WARMUP + 20) + 40))
echo "== overhead study$([ $S = 1 ] && echo ' (smoke)'): plan"
echo "   settings:   $SETTINGS"
echo "   modes:      $MODES$([ "$(wc -w <<< "$MODES")" != "$n_mod" ] && echo " (ttng-relayd: skipped, bin/ttng-relayd.js does not exist yet)")"
echo "   threads:    $THREADS;  passes: $PASSES;  $DURATION s per run"
echo "   runs:       $n_set settings x $PASSES passes x $n_thr thread counts x $n_mod modes = $runs"
echo "   estimate:   about $((est / 60)) min $((est % 60)) s (with MariaDB set-up, warm-ups, recorder start/stop and counting)"
echo "   results in: $OUT"
[ "$PLAN_ONLY" = 1 ] && exit 0

# ---- prerequisites ------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "run as root (the recorders trace the kernel)"
for s in $SETTINGS; do setting_opts "$s" > /dev/null || die "unknown setting $s (default, cpu-bound)"; done
if [ "${NO_INSTALL:-0}" != 1 ]; then
	need=()
	command -v mariadbd > /dev/null || need+=(mariadb-server)
	command -v mariadb > /dev/null || need+=(mariadb-client)
	command -v sysbench > /dev/null || need+=(sysbench)
	[ -x /usr/bin/time ] || need+=(time)
	for m in $MODES; do
		case $m in
		trace-cmd) command -v trace-cmd > /dev/null || need+=(trace-cmd) ;;
		perf) command -v perf > /dev/null || need+=(linux-perf) ;;
		strace) command -v strace > /dev/null || need+=(strace) ;;
		esac
	done
	if [ ${#need[@]} -gt 0 ]; then
		echo "== installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq "${need[@]}" > /dev/null || die "apt-get install ${need[*]} failed"
	fi
fi
for c in mariadbd mariadb-install-db sysbench /usr/bin/time node; do command -v "$c" > /dev/null || die "$c not found"; done
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2> /dev/null
TFS=$(awk '$3 == "tracefs" { print $2; exit }' /proc/mounts)
[ -n "$TFS" ] || die "tracefs is not mounted"
[ -d "$REPO/node_modules" ] || (cd "$REPO" && npm ci --no-audit --no-fund) || die "npm ci failed"
[ -f "$REPO/dist/cli/main.js" ] || (cd "$REPO" && npm run build) || die "npm run build failed"
if [ -n "$(find "$REPO/src" -newer "$REPO/dist/cli/main.js" -name '*.ts' -print -quit)" ]; then
	echo "   note: src/ has files newer than dist/ (what runs is dist/: npm run build)"
fi

mkdir -p "$OUT" "$WORK/runs" || die "cannot create $OUT or $WORK"
: > "$OUT/log.txt"
if [ $S = 1 ]; then
	# CI runs the smoke mode only: the report's tests go with it
	node --import tsx --test "$HERE/report.test.ts" > "$WORK/report-test.txt" 2>&1 ||
		{ tail -n 30 "$WORK/report-test.txt" >&2; die "bench/overhead/report.test.ts failed"; }
	log "report.test.ts: $(grep -E '^# (pass|fail) ' "$WORK/report-test.txt" | tr '\n' ' ')"
fi
# shellcheck source=lib/db.sh
. "$HERE/lib/db.sh"
# shellcheck source=lib/modes.sh
. "$HERE/lib/modes.sh"

ACTIVE=()
for m in $MODES; do
	why=$(rec_skip "$m")
	if [ -n "$why" ]; then log "mode $m skipped: $why"; else ACTIVE+=("$m"); fi
done
[ ${#ACTIVE[@]} -gt 0 ] || die "no mode can run"

finish() {
	rc=$?
	trap - EXIT INT TERM
	rec_cleanup
	db_stop
	# the runs' logs stay in $WORK/runs; the traces went after counting
	[ "$KEEP" = 1 ] || rm -rf "$WORK/db"
	exit "$rc"
}
trap finish EXIT
trap 'echo "run.sh: interrupted, cleaning up" >&2; exit 130' INT TERM

{
	echo "date: $(date -Is)"
	echo "kernel: $(uname -r)"
	echo "cpu: $(nproc) x $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "ttng: $(git -C "$REPO" rev-parse --short HEAD 2> /dev/null)$(git -C "$REPO" diff --quiet HEAD -- src 2> /dev/null || echo ' (src modified)')"
	echo "node: $(node --version)"
	echo "mariadbd: $(mariadbd --version)"
	echo "sysbench: $(sysbench --version)"
	command -v trace-cmd > /dev/null && echo "trace-cmd: $(trace-cmd --version 2>&1 | grep -m1 -o 'version [0-9.]*')"
	command -v perf > /dev/null && echo "perf: $(perf --version 2>&1)"
	command -v strace > /dev/null && echo "strace: $(strace -V 2>&1 | head -1)"
	echo "settings: $SETTINGS; modes: ${ACTIVE[*]}; threads: $THREADS; passes: $PASSES"
	echo "duration: $DURATION s; tables: $TABLES x $TABLE_SIZE rows; warm-up: $WARMUP s; nice: $NICE; snapshot every: $SNAP_EVERY s"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/env.txt"
{
	echo "# made by (as root, from the repository's top directory):"
	printf "MODES='%s' SETTINGS='%s' PASSES=%s THREADS='%s' DURATION=%s TABLES=%s TABLE_SIZE=%s bash bench/overhead/run.sh" \
		"$MODES" "$SETTINGS" "$PASSES" "$THREADS" "$DURATION" "$TABLES" "$TABLE_SIZE"
	[ ${#ARGS[@]} -gt 0 ] && printf ' %q' "${ARGS[@]}"
	echo
	echo "# summary.md and throughput.svg again from raw.csv:"
	case $OUT in "$REPO"/*) rel=${OUT#"$REPO"/} ;; *) rel=$OUT ;; esac
	echo "node --import tsx bench/overhead/report.ts $rel"
} > "$OUT/command.txt"

CSV=$OUT/raw.csv
echo "setting,pass,threads,mode,position,status,tps,p95_ms,errors,events,lost,rec_cpu_load_s,rec_cpu_total_s,bytes,db_cpu_s,busy_cpu_s,idle_cpu_s,load_s,note" > "$CSV"
FAILED=0

# machine CPU jiffies from /proc/stat: "busy idle"
cpu_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }
secs() { awk -v a="$1" -v b="$2" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }'; }

# run_one SETTING PASS THREADS MODE POSITION: one row of raw.csv
run_one() {
	local setting=$1 pass=$2 t=$3 mode=$4 pos=$5
	local dir=$WORK/runs/$setting-p$pass-t$t-$mode status=ok why=""
	rm -rf "$dir"; mkdir -p "$dir"
	local c_before c0 c1 c_after b0 i0 b1 i1 d0 d1 w0 w1
	c_before=$(rec_cpu "$mode")
	if ! rec_start "$mode" "$dir"; then
		status=failed; why="recorder did not start"
		log "  $mode: recorder did not start; its output:"
		for f in "$dir/recorder.log" "$dir/ttng.log"; do [ -f "$f" ] && tail -n 5 "$f"; done | sed 's/^/    /' | tee -a "$OUT/log.txt"
	fi
	c0=$(rec_cpu "$mode"); read -r b0 i0 < <(cpu_jiffies); d0=$(pid_jiffies "$DB_PID"); w0=$(date +%s.%N)
	if [ $status = ok ]; then
		rec_during "$mode" "$dir"
		nice -n "$NICE" "${SB[@]}" --threads="$t" --time="$DURATION" run > "$dir/sysbench.txt" 2>&1 ||
			{ status=failed; why="sysbench failed"; }
	fi
	w1=$(date +%s.%N); c1=$(rec_cpu "$mode"); read -r b1 i1 < <(cpu_jiffies); d1=$(pid_jiffies "$DB_PID")
	rec_stop "$mode" "$dir" || { [ $status = ok ] && status=failed && why="recorder did not stop cleanly"; }
	c_after=$(rec_cpu "$mode")
	rec_count "$mode" "$dir"
	local tps p95 err load_cpu total_cpu
	tps=$(awk '/transactions:/ { gsub(/\(/, "", $3); print $3 }' "$dir/sysbench.txt" 2> /dev/null)
	p95=$(awk '/95th percentile:/ { print $3 }' "$dir/sysbench.txt" 2> /dev/null)
	err=$(awk '/ignored errors:/ { print $3 }' "$dir/sysbench.txt" 2> /dev/null)
	[ $status = ok ] && [ -z "$tps" ] && { status=failed; why="no transactions/s in sysbench's output"; }
	[ $status = ok ] && [ "$mode" != untraced ] && [ "${EVENTS:-0}" = 0 ] && { status=failed; why="no event recorded"; }
	load_cpu=$(secs "$c0" "$c1")
	case $mode in
	untraced) total_cpu=0 ;;
	ttng | ttng-snapshot) total_cpu=$(awk -v a="$(secs "$c_before" "$c_after")" -v b="$(time_file_cpu "$dir"/cli*.time)" 'BEGIN { printf "%.2f", a + b }') ;;
	ttng-relayd) total_cpu=$(awk -v a="$(secs "$c_before" "$c_after")" -v b="$(time_file_cpu "$dir"/cli*.time "$dir/recorder.time")" 'BEGIN { printf "%.2f", a + b }') ;;
	*) total_cpu=$(time_file_cpu "$dir/recorder.time") ;;
	esac
	[ "$mode" = ttng-snapshot ] && load_cpu=$(awk -v a="$load_cpu" -v b="$(time_file_cpu "$dir/cli-load.time")" 'BEGIN { printf "%.2f", a + b }')
	local note=$NOTE
	[ -n "$why" ] && note="${note:+$note;}$why"
	echo "$setting,$pass,$t,$mode,$pos,$status,${tps:-},${p95:-},${err:-},$EVENTS,$LOST,$load_cpu,$total_cpu,${BYTES:-},$(secs "$d0" "$d1"),$(secs "$b0" "$b1"),$(secs "$i0" "$i1"),$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.2f", b - a }'),${note// /_}" >> "$CSV"
	log "  $(printf '%-13s' "$mode") $status tps=${tps:--} p95=${p95:--}ms events=${EVENTS:--} lost=${LOST:--} recorder_cpu=${load_cpu}s/${total_cpu}s bytes=${BYTES:--}${why:+ ($why)}"
	[ $status = ok ] || FAILED=$((FAILED + 1))
	[ "$KEEP" = 1 ] || rm -rf "$dir/data"
}

# ---- the study ------------------------------------------------------------------
log "MariaDB: new datadir in $WORK/db, port $DB_PORT; $TABLES tables x $TABLE_SIZE rows"
db_init || die "cannot create the MariaDB datadir"
db_start || die "cannot start MariaDB"
db_prepare || die "sysbench prepare failed"
# one session daemon for the study, started before any run so that its
# start-up is no run's cost (the CLI would start it on the first create)
case " ${ACTIVE[*]} " in *" ttng"*) ttng_daemon || die "cannot start ttng-sessiond (see $TTNG_HOME/.ttng/sessiond.log)" ;; esac
block=0
for setting in $SETTINGS; do
	opts=$(setting_opts "$setting")
	# shellcheck disable=SC2086 # the options are words
	{ db_stop; db_start $opts; } || die "cannot start MariaDB ($setting)"
	log "setting $setting: mariadbd ${opts:-with no extra option} (pid $DB_PID); warm-up $WARMUP s"
	"${SB[@]}" --threads=2 --time="$WARMUP" run > "$WORK/warmup-$setting.txt" 2>&1 || die "sysbench warm-up failed: $(tail -3 "$WORK/warmup-$setting.txt")"
	for pass in $(seq 1 "$PASSES"); do
		for t in $THREADS; do
			# every block runs all the modes back to back, each block starting one
			# mode further, so that drift and position hit every mode alike
			log "setting=$setting pass=$pass/$PASSES threads=$t (load average $(cut -d' ' -f1-3 /proc/loadavg))"
			n=${#ACTIVE[@]}
			for k in $(seq 0 $((n - 1))); do
				run_one "$setting" "$pass" "$t" "${ACTIVE[$(((k + block) % n))]}" $((k + 1))
			done
			block=$((block + 1))
		done
	done
done

log "runs done in $(($(date +%s) - T_START)) s; $FAILED failed"
node --import tsx "$HERE/report.ts" "$OUT" || die "report.ts failed"
cat "$OUT/summary.md"
echo
echo "raw.csv, summary.md, throughput.svg, env.txt, command.txt, log.txt in $OUT"
[ "$FAILED" = 0 ] || die "$FAILED run(s) failed (see raw.csv and log.txt)"
echo "overhead study: OK ($(($(date +%s) - T_START)) s)"
