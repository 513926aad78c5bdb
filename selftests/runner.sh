#!/bin/sh
# Guest-side test runner. Usage: runner.sh SUITE
#
# Every test program writes KTAP on stdout; each run lands in
# $OUT/results/<name>.ktap, which the host parses (harness/judge.py).
# Markers written to /dev/kmsg bracket each run, so the host can tell
# which test a kernel report belongs to.
#
# Suites:
#   upstream  the kernel's tools/testing/selftests/dmabuf-heaps test, once
#             per heap in /dev/dma_heap, each in a mount namespace that
#             shows it that heap alone
#   kunit     every KUnit module in /lib/modules/kunit (results from
#             debugfs, one file per suite)
#   kselftest every program in /usr/share/dmabuf/tests
#   pipeline  the camera -> gpu -> display tests in /usr/share/dmabuf/pipeline
#   demo      the demo (see `make demo`)
#   bench     the benchmarks (see `make bench`)
#   stress    the long forms of the hardening tests (see `make stress`,
#             Documentation/reliability.rst); their short forms are part
#             of kselftest and pipeline
#   all       upstream, kunit, kselftest and pipeline
: "${OUT:=/tmp/out}"
RES=$OUT/results
TESTS=/usr/share/dmabuf/tests
PIPELINE=/usr/share/dmabuf/pipeline
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
mkdir -p "$RES"

mark() {
	echo "dmabuf-runner: $*" >/dev/kmsg
}

# run_one NAME CMD...: run one KTAP-producing program with a timeout.
# With ONLY set (make ... ONLY=GLOB[,GLOB...]), names that match none of
# the globs are not run.
selected() {
	[ -n "${ONLY:-}" ] || return 0
	for glob in $(echo "$ONLY" | tr ',' ' '); do
		# shellcheck disable=SC2254 # a glob on purpose
		case "$1" in $glob) return 0 ;; esac
	done
	return 1
}

run_one() {
	name=$1
	shift
	selected "$name" || return 0
	mark "begin $name"
	timeout "$TEST_TIMEOUT" "$@" >"$RES/$name.ktap" 2>"$RES/$name.stderr"
	rc=$?
	mark "end $name rc=$rc"
	echo "runner: $name exited $rc"
	[ "$rc" = 124 ] && echo "# runner: $name timed out after ${TEST_TIMEOUT}s" >>"$RES/$name.ktap"
	return 0
}

# run_upstream NAME HEAP: the upstream test walks /dev/dma_heap; give it
# a private /dev/dma_heap that holds HEAP alone.
run_upstream() {
	run_one "$1" unshare -m sh -c '
		mount -t tmpfs none /dev/dma_heap &&
		mknod "/dev/dma_heap/$1" c "${2%:*}" "${2#*:}" &&
		exec /usr/share/dmabuf/upstream/dmabuf-heap' sh "$2" \
		"$(cat "/sys/class/dma_heap/$2/dev")"
}

suite_upstream() {
	for node in /dev/dma_heap/*; do
		[ -c "$node" ] || continue
		run_upstream "upstream-dmabuf-heap-${node##*/}" "${node##*/}"
	done
}

suite_kunit() {
	for mod in /lib/modules/kunit/*.ko; do
		[ -f "$mod" ] || continue
		name=$(basename "$mod" .ko)
		before=$(ls /sys/kernel/debug/kunit 2>/dev/null)
		mark "begin kunit-$name"
		if ! insmod "$mod"; then
			echo "not ok 1 $name # insmod failed" >"$RES/kunit-$name.ktap"
			continue
		fi
		found=0
		for dir in /sys/kernel/debug/kunit/*; do
			[ -d "$dir" ] || continue
			suite=${dir##*/}
			case " $(echo $before) " in *" $suite "*) continue ;; esac
			cat "$dir/results" >"$RES/kunit-$suite.ktap"
			found=1
		done
		[ "$found" = 1 ] ||
			echo "not ok 1 $name # no KUnit suite appeared in debugfs" >"$RES/kunit-$name.ktap"
		rmmod "$name"
		mark "end kunit-$name"
	done
}

suite_kselftest() {
	for t in "$TESTS"/*; do
		[ -x "$t" ] || continue
		run_one "$(basename "$t")" "$t"
	done
}

suite_pipeline() {
	for t in "$PIPELINE"/*_test; do
		[ -x "$t" ] || continue
		run_one "$(basename "$t")" "$t"
	done
}

# The demo: the camera -> gpu -> display pipeline on the carveout heaps
# (selftests/pipeline/demo.sh). Its output, on the console and in
# artifacts/demo.log, is what `make demo` prints; the last frame is
# artifacts/pipeline-last-frame.png.
suite_demo() {
	mark "begin demo"
	"$PIPELINE/demo" "$OUT/artifacts" 2>&1 | tee "$OUT/artifacts/demo.log"
	mark "end demo"
}

# The full benchmark (make bench, release kernel): table and JSON to the
# host share.
suite_bench() {
	disk=
	if [ -b /dev/vda ] && mkdir -p /mnt/bench && mount -t ext2 /dev/vda /mnt/bench; then
		disk="--disk /mnt/bench --blockdev /dev/vda"
	fi
	mark "begin bench"
	# shellcheck disable=SC2086 # the disk options split on spaces
	/usr/bin/dmabuf_bench --json "$OUT/artifacts/results.json" $disk |
		tee "$OUT/artifacts/bench.txt"
	mark "end bench"
	[ -z "$disk" ] || umount /mnt/bench
}

# The long forms of the hardening tests: each program's short form runs
# in make check; here they run longer, under other result names.
suite_stress() {
	run_one stress-stress_test "$TESTS/stress_test" --seconds "${STRESS_SECONDS:-60}"
	run_one stress-fuzz_test "$TESTS/fuzz_test" --iterations "${FUZZ_ITERATIONS:-20000}"
	run_one stress-fault_test "$TESTS/fault_test"
	run_one stress-importer_unload_test env IMPORTER_CYCLES="${IMPORTER_CYCLES:-200}" \
		"$TESTS/importer_unload_test" -t load_unload_cycles_with_mapped_buffers
	run_one stress-pipeline_randkill_test env PL_KILL_ROUNDS="${PL_KILL_ROUNDS:-20}" \
		"$PIPELINE/pipeline_randkill_test"
}

case "$1" in
bench) suite_bench ;;
stress) suite_stress ;;
upstream) suite_upstream ;;
kunit) suite_kunit ;;
kselftest) suite_kselftest ;;
pipeline) suite_pipeline ;;
demo) suite_demo ;;
all) suite_upstream; suite_kunit; suite_kselftest; suite_pipeline ;;
*) echo "runner: unknown suite '$1'" >&2; exit 2 ;;
esac
