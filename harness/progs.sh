#!/usr/bin/env bash
# Step "programs": cross-build every guest program and test for aarch64
# and install them into the initramfs staging root.
# Usage: progs.sh KERNEL_OBJ OUT STAGE
#   KERNEL_OBJ  kernel build (its source/ link and its hdr/ uapi headers)
#   OUT         build directory of the programs
#   STAGE       initramfs staging root (initramfs.sh packs it)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kobj=${1:?kernel obj dir}
out=${2:?out dir}
stage=${3:?staging root}
ksrc=$kobj/source
khdr=$kobj/hdr/include
cc=${CROSS_CC:-aarch64-linux-gnu-gcc}
sub() { make --no-print-directory -C "$TOP/$1" CC="$cc" KSRC="$ksrc" KHDR="$khdr" "${@:2}"; }
put() { install -D -m 0755 "$@"; }

mkdir -p "$out"
# The kernel's own dmabuf-heaps selftest, unmodified.
"$cc" -static -O3 -Wl,-no-as-needed -Wall -I"$khdr" -o "$out/dmabuf-heap" \
	"$ksrc/tools/testing/selftests/dmabuf-heaps/dmabuf-heap.c"
put "$out/dmabuf-heap" "$stage/usr/share/dmabuf/upstream/dmabuf-heap"

sub userspace cli imp pipeline guest-tests lib OUT="$out/userspace"
put "$out/userspace/dmabuf" "$stage/usr/bin/dmabuf"
put -t "$stage/usr/share/dmabuf/tests" "$out"/userspace/tests/libdma_*_test
put -t "$stage/usr/bin" "$out"/userspace/pipeline/{camera,gpu,display,encoder}

sub selftests USERSPACE="$out/userspace" OUT="$out/selftests"
put -t "$stage/usr/share/dmabuf/tests" "$out"/selftests/*_test

sub selftests/pipeline USERSPACE="$out/userspace" OUT="$out/pipeline"
put -t "$stage/usr/share/dmabuf/pipeline" "$out"/pipeline/*_test "$out/pipeline/demo" \
	"$out/pipeline/v4l2_ctrl"
install -m 0644 -t "$stage/usr/share/dmabuf/pipeline" "$out/pipeline/lib.sh" \
	"$out/pipeline/ktap_helpers.sh" "$out/pipeline/ktap.sh"
# The KTAP shell helpers of init's module loads.
install -D -m 0644 -t "$stage/usr/share/dmabuf" "$out/pipeline/ktap_helpers.sh" \
	"$out/pipeline/ktap.sh"

sub bench LIBDMA="$out/userspace" OUT="$out/bench"
put "$out/bench/dmabuf_bench" "$stage/usr/bin/dmabuf_bench"
put "$TOP/bench/bench_quick.sh" "$stage/usr/share/dmabuf/tests/bench_quick"

sub selftests/hardening LIBDMA="$out/userspace" OUT="$out/hardening"
if ls "$out"/hardening/*_test >/dev/null 2>&1; then
	put -t "$stage/usr/share/dmabuf/tests" "$out"/hardening/*_test
fi
