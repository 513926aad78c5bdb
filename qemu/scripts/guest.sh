#!/usr/bin/env bash
# Build everything the guest needs and boot it.
# Usage: guest.sh check|demo|shell
# Make variables arrive as environment: KVARIANT, PAGE_SIZE, SUITE, IOMMU,
# EDU_DMA_MASK, TIMEOUT, V.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
S=$TOP/qemu/scripts

mode=${1:?mode}
: "${PAGE_SIZE:=4K}" "${IOMMU:=none}"
case "$mode" in
check) : "${KVARIANT:=debug}" "${SUITE:=all}" ;;
demo) : "${KVARIANT:=debug}" "${SUITE:=demo}" ;;
shell) : "${KVARIANT:=debug}" "${SUITE:=all}" ;;
*) die "unknown mode '$mode'" ;;
esac
pg=$(echo "$PAGE_SIZE" | tr K k)
tag=$KVARIANT-$pg
out=$BUILD/$tag
run=$BUILD/runs/$mode-$tag${IOMMU:+-$IOMMU}
n=5

step() { say "[$1/$n] $2"; }

step 1 "kernel $KVARIANT/$PAGE_SIZE"
KOBJ=$("$S/kernel.sh" "$KVARIANT" "$PAGE_SIZE")
export KOBJ

step 2 "modules for $KVARIANT/$PAGE_SIZE (log: build/logs/modules-$tag.log)"
"$S/modules.sh" "$KOBJ" "$out/modules"

step 3 "tests and programs for aarch64 (log: build/logs/guest-progs-$tag.log)"
stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage/lib/modules/kunit" "$stage/usr/share/dmabuf/tests" "$stage/usr/share/dmabuf/upstream"
run_logged "$LOGS/guest-progs-$tag.log" make -C "$TOP" --no-print-directory guest-progs \
	KOBJ="$KOBJ" GUEST_OUT="$out/progs" STAGE="$stage" ||
	die "building the guest programs failed (log: build/logs/guest-progs-$tag.log)"
# Modules: load order from qemu/modules.list; *_test.ko are KUnit suites.
: >"$stage/lib/modules/load.list"
while read -r mod; do
	case "$mod" in ''|'#'*) continue ;; esac
	ko=$out/modules/src/$mod
	[ -f "$ko" ] || die "module $mod was not built"
	install -m 0644 "$ko" "$stage/lib/modules/"
	basename "$mod" >>"$stage/lib/modules/load.list"
done <"$TOP/qemu/modules.list"
find "$out/modules/src" -name '*_test.ko' -exec install -m 0644 {} "$stage/lib/modules/kunit/" \;

step 4 "initramfs"
"$S/initramfs.sh" "$out/initramfs.cpio" "$stage"

if [ "$mode" = shell ]; then
	step 5 "guest shell ($KVARIANT/$PAGE_SIZE${IOMMU:+, IOMMU=$IOMMU}); 'poweroff -f' or Ctrl-A X to leave"
	SHELL_MODE=1 IOMMU=$IOMMU exec "$S/run.sh" "$KOBJ" "$out/initramfs.cpio" "$run" "$SUITE"
fi
step 5 "guest: suite '$SUITE' on $KVARIANT/$PAGE_SIZE, IOMMU=$IOMMU (log: ${run#"$TOP"/}/console.log)"
rc=0
IOMMU=$IOMMU "$S/run.sh" "$KOBJ" "$out/initramfs.cpio" "$run" "$SUITE" || rc=$?
if [ "$mode" = demo ]; then
	cat "$run/artifacts/demo.log" 2>/dev/null || grep -E '^(demo|runner):' "$run/console.log" || true
	[ -f "$run/finished" ] || die "the demo did not finish"
	exit "$rc"
fi
# check: the caller judges the results together with the host tests.
exit "$rc"
