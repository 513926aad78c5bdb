#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The pipeline with a real V4L2 capture driver: vivid imports camera's
# frames (V4L2_MEMORY_DMABUF, vb2-dma-contig) and gpu and display take
# them as always. Every frame is checked: camera checks vivid's colour
# bars, gpu camera's checksum, display gpu's. Then the uncached (no-map)
# heap, which vivid writes through the exporter's write-combined vmap, and
# the bad inputs: a node that cannot stream video, a format vivid does not
# take, and a device unplugged mid-stream (vivid's second instance,
# harness/boot.sh), each with a clear message and nothing left behind.
. "$(dirname "$0")/lib.sh"

FRAMES=${FRAMES:-12}
HEAPS="camera display video"
ktap_plan 9

# camera -> {gpu -> display, encoder}: a frame goes back to vivid once
# both of camera's consumers have released it.
PL_ENCODER=1
ENCODER_ARGS="--stream /tmp/vivid-stream.fwht"
CAMERA_ARGS="--frames $FRAMES --heap camera --v4l2 vivid-000-vid-cap"
GPU_ARGS="--heap display"
DISPLAY_ARGS="--heap display --progress 4"
pl_run
ktap_status $? pipeline_with_vivid_and_encoder_runs_to_completion
grep -q "^camera: $FRAMES frames captured by vivid, each checked for the colour bars" \
	"$PL_DIR/camera.out" &&
	grep -q "^pipeline: PASS: $FRAMES frames .* $FRAMES/$FRAMES verified" "$PL_DIR/display.out" &&
	grep -q "^encoder: PASS: $FRAMES frames .* $FRAMES/$FRAMES above the floor" \
		"$PL_DIR/encoder.out"
ktap_status $? every_vivid_frame_verified_at_display_and_encoder
# vivid's sequence and timestamps reached display through gpu, in order.
grep -q "^display: V4L2: $FRAMES frames with sequence .* 0 out of order" "$PL_DIR/display.out"
ktap_status $? v4l2_sequence_and_timestamps_travel
# Every socket: camera's four frames at gpu and at encoder, gpu's four
# buffers at display.
[ "$(grep -c 'zero copy: buffer .*' "$PL_DIR/gpu.out")" = 4 ] &&
	grep -q "zero copy 8/8 buffers" "$PL_DIR/display.out" &&
	grep -q "^encoder: zero copy 4/4 buffers" "$PL_DIR/encoder.out"
ktap_status $? vivid_frames_travel_without_copies
pl_kill_all
rm -rf "$PL_DIR" /tmp/vivid-stream.fwht
PL_ENCODER=0

# camera alone (--out none): its exit status, and what it printed, in $out.
PL_DIR=$(mktemp -d /tmp/v4l2.XXXXXX)
alone() {
	"$PIPELINE_BIN/camera" --out none --timeout 60 "$@" >"$PL_DIR/out" 2>&1
	rc=$?
	sed 's/^/# /' "$PL_DIR/out"
	echo "# camera $*: exit status $rc"
	return $rc
}

alone --v4l2 vivid --heap display --frames 4 &&
	grep -q "4 frames captured by vivid, each checked for the colour bars" "$PL_DIR/out"
ktap_status $? uncached_heap_frames_written_through_vmap_verify

alone --v4l2 /dev/radio0 --heap camera --frames 1
[ $? = 2 ] && grep -q "/dev/radio0 (vivid, .*) has no streaming video capture queue" "$PL_DIR/out"
ktap_status $? node_without_video_streaming_is_refused

alone --v4l2 vivid --heap camera --size 1000x1000 --frames 1
[ $? = 2 ] && grep -q "does not take NV12 1000x1000 with 1008-byte lines: it offers NV12" "$PL_DIR/out"
ktap_status $? format_vivid_does_not_take_is_refused

# Unplugged mid-stream: the capture stops with status 1 and a message.
"$PIPELINE_BIN/camera" --out none --timeout 60 --v4l2 vivid-001-vid-cap --heap camera \
	--frames 0 >"$PL_DIR/out" 2>&1 &
pid=$!
unplugged=1
if wait_for "$PL_DIR/out" "frame 0 holds the 75% colour bars" 60; then
	dev=$(sed -n "s/^camera: capturing from \(\/dev\/video[0-9]*\) .*/\1/p" "$PL_DIR/out")
	"$(dirname "$0")/v4l2_ctrl" "$dev" Disconnect 1
	pl_wait "$pid" 60
	rc=$?
	[ "$rc" = 1 ] && grep -q "(vivid): the device went away" "$PL_DIR/out" && unplugged=0
	echo "# camera exit status $rc after $dev was unplugged"
fi
kill -9 "$pid" 2>/dev/null
sed 's/^/# /' "$PL_DIR/out"
ktap_status $unplugged device_unplugged_mid_stream_stops_cleanly

heaps_idle $HEAPS
ktap_status $? heap_stats_back_to_zero
rm -rf "$PL_DIR"
