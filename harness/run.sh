#!/usr/bin/env bash
# Build everything the guest needs and boot it.
# Usage: run.sh check|demo|bench|stress|mutants|shell
# Make variables arrive as environment: KVARIANT, PAGE_SIZE, SUITE, IOMMU,
# BOARD, SWIOTLB, ONLY, TIMEOUT, V, and HOST_KTAP (host test results for
# the verdict).
#
# A boot is IOMMU:SUITE:BOARD:SWIOTLB:ONLY. check, unless IOMMU, SUITE,
# BOARD or SWIOTLB is given, boots four times and judges every run and
# the host tests together:
#   none:all:virt        every suite on the default board
#   smmuv3:kselftest     the kselftests behind an SMMUv3
#   none:kselftest:imx8q the kselftests on the i.MX8QM-class profile
#   none:kselftest:virt with swiotlb=force (every DMA mapping bounces),
#                        the carveout and importer kselftests
# ONLY, when given, replaces the filter of every boot.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/board.sh"
S=$TOP/harness

mode=${1:?mode}
: "${PAGE_SIZE:=4K}"
: "${BOARD:=}" "${SWIOTLB:=}" "${ONLY:=}"
board_overlays "${BOARD:-virt}" >/dev/null
case "$SWIOTLB" in ''|force) ;; *) die "unknown SWIOTLB '$SWIOTLB' (force)" ;; esac
# The swiotlb=force boot runs the carveout and importer suites. The pair
# tests and importer_reach_test expect the default refusal (ERANGE);
# importer_reach_test and the fixtures of the importer's own API then set
# allow_bounce=1 and run on bounced copies, with data checks.
swiotlb_only="carveout_*,importer_*"
b=${BOARD:-virt}
case "$mode" in
check)
	: "${KVARIANT:=debug}"
	if [ -n "$SWIOTLB" ] && [ -z "${SUITE:-}" ]; then
		boots=("${IOMMU:-none}:kselftest:$b:$SWIOTLB:${ONLY:-$swiotlb_only}")
	elif [ -n "${IOMMU:-}${SUITE:-}${BOARD}${SWIOTLB}" ]; then
		boots=("${IOMMU:-none}:${SUITE:-all}:$b:$SWIOTLB:$ONLY")
	else
		boots=("none:all:virt::$ONLY" "smmuv3:kselftest:virt::$ONLY"
			"none:kselftest:imx8q::$ONLY" "none:kselftest:virt:force:${ONLY:-$swiotlb_only}")
	fi ;;
