# SPDX-License-Identifier: GPL-2.0
# Shell helpers of the pipeline tests and the demo (sourced, busybox sh):
# start the three stages of Documentation/pipeline.rst, wait for them with a
# time limit, read the carveout heap statistics, and write KTAP.
#
# Stages are found in $PIPELINE_BIN (default /usr/bin). Each run gets its
# own socket directory, so runs never meet each other's sockets.

: "${PIPELINE_BIN:=/usr/bin}"
# The debug kernel under TCG is slow: leave the stages time to notice.
: "${PL_TIMEOUT:=120}"

# pl_start: start display, gpu and camera in the background with
# $DISPLAY_ARGS, $GPU_ARGS and $CAMERA_ARGS, and with PL_ENCODER=1 the
# encoder too, as camera's second consumer, with $ENCODER_ARGS. Output goes
# to $PL_DIR/<stage>.out and .err, or to our stdout when PL_LIVE=1. Sets
# PL_DIR, DISP_PID, GPU_PID, CAM_PID and ENC_PID (empty without encoder).
pl_start() {
	PL_DIR=$(mktemp -d /tmp/pipeline.XXXXXX)
	pl_spawn display --in "$PL_DIR/display.sock" $DISPLAY_ARGS
	DISP_PID=$!
	pl_spawn gpu --in "$PL_DIR/gpu.sock" --out "$PL_DIR/display.sock" $GPU_ARGS
	GPU_PID=$!
	ENC_PID=
	enc=none
	if [ "${PL_ENCODER:-0}" = 1 ]; then
		pl_spawn encoder --in "$PL_DIR/encoder.sock" $ENCODER_ARGS
		ENC_PID=$!
		enc=$PL_DIR/encoder.sock
	fi
	pl_spawn camera --out "$PL_DIR/gpu.sock" --encoder "$enc" $CAMERA_ARGS
	CAM_PID=$!
}

# pl_stages: the stages of the run pl_start started.
pl_stages() {
	echo camera gpu display${ENC_PID:+ encoder}
}

# pl_spawn STAGE ARGS...: one stage in the background ($! is its pid).
pl_spawn() {
	stage=$1
	shift
	if [ "${PL_LIVE:-0}" = 1 ]; then
		"$PIPELINE_BIN/$stage" "$@" &
	else
		"$PIPELINE_BIN/$stage" "$@" >"$PL_DIR/$stage.out" 2>"$PL_DIR/$stage.err" &
	fi
}

# pl_wait PID [SECONDS]: wait for a stage; kill it if it outlives the time
# limit (status 124 then). Prints nothing; returns the exit status.
pl_wait() {
	pid=$1
	left=$((${2:-$PL_TIMEOUT} * 5))
	while kill -0 "$pid" 2>/dev/null && [ "$left" -gt 0 ]; do
		sleep 0.2
		left=$((left - 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# pl_wait_all: wait for the stages; sets CAM_RC, GPU_RC, DISP_RC and
# ENC_RC (0 without encoder).
pl_wait_all() {
	pl_wait "$CAM_PID"
	CAM_RC=$?
	pl_wait "$GPU_PID"
	GPU_RC=$?
	pl_wait "$DISP_PID"
	DISP_RC=$?
	ENC_RC=0
	if [ -n "$ENC_PID" ]; then
		pl_wait "$ENC_PID"
		ENC_RC=$?
	fi
}

# pl_run: a whole run: start, wait, print the exit statuses (and, unless
# PL_LIVE=1, what each stage printed) as KTAP diagnostics. Returns 0 if
# all three exited with status 0.
pl_run() {
	pl_start
	pl_wait_all
	echo "# exit status: camera $CAM_RC, gpu $GPU_RC, display $DISP_RC${ENC_PID:+, encoder $ENC_RC}"
	if [ "${PL_LIVE:-0}" != 1 ]; then
		for s in $(pl_stages); do
			pl_log $s
		done
	fi
	[ "$CAM_RC$GPU_RC$DISP_RC$ENC_RC" = 0000 ]
}

# pl_kill_all: stop whatever is left of a run (after a failed check).
pl_kill_all() {
	for pid in $CAM_PID $GPU_PID $DISP_PID $ENC_PID; do
		kill -9 "$pid" 2>/dev/null
	done
}

# pl_log STAGE: what a stage printed, as KTAP diagnostics.
pl_log() {
	cat "$PL_DIR/$1.out" "$PL_DIR/$1.err" 2>/dev/null | sed 's/^/# /'
}

# heap_stat HEAP KEY: one value of a carveout heap's debugfs statistics.
heap_stat() {
	sed -n "s/^$2: //p" "/sys/kernel/debug/carveout_heap/$1/stats" 2>/dev/null
}

is_carveout() {
	[ -d "/sys/kernel/debug/carveout_heap/$1" ]
}

# heaps_idle HEAP...: wait up to 5 s until every carveout heap named has
# no buffer left (used and live_buffers 0); print the statistics as KTAP
# diagnostics. Heaps that are not carveouts publish nothing and pass.
heaps_idle() {
	ok=0
	for h; do
		is_carveout "$h" || continue
		n=25
		while [ "$(heap_stat "$h" used)" != 0 ] || [ "$(heap_stat "$h" live_buffers)" != 0 ]; do
			n=$((n - 1))
			[ "$n" -gt 0 ] || break
			sleep 0.2
		done
		used=$(heap_stat "$h" used)
		live=$(heap_stat "$h" live_buffers)
		echo "# heap $h: used $used, live_buffers $live"
		[ "$used" = 0 ] && [ "$live" = 0 ] || ok=1
	done
	return $ok
}

# wait_for FILE PATTERN SECONDS: until a line of FILE matches PATTERN.
wait_for() {
	n=$(($3 * 5))
	until grep -q "$2" "$1" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.2
	done
}

# KTAP: the kernel's ktap_helpers.sh and selftests/lib/ktap.sh, installed
# next to this file.
. "$(dirname "$0")/ktap_helpers.sh"
. "$(dirname "$0")/ktap.sh"
