#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ffs_write.sh -- the ffs driver writing images made by makefs, through
# FUSE.
#
# For UFS1 and UFS2 in both byte orders and several block sizes: mount
# read-write (the superblock must say "not clean" on disk while
# mounted), copy a real tree in with cp -a (the project's sources and
# /usr/include/linux) and the generated test tree, rename and delete in
# bulk, grow and shrink a directory of thousands of entries, set
# nanosecond times, owners and modes, write and verify data with fio
# (crc32c), make a 5 GiB sparse file (reaching the triple indirect tree
# with 4 KiB blocks); unmount (the superblock must say "clean"); the
# checker must find the image consistent; sleuthkit must read every file
# and symlink written (UFS1; see ffs_images.sh for UFS2); a read-only
# remount must show exactly what was there before the unmount.
# Then: filling a small filesystem (ENOSPC, consistent, space back after
# deleting), a filesystem that is not clean (mounted read-only unless
# force_dirty_rw; left not clean), and a feature that refuses writing.
#
# Environment: RUMPFUSE, FSCK, TOP.  Needs root, /dev/fuse, makefs,
# python3; fio and sleuthkit are used when present.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/integration/lib.sh"
PY="python3 $TOP/tests/drivers/ffs/ffs_tree.py"
SB=8192		# where Debian's makefs puts both superblocks

# name | makefs -o options | byte order | sparse test
CONFIGS="
ufs1-le-8k|version=1|le|
ufs1-be-4k|version=1,bsize=4096,fsize=512|be|
ufs2-le-4k|version=2,bsize=4096,fsize=512|le|sparse
ufs2-be-16k|version=2,bsize=16384,fsize=2048|be|sparse
ufs2-le-64k|version=2,bsize=65536,fsize=8192|le|
"

it_setup
command -v makefs >/dev/null || it_skip_all "makefs is missing"
command -v python3 >/dev/null || it_skip_all "python3 is missing"
[ -n "${FSCK:-}" ] && [ -x "$FSCK" ] || it_skip_all "FSCK is not set"

# The fs_clean byte of the superblock of image $1.
clean_byte() {
	od -An -tu1 -j $((SB + 209)) -N1 "$1" | tr -d ' '
}

