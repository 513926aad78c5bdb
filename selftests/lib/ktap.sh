# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# KTAP for the project's shell tests, on the kernel's own helpers
# (tools/testing/selftests/kselftest/ktap_helpers.sh), which the caller
# sources first. POSIX sh: the guest's busybox and the host's bash.

# ktap_plan N: the header and the plan.
ktap_plan() {
	ktap_print_header
	ktap_set_plan "$1"
}

# ktap_status STATUS NAME: a result from an exit status (ok when 0).
ktap_status() {
	if [ "$1" = 0 ]; then
		ktap_test_pass "$2"
	else
		ktap_test_fail "$2"
	fi
}

# ktap_skip NAME REASON: a skipped test, its reason as a diagnostic.
ktap_skip() {
	ktap_print_msg "$1: SKIP: $2"
	ktap_test_skip "$1"
}
