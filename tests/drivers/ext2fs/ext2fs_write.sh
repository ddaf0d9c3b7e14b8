#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ext2fs_write.sh -- read-write ext2, ext3 and ext4 through a FUSE mount,
# judged by e2fsck and by the Linux kernel's own ext4.
#
# For each configuration (ext4 as mke2fs makes it, ext4 with inline_data
# and 1 KiB blocks, ext3, ext2), on a fresh image mounted by rumpfuse:
#   - cp -a of a real source tree (/usr/include), checked with diff -r;
#   - tar extraction of another tree;
#   - mass create, rename (in place and across directories) and delete;
#   - symlinks (fast and slow), hard links, device nodes, xattrs, chmod,
#     chown, touch -d, truncate up and down, fallocate, punch holes;
#   - reads after an overwrite and a truncate, with the page cache
#     dropped, see the new data (the daemon remembers spliced runs);
#   - fio: four jobs of random 4 KiB writes with verify=crc32c;
# then unmount: the daemon exits 0, e2fsck -fn exits 0, and the kernel's
# ext4 (loop mount, read-only) shows exactly the tree rumpfuse showed
# (ext2fs_tree.py dump/cmp: types, modes, owners, sizes, ns times, link
# counts, devices, block counts, symlinks, xattrs, contents).  Then the
# disk is filled until ENOSPC, which must fail cleanly; the space freed
# by deleting the filler is usable again, and e2fsck is still clean.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/integration/lib.sh"
PY="python3 $TOP/tests/drivers/ext2fs/ext2fs_tree.py"
IT_TIMEOUT=120

it_setup
command -v e2fsck >/dev/null || it_skip_all "no e2fsck"
command -v fio >/dev/null || it_skip_all "no fio"
SRC=/usr/include
[ -d "$SRC" ] || it_skip_all "no $SRC to copy"
TARSRC=/usr/lib/python3
KMNT=$WORK/kmnt
mkdir -p "$KMNT"
kernel=false
truncate -s 8M "$WORK/probe.img" && mkfs.ext4 -q -F "$WORK/probe.img" &&
    mount -o loop,ro "$WORK/probe.img" "$KMNT" 2>/dev/null &&
    umount "$KMNT" && kernel=true
rm -f "$WORK/probe.img"
tar -C "$(dirname "$TARSRC")" -cf "$WORK/src.tar" "$(basename "$TARSRC")" \
    2>/dev/null || it_skip_all "cannot tar $TARSRC"

# check NAME CMD...: one TAP line, the command's output on failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$name"
	else
		tap_fail "$name" "$(echo "$out" | head -30)"
	fi
}

fsck_clean() {	# NAME IMAGE
	check "$1: e2fsck -fn is clean" e2fsck -fn "$2"
}

# The workload on mounted directory M.
workload() {
	local m=$1 i
	cp -a "$SRC" "$m/src" || return 1
	diff -r --no-dereference "$SRC" "$m/src" >/dev/null || {
		echo "cp -a: the copy differs"; return 1; }
	mkdir "$m/tar" && tar -C "$m/tar" -xf "$WORK/src.tar" || return 1
	mkdir -p "$m/mass/a" "$m/mass/b" || return 1
	for i in $(seq 1 1500); do
		echo "file $i" >"$m/mass/a/file-with-a-longer-name-$i"
	done
	for i in $(seq 1 1500); do
		if [ $((i % 2)) = 0 ]; then
			mv "$m/mass/a/file-with-a-longer-name-$i" \
			    "$m/mass/b/moved-$i" || return 1
		else
			mv "$m/mass/a/file-with-a-longer-name-$i" \
			    "$m/mass/a/renamed-$i" || return 1
		fi
	done
	for i in $(seq 1 3 1500); do
		rm -f "$m/mass/a/renamed-$i" "$m/mass/b/moved-$i"
	done
	mkdir -p "$m/mass/dirs" && for i in $(seq 1 200); do
		mkdir "$m/mass/dirs/d$i" || return 1
	done
	for i in $(seq 1 2 200); do rmdir "$m/mass/dirs/d$i" || return 1; done
	mv "$m/mass/dirs/d2" "$m/mass/b/d2-moved" || return 1
	# Special files and attributes.
	mkdir "$m/misc" && cd "$m/misc" || return 1
	ln -s short fast-link && ln -s "$(printf 'x%.0s' $(seq 1 200))" \
	    slow-link || return 1
	echo data >f && ln f f-hard && mknod cdev c 1 3 && mknod bdev b 7 0 &&
	    mkfifo fifo || return 1
	setfattr -n user.small -v hello f &&
	    setfattr -n user.big -v "$(head -c 700 /dev/zero | tr '\0' y)" f ||
	    return 1
	setfattr -n user.gone -v x f && setfattr -x user.gone f || return 1
	chmod 4751 f && chown 1234:5678 f-hard && chown 42:43 cdev || return 1
	touch -d '2001-02-03 04:05:06.123456789' f || return 1
	head -c 5000000 /dev/urandom >big && truncate -s 3000000 big &&
	    truncate -s 9000000 big || return 1
	fallocate -l 4M falloc && fallocate -p -o 4096 -l 65536 big || return 1
	printf 'tail' >>big || return 1
	# Reads spliced from remembered runs (rf_node_bmap) must see what
	# was written since: the kernel's page cache is dropped, so the
	# daemon answers every read.
	head -c 4000000 /dev/urandom >"$WORK/sp.model" &&
	    cp "$WORK/sp.model" sp && cat sp >/dev/null || return 1
	head -c 100000 /dev/urandom >"$WORK/sp.patch" &&
	    dd if="$WORK/sp.patch" of=sp bs=1000 seek=1500 conv=notrunc \
	    status=none &&
	    dd if="$WORK/sp.patch" of="$WORK/sp.model" bs=1000 seek=1500 \
	    conv=notrunc status=none || return 1
	echo 1 >/proc/sys/vm/drop_caches
	cmp sp "$WORK/sp.model" || { echo "read after overwrite"; return 1; }
	truncate -s 1000000 sp && truncate -s 1000000 "$WORK/sp.model" &&
	    truncate -s 3000000 sp && truncate -s 3000000 "$WORK/sp.model" ||
	    return 1
	echo 1 >/proc/sys/vm/drop_caches
	cmp sp "$WORK/sp.model" || { echo "read after truncate"; return 1; }
	# A write drops file capabilities (Linux asks for
	# security.capability first; the daemon answers that query itself
	# only for files without attributes).
	echo x >capf && setfattr -n security.capability \
	    -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= capf && echo more >>capf ||
	    return 1
	if getfattr -n security.capability capf >/dev/null 2>&1; then
		echo "a write kept security.capability"; return 1
	fi
	# ... also when the attribute is set while the file is open.
	exec 3>>capg && echo y >&3 && setfattr -n security.capability \
	    -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= capg && echo z >&3 || return 1
	exec 3>&-
	if getfattr -n security.capability capg >/dev/null 2>&1; then
		echo "a write after setfattr kept security.capability"
		return 1
	fi
	mkdir deep && (cd deep && for i in $(seq 1 20); do mkdir d && cd d ||
	    exit 1; done; echo bottom >file) || return 1
	cd / || return 1
	fio --name=verify --directory="$m/misc" --rw=randwrite --bs=4k \
	    --size=16m --numjobs=4 --verify=crc32c --do_verify=1 \
	    --ioengine=psync --group_reporting >"$WORK/fio.out" 2>&1 || {
		tail -20 "$WORK/fio.out"; return 1; }
	sync
}

