#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# part_mount.sh -- mounting partitions of whole-disk images through FUSE
# (part_lib.sh builds them): part=N for MBR primaries, a logical
# partition, a NetBSD slice without a disklabel and GPT entries; part=a
# on a whole-disk disklabel; part=1a inside an MBR slice.  Reads a known
# file from each; writes through FAT and FFS partitions and checks that
# nothing outside the partition changed (checksum) and that fsck.fat,
# mtools and rumpfuse-fsck accept the result.  Then the source errors
# (partitioned source without part=, a partition that is not there) and
# the image lock: a second read-write or read-only mount of an image
# mounted read-write is refused ("in use by another mount"), nolock
# overrides, two read-only mounts share the image.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
. "$here/part_lib.sh"
it_setup
part_need_tools
part_mkimages || it_skip_all "cannot build the images"
M=$WORK/mnt
M2=$WORK/mnt2
mkdir -p "$M" "$M2"

# read_one NAME IMG PART WANT: mount read-only, cat /hello.txt
read_one() {
	local name=$1 img=$2 p=$3 want=$4 got
	if ! it_mount "$name" -o "ro,part=$p" "$WORK/$img.img" "$M"; then
		tap_fail "mount $img.img part=$p" "$(cat "$WORK/$name.err")"
		return
	fi
	got=$(cat "$M/hello.txt" 2>&1)
	if [ "$got" = "hello from $want" ]; then
		tap_ok "$img.img part=$p: read /hello.txt"
	else
		tap_fail "$img.img part=$p: read /hello.txt" "got: $got"
	fi
	it_umount "$name" "$M"
}

read_one r1 mbr 1 ext4-part1
read_one r2 mbr 2 fat-part2
read_one r4 mbr 4 ffs-part4
read_one r5 mbr 5 ffs-part5
read_one r6 mbr 6 ext2-part6
read_one g1 gpt 1 ext4-gpt1
read_one g2 gpt 2 fat-gpt2
read_one g3 gpt 3 ffs-gpt3
read_one ba bsd a ffs-bsd-a
read_one be bsd e fat-bsd-e
read_one n1a nbsd 1a ffs-nbsd-1a
read_one n1e nbsd 1e fat-nbsd-1e

# write_one NAME IMG PART STARTSEC NSEC: write through the partition,
# unmount, compare everything outside it
write_one() {
	local name=$1 img=$2 p=$3 off=$(($4 * 512)) len=$(($5 * 512)) s0 s1
	s0=$(outside_sum "$WORK/$img.img" "$off" "$len")
	if ! it_mount "$name" -o "rw,part=$p" "$WORK/$img.img" "$M"; then
		if grep -q 'not supported yet' "$WORK/$name.err"; then
			tap_skip "write through $img.img part=$p" \
			    "the driver cannot write"
		else
			tap_fail "mount $img.img part=$p rw" \
			    "$(cat "$WORK/$name.err")"
		fi
		return 1
	fi
	mkdir -p "$M/newdir" &&
	    seq 1 50000 > "$M/newdir/big" &&
	    echo "written through $p" > "$M/w.txt"
	tap_check "$img.img part=$p: write files" test -s "$M/newdir/big"
	it_umount "$name" "$M"
	s1=$(outside_sum "$WORK/$img.img" "$off" "$len")
	if [ "$s0" = "$s1" ]; then
		tap_ok "$img.img part=$p: nothing outside the partition changed"
	else
		tap_fail "$img.img part=$p: nothing outside the partition changed"
	fi
	extract "$WORK/$img.img" "$off" "$len" "$WORK/x-$name.img"
}

# ext4 through partition 1 (skipped where the ext2fs driver cannot write)
if write_one w1 mbr 1 2048 16384; then
	tap_check "e2fsck -fn on mbr part 1" e2fsck -fn "$WORK/x-w1.img"
	got=$(debugfs -R "cat /w.txt" "$WORK/x-w1.img" 2>/dev/null)
	[ "$got" = "written through 1" ] && tap_ok "debugfs reads it" ||
	    tap_fail "debugfs reads it" "got: $got"
fi

if write_one w2 mbr 2 18432 16384; then
	tap_check "fsck.fat -n on mbr part 2" fsck.fat -n "$WORK/x-w2.img"
	got=$(mtype -i "$WORK/mbr.img@@$((18432 * 512))" ::/w.txt 2>&1)
	[ "$got" = "written through 2" ] && tap_ok "mtype reads it" ||
	    tap_fail "mtype reads it" "got: $got"
	mtype -i "$WORK/mbr.img@@$((18432 * 512))" ::/newdir/big |
	    cmp -s - <(seq 1 50000) && tap_ok "mtype: the big file" ||
	    tap_fail "mtype: the big file"
