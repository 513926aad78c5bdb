#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run-host-tests.sh BINDIR OUTDIR VALGRIND TEST...
#
# Runs each host test program, writing its KTAP to OUTDIR/TEST.ktap (a
# failing test is reported in the KTAP, not by this script's status). Then,
# if VALGRIND names valgrind, runs each again under it and writes one KTAP
# line per program to OUTDIR/libdma_valgrind.ktap: "ok" when no process of
# the program (the harness forks one per test) reported an error or a leak.
# KSELFTEST (the kernel's tools/testing/selftests) gives the KTAP helpers.
set -u
bindir=$1 out=$2 vg=$3
# shellcheck source=/dev/null
. "${KSELFTEST:?KSELFTEST=<kernel>/tools/testing/selftests}/kselftest/ktap_helpers.sh"
shift 3
mkdir -p "$out"

for t; do
	"$bindir/$t" >"$out/$t.ktap" 2>"$bindir/$t.stderr"
	pass=$(grep -c '^ok ' "$out/$t.ktap")
	fail=$(grep -c '^not ok ' "$out/$t.ktap")
	echo "[host] $t: $pass ok, $fail not ok" >&2
done

[ -n "$vg" ] || exit 0
{
	ktap_print_header
	ktap_set_plan $#
	for t; do
		logs="$bindir/valgrind/$t"
		rm -rf "$logs" && mkdir -p "$logs"
		"$vg" -q --trace-children=yes --leak-check=full \
			--errors-for-leak-kinds=definite,possible \
			--log-file="$logs/%p.log" "$bindir/$t" >/dev/null 2>&1
		if cat "$logs"/*.log | grep -q .; then
			echo "# valgrind reports in $logs:"
			cat "$logs"/*.log | head -40 | sed 's/^/# /'
			ktap_test_fail "valgrind_clean_$t"
		else
			ktap_test_pass "valgrind_clean_$t"
		fi
	done
} >"$out/libdma_valgrind.ktap"
echo "[host] valgrind: $(grep -c '^ok ' "$out/libdma_valgrind.ktap") of $# programs clean" >&2
