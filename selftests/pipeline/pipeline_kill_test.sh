#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Kill one stage of camera -> {gpu -> display, encoder} with SIGKILL in
# the middle of the stream, once each: the others must notice, say that it
# went away, and exit with status 3 (PL_EXIT_PEER), and the carveout heaps
# must be empty again: nothing of the run leaks, whoever died. Then
# SIGTERM to a camera that runs until stopped: that ends the stream
# cleanly, every stage exits with status 0.
. "$(dirname "$0")/lib.sh"

PL_ENCODER=1
ENCODER_ARGS=
ktap_plan 9
for victim in camera gpu display encoder; do
	CAMERA_ARGS="--frames 0"
	GPU_ARGS=
	DISPLAY_ARGS="--progress 1"
	pl_start
	started=0
	wait_for "$PL_DIR/display.out" "^display: 3 frames shown" 120 && started=1
	case $victim in
	camera) pid=$CAM_PID ;;
	gpu) pid=$GPU_PID ;;
	display) pid=$DISP_PID ;;
	encoder) pid=$ENC_PID ;;
	esac
	kill -9 "$pid"
	pl_wait_all
	echo "# killed $victim after $(grep -c 'frames shown' "$PL_DIR/display.out") progress lines;" \
		"exit status: camera $CAM_RC, gpu $GPU_RC, display $DISP_RC, encoder $ENC_RC"
	ok=$((1 - started))
	[ "$started" = 1 ] || echo "# the pipeline never got going"
	for s in camera gpu display encoder; do
		[ "$s" = "$victim" ] && continue
		pl_log $s
		eval rc=\$$(echo $s | sed 's/camera/CAM_RC/;s/gpu/GPU_RC/;s/display/DISP_RC/;s/encoder/ENC_RC/')
		if [ "$rc" != 3 ]; then
			echo "# $s exited with status $rc, not 3"
			ok=1
		fi
		if ! grep -q "^$s: stopping: .*$victim went away" "$PL_DIR/$s.err"; then
			echo "# $s did not say that $victim went away"
			ok=1
		fi
	done
	ktap_status $ok "killing_${victim}_stops_the_others_cleanly"
	heaps_idle camera display video
	ktap_status $? "killing_${victim}_leaks_no_buffer"
	pl_kill_all
	rm -rf "$PL_DIR"
done

CAMERA_ARGS="--frames 0"
GPU_ARGS=
DISPLAY_ARGS="--progress 1"
pl_start
ok=1
if wait_for "$PL_DIR/display.out" "^display: 3 frames shown" 120; then
	kill -TERM "$CAM_PID"
	pl_wait_all
	echo "# exit status: camera $CAM_RC, gpu $GPU_RC, display $DISP_RC, encoder $ENC_RC"
	grep -h "interrupted\|^pipeline:\|^encoder: PASS" "$PL_DIR"/*.out "$PL_DIR"/*.err | sed 's/^/# /'
	[ "$CAM_RC$GPU_RC$DISP_RC$ENC_RC" = 0000 ] && grep -q "^pipeline: PASS" "$PL_DIR/display.out" &&
		grep -q "^encoder: PASS" "$PL_DIR/encoder.out" && ok=0
	# On failure, everything the stages said, to see who stopped first.
	[ "$ok" = 0 ] || for s in $(pl_stages); do
		pl_log $s
	done
else
	echo "# the pipeline never got going"
fi
ktap_status $ok sigterm_to_camera_ends_the_stream_cleanly
pl_kill_all
rm -rf "$PL_DIR"
