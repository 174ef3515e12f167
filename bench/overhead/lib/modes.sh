# The recorders of the overhead study, sourced by run.sh. Every mode records
# sched_switch and every system call, system-wide (strace: the server's threads).
#   rec_skip MODE            prints why MODE cannot run here (nothing: it can)
#   rec_start MODE DIR       starts recording into DIR/data, returns once recording
#   rec_cpu MODE             CPU jiffies of the recorder's processes so far
#   rec_during MODE DIR      runs beside the load (ttng-snapshot: its snapshot timer)
#   rec_stop MODE DIR        stops, makes the data final, frees what it holds
#   rec_count MODE DIR       sets EVENTS LOST BYTES NOTE from the recorder's own counts
#   rec_cleanup              frees whatever is left (trap on exit)
# Needs: REPO, HERE, WORK, TFS, TTNG_HOME (exported), NICE, SETTLE, DURATION, SNAP_EVERY, KEEP, DB_PID, log().

TTNG_CLI=(node "$REPO/bin/ttng.js")
RELAYD=$REPO/bin/ttng-relayd.js
RELAY_PORT=${RELAY_PORT:-15342}
INST=ttngovh$$          # trace-cmd's ftrace instance
SESSION=""              # the ttng session of the current run
REC_PGID=""             # process group of a spawned recorder (trace-cmd, perf, strace, relayd)
TTNG_DPID=""            # our ttng-sessiond
SNAP_PID=""             # ttng-snapshot: the snapshot timer

rec_skip() {
	case $1 in
	untraced) ;;
	ttng | ttng-snapshot) [ -f "$REPO/dist/cli/main.js" ] || echo "dist/ is not built (npm run build)" ;;
	ttng-relayd) [ -f "$RELAYD" ] || echo "bin/ttng-relayd.js does not exist yet (the relay daemon is to come)" ;;
	trace-cmd) command -v trace-cmd > /dev/null || echo "trace-cmd is not installed" ;;
	perf) command -v perf > /dev/null || echo "perf is not installed" ;;
	strace) command -v strace > /dev/null || echo "strace is not installed" ;;
	*) echo "unknown mode" ;;
	esac
}

# ---- processes we spawn ---------------------------------------------------
# jiffies (user+system, with reaped children) of every process of a group
pgrp_jiffies() {
	[ -n "$1" ] || { echo 0; return; }
	cat /proc/[0-9]*/stat 2> /dev/null | awk -v g="$1" '{ sub(/^.*\) /, ""); split($0, f, " ");
		if (f[3] == g) s += f[12] + f[13] + f[14] + f[15] } END { print s + 0 }'
}
pid_jiffies() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
	awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[12] + f[13] + f[14] + f[15] }' "/proc/$1/stat"
}

# spawn DIR CMD...: CMD in a process group of its own (signals reach all of it),
# its lifetime CPU (with children) in DIR/recorder.time, output in DIR/recorder.log
spawn() {
	local dir=$1
	shift
	printf '%q ' "$@" > "$dir/recorder.cmd"
	nice -n "$NICE" setsid /usr/bin/time -f '%U %S' -o "$dir/recorder.time" "$@" > "$dir/recorder.log" 2>&1 < /dev/null &
	REC_PGID=$!
}

# wait_for SECONDS CONDITION...: polls CONDITION every 0.1 s while REC_PGID lives
wait_for() {
	local n=$(($1 * 10))
	shift
	while ((n-- > 0)); do
		"$@" && return 0
		if [ -n "$REC_PGID" ] && ! kill -0 "$REC_PGID" 2> /dev/null; then return 1; fi
		sleep 0.1
	done
	return 1
}

# stops a spawned group: SIGINT (the recorders' own "stop"), then TERM, KILL
stop_group() {
	local g=$REC_PGID _
	[ -n "$g" ] || return 0
	kill -INT -- "-$g" 2> /dev/null
	for _ in $(seq 1 1800); do kill -0 "$g" 2> /dev/null || break; sleep 0.1; done
	if kill -0 "$g" 2> /dev/null; then
		log "  recorder did not stop after SIGINT, SIGTERM"
		kill -TERM -- "-$g" 2> /dev/null
		sleep 2
		kill -KILL -- "-$g" 2> /dev/null
	fi
	wait "$g" 2> /dev/null
	REC_PGID=""
}

