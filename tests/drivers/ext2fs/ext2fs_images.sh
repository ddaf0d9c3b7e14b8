#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ext2fs_images.sh -- the ext2fs driver against images made by mke2fs.
#
# A generated tree (every file type, size boundaries of inline data and
# of direct/indirect/double/triple block maps, sparse files up to 5 GiB,
# odd names, hard links, devices, fifos, a socket, xattrs in all
# namespaces and POSIX ACLs, nanosecond and out-of-range timestamps, and
# a directory of 20,000 entries) is put into one image per configuration
# with `mke2fs -d` (the big directory and the timestamps are copied in
# afterwards through the Linux kernel's ext4 driver, which is fast, makes
# a hashed directory, and keeps nanoseconds and post-2038 times).  Each
# image is then mounted with `rumpfuse -o ro` and its whole tree (names,
# types, modes, owners, sizes, ns mtimes, link counts, devices, block
# counts, symlink targets, xattrs, contents) and statfs compared with the
# kernel's own view of the same image on a read-only loop mount, and with
# the source tree.  The image must be byte-for-byte unchanged and pass
# e2fsck afterwards.
#
# Environment: RUMPFUSE (the daemon), TOP (source root).  Needs root,
# /dev/fuse, loop devices, mke2fs, python3; skips otherwise.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
PY="python3 $TOP/tests/drivers/ext2fs/ext2fs_tree.py"

# name | mke2fs options | source-compare mode | kernel can mount
# (EXT2FS_CONFIGS="name ..." runs only those.)  mke2fs 1.47 drops the
# trailing hole of sparse_mid with inline_data: the kernel agrees with
# rumpfuse there, the source does not.  ext4-eainode gets a 9000-byte
# xattr (in an EA inode) through the kernel, so only the kernel's view
# has it.
CONFIGS="
ext2|-t ext2 -b 1024|source|yes
ext3|-t ext3|source|yes
ext4|-t ext4|source|yes
ext4-1k|-t ext4 -b 1024|source|yes
ext4-i128|-t ext4 -I 128|source|yes
ext4-inline|-t ext4 -O inline_data|source,ign=sparse_mid|yes
ext4-noextent|-t ext4 -O ^extent,^64bit|source|yes
ext4-csum-metabg|-t ext4 -O 64bit,metadata_csum,meta_bg,^resize_inode,sparse_super2|source|yes
ext4-uninit|-t ext4 -O ^metadata_csum,uninit_bg,^64bit|source|yes
ext4-eainode|-t ext4 -O ea_inode|source,ign=xattrs/small|yes
ext4-64k|-t ext4 -b 65536|source,nobig|no
"

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
[ -n "${RUMPFUSE:-}" ] && [ -x "$RUMPFUSE" ] || skip_all "no rumpfuse"
command -v mke2fs >/dev/null || skip_all "no mke2fs"
command -v python3 >/dev/null || skip_all "no python3"

W=$(mktemp -d /tmp/ext2fs-images.XXXXXX)
cleanup() {
	fusermount3 -u "$W/fmnt" 2>/dev/null
	umount "$W/kmnt" 2>/dev/null
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT
mkdir -p "$W/fmnt" "$W/kmnt" "$W/big"

$PY gen "$W/src" || skip_all "cannot generate the tree"
$PY dump "$W/src" "$W/src.json"
# Copied in by the kernel: fast for the big directory, and it keeps
# nanoseconds and post-2038 times, which mke2fs 1.47 does not.
mv "$W/src/bigdir" "$W/src/times" "$W/big/"
tap_ok "generate the source tree"

while IFS='|' read -r name opts mode kernel; do
	[ -n "$name" ] || continue
	case " ${EXT2FS_CONFIGS:-$name} " in
	*" $name "*) ;;
	*) continue ;;
	esac
	img="$W/$name.img"
	rm -f "$img"
	truncate -s 512M "$img"
	# shellcheck disable=SC2086
	if ! out=$(mke2fs -q -F $opts -N 30000 -d "$W/src" "$img" 2>&1); then
		tap_fail "$name: mke2fs" "$out"
		continue
	fi
	if [ "$kernel" = yes ]; then
		if ! mount -o loop "$img" "$W/kmnt" 2>/dev/null; then
			tap_skip "$name: all" "the kernel cannot mount it"
			continue
		fi
		cp -a "$W/big/bigdir" "$W/big/times" "$W/kmnt/"
		if [ "$name" = ext4-eainode ]; then
			# values larger than a block live in their own inode
			setfattr -n user.huge -v "0x$(head -c 9000 /dev/urandom |
			    od -An -tx1 | tr -d ' \n')" "$W/kmnt/xattrs/small"
		fi
		umount "$W/kmnt"
	fi
	sum=$(sha256sum <"$img")
	if ! out=$("$RUMPFUSE" -t ext2fs -o ro "$img" "$W/fmnt" 2>&1); then
		tap_fail "$name: mount" "$out"
		continue
	fi
	tap_ok "$name: mount"
	timeout 600 $PY dump "$W/fmnt" "$W/fuse.json"
	st=$?
	fsf=$(stat -f -c '%S %b %f %a %c %d %l' "$W/fmnt")
	fusermount3 -u "$W/fmnt"
	if [ $st != 0 ]; then
		tap_fail "$name: walk the tree" "dump exited $st"
		continue
	fi
	tap_ok "$name: walk the tree"
	if [ "$kernel" = yes ]; then
		mount -o loop,ro "$img" "$W/kmnt"
		$PY dump "$W/kmnt" "$W/kernel.json"
		fsk=$(stat -f -c '%S %b %f %a %c %d %l' "$W/kmnt")
		umount "$W/kmnt"
		tap_check "$name: statfs same as the kernel's ($fsf)" \
		    test "$fsf" = "$fsk"
		tap_check "$name: same as the Linux kernel's view" \
		    $PY cmp "$W/fuse.json" "$W/kernel.json" kernel
	fi
	# the source has bigdir under src/ in its dump
	if [ "${mode%nobig}" != "$mode" ]; then
		python3 - "$W/src.json" "$W/src-nobig.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d = {k: v for k, v in d.items()
     if not k.startswith("bigdir") and not k.startswith("times")}
d["."]["nlink"] -= 2
json.dump(d, open(sys.argv[2], "w"))
EOF
		tap_check "$name: same as the source tree" \
		    $PY cmp "$W/fuse.json" "$W/src-nobig.json" "$mode"
	else
		tap_check "$name: same as the source tree" \
		    $PY cmp "$W/fuse.json" "$W/src.json" "$mode"
	fi
	if [ "$(sha256sum <"$img")" = "$sum" ]; then
		tap_ok "$name: image unchanged"
	else
		tap_fail "$name: image unchanged"
	fi
	tap_check "$name: e2fsck -fn" e2fsck -fn "$img"
	rm -f "$img"
done <<<"$CONFIGS"
tap_done
