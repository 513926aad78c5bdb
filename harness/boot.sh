#!/usr/bin/env bash
# Boot the emulated board and run one suite.
# Usage: boot.sh KERNEL_OBJ INITRAMFS RUN_DIR SUITE
# Environment: BOARD= (virt|imx8q), IOMMU= (none|smmuv3), MEM=, TIMEOUT=,
#              SWIOTLB= (force: swiotlb=force on the kernel command line),
#              SHELL_MODE=1, ONLY= (run only the tests whose name matches
#              one of these comma-separated globs)
#
# The boards and their DTB: board.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/board.sh"

kobj=${1:?kernel obj dir}
initrd=${2:?initramfs}
run=${3:?run dir}
suite=${4:-all}
: "${BOARD:=virt}" "${IOMMU:=none}" "${TIMEOUT:=900}" "${SHELL_MODE:=0}" "${SWIOTLB:=}"

need qemu-system-aarch64 qemu-system-arm

board_setup "$BOARD" "$IOMMU" "$SWIOTLB"
dtb=$(board_dtb "$BOARD")

rm -rf "$run"
mkdir -p "$run"
# vivid: two instances, each with a video capture node on vb2-dma-contig
# (32-bit DMA mask). The first adds a radio receiver, a node that cannot
# stream video; the second is there to be unplugged (its "Disconnect"
# control) by selftests/pipeline/pipeline_v4l2_test, for good.
vivid="vivid.n_devs=2 vivid.allocators=1,1 vivid.node_types=0x11,0x1"
# The benchmark's disk (two of its CMA adversaries): an ext2 image on
# virtio-blk, throttled to 16 MB/s, an SD card's or a slow eMMC's rate, so
# that I/O stays in flight and writeback takes time.
if [ "$suite" = bench ]; then
	truncate -s 512M "$run/bench-disk.img"
	mkfs.ext2 -q -F "$run/bench-disk.img"
	devices+=(-drive "file=$run/bench-disk.img,if=none,format=raw,id=bench,throttling.bps-total=16777216"
		-device virtio-blk-device,drive=bench)
fi
append="console=ttyAMA0 loglevel=5 log_buf_len=4M panic=-1 kunit.enable=1 $vivid${cmdline:+ $cmdline} dmabuf.suite=$suite"
[ -n "${ONLY:-}" ] && append="$append dmabuf.only=$ONLY"
[ "$SHELL_MODE" = 1 ] && append="$append dmabuf.shell=1"
qemu=(qemu-system-aarch64 -M "$machine" "${board[@]}" -nographic -no-reboot -nic none
	-kernel "$kobj/arch/arm64/boot/Image" -initrd "$initrd" -dtb "$dtb"
	-append "$append"
	"${devices[@]}"
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
