#!/usr/bin/env bash
# Build the project's kernel modules against one kernel build.
# Usage: modules.sh KERNEL_OBJ OUT_DIR
# The sources are copied to OUT_DIR/src first, so that builds for
# different kernels (debug/release, 4K/64K) never share object files.
# W=1 and sparse (C=1) run on every build; kernel-lint.sh reads the log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kobj=${1:?kernel obj}
out=${2:?out dir}
# A full build every time: sparse and W=1 must see every file (the lint
# reads this log), and it takes seconds.
rm -rf "$out/src"
mkdir -p "$out/src"
srcs=("$TOP/Kbuild")
for d in heaps exporter importer include; do
	[ -d "$TOP/$d" ] && srcs+=("$TOP/$d")
done
rsync -a --delete --include='Kbuild' --include='*/' --include='*.[ch]' \
	--include='Kconfig' --exclude='*' "${srcs[@]}" "$out/src/"
[ -f "$out/src/Kbuild" ] || die "no Kbuild at the top of the tree"
cc=aarch64-linux-gnu-gcc
command -v ccache >/dev/null && cc="ccache $cc"
log=$LOGS/modules-$(basename "$(dirname "$out")").log
run_logged "$log" \
	make -C "$kobj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC="$cc" \
	M="$out/src" W=1 C=1 -j"$(nproc)" modules ||
	die "module build failed (log: ${log#"$TOP"/})"
