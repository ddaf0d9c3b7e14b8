#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# split_tree.sh -- -o sandbox=split (the kernel in a sandboxed child
# process, split_proto.h) with a real workload: a generated tree (nested
# directories, empty, small and multi-megabyte files, symlinks and hard
# links where the filesystem has them) copied in with cp -a, compared with
# diff -r, and compared again after an unmount and a second split mount;
# on tmpfs, on an FFS image made by makefs and on a FAT image made by
# mkfs.fat (cp -R: FAT keeps no modes; then judged by fsck.fat -n).
# FFS and FAT run with both split channels: fuse (the default: the child
# serves FUSE) and socket (the front end forwards over sockets).  Also:
# the child process exists and is unprivileged, parallel readers,
# xattrs and statfs.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

# make_tree DIR LINKS: a deterministic tree; LINKS=1 adds symlinks and
# hard links.
make_tree() {
	local d=$1 links=$2 i j
	mkdir -p "$d/empty_dir"
	: >"$d/empty_file"
	for i in 1 2 3 4 5 6; do
		mkdir -p "$d/dir$i/sub$i"
		for j in 1 2 3 4 5 6 7 8; do
			head -c $((i * 997 + j * 4099)) /dev/urandom \
			    >"$d/dir$i/file$j.bin"
			echo "text $i $j" >"$d/dir$i/sub$i/note$j.txt"
		done
	done
	head -c $((3 * 1024 * 1024 + 12345)) /dev/urandom >"$d/big.bin"
	head -c $((9 * 1024 * 1024)) /dev/urandom >"$d/bigger.bin"
	if [ "$links" = 1 ]; then
		ln -s dir1/file1.bin "$d/sym"
		ln -s /nowhere/at/all "$d/dangling"
		ln "$d/dir2/file2.bin" "$d/hardlink"
	fi
}

SEED_L=$WORK/seed_links
SEED_P=$WORK/seed_plain
make_tree "$SEED_L" 1
make_tree "$SEED_P" 0

# The daemon's child (the sandboxed kernel), if any.
child_of() {
	pgrep -P "$1" | head -1
}

# run_fs NAME CHANNEL SEED CPFLAGS ARGS...: mount with sandbox=split
# and split_channel=CHANNEL, copy SEED in (cp CPFLAGS), compare,
# unmount, mount again, compare again.
run_fs() {
	local name=${1}_$2 ch=$2 seed=$3 cpf=$4 mnt=$WORK/mnt_$1 pid cpid
	shift 4
	set -- -o "sandbox=split,split_channel=$ch" "$@"
	if ! it_mount "$name" "$@" "$mnt"; then
		tap_fail "$name: split mount" "$(cat "$WORK/$name.err")"
		return
	fi
	tap_ok "$name: split mount"
	eval "pid=\$IT_PID_$name"
	cpid=$(child_of "$pid")
	if [ -n "$cpid" ] &&
	    [ "$(awk '/^Uid:/ { print $2 }' "/proc/$cpid/status")" != 0 ]; then
		tap_ok "$name: the kernel runs in an unprivileged child"
	else
		tap_fail "$name: the kernel runs in an unprivileged child" \
		    "child '$cpid' of $pid"
	fi
	tap_check "$name: cp $cpf the tree" timeout 120 cp $cpf "$seed/." \
	    "$mnt/"
	tap_check "$name: diff -r" timeout 120 diff -r --no-dereference \
	    "$seed" "$mnt"
	# Parallel readers of the same and different files.
	if timeout 60 bash -c "
	    for i in 1 2 3 4 5 6; do
		cmp '$seed/big.bin' '$mnt/big.bin' &
		cmp '$seed/dir\$i/file3.bin' '$mnt/dir\$i/file3.bin' &
	    done; wait" >/dev/null 2>&1 &&
	    cmp -s "$seed/bigger.bin" "$mnt/bigger.bin"; then
		tap_ok "$name: parallel readers"
	else
		tap_fail "$name: parallel readers"
	fi
	if df "$mnt" >/dev/null 2>&1; then
		tap_ok "$name: statfs"
	else
		tap_fail "$name: statfs"
	fi
	it_umount "$name" "$mnt"
	if ! it_mount "${name}2" "$@" "$mnt"; then
		tap_fail "$name: second split mount" "$(cat "$WORK/${name}2.err")"
		return
	fi
	tap_check "$name: diff -r after a remount" timeout 120 diff -r \
	    --no-dereference "$seed" "$mnt"
	it_umount "${name}2" "$mnt"
}

# tmpfs: contents do not survive the unmount; the first half only, plus
# xattrs, rename and unlink through the socket.
MNT=$WORK/mnt_tmpfs
if it_mount tmpfs -o sandbox=split -t tmpfs -o size=256m none "$MNT"; then
	tap_ok "tmpfs: split mount"
	tap_check "tmpfs: cp -a the tree" timeout 120 cp -a "$SEED_L/." "$MNT/"
	tap_check "tmpfs: diff -r" timeout 120 diff -r --no-dereference \
	    "$SEED_L" "$MNT"
	tap_check "tmpfs: setfattr" setfattr -n user.k -v value "$MNT/big.bin"
	it_check_out "tmpfs: getfattr" "value" getfattr --only-values \
	    -n user.k "$MNT/big.bin"
	tap_check "tmpfs: mv and rm -r" sh -c "mv '$MNT/dir1' '$MNT/moved' &&
	    rm -r '$MNT/moved' && [ ! -e '$MNT/dir1' ]"
	it_check_out "tmpfs: readlink" "dir1/file1.bin" readlink "$MNT/sym"
	it_umount tmpfs "$MNT"
else
	tap_fail "tmpfs: split mount" "$(cat "$WORK/tmpfs.err")"
fi

if command -v makefs >/dev/null; then
	mkdir -p "$WORK/emptydir"
	if makefs -t ffs -s 64m -f 4000 -o version=2 "$WORK/ffs.img" \
	    "$WORK/emptydir" >/dev/null 2>&1; then
		run_fs ffs fuse "$SEED_L" -a -t ffs "$WORK/ffs.img"
		rm -f "$WORK/ffs.img"
		makefs -t ffs -s 64m -f 4000 -o version=2 "$WORK/ffs.img" \
		    "$WORK/emptydir" >/dev/null 2>&1 &&
		    run_fs ffs socket "$SEED_L" -a -t ffs "$WORK/ffs.img"
	else
		tap_fail "ffs: makefs"
	fi
else
	tap_skip "ffs" "makefs is missing"
fi

if command -v mkfs.fat >/dev/null; then
	truncate -s 64m "$WORK/fat.img"
	if mkfs.fat -F 32 "$WORK/fat.img" >/dev/null 2>&1; then
		for ch in fuse socket; do
			mkfs.fat -F 32 "$WORK/fat.img" >/dev/null 2>&1
			run_fs fat $ch "$SEED_P" -R -t msdosfs "$WORK/fat.img"
			if command -v fsck.fat >/dev/null; then
				tap_check "fat_$ch: fsck.fat -n after" \
				    fsck.fat -n "$WORK/fat.img"
			fi
		done
	else
		tap_fail "fat: mkfs.fat"
	fi
else
	tap_skip "fat" "mkfs.fat is missing"
fi

tap_done
