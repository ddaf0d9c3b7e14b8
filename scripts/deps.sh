# SPDX-License-Identifier: BSD-2-Clause
# deps.sh -- sourced by scripts/demo and scripts/test: install the Debian
# packages the build and the tests need, only those that are missing.
# Needs root on Debian bookworm; asks apt only when something is missing.
RUMPFUSE_DEPS="gcc meson ninja-build pkg-config libfuse3-dev fuse3
libglib2.0-dev libcunit1-dev zlib1g-dev fio attr e2fsprogs python3 util-linux
makefs sleuthkit mtools dosfstools xorriso genisoimage clang libseccomp-dev
libsystemd-dev fdisk systemd bc procps acl"

rf_install_deps() {
	missing=""
	for p in $RUMPFUSE_DEPS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "rumpfuse: installing missing Debian packages:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "rumpfuse: need root to install packages" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq &&
	    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# rf_build DIR [meson options...]: configure (once) and build.
rf_build() {
	dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir"
}
