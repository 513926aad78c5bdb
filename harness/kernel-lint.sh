#!/usr/bin/env bash
# Kernel style and static checks of the project's kernel sources, as KTAP.
# Usage: kernel-lint.sh KERNEL_OBJ MODULE_BUILD_LOG
#
# One result per source file for checkpatch --strict, one for the module
# build (W=1, sparse via C=1) having printed no warning, and one per
# error-injection point (errinj-check.py: its type matches the function).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kobj=${1:?kernel obj}
buildlog=${2:?module build log}
cp=$kobj/source/scripts/checkpatch.pl
mapfile -t files < <(cd "$TOP" && git ls-files -co --exclude-standard \
	'heaps/*.[ch]' 'exporter/*.[ch]' 'importer/*.[ch]' 'include/*.h' | sort -u)

mapfile -t csrc < <(printf '%s\n' "${files[@]}" | grep '\.c$')
errinj=$(cd "$TOP" && python3 "$TOP/harness/errinj-check.py" --start $(( ${#files[@]} + 1 )) "${csrc[@]}")
ninj=$(printf '%s\n' "$errinj" | grep -cE '^(not )?ok ')

ktap_init "$kobj/source"
ktap_plan $(( ${#files[@]} + 1 + ninj ))
for f in "${files[@]}"; do
	out=$(cd "$TOP" && perl "$cp" --strict --no-tree --terse --show-types \
		--ignore SPDX_LICENSE_TAG -f "$f" 2>&1 | grep -E ': (ERROR|WARNING|CHECK):')
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# /'
	[ -z "$out" ]
	ktap_status $? "checkpatch --strict $f"
done
warn=$(grep -E '(warning|error):' "$buildlog")
[ -n "$warn" ] && printf '%s\n' "$warn" | head -20 | sed 's/^/# /'
grep -q 'CHECK' "$buildlog" || echo "# sparse did not run (no CHECK lines in $buildlog)"
[ -z "$warn" ] && grep -q 'CHECK' "$buildlog"
ktap_status $? "module build is clean under W=1 and sparse (C=1)"
# errinj-check.py's results, renumbered into this plan.
while IFS= read -r line; do
	case "$line" in
	"not ok "*) ktap_test_fail "${line#not ok * }" ;;
	"ok "*) ktap_test_pass "${line#ok * }" ;;
	*) printf '%s\n' "$line" ;;
	esac
done <<<"$errinj"
