#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo (`make demo`, Documentation/pipeline.rst): camera -> gpu ->
# display on the heaps libdma chooses for each stage's devices (each
# stage logs "heap 'X' chosen (dmabuf which ...): why"), with the stages' own report, the
# heap statistics afterwards, and the last frame as a PNG.
# The camera captures from vivid (DEMO_CAMERA=vivid, a V4L2 node or driver)
# or, with DEMO_CAMERA=emulated, has the importer's camera device write
# the test pattern.
# Usage: demo.sh ARTIFACT_DIR   (DEMO_FRAMES=N, DEMO_SIZE=WxH, DEMO_CAMERA=)
. "$(dirname "$0")/lib.sh"

art=${1:-/tmp}
frames=${DEMO_FRAMES:-60}
size=${DEMO_SIZE:-640x480}
source=${DEMO_CAMERA:-vivid}
png=$art/pipeline-last-frame.png

echo "demo: the board's heaps (dmabuf list):"
dmabuf list 2>&1 | sed 's/^/demo:   /'
if [ "$source" = vivid ]; then
	for n in /sys/class/video4linux/video*; do
		grep -q "vivid-000-vid-cap" "$n/name" 2>/dev/null || continue
		echo "demo: what libdma makes of vivid (dmabuf which /dev/${n##*/}):"
		dmabuf which "/dev/${n##*/}" 2>&1 | sed 's/^/demo:   /'
		break
	done
fi
stream=$art/camera-stream.fwht
echo "demo: camera ($source) -> {gpu -> display, encoder}: $frames frames of $size NV12, four processes, buffers passed over UNIX sockets"
echo "demo: no --heap: each stage asks libdma which heap fits its devices, and says why (the 'chosen' lines)"
PL_LIVE=1
PL_ENCODER=1
ENCODER_ARGS="--stream $stream"
CAMERA_ARGS="--frames $frames --size $size"
[ "$source" = emulated ] || CAMERA_ARGS="$CAMERA_ARGS --v4l2 $source"
GPU_ARGS=
DISPLAY_ARGS="--png $png"
rm -f "$png"
pl_start
pl_wait_all
echo "demo: exit status: camera $CAM_RC, gpu $GPU_RC, display $DISP_RC, encoder $ENC_RC"
heaps=$(heaps_idle camera display video)
idle=$?
echo "$heaps" | sed 's/^# /demo: after the run: /'
rm -rf "$PL_DIR"
if [ "$CAM_RC$GPU_RC$DISP_RC$ENC_RC" = 0000 ] && [ "$idle" = 0 ] && [ -s "$png" ] && [ -s "$stream" ]; then
	echo "demo: PASS: $frames frames checked end to end, heaps empty again; last frame in artifacts/${png##*/}, the FWHT stream in artifacts/${stream##*/}"
	exit 0
fi
echo "demo: FAIL (see the lines above)"
exit 1