# CPU seconds in /usr/bin/time '%U %S' lines (summed: -a appends one per command)
time_file_cpu() { cat "$@" 2> /dev/null | awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { s += $1 + $2 } END { printf "%.2f", s + 0 }'; }

# ---- ttng -------------------------------------------------------------------
# ttng DIR ARGS...: the CLI, its CPU added to DIR/$CLI_TIME (the snapshot
# timer's calls, during the load, go to a file of their own)
CLI_TIME=cli.time
ttng() {
	local dir=$1
	shift
	/usr/bin/time -a -o "$dir/$CLI_TIME" -f '%U %S' "${TTNG_CLI[@]}" "$@" >> "$dir/ttng.log" 2>&1
}

# our daemon ($TTNG_HOME's: not the system's), left by an earlier run or new
ttng_daemon() {
	TTNG_DPID=$(cat "$TTNG_HOME/.ttng/sessiond.pid" 2> /dev/null)
	[ -n "$TTNG_DPID" ] && kill -0 "$TTNG_DPID" 2> /dev/null && return 0
	mkdir -p "$TTNG_HOME"
	nice -n "$NICE" node "$REPO/bin/ttng-sessiond.js" -d || return 1
	TTNG_DPID=$(cat "$TTNG_HOME/.ttng/sessiond.pid" 2> /dev/null)
	[ -n "$TTNG_DPID" ] && kill -0 "$TTNG_DPID" 2> /dev/null
}

ttng_session() { # DIR CREATE-ARGS...
	local dir=$1
	shift
	SESSION=ovh$$-$(basename "$dir")
	ttng "$dir" create "$SESSION" "$@" &&
		ttng "$dir" enable-event -k -s "$SESSION" sched_switch &&
		ttng "$dir" enable-event -k -s "$SESSION" --syscall -a &&
		ttng "$dir" start "$SESSION"
}

relay_up() { (exec 3<> "/dev/tcp/127.0.0.1/$RELAY_PORT") 2> /dev/null; }

# ---- the interface run.sh calls ---------------------------------------------
rec_start() {
	local mode=$1 dir=$2
	mkdir -p "$dir/data"
	REC_PGID=""
	SESSION=""
	case $mode in
	untraced) return 0 ;;
	ttng)
		ttng_daemon && ttng_session "$dir" -o "$dir/data" || return 1 ;;
	ttng-snapshot)
		ttng_daemon && ttng_session "$dir" --snapshot -o "$dir/data" || return 1 ;;
	ttng-relayd)
		ttng_daemon || return 1
		spawn "$dir" node "$RELAYD" -o "$dir/data" -C "tcp://127.0.0.1:$RELAY_PORT" \
			-D "tcp://127.0.0.1:$((RELAY_PORT + 1))" -L "tcp://127.0.0.1:$((RELAY_PORT + 2))"
		wait_for 30 relay_up || return 1
		ttng_session "$dir" --ctrl-url="net://127.0.0.1:$RELAY_PORT" --data-url="net://127.0.0.1:$((RELAY_PORT + 1))" || return 1 ;;
	trace-cmd)
		spawn "$dir" bash "$HERE/trace-cmd-ns.sh" "$INST" trace-cmd record --compression none -B "$INST" \
			-e sched:sched_switch -e syscalls -o "$dir/data/trace.dat"
		# ready once trace-cmd has enabled the events and turned its instance on
		wait_for 60 eval '[ "$(cat "$TFS/instances/$INST/tracing_on" 2> /dev/null)" = 1 ] &&
			[ "$(cat "$TFS/instances/$INST/events/sched/sched_switch/enable" 2> /dev/null)" = 1 ]' || return 1 ;;
	perf)
		spawn "$dir" perf record -a -e sched:sched_switch -e 'syscalls:sys_enter_*' -e 'syscalls:sys_exit_*' \
			-o "$dir/data/perf.data"
		wait_for 60 eval '[ -s "$dir/data/perf.data" ]' || return 1 ;;
	strace)
		spawn "$dir" strace -f -p "$DB_PID" -o "$dir/data/strace.out"
		# ready once attached ("Process N attached with M threads")
		wait_for 60 grep -q attached "$dir/recorder.log" || return 1 ;;
	*) return 1 ;;
	esac
	sleep "$SETTLE"
	[ -z "$REC_PGID" ] || kill -0 "$REC_PGID" 2> /dev/null
}

rec_cpu() {
	case $1 in
	untraced) echo 0 ;;
	ttng | ttng-snapshot) pid_jiffies "$TTNG_DPID" ;;
	ttng-relayd) echo $(($(pid_jiffies "$TTNG_DPID") + $(pgrp_jiffies "$REC_PGID"))) ;;
	*) pgrp_jiffies "$REC_PGID" ;;
	esac
}

# ttng-snapshot: a snapshot every SNAP_EVERY s while the load runs (the last
# one, at its end, is taken by rec_stop)
rec_during() {
	local mode=$1 dir=$2
	SNAP_PID=""
	[ "$mode" = ttng-snapshot ] || return 0
	local n=$(((DURATION - 1) / SNAP_EVERY))
	((n > 0)) || return 0
	(
		CLI_TIME=cli-load.time
		for _ in $(seq 1 "$n"); do
			sleep "$SNAP_EVERY"
			ttng "$dir" snapshot record -s "$SESSION" || echo "snapshot record failed" >> "$dir/ttng.log"
		done
	) &
	SNAP_PID=$!
}