# check_clean NAME IMG WANT
check_clean() {
	local got
	got=$(clean_byte "$2")
	if [ "$got" = "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1" "fs_clean is $got, expected $3"
	fi
}

$PY gen "$WORK/seed" || it_skip_all "cannot generate the tree"
mkdir -p "$WORK/real" "$WORK/empty"
cp -a "$TOP/vfs" "$TOP/fsdrivers" "$TOP/hypercalls" "$WORK/real/"
[ -d /usr/include/linux ] && cp -a /usr/include/linux "$WORK/real/"
tap_ok "prepare the trees"

# The bulk operations on a mounted tree at $1.
churn() {
	local m=$1 i f n=0
	cp -a "$WORK/real" "$m/real" || return 1
	cp -a "$WORK/seed" "$m/seed" || return 1
	# rename and delete in bulk
	find "$m/real" -name '*.h' | head -400 | while read -r f; do
		mv "$f" "$f.renamed" || exit 1
	done || return 1
	find "$m/real" -name '*.c' | head -100 | xargs -r rm -- || return 1
	mv "$m/real/fsdrivers" "$m/seed/deep/moved" || return 1
	rm -rf "$m/real/hypercalls" || return 1
	# a directory that grows, thins out, compacts and shrinks
	mkdir "$m/many" || return 1
	for i in $(seq 1 3000); do
		: >"$m/many/entry-$i-of-a-directory-that-grows" || return 1
	done
	for i in $(seq 1 2 3000); do
		rm "$m/many/entry-$i-of-a-directory-that-grows" || return 1
	done
	for i in $(seq 2 2 3000); do
		[ $((i % 10)) = 0 ] || continue
		mv "$m/many/entry-$i-of-a-directory-that-grows" \
		    "$m/many/renamed-$i-$(printf 'z%.0s' $(seq 1 $((i % 200))))" ||
		    return 1
	done
	mkdir "$m/shrink" && for i in $(seq 1 500); do
		: >"$m/shrink/f$i" || return 1
	done
	for i in $(seq 1 500); do rm "$m/shrink/f$i" || return 1; done
	# links, times, owners, modes
	ln "$m/seed/sizes/s0004097" "$m/hardlink" &&
	    ln -s "$(printf 'L%.0s' $(seq 1 300))" "$m/longsym" &&
	    ln -s short "$m/shortsym" &&
	    touch -d '2001-02-03 04:05:06.123456789' "$m/seed/sizes/s0000001" &&
	    chown 4321:8765 "$m/seed/sizes/s0000512" &&
	    chmod 4711 "$m/seed/sizes/s0000513" &&
	    mkfifo "$m/fifo" && mknod "$m/chr" c 10 200 || return 1
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$m/sock" || return 1
	# a tail that grows fragment by fragment
	for i in $(seq 1 40); do
		head -c 700 /dev/urandom >>"$m/growing" || return 1
	done
	return 0
}

# sparse MOUNT: a 5 GiB file with three islands of data.
sparse() {
	local f=$1/sparse
	truncate -s 5G "$f" &&
	    printf 'first' | dd of="$f" conv=notrunc status=none &&
	    printf 'middle' | dd of="$f" bs=1 seek=$((1 << 30)) conv=notrunc \
	    status=none &&
	    printf 'end' | dd of="$f" bs=1 seek=$((5 * (1 << 30) - 3)) \
	    conv=notrunc status=none &&
	    [ "$(head -c 5 "$f")" = first ] &&
	    [ "$(tail -c 3 "$f")" = end ] &&
	    [ "$(stat -c %b "$f")" -lt 1024 ]
}

while IFS='|' read -r name opts order sp; do
	[ -n "$name" ] || continue
	case " ${FFS_CONFIGS:-$name} " in
	*" $name "*) ;;
	*) continue ;;
	esac
	img=$WORK/$name.img
	mnt=$WORK/mnt-$name
	lbl=${name//-/_}
	if ! out=$(makefs -t ffs -B "$order" -s 400m -f 30000 -o "$opts" \
	    "$img" "$WORK/empty" 2>&1); then
		tap_fail "$name: makefs" "$out"
		continue
	fi
	if ! it_mount "$lbl" -t ffs "$img" "$mnt"; then
		tap_fail "$name: mount read-write" "$(cat "$WORK/$lbl.err")"
		continue
	fi
	check_clean "$name: marked not clean on disk while mounted" "$img" 0
	tap_check "$name: cp -a, bulk renames and deletes, big directory" \
	    churn "$mnt"
	if command -v fio >/dev/null; then
		tap_check "$name: fio random writes verified with crc32c" \
		    fio --name=v --directory="$mnt" --size=24m --bsrange=1k-64k \
		    --rw=randwrite --verify=crc32c --do_verify=1 \
		    --ioengine=psync --numjobs=2 --output=/dev/null
	else
		tap_skip "$name: fio random writes verified" "no fio"
	fi
	if [ "$sp" = sparse ]; then
		tap_check "$name: a 5 GiB sparse file" sparse "$mnt"
	fi
	$PY dump "$mnt" "$WORK/$name.live.json" 2>"$WORK/$name.dump.err"
	it_umount "$lbl" "$mnt"
	check_clean "$name: marked clean after unmounting" "$img" 1
	tap_check "$name: the checker finds the image consistent" \
	    "$FSCK" "$img"
	case $opts in
	version=1*)
		if command -v fls >/dev/null; then
			tap_check "$name: sleuthkit reads every file written" \
			    $PY tsk "$img" "$WORK/$name.live.json"
		fi
		;;
	esac
	if it_mount "${lbl}_ro" -t ffs -o ro "$img" "$mnt"; then
		$PY dump "$mnt" "$WORK/$name.again.json" \
		    2>"$WORK/$name.dump.err"
		tap_check "$name: remounted, the tree is what was written" \
		    $PY cmp "$WORK/$name.live.json" "$WORK/$name.again.json"
		it_umount "${lbl}_ro" "$mnt"
	else
		tap_fail "$name: remount" "$(cat "$WORK/${lbl}_ro.err")"
	fi
	rm -f "$img"
done <<EOF
$CONFIGS
EOF

