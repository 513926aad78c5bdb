# shellcheck shell=bash
# Step "board": the emulated boards, all on QEMU's "virt" machine, and
# their DTB. Sourced by boot.sh, run.sh and dt-check.sh.
#
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

BOARDS="virt imx8q"

# board_overlays BOARD: the dts/ overlays (base names) merged into the
# DTB of BOARD, in order.
board_overlays() {
	case "$1" in
	virt) echo qemu-virt-carveout qemu-virt-exporter-kunit qemu-virt-importer ;;
	imx8q) echo qemu-imx8q-memory qemu-imx8q-carveout qemu-virt-importer ;;
	*) die "unknown BOARD '$1' (${BOARDS// /|})" ;;
	esac
}

# board_setup BOARD IOMMU SWIOTLB: set machine, board (QEMU options),
# devices (extra QEMU devices) and cmdline (kernel command line) for a
# board. MEM, if set, overrides the board's memory size in MiB.
board_setup() {
	local name=$1 iommu=$2 swiotlb=$3 mem

	machine=virt
	case "$iommu" in
	none) ;;
	smmuv3) machine=virt,iommu=smmuv3 ;;
	*) die "unknown IOMMU '$iommu' (none|smmuv3)" ;;
	esac
	# -m must reach the top of the highest bank.
	case "$name" in
	virt)
		mem=2048
		devices=(-device edu,dma_mask=0xffffffffffffffff -device edu)
		cmdline="" ;;
	imx8q)
		# RAM 0x40000000-0x11fffffff; a no-map region makes the hole
		# between the banks (dts/qemu-imx8q-memory.dtso says why).
		mem=3584
		devices=(-device edu,dma_mask=0xffffffffffffffff -device edu
			 -device "edu,dma_mask=0xffffffff")
		# 32 MiB of bounce buffers (16384 slabs of 2 KiB).
		cmdline="swiotlb=16384" ;;
	*) die "unknown BOARD '$name' (${BOARDS// /|})" ;;
	esac
	case "$swiotlb" in
	'') ;;
	force)
		# Every DMA of a direct-mapped device bounces. On a board whose
		# RAM all lies in the DMA zone arm64 shrinks a pool of the
		# default size (64 MiB, even if asked for) to 2 MiB: unless the
		# board sets a size, ask for 32 MiB (16384 slabs of 2 KiB).
		case "$cmdline" in
		*swiotlb=*) cmdline=$(sed -E 's/swiotlb=([0-9]+)/swiotlb=\1,force/' <<<"$cmdline") ;;
		*) cmdline="${cmdline:+$cmdline }swiotlb=16384,force" ;;
		esac ;;
	*) die "unknown SWIOTLB '$swiotlb' (force, or empty for the board's default)" ;;
	esac
	board=(-cpu cortex-a57 -smp 2 -m "${MEM:-$mem}")
}

# board_dtb BOARD: print the path of the board's DTB for the options that
# board_setup set, building it (cached under build/dtb) if needed.
board_dtb() {
	local name=$1 dtbdir=$BUILD/dtb key dtb o
	local -a dtso_files=() overlays=()

	need qemu-system-aarch64 qemu-system-arm
	need fdtoverlay device-tree-compiler
	need dtc device-tree-compiler
	mkdir -p "$dtbdir"
	for o in $(board_overlays "$name"); do
		[ -f "$TOP/dts/$o.dtso" ] || die "board $name: overlay dts/$o.dtso is missing"
		dtso_files+=("$TOP/dts/$o.dtso")
	done
	key=$( { echo "$name $machine ${board[*]} ${devices[*]}"; qemu-system-aarch64 --version
		cat "${dtso_files[@]}"; } | sha256sum | cut -c1-16)
	dtb=$dtbdir/$name-$key.dtb
	if [ ! -e "$dtb" ]; then
		qemu-system-aarch64 -M "$machine,dumpdtb=$dtbdir/base-$key.dtb" "${board[@]}" \
			-nographic -nic none >"$LOGS/dumpdtb.log" 2>&1 ||
			die "QEMU could not dump its DTB (see $LOGS/dumpdtb.log)"
		for o in "${dtso_files[@]}"; do
			dtc -q -@ -I dts -O dtb -o "$dtbdir/$(basename "$o" .dtso)-$key.dtbo" "$o" ||
				die "dtc failed on $o"
			overlays+=("$dtbdir/$(basename "$o" .dtso)-$key.dtbo")
		done
		fdtoverlay -i "$dtbdir/base-$key.dtb" -o "$dtb.tmp" "${overlays[@]}" ||
			die "fdtoverlay failed"
		mv "$dtb.tmp" "$dtb"
	fi
	echo "$dtb"
}
