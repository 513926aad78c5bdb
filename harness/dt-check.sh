#!/usr/bin/env bash
# Validate the DT binding and every overlay in dts/ with Debian's
# dt-schema tools; print KTAP (one result per file, and one per board
# for the board's overlays merged together, as boot.sh merges them).
#
# QEMU's own DTB has schema complaints of its own (for example its
# platform-bus node). An overlay passes when the merged DTB adds no
# message to the ones the base DTB already has, so nothing of ours is
# ever hidden. An overlay that declares deliberately bad nodes for the
# driver's tests lists the messages they must produce, one per line, in
# <overlay>.dt-expected ("#" starts a comment): it passes when its new
# messages are exactly those, so a bad node that the schema stops catching
# fails the check too. A deliberately broken copy of the QEMU overlay must
# fail, which shows the check can fail.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/board.sh"
need dt-validate dt-schema
need qemu-system-aarch64 qemu-system-arm

bindings=$TOP/Documentation/devicetree/bindings
w=$BUILD/dt-check
rm -rf "$w"
mkdir -p "$w"
schemas=("$bindings"/*/*.yaml)
overlays=("$TOP"/dts/*.dtso "$TOP"/dts/examples/*.dtso)

ktap_init "$("$TOP/harness/kernel.sh" source)"
read -ra boards <<<"$BOARDS"
ktap_plan $(( ${#schemas[@]} + ${#overlays[@]} + ${#boards[@]} + 1 ))
result() { # result STATUS NAME [DIAG_FILE]
	if [ "$1" != 0 ] && [ -n "${3:-}" ]; then
		sed 's/^/# /' "$3"
	fi
	ktap_status "$1" "$2"
}

for s in "${schemas[@]}"; do
	dt-doc-validate -u "$bindings" "$s" >"$w/doc.log" 2>&1
	rc=$?
	[ -s "$w/doc.log" ] && rc=1
	result "$rc" "dt-doc-validate ${s#"$TOP"/}" "$w/doc.log"
done

if ! dt-mk-schema -j "$bindings" >"$w/schema.json" 2>"$w/mk.log" ||
	! qemu-system-aarch64 -M virt,dumpdtb="$w/base.dtb" -cpu cortex-a57 -m 2048 \
		-nographic -nic none >"$w/dump.log" 2>&1; then
	echo "Bail out! cannot build the schema or dump QEMU's DTB"
	exit 0
fi
# Messages name the DTB file; strip it so base and merged compare. The
# "From schema:" lines name the schema's absolute path: drop them.
validate() {
	dt-validate -s "$w/schema.json" "$1" 2>&1 | sed "s|$1: ||" |
		grep -v '^[[:space:]]*From schema:' | sort
}
validate "$w/base.dtb" >"$w/base.msgs"

check_overlay() { # check_overlay NAME DTSO...
	local name=$1 o dtbos=() expected
	shift
	: >"$w/$name.log"
	: >"$w/$name.expected"
	for o in "$@"; do
		dtbos+=("$w/$name-$(basename "$o" .dtso).dtbo")
		dtc -q -@ -I dts -O dtb -o "${dtbos[-1]}" "$o" 2>>"$w/$name.log" || return 1
		expected=${o%.dtso}.dt-expected
		[ -f "$expected" ] && grep -v "^#" "$expected" >>"$w/$name.expected"
	done
	fdtoverlay -i "$w/base.dtb" -o "$w/$name.dtb" "${dtbos[@]}" 2>>"$w/$name.log" || return 1
	validate "$w/$name.dtb" | comm -13 "$w/base.msgs" - >"$w/$name.msgs"
	# What differs from the expected messages: "+" unexpected, "-" missing.
	sort "$w/$name.expected" | diff - "$w/$name.msgs" |
		sed -n 's/^> /+ /p; s/^< /- /p' >"$w/$name.log"
	[ ! -s "$w/$name.log" ]
}

for o in "${overlays[@]}"; do
	name=$(basename "$o" .dtso)
	check_overlay "$name" "$o"
	result $? "dt-validate ${o#"$TOP"/}" "$w/$name.log"
done

for b in "${boards[@]}"; do
	files=()
	for o in $(board_overlays "$b"); do
		files+=("$TOP/dts/$o.dtso")
	done
	check_overlay "board-$b" "${files[@]}"
	result $? "dt-validate board $b (merged: $(board_overlays "$b"))" "$w/board-$b.log"
done

# The check itself: a broken alignment cap and an unknown property.
sed -e 's/dma-heap-max-align = <0x200000>;/dma-heap-max-align = <3>; bogus-prop;/' \
	"$TOP/dts/qemu-virt-carveout.dtso" >"$w/broken.dtso"
cp "$TOP/dts/qemu-virt-carveout.dt-expected" "$w/broken.dt-expected"
if check_overlay broken "$w/broken.dtso" || ! grep -q "dma-heap-max-align" "$w/broken.log"; then
	result 1 "dt-validate rejects a broken overlay" "$w/broken.log"
else
	result 0 "dt-validate rejects a broken overlay"
fi
