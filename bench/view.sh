#!/usr/bin/env bash
# bench/view.sh — speed of `ttng view` against babeltrace2 on one big trace.
#
# Usage:  bash bench/view.sh          (or: npm run bench)
# Environment:
#   TRACE      trace directory (default /tmp/ttng-bench/ints3-5M, recorded by
#              bench/make-trace.sh if it does not exist)
#   ROUNDS     timed rounds (default 3)
#   BENCH_TMP  scratch directory (default /tmp/ttng-bench)
#   KEEP=1     keep the two text outputs used by the correctness check
#
# 1. check (untimed): babeltrace2 TRACE and ttng view TRACE are written to
#    files once; their md5sums must be equal. The event count N used for
#    events/s is the line count of babeltrace2's text (one line per event).
# 2. ROUNDS rounds; in each round the four commands run one after the other,
#    never two at once, babeltrace2 and ttng alternating:
#      babeltrace2 TRACE > /dev/null          ttng view TRACE > /dev/null
#      babeltrace2 -o dummy TRACE             ttng view --format dummy TRACE
#    each under /usr/bin/time -f '%e %M %U %S' (wall s, peak RSS KiB, CPU s),
#    ttng from a copy of bin/ + dist/ taken at the start.
# 3. per command: the runs, median seconds, N / median (events/s), peak RSS
#    (max over the runs, MiB); then the ratios of the medians
#    ttng events/s ÷ babeltrace2 events/s for text (goal >= 3) and dummy
#    (goal >= 4). Nothing here asserts on time; the exit status is 1 only if
#    a command failed or the text outputs differ.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BENCH_TMP=${BENCH_TMP:-/tmp/ttng-bench}
TRACE=${TRACE:-$BENCH_TMP/ints3-5M}
ROUNDS=${ROUNDS:-3}
TIME=/usr/bin/time
cd "$ROOT"

[[ -x $TIME ]] || { echo "view.sh: $TIME missing (apt-get install time)" >&2; exit 1; }
command -v babeltrace2 >/dev/null || { echo "view.sh: babeltrace2 missing (apt-get install babeltrace2)" >&2; exit 1; }
[[ -d $TRACE ]] || TRACE=$TRACE bash "$HERE/make-trace.sh" "$TRACE"
[[ -f dist/cli/main.js ]] || npx tsc -p .

W=$(mktemp -d "${BENCH_TMP%/}/view.XXXXXX")
cleanup() { if [[ -z ${KEEP:-} ]]; then rm -rf "$W"; else echo "kept $W" >&2; fi; }
trap cleanup EXIT
STATUS=0

# ttng runs from a snapshot of bin/ + dist/ taken now, so that a rebuild of
# dist/ during the benchmark (another engineer running tsc) cannot change
# what is measured half-way; dist/ imports only node: built-ins.
mkdir -p "$W/ttng"
cp -a bin dist package.json "$W/ttng/"
TTNG=(node "$W/ttng/bin/ttng.js")

median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
maxof() { sort -g | tail -1; }

