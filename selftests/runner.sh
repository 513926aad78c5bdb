#!/bin/sh
# Guest-side test runner. Usage: runner.sh SUITE
#
# Every test program writes KTAP on stdout; each run lands in
# $OUT/results/<name>.ktap, which the host parses (qemu/scripts/ktap.py).
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
#   demo      the demo (see `make demo`)
#   bench     the benchmarks (see `make bench`)
#   all       upstream, kunit and kselftest
: "${OUT:=/tmp/out}"
RES=$OUT/results
TESTS=/usr/share/dmabuf/tests
TEST_TIMEOUT=${TEST_TIMEOUT:-600}
mkdir -p "$RES"

mark() {
	echo "dmabuf-runner: $*" >/dev/kmsg
}

# run_one NAME CMD...: run one KTAP-producing program with a timeout.
run_one() {
	name=$1
	shift
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

# The demo so far: the board's heaps and what they report about
# themselves, then the upstream dmabuf-heaps test on each carveout heap.
# The camera -> gpu -> display pipeline replaces this when it lands.
suite_demo() {
	log=$OUT/artifacts/demo.log
	{
		echo "demo: heaps in /dev/dma_heap: $(ls /dev/dma_heap | tr '\n' ' ')"
		for d in /sys/kernel/carveout_heap/*; do
			[ -d "$d" ] || continue
			printf 'demo: carveout heap %-10s' "${d##*/}"
			for a in contiguous cached size free largest_free align; do
				printf ' %s=%s' "$a" "$(cat "$d/$a" 2>/dev/null)"
			done
			echo
		done
	} | tee "$log"
	for d in /sys/kernel/carveout_heap/*; do
		[ -d "$d" ] || continue
		heap=${d##*/}
		run_upstream "demo-upstream-$heap" "$heap"
		echo "demo: upstream dmabuf-heaps test on $heap:" \
			"$(grep -c '^ok' "$RES/demo-upstream-$heap.ktap") passed," \
			"$(grep -c '^not ok' "$RES/demo-upstream-$heap.ktap") failed" | tee -a "$log"
	done
}

# The full benchmark (make bench, release kernel): table and JSON to the
# host share.
suite_bench() {
	mark "begin bench"
	/usr/bin/dmabuf_bench --json "$OUT/artifacts/results.json" | tee "$OUT/artifacts/bench.txt"
	mark "end bench"
}

case "$1" in
bench) suite_bench ;;
upstream) suite_upstream ;;
kunit) suite_kunit ;;
kselftest) suite_kselftest ;;
demo) suite_demo ;;
all) suite_upstream; suite_kunit; suite_kselftest ;;
*) echo "runner: unknown suite '$1'" >&2; exit 2 ;;
esac
