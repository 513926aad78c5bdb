#!/usr/bin/env bash
# Boot the emulated board and run one suite.
# Usage: run.sh KERNEL_OBJ INITRAMFS RUN_DIR SUITE
# Environment: IOMMU= (none|smmuv3), MEM=, TIMEOUT=, SHELL_MODE=1,
#              ONLY= (run only the tests whose name matches one of these
#              comma-separated globs)
#
# Two QEMU edu devices are attached: the first can address all 64 bits
# (dma_mask property), the second keeps edu's default 28-bit mask, which
# cannot reach any RAM of this board without an IOMMU.
#
# The DTB is dumped by QEMU for exactly the machine options of the real
# run, then the overlays in dts/ are merged with fdtoverlay.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kobj=${1:?kernel obj dir}
initrd=${2:?initramfs}
run=${3:?run dir}
suite=${4:-all}
: "${IOMMU:=none}" "${MEM:=2048}" "${TIMEOUT:=900}" "${SHELL_MODE:=0}"

need qemu-system-aarch64 qemu-system-arm
need fdtoverlay device-tree-compiler
need dtc device-tree-compiler

machine=virt
case "$IOMMU" in
none) ;;
smmuv3) machine=virt,iommu=smmuv3 ;;
*) die "unknown IOMMU '$IOMMU' (none|smmuv3)" ;;
esac
board=(-cpu cortex-a57 -smp 2 -m "$MEM")

# DTB: QEMU's own, for these machine options, plus our overlays.
dtbdir=$BUILD/dtb
mkdir -p "$dtbdir"
key=$( { echo "$machine ${board[*]}"; qemu-system-aarch64 --version; cat "$TOP"/dts/qemu-*.dtso; } |
	sha256sum | cut -c1-16)
dtb=$dtbdir/virt-$key.dtb
if [ ! -e "$dtb" ]; then
	qemu-system-aarch64 -M "$machine,dumpdtb=$dtbdir/base-$key.dtb" "${board[@]}" \
		-nographic -nic none >"$LOGS/dumpdtb.log" 2>&1 || die "QEMU could not dump its DTB (see $LOGS/dumpdtb.log)"
	overlays=()
	for o in "$TOP"/dts/qemu-*.dtso; do
		dtc -q -@ -I dts -O dtb -o "$dtbdir/$(basename "$o" .dtso)-$key.dtbo" "$o" ||
			die "dtc failed on $o"
		overlays+=("$dtbdir/$(basename "$o" .dtso)-$key.dtbo")
	done
	fdtoverlay -i "$dtbdir/base-$key.dtb" -o "$dtb.tmp" "${overlays[@]}" || die "fdtoverlay failed"
	mv "$dtb.tmp" "$dtb"
fi

rm -rf "$run"
mkdir -p "$run"
append="console=ttyAMA0 loglevel=5 log_buf_len=4M panic=-1 kunit.enable=1 dmabuf.suite=$suite"
[ -n "${ONLY:-}" ] && append="$append dmabuf.only=$ONLY"
[ "$SHELL_MODE" = 1 ] && append="$append dmabuf.shell=1"
qemu=(qemu-system-aarch64 -M "$machine" "${board[@]}" -nographic -no-reboot -nic none
	-kernel "$kobj/arch/arm64/boot/Image" -initrd "$initrd" -dtb "$dtb"
	-append "$append"
	-device edu,dma_mask=0xffffffffffffffff -device edu
	-fsdev "local,id=host,path=$run,security_model=none"
	-device virtio-9p-device,fsdev=host,mount_tag=host)
echo "${qemu[*]}" >"$run/qemu.cmd"

if [ "$SHELL_MODE" = 1 ]; then
	exec "${qemu[@]}"
fi
set +e
if [ "$V" = 1 ]; then
	timeout --foreground -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null 2>&1 | tee "$run/console.log"
	rc=${PIPESTATUS[0]}
else
	timeout --foreground -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null >"$run/console.log" 2>&1
	rc=$?
fi
set -e
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	say "error: the guest did not finish within ${TIMEOUT}s and was killed; last console lines:"
	tail -n 30 "$run/console.log" >&2
	exit 1
fi
[ "$rc" = 0 ] || { say "error: QEMU exited with status $rc; last console lines:"; tail -n 30 "$run/console.log" >&2; exit 1; }
exit 0
