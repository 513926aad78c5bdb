#!/usr/bin/env bash
# Pack the guest's initramfs. Usage: initramfs.sh OUT.cpio STAGING_DIR
# The staging dir already holds the project's files (modules, tests,
# programs) under their guest paths; this adds busybox and init and packs
# it. The cpio is written to a temporary name and renamed when complete.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:?output cpio}
stage=${2:?staging dir}
need cpio cpio
need dpkg-deb dpkg

dl=$BUILD/dl
mkdir -p "$dl"
bb=$dl/busybox-arm64/bin/busybox
if [ ! -x "$bb" ]; then
	(cd "$dl" && rm -f busybox-static_*_arm64.deb &&
		apt-get download busybox-static:arm64 >"$LOGS/busybox.log" 2>&1) ||
		die "cannot download busybox-static:arm64: run 'make deps' (needs 'dpkg --add-architecture arm64' and 'apt-get update'); see $LOGS/busybox.log"
	rm -rf "$dl/busybox-arm64.tmp"
	dpkg-deb -x "$dl"/busybox-static_*_arm64.deb "$dl/busybox-arm64.tmp"
	rm -rf "$dl/busybox-arm64"
	mv "$dl/busybox-arm64.tmp" "$dl/busybox-arm64"
fi

mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,etc,lib/modules,usr/share/dmabuf}
install -m 0755 "$bb" "$stage/bin/busybox"
install -m 0755 "$TOP/harness/guest/init" "$stage/init"
install -m 0755 "$TOP/selftests/runner.sh" "$stage/usr/share/dmabuf/runner.sh"
# /dev/console must exist before devtmpfs is mounted for init's stdio.
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 >"$out.tmp")
# Add the console node without needing root on the host.
printf '%s\n' "dir /dev 0755 0 0" "nod /dev/console 0600 0 0 c 5 1" >"$out.list"
if [ -x "$KOBJ/usr/gen_init_cpio" ]; then
	"$KOBJ/usr/gen_init_cpio" "$out.list" >"$out.dev"
	cat "$out.dev" "$out.tmp" >"$out.tmp2" && mv "$out.tmp2" "$out.tmp"
fi
rm -f "$out.list" "$out.dev"
mv "$out.tmp" "$out"
