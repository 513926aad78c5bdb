#!/usr/bin/env bash
# Build the guest kernel from Debian's linux-source-6.12, once per
# (variant, page size, inputs). Usage: kernel.sh VARIANT PAGE_SIZE
# Prints the kernel object directory on stdout. `kernel.sh source` only
# extracts and patches the source and prints its directory.
#
# Entries live in $KERNEL_CACHE, named by a hash of everything that goes
# into them (source package version, patches, fragments, compiler), so a
# fresh clone reuses a kernel that was built from the same inputs and
# anything else is rebuilt. An entry is trusted only once its .ready
# stamp exists; the stamp is written last, after a successful build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?variant}
page=${2:-}
case "$variant" in debug|release|source) ;; *) die "unknown kernel variant '$variant' (debug|release)" ;; esac
[ "$variant" = source ] || case "$page" in
	4K|64K) ;;
	*) die "unknown PAGE_SIZE '$page' (4K|64K)" ;;
esac

need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
need flex flex
need bison bison
need bc bc
tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || die "$tarball missing: run 'make deps' (or apt-get install linux-source-6.12)"

: "${KERNEL_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/dmabuf-carveout}"
mkdir -p "$KERNEL_CACHE"
kdir=$TOP/harness/kconfig
patches=("$TOP"/harness/patches/*.patch)
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
srckey=$( { echo "$srcver"; cat "${patches[@]}"; } | sha256sum | cut -c1-16)
src=$KERNEL_CACHE/src-$srckey

if [ ! -e "$src/.ready" ]; then
	say "  kernel source: extracting linux-source-6.12 $srcver and applying patches"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xf "$tarball"
	for p in "${patches[@]}"; do
		patch -s -d "$src.tmp" -p1 <"$p" || die "patch $(basename "$p") does not apply"
	done
	touch "$src.tmp/.ready"
	mv "$src.tmp" "$src"
fi
if [ "$variant" = source ]; then
	echo "$src"
	exit 0
fi

pg=$(echo "$page" | tr 'K' 'k')
frags=("$kdir/base.config" "$kdir/$variant.config" "$kdir/$pg.config")
key=$( { echo "$srckey"; aarch64-linux-gnu-gcc --version | head -1; cat "${frags[@]}"; } |
	sha256sum | cut -c1-16)
obj=$KERNEL_CACHE/$variant-$pg-$key
log=$LOGS/kernel-$variant-$pg.log

# One build per cache entry at a time: a second caller (another work tree,
# a parallel make) waits for the first and then finds the entry ready.
if [ ! -e "$obj/.ready" ]; then
	exec 9>"$KERNEL_CACHE/.lock-$variant-$pg"
	flock 9
fi
if [ ! -e "$obj/.ready" ]; then
	say "  kernel $variant/$page: building (log: ${log#"$TOP"/})"
	rm -rf "$obj"
	mkdir -p "$obj"
	# A superseded entry of this variant built from the same source seeds
	# the build: Kbuild then recompiles only what the changed options
	# reach (ccache cannot help there, since autoconf.h changes).
	for old in "$KERNEL_CACHE/$variant-$pg"-*; do
		[ -e "$old/.ready" ] && [ "$(readlink "$old/source")" = "$src" ] || continue
		say "  kernel $variant/$page: starting from $(basename "$old")"
		cp -a "$old/." "$obj/"
		rm -f "$obj/.ready"
		break
	done
	cc=aarch64-linux-gnu-gcc
	command -v ccache >/dev/null && cc="ccache $cc"
	kmake=(make -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC="$cc")
	{
		cat "${frags[@]}" >"$obj/fragments.config"
		(cd "$src" && ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
			scripts/kconfig/merge_config.sh -n -O "$obj" "${frags[@]}")
	} >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "kernel configuration failed"; }
	# Every requested value must survive Kconfig's dependency resolution.
	bad=0
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		opt=${line%%=*}
		val=${line#*=}
		if [ "$val" = n ]; then
			! grep -q "^$opt=" "$obj/.config" || { say "  $opt: asked n, got $(grep "^$opt=" "$obj/.config")"; bad=1; }
		else
			grep -qxF "$line" "$obj/.config" || { say "  $opt: asked $val, got '$(grep "^$opt=\|^# $opt " "$obj/.config" || echo unset)'"; bad=1; }
		fi
	done <"$obj/fragments.config"
	[ "$bad" = 0 ] || die "kernel config fragments do not hold (see above)"
	run_logged "$log.build" "${kmake[@]}" -j"$(nproc)" all ||
		die "kernel build failed (log: $log.build)"
	run_logged "$log.hdr" "${kmake[@]}" headers_install INSTALL_HDR_PATH="$obj/hdr" ||
		die "headers_install failed"
	touch "$obj/.ready"
	# Older builds of this variant are superseded: keep the cache bounded.
	for old in "$KERNEL_CACHE/$variant-$pg"-*; do
		[ "$old" = "$obj" ] || rm -rf "$old"
	done
fi
ln -sfn "$obj" "$BUILD/kernel-$variant-$pg"
echo "$obj"
