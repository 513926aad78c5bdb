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

suite_upstream() {
	for node in /dev/dma_heap/*; do
		[ -c "$node" ] || continue
		heap=${node##*/}
		devno=$(cat "/sys/class/dma_heap/$heap/dev")
		# The upstream test walks /dev/dma_heap; give it a private
		# /dev/dma_heap holding this one heap.
		run_one "upstream-dmabuf-heap-$heap" unshare -m sh -c '
			mount -t tmpfs none /dev/dma_heap &&
			mknod "/dev/dma_heap/$1" c "${2%:*}" "${2#*:}" &&
			exec /usr/share/dmabuf/upstream/dmabuf-heap' sh "$heap" "$devno"
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
		for dir in /sys/kernel/debug/kunit/*; do
			suite=${dir##*/}
			case " $(echo $before) " in *" $suite "*) continue ;; esac
			cat "$dir/results" >"$RES/kunit-$suite.ktap"
		done
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

suite_demo() {
	if [ -x /usr/share/dmabuf/demo.sh ]; then
		/usr/share/dmabuf/demo.sh
	else
		echo "demo: no demo program yet; heaps on this board:"
		ls -l /dev/dma_heap
	fi
}

case "$1" in
upstream) suite_upstream ;;
kunit) suite_kunit ;;
kselftest) suite_kselftest ;;
demo) suite_demo ;;
all) suite_upstream; suite_kunit; suite_kselftest ;;
*) echo "runner: unknown suite '$1'" >&2; exit 2 ;;
esac