# ------------------------------------------------------------------ header
stream_bytes=$(find "$TRACE" -type f ! -name metadata ! -name '*.idx' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "# ttng view benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc); node $(node --version); babeltrace2 $(dpkg-query -W -f='${Version}' babeltrace2 2>/dev/null || babeltrace2 --version | head -1)"
echo "# ttng: $(git log -1 --format='%h %s' 2>/dev/null)$(git status --porcelain -- src 2>/dev/null | grep -q . && echo ' (src/ has uncommitted changes)')"
newest_dist=$(find "$W/ttng/dist" -type f -name '*.js' -printf '%T@\n' | sort -g | tail -1)
stale=$(find src -type f -name '*.ts' -newermt "@$newest_dist" | head -3 | tr '\n' ' ')
[[ -n $stale ]] && echo "# warning: src/ files newer than dist/ (dist is what runs; npm run build): $stale"
echo "# dist/ snapshot: newest file $(date -u -d "@$newest_dist" +%H:%M:%SZ); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# TRACE=$TRACE ($stream_bytes bytes of stream files) ROUNDS=$ROUNDS"

# ------------------------------------------------------------------ 1. check
babeltrace2 "$TRACE" > "$W/bt2.txt" 2> "$W/bt2.err" || { echo "babeltrace2 TRACE failed: $(head -3 "$W/bt2.err")"; STATUS=1; }
"${TTNG[@]}" view "$TRACE" > "$W/ttng.txt" 2> "$W/ttng.err" || { echo "ttng view TRACE failed: $(head -3 "$W/ttng.err")"; STATUS=1; }
N=$(wc -l < "$W/bt2.txt")
N_ttng=$(wc -l < "$W/ttng.txt")
md5_bt2=$(md5sum < "$W/bt2.txt" | cut -d' ' -f1)
md5_ttng=$(md5sum < "$W/ttng.txt" | cut -d' ' -f1)
echo "events: $N (lines of babeltrace2 text; ttng text has $N_ttng lines)"
if [[ $md5_bt2 == "$md5_ttng" ]]; then
	echo "check: text outputs identical: yes (md5 $md5_bt2, $(stat -c %s "$W/bt2.txt") bytes)"
else
	STATUS=1
	echo "check: text outputs identical: NO (md5 babeltrace2 $md5_bt2, ttng $md5_ttng; bytes $(stat -c %s "$W/bt2.txt") vs $(stat -c %s "$W/ttng.txt"))"
	c=$(cmp "$W/bt2.txt" "$W/ttng.txt" 2>&1 || true)
	echo "  cmp: ${c//$W\//}"
	line=$(sed -n 's/.* line \([0-9]*\).*/\1/p' <<<"$c")
	if [[ -n $line ]]; then
		from=$((line > 2 ? line - 2 : 1)); to=$((line + 2))
		echo "  babeltrace2 lines $from-$to:"; sed -n "${from},${to}p;${to}q" "$W/bt2.txt" | sed 's/^/    /'
		echo "  ttng        lines $from-$to:"; sed -n "${from},${to}p;${to}q" "$W/ttng.txt" | sed 's/^/    /'
	fi
fi
[[ -n ${KEEP:-} ]] || rm -f "$W/bt2.txt" "$W/ttng.txt"
[[ $N -gt 0 ]] || { echo "no events counted; stopping"; exit 1; }

# ------------------------------------------------------------------ 2. rounds
KEYS=(bt2_text ttng_text bt2_dummy ttng_dummy)
declare -A LABEL=(
	[bt2_text]="babeltrace2 TRACE > /dev/null"
	[ttng_text]="ttng view TRACE > /dev/null"
	[bt2_dummy]="babeltrace2 -o dummy TRACE"
	[ttng_dummy]="ttng view --format dummy TRACE"
)
declare -A SECS=() RSS=()
run() { # run KEY CMD... : one timed run, stdout to /dev/null
	local key=$1; shift
	local rc=0
	"$TIME" -f '%e %M %U %S' -o "$W/time" "$@" > /dev/null 2> "$W/err" || rc=$?
	if [[ $rc != 0 ]]; then
		STATUS=1
		echo "  ${LABEL[$key]}: exit status $rc: $(head -3 "$W/err")" >&2
	fi
	local e m u s
	read -r e m u s < <(tail -1 "$W/time")
	SECS[$key]+="$e "
	RSS[$key]+="$m "
	OWN_CPU=$(awk -v a="$OWN_CPU" -v u="$u" -v s="$s" 'BEGIN {print a + u + s}')
}
# CPU seconds used by the whole machine during the rounds (/proc/stat) minus
# those of the measured commands: a noise indicator (other processes).
busy() { awk '/^cpu / {print ($2 + $3 + $4 + $7 + $8 + $9) / '"$(getconf CLK_TCK)"'}' /proc/stat; }
OWN_CPU=0
BUSY0=$(busy)
for r in $(seq "$ROUNDS"); do
	echo "round $r/$ROUNDS ..." >&2
	run bt2_text babeltrace2 "$TRACE"
	run ttng_text "${TTNG[@]}" view "$TRACE"
	run bt2_dummy babeltrace2 -o dummy "$TRACE"
	run ttng_dummy "${TTNG[@]}" view --format dummy "$TRACE"
done

# ------------------------------------------------------------------ 3. report
BUSY1=$(busy)
echo "# CPU seconds used by other processes during the rounds: $(awk -v a="$BUSY0" -v b="$BUSY1" -v o="$OWN_CPU" 'BEGIN {x = b - a - o; printf "%.1f", (x < 0 ? 0 : x)}') (measured commands: $(printf '%.1f' "$OWN_CPU")); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A MED=()
RW=$(( 6 * ROUNDS > 8 ? 6 * ROUNDS : 8 ))
printf "%-32s %-${RW}s %9s %12s %13s\n" "command" "runs (s)" "median s" "events/s" "peak RSS MiB"
for k in "${KEYS[@]}"; do
	MED[$k]=$(tr ' ' '\n' <<<"${SECS[$k]}" | grep . | median)
	rss=$(tr ' ' '\n' <<<"${RSS[$k]}" | grep . | maxof)
	printf "%-32s %-${RW}s %9.2f %12.0f %13.1f\n" "${LABEL[$k]}" "${SECS[$k]% }" "${MED[$k]}" \
		"$(awk -v n="$N" -v t="${MED[$k]}" 'BEGIN {print (t > 0 ? n / t : 0)}')" \
		"$(awk -v k="$rss" 'BEGIN {print k / 1024}')"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
echo "ratio text  (ttng events/s / babeltrace2 events/s): $(ratio "${MED[bt2_text]}" "${MED[ttng_text]}")  (goal >= 3)"
echo "ratio dummy (ttng events/s / babeltrace2 events/s): $(ratio "${MED[bt2_dummy]}" "${MED[ttng_dummy]}")  (goal >= 4)"
exit $STATUS
