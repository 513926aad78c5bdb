#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad input to the stages: an unknown heap name is refused with the list of
# the heaps that exist, and frames that do not fit in a carveout are
# refused with their size and the heap's free space. (Malformed metadata
# from a peer: pipeline_badmeta_test.)
. "$(dirname "$0")/lib.sh"

ktap_plan 4
D=$(mktemp -d /tmp/pipeline.XXXXXX)
heaps=$(ls /dev/dma_heap)

# unknown_heap STAGE ARGS...: status 2, and every existing heap named.
unknown_heap() {
	stage=$1
	shift
	"$PIPELINE_BIN/$stage" --heap no-such-heap "$@" >"$D/out" 2>"$D/err"
	rc=$?
	sed 's/^/# /' "$D/err"
	[ "$rc" = 2 ] || { echo "# $stage exited with status $rc, not 2"; return 1; }
	list=$(sed -n "s/.*no heap named 'no-such-heap'; the heaps here are: //p" "$D/err")
	[ -n "$list" ] || return 1
	for h in $heaps; do
		case " $list " in
		*" $h "*) ;;
		*) echo "# heap $h is not listed"; return 1 ;;
		esac
	done
}
unknown_heap camera --out "$D/none.sock"
ktap_status $? camera_unknown_heap_lists_the_heaps
unknown_heap gpu --in "$D/gpu.sock" --out "$D/none.sock" && unknown_heap display --in "$D/display.sock"
ktap_status $? gpu_and_display_unknown_heap_list_the_heaps

# 8192x8192 NV12 is 96 MiB a frame: more than the whole camera carveout.
if is_carveout camera; then
	free=$(cat /sys/kernel/carveout_heap/camera/free)
	"$PIPELINE_BIN/camera" --heap camera --size 8192x8192 --out "$D/none.sock" >"$D/out" 2>"$D/err"
	rc=$?
	sed 's/^/# /' "$D/err"
	[ "$rc" = 2 ] && grep -q "each needs 100663296 bytes" "$D/err" &&
		grep -q "has $free bytes" "$D/err"
	ktap_status $? frame_too_big_names_size_and_free_space
	# 2048x2048 frames (6 MiB) fit one by one, but not 16 of them.
	"$PIPELINE_BIN/camera" --heap camera --size 2048x2048 --depth 16 --out "$D/none.sock" \
		>"$D/out" 2>"$D/err"
	rc=$?
	sed 's/^/# /' "$D/err"
	[ "$rc" = 2 ] && grep -q "16 frames of 2048x2048 NV12 do not fit in heap 'camera'" "$D/err" &&
		grep -q "in all; the heap has $free bytes" "$D/err"
	ktap_status $? ring_too_big_names_total_and_free_space
else
	ktap_skip frame_too_big_names_size_and_free_space "no carveout heap 'camera'"
	ktap_skip ring_too_big_names_total_and_free_space "no carveout heap 'camera'"
fi
heaps_idle camera >/dev/null
rm -rf "$D"