rec_stop() {
	local mode=$1 dir=$2 ok=0
	case $mode in
	untraced) ;;
	ttng | ttng-snapshot | ttng-relayd)
		if [ -n "$SNAP_PID" ]; then wait "$SNAP_PID"; SNAP_PID=""; fi
		grep -q "snapshot record failed" "$dir/ttng.log" 2> /dev/null && ok=1
		if [ "$mode" = ttng-snapshot ]; then ttng "$dir" snapshot record -s "$SESSION" || ok=1; fi
		ttng "$dir" stop "$SESSION" || ok=1
		node --import tsx "$HERE/ttng-stats.ts" "$SESSION" > "$dir/ttng-stats.txt" 2>> "$dir/ttng.log" || ok=1
		ttng "$dir" destroy "$SESSION" || ok=1
		SESSION=""
		[ "$mode" = ttng-relayd ] && stop_group ;;
	*) stop_group ;;
	esac
	return $ok
}

# EVENTS: recorded; LOST: the recorder's own count ("" where it has none)
rec_count() {
	local mode=$1 dir=$2
	EVENTS=""; LOST=""; NOTE=""
	BYTES=$(du -sb "$dir/data" 2> /dev/null | cut -f1)
	case $mode in
	untraced) BYTES=0 ;;
	ttng | ttng-relayd)
		EVENTS=$(sed -nE 's/.*recorded=([0-9]+).*/\1/p' "$dir/ttng-stats.txt")
		LOST=$(sed -nE 's/.*discarded=([0-9]+).*/\1/p' "$dir/ttng-stats.txt")
		NOTE="lost_packets=$(sed -nE 's/.*lost_packets=([0-9]+).*/\1/p' "$dir/ttng-stats.txt")" ;;
	ttng-snapshot)
		# the events in the snapshots written (they overlap: pages kept by one
		# are in the next); overwrite mode by design, so no loss to count
		local s n=0 k=0
		for s in "$dir"/data/*/; do
			[ -d "$s" ] || continue
			n=$((n + $("${TTNG_CLI[@]}" view "$s" 2> /dev/null | wc -l)))
			k=$((k + 1))
		done
		EVENTS=$n; NOTE="snapshots=$k" ;;
	trace-cmd)
		trace-cmd report --stat -i "$dir/data/trace.dat" > "$dir/report-stat.txt" 2>&1
		# per CPU: "read events" were recorded; overrun / commit overrun / dropped were lost
		EVENTS=$(awk '/^read events:/ { s += $3 } END { print s + 0 }' "$dir/report-stat.txt")
		LOST=$(awk '/^overrun:/ { s += $2 } /^commit overrun:/ { s += $3 } /^dropped events:/ { s += $3 } END { print s + 0 }' "$dir/report-stat.txt") ;;
	perf)
		perf report --stats -i "$dir/data/perf.data" > "$dir/report-stats.txt" 2>&1
		EVENTS=$(awk '/^ *SAMPLE events:/ { print $3; exit }' "$dir/report-stats.txt")
		# per event: "LOST_SAMPLES events: N" counts the samples the kernel dropped
		LOST=$(awk '/ stats:$/ { e = 1 } e && /LOST_SAMPLES events:/ { s += $3 } END { print s + 0 }' "$dir/report-stats.txt")
		NOTE="lost_chunks=$(awk '/^ *LOST events:/ { print $3; exit }' "$dir/report-stats.txt")" ;;
	strace)
		# one line per system call (an interrupted one: "<unfinished ...>" then "<... resumed>")
		EVENTS=$(grep -v -c -E 'resumed>|^[0-9]+ +(\+\+\+|---) ' "$dir/data/strace.out")
		NOTE="stops_the_tracee_no_loss" ;;
	esac
	[ "$KEEP" = 1 ] || rm -rf "$dir/data"
}

rec_cleanup() {
	[ -n "$SNAP_PID" ] && kill "$SNAP_PID" 2> /dev/null
	if [ -n "$REC_PGID" ] && kill -0 "$REC_PGID" 2> /dev/null; then stop_group; fi
	if [ -n "$TTNG_DPID" ] && kill -0 "$TTNG_DPID" 2> /dev/null; then
		# SIGTERM: the daemon destroys its sessions (and their ftrace instances)
		kill -TERM "$TTNG_DPID"
		local _
		for _ in $(seq 1 100); do kill -0 "$TTNG_DPID" 2> /dev/null || break; sleep 0.1; done
		kill -0 "$TTNG_DPID" 2> /dev/null && kill -KILL "$TTNG_DPID"
	fi
	TTNG_DPID=""
	if [ -d "$TFS/instances/$INST" ]; then
		echo 0 > "$TFS/instances/$INST/tracing_on" 2> /dev/null
		rmdir "$TFS/instances/$INST" 2> /dev/null
	fi
}