demo) : "${KVARIANT:=debug}"; boots=("${IOMMU:-none}:${SUITE:-demo}:$b:$SWIOTLB:$ONLY") ;;
bench) : "${KVARIANT:=release}"; boots=("${IOMMU:-none}:bench:$b:$SWIOTLB:$ONLY") ;;
stress) : "${KVARIANT:=debug}"; boots=("${IOMMU:-none}:stress:$b:$SWIOTLB:$ONLY") ;;
mutants) : "${KVARIANT:=debug}"; boots=() ;;
shell) : "${KVARIANT:=debug}"; boots=("${IOMMU:-none}:${SUITE:-all}:$b:$SWIOTLB:$ONLY") ;;
*) die "unknown mode '$mode'" ;;
esac
pg=$(echo "$PAGE_SIZE" | tr K k)
tag=$KVARIANT-$pg
out=$BUILD/$tag
nboots=${#boots[@]}
n=$((4 + nboots))
# The full check and make mutants end with the exporter's cache mutants
# (harness/mutants.sh): three of them in check, all in mutants.
mutants=()
if [ "$mode" = mutants ]; then
	mapfile -t mutants < <(awk -F' [|] ' '!/^#/ && NF == 4 { print $1 }' "$TOP/harness/mutants.list")
elif [ "$mode" = check ] && [ -z "${IOMMU:-}${SUITE:-}${BOARD}${SWIOTLB}${ONLY}" ] &&
	[ "$KVARIANT" = debug ]; then
	mutants=(map-no-clean end-no-sync zero-no-clean)
fi
[ ${#mutants[@]} -eq 0 ] || n=$((n + 1))

step() { say "[$1/$n] $2"; }

step 1 "kernel $KVARIANT/$PAGE_SIZE"
KOBJ=$("$S/kernel.sh" "$KVARIANT" "$PAGE_SIZE")
export KOBJ

step 2 "modules for $KVARIANT/$PAGE_SIZE (log: build/logs/modules-$tag.log)"
"$S/modules.sh" "$KOBJ" "$out/modules"
"$S/kernel-lint.sh" "$KOBJ" "$LOGS/modules-$tag.log" >"$out/kernel-lint.ktap"

step 3 "tests and programs for aarch64 (log: build/logs/guest-progs-$tag.log)"
stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage/lib/modules/kunit" "$stage/usr/share/dmabuf/tests" "$stage/usr/share/dmabuf/upstream"
run_logged "$LOGS/guest-progs-$tag.log" "$S/progs.sh" "$KOBJ" "$out/progs" "$stage" ||
	die "building the guest programs failed (log: build/logs/guest-progs-$tag.log)"
# Modules: load order from harness/modules.list; *_test.ko are KUnit suites.
: >"$stage/lib/modules/load.list"
while read -r mod params; do
	case "$mod" in ''|'#'*) continue ;; esac
	ko=$out/modules/src/$mod
	[ -f "$ko" ] || die "module $mod was not built"
	install -m 0644 "$ko" "$stage/lib/modules/"
	echo "$(basename "$mod") $params" >>"$stage/lib/modules/load.list"
done <"$TOP/harness/modules.list"
find "$out/modules/src" -name '*_test.ko' -exec install -m 0644 {} "$stage/lib/modules/kunit/" \;

step 4 "initramfs"
"$S/initramfs.sh" "$out/initramfs.cpio" "$stage"

i=4
runs=()
rc=0
for boot in "${boots[@]}"; do
	i=$((i + 1))
	IFS=: read -r iommu suite board swiotlb only <<<"$boot"
	# Run directories: mode-variant-page-iommu, then the board unless it
	# is the default one, then swiotlb-force; no two boots share one.
	run=$BUILD/runs/$mode-$tag-$iommu
	what="IOMMU=$iommu"
	if [ "$board" != virt ]; then
		run=$run-$board
		what="$what, BOARD=$board"
	fi
	if [ -n "$swiotlb" ]; then
		run=$run-swiotlb-$swiotlb
		what="$what, swiotlb=$swiotlb"
	fi
	[ -n "$only" ] && what="$what, ONLY=$only"
	# The swiotlb=force boot is a short one (about 3 minutes): a guest
	# that hangs there must not cost make check the full 900 s.
	limit=${TIMEOUT:-900}
	[ -n "$swiotlb" ] && [ -z "${TIMEOUT:-}" ] && limit=360
	# The benchmark: three repetitions of every section, adversaries too.
	[ "$mode" = bench ] && [ -z "${TIMEOUT:-}" ] && limit=3000
	if [ "$mode" = shell ]; then
		step $i "guest shell ($KVARIANT/$PAGE_SIZE, $what); 'poweroff -f' or Ctrl-A X to leave"
		SHELL_MODE=1 IOMMU=$iommu BOARD=$board SWIOTLB=$swiotlb ONLY=$only \
			exec "$S/boot.sh" "$KOBJ" "$out/initramfs.cpio" "$run" "$suite"
	fi
	step $i "guest: suite '$suite' on $KVARIANT/$PAGE_SIZE, $what (log: ${run#"$TOP"/}/console.log)"
	IOMMU=$iommu BOARD=$board SWIOTLB=$swiotlb ONLY=$only TIMEOUT=$limit \
		"$S/boot.sh" "$KOBJ" "$out/initramfs.cpio" "$run" "$suite" || rc=1
	runs+=(--run "$run")
done

if [ "$mode" = bench ]; then
	[ -f "$run/artifacts/results.json" ] || die "the benchmark wrote no results (see $run/console.log)"
	mkdir -p "$BUILD/bench"
	cp "$run/artifacts/results.json" "$run/artifacts/bench.txt" "$BUILD/bench/"
	cat "$BUILD/bench/bench.txt"
	python3 "$TOP/bench/plot.py" "$BUILD/bench/results.json" "$BUILD/bench/latency.png" ||
		die "plotting failed"
	python3 "$TOP/bench/report.py" "$BUILD/bench/results.json" >"$BUILD/bench/report.rst" ||
		die "the target report failed"
	cat "$BUILD/bench/report.rst"
	say "bench: build/bench/{results.json,bench.txt,report.rst,latency.png}"
	exit "$rc"
fi
if [ "$mode" = demo ]; then
	cat "$run/artifacts/demo.log" 2>/dev/null || grep -E '^(demo|runner):' "$run/console.log" || true
	[ -f "$run/finished" ] || die "the demo did not finish"
	# demo.sh ends its log with "demo: PASS" or "demo: FAIL".
	grep -q '^demo: PASS' "$run/artifacts/demo.log" 2>/dev/null ||
		die "the demo failed (log: ${run#"$TOP"/}/artifacts/demo.log)"
	exit "$rc"
fi
if [ ${#mutants[@]} -gt 0 ]; then
	step $((i + 1)) "mutants of the exporter: ${mutants[*]}"
	"$S/mutants.sh" "$KOBJ" "$out" "${mutants[@]}" >"$out/mutants.ktap" || rc=1
	HOST_KTAP="${HOST_KTAP:+$HOST_KTAP }$out/mutants.ktap"
fi
# shellcheck disable=SC2086 # HOST_KTAP is a list of files
python3 "$S/judge.py" "${runs[@]}" --ktap "$out/kernel-lint.ktap" ${HOST_KTAP:+$HOST_KTAP} || rc=1
exit "$rc"
