#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ext2fs_conformance.sh -- the conformance suite's read-write ext2, ext3
# and ext4 configurations, keeping every image they write (EXT2FS_KEEP,
# see tests/conformance/conf_fs.c), then e2fsck -fn on each: after any
# case, the filesystem the driver unmounted must be clean.  One image in
# four is also loop-mounted by the Linux kernel's ext4 (when loop mounts
# work here), which must accept it.  (The suite reports the cases; this
# test judges the images.)
#
# Environment: CONFORMANCE (the conformance binary), TOP.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ -n "${CONFORMANCE:-}" ] && [ -x "$CONFORMANCE" ] ||
	skip_all "no conformance binary"
command -v e2fsck >/dev/null || skip_all "no e2fsck"

W=$(mktemp -d /tmp/ext2fs-conf.XXXXXX)
cleanup() {
	mountpoint -q "$W/mnt" 2>/dev/null && umount "$W/mnt"
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/keep" "$W/tmp" "$W/mnt"
kernel=false
if [ "$(id -u)" = 0 ]; then
	truncate -s 8M "$W/probe.img" && mkfs.ext4 -q -F "$W/probe.img" &&
	    mount -o loop,ro "$W/probe.img" "$W/mnt" 2>/dev/null &&
	    umount "$W/mnt" && kernel=true
	rm -f "$W/probe.img"
fi

for fs in ext4-rw ext4-inline-rw ext4-nocsum-rw ext3-rw ext2-rw ext4-small; do
	rm -f "$W/keep/"*
	TMPDIR=$W/tmp EXT2FS_KEEP=$W/keep "$CONFORMANCE" -f "$fs" \
	    >"$W/out" 2>&1
	n=$(grep -c '^ok' "$W/out")
	if grep -q '^not ok' "$W/out"; then
		tap_fail "$fs: conformance cases" \
		    "$(grep -A3 '^not ok' "$W/out" | head -60)"
	else
		tap_ok "$fs: conformance cases ($n)"
	fi
	bad=""
	kbad=""
	count=0
	for img in "$W/keep/"*; do
		[ -e "$img" ] || continue
		count=$((count + 1))
		if ! out=$(e2fsck -fn "$img" 2>&1); then
			bad="$bad
$(basename "$img"): $(echo "$out" | head -20)"
		fi
		if $kernel && [ $((count % 4)) = 1 ]; then
			if mount -o loop,ro "$img" "$W/mnt" 2>"$W/kerr"; then
				find "$W/mnt" >/dev/null 2>"$W/kerr" ||
				    kbad="$kbad $(basename "$img")"
				umount "$W/mnt"
			else
				kbad="$kbad $(basename "$img"):$(cat "$W/kerr")"
			fi
		fi
		rm -f "$img"
	done
	if [ "$count" = 0 ]; then
		tap_fail "$fs: e2fsck -fn after every case" "no image kept"
	elif [ -z "$bad" ]; then
		tap_ok "$fs: e2fsck -fn after every case ($count images)"
	else
		tap_fail "$fs: e2fsck -fn after every case" "$bad"
	fi
	if ! $kernel; then
		tap_skip "$fs: Linux ext4 reads the images" "no loop mounts"
	elif [ -z "$kbad" ]; then
		tap_ok "$fs: Linux ext4 reads the images"
	else
		tap_fail "$fs: Linux ext4 reads the images" "$kbad"
	fi
done
tap_done
