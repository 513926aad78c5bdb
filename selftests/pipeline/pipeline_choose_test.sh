#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Without --heap, every stage asks libdma for the best heap for the devices
# its buffers visit (ldma_heap_choose()) and logs the choice with the
# `dmabuf which` command that ranks the same way. Run once with the
# emulated camera and once with vivid (and the encoder): each stage's
# choice must be what `dmabuf which` prints for the same devices, the
# emulated camera must get the heap its DT memory-region names, vivid a
# contiguous heap, and the run must pass with the heaps empty afterwards.
. "$(dirname "$0")/lib.sh"

ktap_plan 8

# choice_of STAGE: "HEAP|ARGS" from the stage's log line
# "heap 'HEAP' chosen (dmabuf which ARGS)...".
choice_of() {
	cat "$PL_DIR/$1.out" "$PL_DIR/$1.err" 2>/dev/null |
		sed -n "s/.*heap '\([^']*\)' chosen (dmabuf which \([^)]*\)).*/\1|\2/p" | head -n 1
}

# same_as_cli STAGE...: each stage chose a heap, and `dmabuf which` on the
# same devices names the same one.
same_as_cli() {
	for st in "$@"; do
		got=$(choice_of "$st")
		if [ -z "$got" ]; then
			echo "# $st logged no heap choice"
			return 1
		fi
		# shellcheck disable=SC2086 # the devices and options, split on purpose
		cli=$(dmabuf which ${got#*|} | sed -n 's/^choice: //p')
		echo "# $st chose '${got%%|*}'; dmabuf which ${got#*|}: '$cli'"
		[ "$cli" = "${got%%|*}" ] || return 1
	done
}

CAMERA_ARGS="--frames 6 --device camera"
GPU_ARGS=
DISPLAY_ARGS="--progress 3"
pl_run
ktap_status $? emulated_pipeline_runs_on_chosen_heaps
same_as_cli camera gpu display
ktap_status $? emulated_stages_choose_what_dmabuf_which_prints
# The board's DT gives the camera the camera carveout (memory-region).
[ "$(choice_of camera | cut -d'|' -f1)" = camera ] &&
	grep -q "named by the memory-region of camera" "$PL_DIR/camera.out" "$PL_DIR/camera.err"
ktap_status $? emulated_camera_gets_its_memory_region
heaps_idle camera display video
ktap_status $? heaps_empty_after_emulated_run
pl_kill_all
rm -rf "$PL_DIR"

PL_ENCODER=1
ENCODER_ARGS=
CAMERA_ARGS="--frames 6 --v4l2 vivid"
pl_run
ktap_status $? vivid_pipeline_runs_on_chosen_heaps
same_as_cli camera gpu display encoder
ktap_status $? vivid_stages_choose_what_dmabuf_which_prints
heap=$(choice_of camera | cut -d'|' -f1)
[ -n "$heap" ] && [ "$(cat "/sys/kernel/carveout_heap/$heap/contiguous" 2>/dev/null)" = 1 ]
ktap_status $? vivid_gets_a_contiguous_heap
heaps_idle camera display video
ktap_status $? heaps_empty_after_vivid_run
pl_kill_all
rm -rf "$PL_DIR"
