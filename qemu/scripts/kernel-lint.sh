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
errinj=$(cd "$TOP" && python3 "$TOP/qemu/scripts/errinj-check.py" --start $(( ${#files[@]} + 1 )) "${csrc[@]}")
ninj=$(printf '%s\n' "$errinj" | grep -cE '^(not )?ok ')

echo "KTAP version 1"
echo "1..$(( ${#files[@]} + 1 + ninj ))"
n=0
for f in "${files[@]}"; do
	n=$((n + 1))
	out=$(cd "$TOP" && perl "$cp" --strict --no-tree --terse --show-types \
		--ignore SPDX_LICENSE_TAG -f "$f" 2>&1 | grep -E ': (ERROR|WARNING|CHECK):')
	if [ -z "$out" ]; then
		echo "ok $n checkpatch --strict $f"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		echo "not ok $n checkpatch --strict $f"
	fi
done
n=$((n + 1))
warn=$(grep -E '(warning|error):' "$buildlog")
if [ -z "$warn" ] && grep -q 'CHECK' "$buildlog"; then
	echo "ok $n module build is clean under W=1 and sparse (C=1)"
else
	[ -n "$warn" ] && printf '%s\n' "$warn" | head -20 | sed 's/^/# /'
	grep -q 'CHECK' "$buildlog" || echo "# sparse did not run (no CHECK lines in $buildlog)"
	echo "not ok $n module build is clean under W=1 and sparse (C=1)"
fi
printf '%s\n' "$errinj"
