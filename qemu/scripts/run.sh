#!/usr/bin/env bash
# Boot the emulated board and run one suite.
# Usage: run.sh KERNEL_OBJ INITRAMFS RUN_DIR SUITE
# Environment: BOARD= (virt|imx8q), IOMMU= (none|smmuv3), MEM=, TIMEOUT=,
#              SWIOTLB= (force: swiotlb=force on the kernel command line),
#              SHELL_MODE=1, ONLY= (run only the tests whose name matches
#              one of these comma-separated globs)
#
# Boards, both on QEMU's "virt" machine:
#   virt   one RAM bank of 2 GiB at 0x40000000, carveouts in it
#   imx8q  an i.MX8QM-class memory map scaled down: a low bank and a bank
#          above 4 GiB (2 GiB in all), firmware holes, CMA and a 32 MiB
#          SWIOTLB below 4 GiB, carveouts low and high
#          (Documentation/porting.rst)
#
# QEMU edu devices: the first can address all 64 bits (dma_mask
# property), the second keeps edu's default 28-bit mask, which cannot
# reach any RAM of either board without an IOMMU; imx8q adds a third
# with a 32-bit mask, like the board's VPU and ISI masters.
#
# The DTB is dumped by QEMU for exactly the machine options of the real
# run, then the board's overlays in dts/ are merged with fdtoverlay.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kobj=${1:?kernel obj dir}
initrd=${2:?initramfs}
run=${3:?run dir}
suite=${4:-all}
: "${BOARD:=virt}" "${IOMMU:=none}" "${TIMEOUT:=900}" "${SHELL_MODE:=0}" "${SWIOTLB:=}"

need qemu-system-aarch64 qemu-system-arm
need fdtoverlay device-tree-compiler
need dtc device-tree-compiler

machine=virt
case "$IOMMU" in
none) ;;
smmuv3) machine=virt,iommu=smmuv3 ;;
*) die "unknown IOMMU '$IOMMU' (none|smmuv3)" ;;
esac
# Per board: guest memory (-m must reach the top of the highest bank),
# extra devices and kernel command line; its DT overlays are listed by
# board_overlays (lib.sh).
case "$BOARD" in
virt)
	: "${MEM:=2048}"
	devices=()
	cmdline="" ;;
imx8q)
	# RAM 0x40000000-0x11fffffff; a no-map region makes the hole
	# between the banks (dts/qemu-imx8q-memory.dtso says why).
	: "${MEM:=3584}"
	devices=(-device "edu,dma_mask=0xffffffff")
	# 32 MiB of bounce buffers (16384 slabs of 2 KiB).
	cmdline="swiotlb=16384" ;;
*) die "unknown BOARD '$BOARD' (${BOARDS// /|})" ;;
esac
read -ra dtsos <<<"$(board_overlays "$BOARD")"
case "$SWIOTLB" in
'') ;;
force)
	# Every DMA of a direct-mapped device bounces. On a board whose RAM
	# all lies in the DMA zone arm64 shrinks a pool of the default size
	# (64 MiB, even if asked for) to 2 MiB: unless the board sets a
	# size, ask for 32 MiB (16384 slabs of 2 KiB).
	case "$cmdline" in
	*swiotlb=*) cmdline=$(sed -E 's/swiotlb=([0-9]+)/swiotlb=\1,force/' <<<"$cmdline") ;;
	*) cmdline="${cmdline:+$cmdline }swiotlb=16384,force" ;;
	esac ;;
*) die "unknown SWIOTLB '$SWIOTLB' (force, or empty for the board's default)" ;;
esac
board=(-cpu cortex-a57 -smp 2 -m "$MEM")

# DTB: QEMU's own, for these machine options, plus our overlays.
dtbdir=$BUILD/dtb
mkdir -p "$dtbdir"
dtso_files=()
for o in "${dtsos[@]}"; do
	[ -f "$TOP/dts/$o.dtso" ] || die "board $BOARD: overlay dts/$o.dtso is missing"
	dtso_files+=("$TOP/dts/$o.dtso")
done
key=$( { echo "$BOARD $machine ${board[*]} ${devices[*]}"; qemu-system-aarch64 --version
	cat "${dtso_files[@]}"; } | sha256sum | cut -c1-16)
dtb=$dtbdir/$BOARD-$key.dtb
if [ ! -e "$dtb" ]; then
	qemu-system-aarch64 -M "$machine,dumpdtb=$dtbdir/base-$key.dtb" "${board[@]}" \
		-nographic -nic none >"$LOGS/dumpdtb.log" 2>&1 || die "QEMU could not dump its DTB (see $LOGS/dumpdtb.log)"
	overlays=()
	for o in "${dtso_files[@]}"; do
		dtc -q -@ -I dts -O dtb -o "$dtbdir/$(basename "$o" .dtso)-$key.dtbo" "$o" ||
			die "dtc failed on $o"
		overlays+=("$dtbdir/$(basename "$o" .dtso)-$key.dtbo")
	done
	fdtoverlay -i "$dtbdir/base-$key.dtb" -o "$dtb.tmp" "${overlays[@]}" || die "fdtoverlay failed"
	mv "$dtb.tmp" "$dtb"
fi

rm -rf "$run"
mkdir -p "$run"
append="console=ttyAMA0 loglevel=5 log_buf_len=4M panic=-1 kunit.enable=1${cmdline:+ $cmdline} dmabuf.suite=$suite"
[ -n "${ONLY:-}" ] && append="$append dmabuf.only=$ONLY"
[ "$SHELL_MODE" = 1 ] && append="$append dmabuf.shell=1"
qemu=(qemu-system-aarch64 -M "$machine" "${board[@]}" -nographic -no-reboot -nic none
	-kernel "$kobj/arch/arm64/boot/Image" -initrd "$initrd" -dtb "$dtb"
	-append "$append"
	-device edu,dma_mask=0xffffffffffffffff -device edu "${devices[@]}"
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
