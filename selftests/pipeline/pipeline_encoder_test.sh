#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# camera -> encoder (Documentation/pipeline.rst, "The encoder"): 8 frames
# compressed by vicodec's stateful encoder straight from camera's
# dma-bufs, each decoded back into a carveout buffer and compared with its
# source. Both stages exit 0, every frame is above the PSNR floor, the
# buffers are camera's own, the stream file holds every frame, and the
# heaps are empty afterwards. Then SIGKILL to the encoder, and to camera,
# mid-stream: the other one exits with status 3 and nothing leaks.
. "$(dirname "$0")/lib.sh"

FRAMES=${FRAMES:-8}
ART=${OUT:-/tmp}/artifacts
STREAM=$ART/encoder-stream.fwht

# enc_start CAMERA_ARGS ENCODER_ARGS: sets PL_DIR, CAM_PID, ENC_PID.
enc_start() {
	PL_DIR=$(mktemp -d /tmp/pipeline.XXXXXX)
	pl_spawn encoder --in "$PL_DIR/encoder.sock" $2
	ENC_PID=$!
	pl_spawn camera --out none --encoder "$PL_DIR/encoder.sock" $1
	CAM_PID=$!
}

enc_stop() {
	kill -9 "$CAM_PID" "$ENC_PID" 2>/dev/null
	rm -rf "$PL_DIR"
}

# The size from stat: wc -c reads a stream the encoder is still appending
# to over 9p and may never reach its end.
fsize() {
	stat -c %s "$1" 2>/dev/null || echo 0
}

# The size the encoder reported ("..., N bytes, ...").
reported_bytes() {
	sed -n 's/.* I-frames), \([0-9]*\) bytes,.*/\1/p' "$PL_DIR/encoder.out"
}

ktap_plan 9
have=0
for n in /sys/class/video4linux/*/name; do
	grep -qx stateful-encoder "$n" 2>/dev/null && have=1
done
if [ "$have" = 0 ]; then
	for t in camera_to_encoder_exits_0 every_frame_above_the_psnr_floor \
		buffers_travel_without_copies stream_file_holds_every_frame \
		heaps_empty_after_encoding killing_encoder_stops_camera \
		killing_encoder_leaks_no_buffer killing_camera_stops_encoder \
		killing_camera_leaks_no_buffer; do
		ktap_skip $t "no vicodec stateful-encoder node"
	done
	exit 0
fi
mkdir -p "$ART"

enc_start "--frames $FRAMES" "--stream $STREAM"
pl_wait "$CAM_PID"
CAM_RC=$?
pl_wait "$ENC_PID"
ENC_RC=$?
echo "# exit status: camera $CAM_RC, encoder $ENC_RC"
pl_log camera
pl_log encoder
[ "$CAM_RC$ENC_RC" = 00 ]
ktap_status $? camera_to_encoder_exits_0
grep -q "^encoder: PASS: $FRAMES frames .* -> decoder, $FRAMES/$FRAMES above the floor" \
	"$PL_DIR/encoder.out"
ktap_status $? every_frame_above_the_psnr_floor
grep -q "^encoder: zero copy 4/4 buffers" "$PL_DIR/encoder.out"
ktap_status $? buffers_travel_without_copies
# Every frame starts with the FWHT magic; the file holds what was reported.
size=$(fsize "$STREAM")
magic=$(od -An -tx1 -N8 "$STREAM" 2>/dev/null | tr -d ' \n')
echo "# stream $STREAM: $size bytes, reported $(reported_bytes), starts with $magic"
[ "$size" -gt 0 ] && [ "$size" = "$(reported_bytes)" ] && [ "$magic" = 4f4f4f4fffffffff ]
ktap_status $? stream_file_holds_every_frame
heaps_idle camera video
ktap_status $? heaps_empty_after_encoding
enc_stop

for victim in encoder camera; do
	KILLED=$ART/encoder-killed.fwht
	rm -f "$KILLED"
	enc_start "--frames 0" "--stream $KILLED"
	# Under way once a few frames are in the stream.
	n=600
	while [ "$(fsize "$KILLED")" -lt 4096 ] && [ "$n" -gt 0 ]; do
		sleep 0.2
		n=$((n - 1))
	done
	if [ "$victim" = encoder ]; then
		kill -9 "$ENC_PID" 2>/dev/null
		other=camera
		pl_wait "$CAM_PID"
	else
		kill -9 "$CAM_PID" 2>/dev/null
		other=encoder
		pl_wait "$ENC_PID"
	fi
	rc=$?
	wait 2>/dev/null
	echo "# killed $victim after $(fsize "$KILLED") stream bytes; $other exited with status $rc"
	pl_log $other
	[ "$victim" = encoder ] && said="encoder went away" || said="camera went away"
	[ "$n" -gt 0 ] && [ "$rc" = 3 ] && grep -q "^$other: stopping: .*$said" "$PL_DIR/$other.err"
	ktap_status $? "killing_${victim}_stops_$other"
	heaps_idle camera video
	ktap_status $? "killing_${victim}_leaks_no_buffer"
	enc_stop
done
