# shellcheck shell=bash
# Helpers shared by the harness scripts: quiet progress lines, logs, and
# the one-message failure for a missing tool.

: "${V:=0}"
: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BUILD:=$TOP/build}"
LOGS=$BUILD/logs
mkdir -p "$LOGS"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# need TOOL PACKAGE: fail with one line naming what to install.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: run 'make deps' (or apt-get install $2)"
}

# run_logged LOG CMD...: run CMD with output in LOG (shown live with V=1);
# on failure print the tail of the log.
run_logged() {
	local log=$1
	shift
	if [ "$V" = 1 ]; then
		"$@" 2>&1 | tee "$log"
		return "${PIPESTATUS[0]}"
	fi
	if ! "$@" >"$log" 2>&1; then
		say "--- last lines of $log ---"
		tail -n 40 "$log" >&2
		return 1
	fi
}

# hash_of FILE...: a short content hash naming a cache entry.
hash_of() {
	cat "$@" | sha256sum | cut -c1-16
}

# ktap_init KSRC: the KTAP shell helpers every shell test writes through,
# the kernel's tools/testing/selftests/kselftest/ktap_helpers.sh of the
# tree KSRC, and the project's selftests/lib/ktap.sh on top of them.
ktap_init() {
	# shellcheck source=/dev/null
	. "$1/tools/testing/selftests/kselftest/ktap_helpers.sh"
	# shellcheck source=../../selftests/lib/ktap.sh
	. "$TOP/selftests/lib/ktap.sh"
}
