#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The same pipeline once on a heap that is not a carveout: every buffer of
# every stage from the mainline system heap. 320x240 keeps each buffer
# under 1 MiB, so that the system heap hands out 64 KiB chunks at most: its
# 1 MiB chunks are longer than vgem's and vkms's segment limit, which
# DMA-API debug reports against the mainline heap (see harness/judge.py).
. "$(dirname "$0")/lib.sh"

FRAMES=${FRAMES:-8}
HEAP=${HEAP:-system}
ktap_plan 3
if [ ! -c "/dev/dma_heap/$HEAP" ]; then
	for t in pipeline_runs_on_$HEAP every_frame_checksum_verified buffers_travel_without_copies; do
		ktap_skip $t "no heap $HEAP"
	done
	exit 0
fi
CAMERA_ARGS="--frames $FRAMES --heap $HEAP --size 320x240"
GPU_ARGS="--heap $HEAP"
DISPLAY_ARGS="--heap $HEAP --progress 4"
pl_run
ktap_status $? "pipeline_runs_on_$HEAP"
grep -q "^pipeline: PASS: $FRAMES frames 320x240 camera($HEAP) -> gpu($HEAP) .* $FRAMES/$FRAMES verified" \
	"$PL_DIR/display.out"
ktap_status $? every_frame_checksum_verified
grep -q "zero copy 8/8 buffers" "$PL_DIR/display.out"
ktap_status $? buffers_travel_without_copies
pl_kill_all
rm -rf "$PL_DIR"
