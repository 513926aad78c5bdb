#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The pipeline for a short count on its default carveout heaps (camera,
# display): every frame's checksum is verified, the buffers that
# travel are the same dma-bufs, and the heaps are empty afterwards.
. "$(dirname "$0")/lib.sh"

FRAMES=${FRAMES:-12}
ktap_plan 4
CAMERA_ARGS="--frames $FRAMES --heap camera"
GPU_ARGS="--heap display"
DISPLAY_ARGS="--heap display --progress 4"
pl_run
ktap_status $? pipeline_runs_to_completion
grep -q "^pipeline: PASS: $FRAMES frames .* $FRAMES/$FRAMES verified" "$PL_DIR/display.out"
ktap_status $? every_frame_checksum_verified
# Four frame buffers and four XRGB buffers, each the same dma-buf at both ends.
[ "$(grep -c 'zero copy: buffer .* at DMA address' "$PL_DIR/gpu.out")" = 4 ] &&
	[ "$(grep -c 'zero copy: buffer .* at DMA address' "$PL_DIR/display.out")" = 4 ] &&
	grep -q "zero copy 8/8 buffers" "$PL_DIR/display.out"
ktap_status $? buffers_travel_without_copies
heaps_idle camera display video
ktap_status $? heap_stats_back_to_zero
pl_kill_all
rm -rf "$PL_DIR"