fill_disk() {	# M
	local m=$1 out
	if out=$(dd if=/dev/zero of="$m/filler" bs=1M 2>&1); then
		echo "dd did not fail on a full disk"; return 1
	fi
	case $out in
	*"No space left"*) ;;
	*) echo "dd: $out"; return 1 ;;
	esac
	rm -f "$m/filler" || return 1
	sync
	dd if=/dev/zero of="$m/again" bs=1M count=8 2>&1 || return 1
	rm -f "$m/again"
}

configs="ext4:600M:-t:ext4
ext4_inline_1k:600M:-t:ext4:-O:inline_data:-b:1024
ext3:500M:-t:ext3
ext2:500M:-t:ext2"

for c in $configs; do
	IFS=: read -r name size mkopts <<<"$c"
	mkopts=$(echo "$c" | cut -d: -f3- | tr : ' ')
	img=$WORK/$name.img
	mnt=$WORK/$name.mnt
	rm -f "$img"
	truncate -s "$size" "$img"
	# shellcheck disable=SC2086
	mkfs.ext4 -q -F $mkopts "$img" >/dev/null 2>&1 ||
	    mke2fs -q -F $mkopts "$img" >/dev/null
	if ! it_mount "$name" -o rw "$img" "$mnt"; then
		tap_fail "$name: rumpfuse mounts read-write" \
		    "$(tail -5 "$WORK/$name.err")"
		continue
	fi
	tap_ok "$name: rumpfuse mounts read-write"
	check "$name: workload (cp -a, tar, mass rename/delete, specials, fio verify)" \
	    workload "$mnt"
	$PY dump "$mnt" "$WORK/$name.fuse.json" 2>"$WORK/dump.err"
	it_umount "$name" "$mnt"
	fsck_clean "$name" "$img"
	if $kernel && mount -o loop,ro "$img" "$KMNT" 2>"$WORK/kerr"; then
		$PY dump "$KMNT" "$WORK/$name.kern.json"
		umount "$KMNT"
		check "$name: Linux ext4 shows the same tree" \
		    $PY cmp "$WORK/$name.fuse.json" "$WORK/$name.kern.json" \
		    kernel
	elif $kernel; then
		tap_fail "$name: Linux ext4 shows the same tree" \
		    "mount: $(cat "$WORK/kerr")"
	else
		tap_skip "$name: Linux ext4 shows the same tree" "no loop mounts"
	fi
	# Full disk.
	if it_mount "$name" -o rw "$img" "$mnt"; then
		check "$name: a full disk gives ENOSPC, freed space is usable" \
		    fill_disk "$mnt"
		it_umount "$name" "$mnt"
		fsck_clean "$name after ENOSPC" "$img"
	else
		tap_fail "$name: remount read-write" \
		    "$(tail -5 "$WORK/$name.err")"
	fi
	rm -f "$img"
done
tap_done
