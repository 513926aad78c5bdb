#!/usr/bin/env bash
# Add the heap and the exporter to a kernel source tree as an in-tree
# driver: drivers/dma-buf/carveout/{exporter,heaps}, with Kconfig entries
# DMABUF_CONTIG_EXPORTER and DMABUF_HEAPS_CARVEOUT under "DMA-BUF Userland
# Memory Heaps". Usage: intree.sh KERNEL_SOURCE_DIR
# The kernel's Kconfig and Makefile are rewritten through a new file
# (never modified in place), so a hard-linked copy of a tree is safe.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"

ksrc=${1:?kernel source dir}
dst=$ksrc/drivers/dma-buf/carveout
[ -f "$ksrc/drivers/dma-buf/dma-heap.c" ] || die "$ksrc is not a kernel source tree"
rm -rf "$dst"
mkdir -p "$dst"
cp -r "$TOP/exporter" "$TOP/heaps" "$dst/"
mkdir -p "$dst/include"
cp -r "$TOP/include/kernel" "$dst/include/"
find "$dst" -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' | xargs rm -f
cat >"$dst/Kconfig" <<'KCONFIG'
# SPDX-License-Identifier: GPL-2.0
source "drivers/dma-buf/carveout/exporter/Kconfig"
source "drivers/dma-buf/carveout/heaps/Kconfig"
KCONFIG
printf '# SPDX-License-Identifier: GPL-2.0\nobj-y += exporter/ heaps/\n' >"$dst/Makefile"

# append_line FILE LINE: add LINE at the end of FILE unless it is there.
append_line() {
	grep -qxF "$2" "$1" && return 0
	{ cat "$1"; printf '%s\n' "$2"; } >"$1.new"
	rm -f "$1"
	mv "$1.new" "$1"
}
append_line "$ksrc/drivers/dma-buf/heaps/Kconfig" 'source "drivers/dma-buf/carveout/Kconfig"'
append_line "$ksrc/drivers/dma-buf/Makefile" 'obj-$(CONFIG_DMABUF_HEAPS)	+= carveout/'
