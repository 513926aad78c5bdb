#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# SIGKILL at random points: each round starts the pipeline, waits a random
# time (0-3 s: while the stages start, connect, allocate, or stream), and
# kills one or two random stages. Whatever the point, the survivors must
# exit by themselves (no hang: pl_wait's time limit is a failure) and
# every byte must go back to the carveout heaps.
#
# PL_KILL_ROUNDS rounds (default 3; `make stress` runs 20); PL_KILL_SEED
# fixes the seed (default: random, printed, so a round can be replayed).
. "$(dirname "$0")/lib.sh"

rounds=${PL_KILL_ROUNDS:-3}
seed=${PL_KILL_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
ktap_plan $((rounds * 2))
echo "# seed $seed (rerun: PL_KILL_SEED=$seed PL_KILL_ROUNDS=$rounds $0)"

# One line per round: victim mask (1 camera, 2 gpu, 4 display) and delay.
awk -v s="$seed" -v n="$rounds" 'BEGIN {
	srand(s)
	for (i = 0; i < n; i++)
		print 1 + int(rand() * 6), int(rand() * 3000)
}' >/tmp/randkill.plan

killed=0
r=0
while read -r mask ms; do
	r=$((r + 1))
	# A survivor whose peer died before connecting gives up after 15 s.
	CAMERA_ARGS="--frames 0 --timeout 15"
	GPU_ARGS="--timeout 15"
	DISPLAY_ARGS="--progress 1 --timeout 15"
	pl_start
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	victims=
	[ $((mask & 1)) = 0 ] || victims="$victims camera:$CAM_PID"
	[ $((mask & 2)) = 0 ] || victims="$victims gpu:$GPU_PID"
	[ $((mask & 4)) = 0 ] || victims="$victims display:$DISP_PID"
	names=
	for v in $victims; do
		kill -9 "${v#*:}" 2>/dev/null
		names="$names ${v%%:*}"
		killed=$((killed + 1))
	done
	pl_wait_all
	shown=$(grep -c 'frames shown' "$PL_DIR/display.out" 2>/dev/null)
	echo "# round $r: killed$names after ${ms} ms ($shown progress lines);" \
		"exit status: camera $CAM_RC, gpu $GPU_RC, display $DISP_RC"
	ok=0
	for rc in $CAM_RC $GPU_RC $DISP_RC; do
		[ "$rc" = 124 ] && ok=1
	done
	[ "$ok" = 0 ] || { echo "# a stage did not exit by itself"; for s in camera gpu display; do pl_log $s; done; }
	ktap_status $ok "round_${r}_survivors_exit"
	heaps_idle camera display video
	ktap_status $? "round_${r}_leaks_no_buffer"
	pl_kill_all
	rm -rf "$PL_DIR"
done </tmp/randkill.plan
rm -f /tmp/randkill.plan
echo "# randkill: $rounds rounds, $killed processes killed"
