#!/bin/bash
# Runs `trace-cmd record -B INSTANCE …` on kernels whose function-tracer
# control files refuse to open (a locked-down kernel: set_ftrace_pid,
# set_ftrace_filter, set_ftrace_notrace[_pid] and
# /proc/sys/kernel/ftrace_enabled give EPERM). trace-cmd 3.1.6 dies or
# segfaults on those although it records only events. So: make the instance
# first (trace-cmd then reuses it and leaves it, so its files exist to be
# masked), and run trace-cmd in a private mount namespace where each file that
# refuses is covered by a plain file; the rest of the system sees no change.
# On a kernel where the files open, trace-cmd runs as is.
#
# usage: trace-cmd-ns.sh INSTANCE trace-cmd record -B INSTANCE [args...]
# SIGINT/SIGTERM are passed on to trace-cmd (stop it as usual); the instance
# this script made is removed when trace-cmd has exited.
set -u
inst=${1:?usage: trace-cmd-ns.sh INSTANCE trace-cmd record -B INSTANCE ...}
shift
tfs=$(awk '$3 == "tracefs" { print $2; exit }' /proc/mounts)
[ -n "$tfs" ] || { echo "trace-cmd-ns: tracefs is not mounted" >&2; exit 1; }

made=0
if [ ! -d "$tfs/instances/$inst" ]; then mkdir "$tfs/instances/$inst" || exit 1; made=1; fi

# refuses FILE: 0 when opening FILE for writing fails (opening alone writes nothing)
refuses() { [ -e "$1" ] && ! (: >> "$1") 2>/dev/null; }
masked=()
for m in $(awk '$3 == "tracefs" { print $2 }' /proc/mounts); do
	for f in set_ftrace_pid set_ftrace_filter set_ftrace_notrace set_ftrace_notrace_pid; do
		for d in "$m" "$m/instances/$inst"; do
			if refuses "$d/$f"; then masked+=("$d/$f"); fi
		done
	done
done
# this one opens but refuses a write: write back the value it has (no change)
fe=/proc/sys/kernel/ftrace_enabled
if [ -e "$fe" ] && ! (v=$(cat "$fe") && echo "$v" > "$fe") 2>/dev/null; then masked+=("$fe"); fi

scratch=$(mktemp -d /tmp/trace-cmd-ns.XXXXXX)
finish() {
	if [ "$made" = 1 ] && [ -d "$tfs/instances/$inst" ]; then
		echo 0 > "$tfs/instances/$inst/tracing_on" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$tfs/instances/$inst" 2>/dev/null && break; sleep 0.5; done
		[ -d "$tfs/instances/$inst" ] && echo "trace-cmd-ns: could not remove instance $inst" >&2
	fi
	rm -rf "$scratch"
}

if [ ${#masked[@]} -eq 0 ]; then
	trap ':' INT TERM
	"$@" &
else
	# ftrace_enabled must read 1, the other files empty
	echo 1 > "$scratch/one"
	: > "$scratch/empty"
	{
		echo 'set -e'
		for f in "${masked[@]}"; do
			if [ "$f" = /proc/sys/kernel/ftrace_enabled ]; then src=$scratch/one; else src=$scratch/empty; fi
			printf 'mount --bind %q %q\n' "$src" "$f"
		done
		echo 'exec "$@"'
	} > "$scratch/inner.sh"
	# trace-cmd shares our process group: a SIGINT to the group reaches it,
	# and we outlive it to clean up
	trap ':' INT TERM
	unshare -m --propagation private bash "$scratch/inner.sh" "$@" &
fi
child=$!
wait "$child"; rc=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
finish
exit "$rc"