fi
if write_one w5 mbr 5 36864 8192 && [ -n "${FSCK:-}" ] && [ -x "$FSCK" ]
then
	tap_check "rumpfuse-fsck on mbr part 5 (FFS)" "$FSCK" "$WORK/x-w5.img"
fi
if write_one w1a nbsd 1a 2112 8192; then
	if command -v fls >/dev/null; then
		fls -r -f ufs1 "$WORK/x-w1a.img" 2>&1 | grep -q 'big$' &&
		    tap_ok "sleuthkit fls sees the new file in 1a" ||
		    tap_fail "sleuthkit fls sees the new file in 1a"
	fi
	[ -n "${FSCK:-}" ] && [ -x "$FSCK" ] &&
	    tap_check "rumpfuse-fsck on nbsd 1a" "$FSCK" "$WORK/x-w1a.img"
fi
# Read the writes back through a fresh mount.
if it_mount rb -o ro,part=1a "$WORK/nbsd.img" "$M"; then
	cmp -s "$M/newdir/big" <(seq 1 50000) &&
	    tap_ok "nbsd 1a: the big file reads back" ||
	    tap_fail "nbsd 1a: the big file reads back"
	it_umount rb "$M"
fi

# ---- errors ----

# fail_mount NAME PATTERN ARGS...: the daemon refuses, exit 1, PATTERN
# in its stderr
fail_mount() {
	local name=$1 pat=$2 rc
	shift 2
	timeout 30 "$RUMPFUSE" -f "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	rc=$?
	if [ "$rc" -ne 1 ]; then
		tap_fail "$name: refused" "exit $rc: $(cat "$WORK/$name.err")"
		it_is_mounted "$M2" && fusermount3 -u "$M2"
		return
	fi
	if grep -Eq -- "$pat" "$WORK/$name.err"; then
		tap_ok "$name: refused"
	else
		tap_fail "$name: refused" "no /$pat/ in $(cat "$WORK/$name.err")"
	fi
}

fail_mount "mbr.img without part=" \
    'no filesystem at its start; choose a partition with -o part=NAME \(1: ext2fs, 2: msdos, 4: ffs, 5: ffs, 6: ext2fs\)' \
    "$WORK/mbr.img" "$M2"
fail_mount "mbr.img part=8" 'no partition 8' -o part=8 "$WORK/mbr.img" "$M2"
cp "$WORK/p-ext4.img" "$WORK/amb.img"
dd if="$WORK/p-fat.img" of="$WORK/amb.img" bs=512 count=1 conv=notrunc \
    status=none
fail_mount "ext4 with a FAT boot sector" \
    'ambiguous: ext2fs, msdos; use -t TYPE' "$WORK/amb.img" "$M2"
truncate -s 4M "$WORK/zero.img"
fail_mount "zeros" 'no filesystem recognised on .*zero.img \(tried: ' \
    "$WORK/zero.img" "$M2"
fail_mount "gpt.img part=2 -t ext2fs" 'not an ext2/ext3/ext4' -t ext2fs -o part=2 \
    "$WORK/gpt.img" "$M2"

# ---- locks ----

if it_mount l1 -o rw,part=2 "$WORK/gpt.img" "$M"; then
	fail_mount "second rw mount of a mounted image" \
	    'gpt.img is in use by another mount' -o rw,part=3 \
	    "$WORK/gpt.img" "$M2"
	fail_mount "ro mount of an image mounted rw" \
	    'gpt.img is in use by another mount' -o ro,part=3 \
	    "$WORK/gpt.img" "$M2"
	if it_mount l2 -o ro,nolock,part=3 "$WORK/gpt.img" "$M2"; then
		tap_ok "ro,nolock mounts beside it"
		it_umount l2 "$M2"
	else
		tap_fail "ro,nolock mounts beside it" "$(cat "$WORK/l2.err")"
	fi
	it_umount l1 "$M"
	if it_mount l3 -o rw,part=3 "$WORK/gpt.img" "$M2"; then
		tap_ok "after the unmount a rw mount works"
		it_umount l3 "$M2"
	else
		tap_fail "after the unmount a rw mount works" \
		    "$(cat "$WORK/l3.err")"
	fi
fi
if it_mount s1 -o ro,part=1 "$WORK/gpt.img" "$M"; then
	if it_mount s2 -o ro,part=3 "$WORK/gpt.img" "$M2"; then
		tap_ok "two read-only mounts share the image"
		it_umount s2 "$M2"
	else
		tap_fail "two read-only mounts share the image" \
		    "$(cat "$WORK/s2.err")"
	fi
	fail_mount "rw beside a read-only mount" 'in use by another mount' \
	    -o rw,part=3 "$WORK/gpt.img" "$M2"
	it_umount s1 "$M"
fi

tap_done
