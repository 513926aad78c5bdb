#!/usr/bin/env bash
# Install what the build and the tests need, on Debian 12. Idempotent:
# when everything is present it only runs dpkg-query, which takes well
# under a second.
set -euo pipefail

host_pkgs=(make gcc libc6-dev python3 git patch xz-utils cpio bc bison flex
	libssl-dev libelf-dev kmod ccache sparse rsync
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
	linux-source-6.12 qemu-system-arm device-tree-compiler dt-schema
	gnuplot-nox valgrind e2fsprogs)
arm64_pkgs=(libdrm-dev:arm64)

missing=()
for p in "${host_pkgs[@]}" "${arm64_pkgs[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || {
		echo "error: missing packages and not root: apt-get install ${missing[*]}" >&2
		exit 1
	}
	SUDO=sudo
else
	SUDO=
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$SUDO dpkg --add-architecture arm64
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	{ echo "error: apt-get install ${missing[*]} failed" >&2; exit 1; }