# ---- filling the disk ----
fill() {
	local m=$1 i
	# one big file until ENOSPC, then small ones until ENOSPC
	if dd if=/dev/zero of="$m/big" bs=64k status=none 2>/dev/null; then
		echo "dd did not run out of space"
		return 1
	fi
	for i in $(seq 1 100000); do
		if ! echo "file $i" >"$m/small-$i" 2>/dev/null; then
			rm -f "$m/small-$i"
			break
		fi
	done
	[ "$i" -lt 100000 ] || return 1
	[ "$(cat "$m/small-1")" = "file 1" ]
}
for v in 1 2; do
	name=full_ufs$v
	img=$WORK/$name.img
	mnt=$WORK/mnt-$name
	makefs -t ffs -s 8m -f 2000 -o version=$v,minfree=0 "$img" \
	    "$WORK/empty" >/dev/null 2>&1 || { tap_fail "$name: makefs"; continue; }
	if it_mount "$name" -t ffs "$img" "$mnt"; then
		tap_check "$name: fill with data and files until ENOSPC" \
		    fill "$mnt"
		it_umount "$name" "$mnt"
		tap_check "$name: full, the checker finds it consistent" \
		    "$FSCK" "$img"
	fi
	if it_mount "${name}_2" -t ffs "$img" "$mnt"; then
		rm -rf "${mnt:?}"/*
		tap_check "$name: after deleting everything, space is back" \
		    dd if=/dev/zero of="$mnt/again" bs=1M count=6 status=none
		it_umount "${name}_2" "$mnt"
		tap_check "$name: emptied, the checker finds it consistent" \
		    "$FSCK" "$img"
	fi
done

# ---- the clean flag ----
img=$WORK/dirty.img
mnt=$WORK/mnt-dirty
makefs -t ffs -s 8m -o version=2 "$img" "$WORK/seed/links" >/dev/null 2>&1
printf '\000' | dd of="$img" bs=1 seek=$((SB + 209)) conv=notrunc status=none
if it_mount dirty1 -t ffs "$img" "$mnt"; then
	if touch "$mnt/x" 2>/dev/null; then
		tap_fail "a dirty filesystem is mounted read-only"
	else
		tap_ok "a dirty filesystem is mounted read-only"
	fi
	it_umount dirty1 "$mnt"
	if grep -q "read-only because" "$WORK/dirty1.err"; then
		tap_ok "a dirty filesystem: the log says why"
	else
		tap_fail "a dirty filesystem: the log says why" \
		    "$(cat "$WORK/dirty1.err")"
	fi
fi
if it_mount dirty2 -t ffs -o force_dirty_rw "$img" "$mnt"; then
	tap_check "force_dirty_rw mounts it read-write" touch "$mnt/x"
	it_umount dirty2 "$mnt"
	check_clean "a forced dirty filesystem stays not clean" "$img" 0
	out=$("$FSCK" "$img" 2>&1)
	if [ $? = 4 ] && [ "$(echo "$out" | grep -c 'not marked clean')" = 1 ] &&
	    echo "$out" | grep -q '^.*: 1 problem found$'; then
		tap_ok "the checker reports only the missing clean flag"
	else
		tap_fail "the checker reports only the missing clean flag" "$out"
	fi
fi

# ---- a feature that cannot be written ----
img=$WORK/quota.img
makefs -t ffs -s 8m -o version=2 "$img" "$WORK/empty" >/dev/null 2>&1
# fs_flags |= FS_DOQUOTA2 (0x200), little-endian
printf '\002' | dd of="$img" bs=1 seek=$((SB + 1313)) conv=notrunc status=none
mkdir -p "$WORK/mnt-quota"
if "$RUMPFUSE" -f -t ffs "$img" "$WORK/mnt-quota" >"$WORK/q.out" 2>&1; then
	tap_fail "in-filesystem quotas refuse a read-write mount"
	fusermount3 -u "$WORK/mnt-quota" 2>/dev/null
elif grep -q "quotas" "$WORK/q.out"; then
	tap_ok "in-filesystem quotas refuse a read-write mount"
else
	tap_fail "in-filesystem quotas refuse a read-write mount" \
	    "$(cat "$WORK/q.out")"
fi
if it_mount quota -t ffs -o ro "$img" "$WORK/mnt-quota"; then
	tap_ok "in-filesystem quotas: read-only is fine"
	it_umount quota "$WORK/mnt-quota"
fi
tap_done
