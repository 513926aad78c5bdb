#!/usr/bin/env bash
# Step "mutants": the exporter or the heap with one cache operation removed
# or turned around (harness/mutants.list), each booted once on the default
# board with importer_cache_test, which must then fail. Prints KTAP: ok for a
# mutant that a test killed, not ok for one that survived.
# Usage: mutants.sh KERNEL_OBJ OUT [NAME...]   (no NAME: every mutant)
#   KERNEL_OBJ  the debug kernel build (the cache model needs kprobes)
#   OUT         the variant's build directory, after run.sh's steps 2-4
#               (OUT/modules/src, OUT/stage)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kobj=${1:?kernel obj dir}
out=${2:?out dir}
shift 2
export KOBJ=$kobj
list=$TOP/harness/mutants.list
mapfile -t all < <(grep -v '^#' "$list" | grep . | sed 's/ | .*//')
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")
# The module each mutated source file is part of.
module_of() {
	case $1 in
	exporter/*) echo exporter/contig_exporter.ko ;;
	heaps/*) echo heaps/carveout_heap.ko ;;
	*) die "mutants of $1 are not supported" ;;
	esac
}
stage=$out/stage
mods=$stage/lib/modules
for ko in exporter/contig_exporter.ko heaps/carveout_heap.ko; do
	[ -f "$mods/$(basename "$ko")" ] || die "no staging root in $stage: run the build steps first"
	cp "$mods/$(basename "$ko")" "$out/$(basename "$ko").orig"
done
cc=aarch64-linux-gnu-gcc
command -v ccache >/dev/null && cc="ccache $cc"

ktap_init "$kobj/source"
ktap_plan ${#names[@]}
restore() {
	for ko in contig_exporter.ko carveout_heap.ko; do
		cp "$out/$ko.orig" "$mods/$ko"
	done
}
trap restore EXIT

for name in "${names[@]}"; do
	line=$(awk -F' [|] ' -v n="$name" '!/^#/ && $1 == n' "$list")
	[ -n "$line" ] || die "no mutant '$name' in harness/mutants.list"
	file=$(awk -F' [|] ' '{ print $2 }' <<<"$line")
	ko=$(module_of "$file")
	dir=$out/mutants/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	rsync -a --include='Kbuild' --include='*/' --include='*.[ch]' --include='Kconfig' \
		--exclude='*' "$TOP/Kbuild" "$TOP/heaps" "$TOP/exporter" "$TOP/importer" \
		"$TOP/include" "$dir/src/"
	python3 - "$dir/src/$file" "$line" <<'PY' ||
import sys
path, spec = sys.argv[1], sys.argv[2]
_, _, old, new = spec.split(" | ")
src = open(path).read().split("\n")
hits = [i for i, l in enumerate(src) if l == old]
if len(hits) != 1:
    sys.exit("%d lines match: %r" % (len(hits), old))
src[hits[0]] = new
open(path, "w").write("\n".join(src))
PY
		die "mutant $name does not apply to $file"
	run_logged "$dir/build.log" make -C "$kobj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		CC="$cc" M="$dir/src" -j"$(nproc)" modules ||
		die "mutant $name does not build (log: $dir/build.log)"
	cp "$dir/src/$ko" "$mods/"
	"$TOP/harness/initramfs.sh" "$dir/initramfs.cpio" "$stage"
	restore
	run=$BUILD/runs/mutant-$name
	say "  mutant $name: booting (log: ${run#"$TOP"/}/console.log)"
	IOMMU=none BOARD=virt SWIOTLB= ONLY=importer_cache_test TIMEOUT=${TIMEOUT:-600} \
		"$TOP/harness/boot.sh" "$kobj" "$dir/initramfs.cpio" "$run" kselftest || true
	res=$run/results/importer_cache_test.ktap
	failed=$(grep -E '^not ok ' "$res" 2>/dev/null | sed 's/^not ok [0-9]* //' | paste -sd, -) || true
	passed=$(grep -cE '^ok [0-9]+ [^#]*$' "$res" 2>/dev/null) || true
	if [ -n "$failed" ]; then
		ktap_print_msg "$name: killed by $failed"
		ktap_test_pass "mutant $name is killed"
	elif [ "${passed:-0}" -gt 0 ]; then
		ktap_print_msg "$name: survived: $passed tests passed"
		ktap_test_fail "mutant $name is killed"
	else
		ktap_print_msg "$name: no result from importer_cache_test (see $run/console.log)"
		ktap_test_fail "mutant $name is killed"
	fi
done
