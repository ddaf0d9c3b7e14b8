#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# part_probe.sh -- partitions without FUSE: `rumpfuse --list` and
# `--probe` on whole-disk images (MBR with logical partitions and a
# NetBSD slice, GPT, BSD disklabels whole-disk and inside an MBR slice;
# see part_lib.sh), the errors for unknown, ambiguous and partitioned
# sources and for corrupt tables; `fsu -p PART` reading and writing a
# partition (judged by e2fsck, fsck.fat, mtools, and a checksum of
# everything outside the partition); and the image lock fsu takes.
# Needs $RUMPFUSE (the daemon) and $FSU; skips what is missing.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/part_lib.sh"

[ -n "${RUMPFUSE:-}" ] && [ -x "$RUMPFUSE" ] ||
    { echo "1..0 # SKIP RUMPFUSE is not set"; exit 0; }
part_need_tools
export TZ=UTC LC_ALL=C
unset RUMP_LOGLEVEL
WORK=$(mktemp -d "${TMPDIR:-/tmp}/part-probe.XXXXXX") ||
    { echo "1..0 # SKIP no work directory"; exit 0; }
trap 'rm -rf "$WORK"' EXIT
part_mkimages || { echo "1..0 # SKIP cannot build the images"; exit 0; }

# expect NAME STATUS OUTFILE CMD...: CMD exits STATUS; stdout+stderr in
# OUTFILE for later checks
expect() {
	local name=$1 want=$2 out=$3 rc
	shift 3
	"$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "exit $rc, wanted $want: $(cat "$out")"
	fi
}

# has NAME FILE PATTERN (grep -E)
has() {
	if grep -Eq -- "$3" "$2"; then tap_ok "$1"
	else tap_fail "$1" "no /$3/ in: $(cat "$2")"; fi
}

# row FILE NAME: the --list row of partition NAME as "start sectors type
# fstype" (type squeezed to one word per field)
row() {
	awk -v n="$2" '$1 == n { $4 = ""; print }' "$1" | tr -s ' '
}

# ---- --list ----

L=$WORK/list
expect "--list mbr.img" 0 "$L" "$RUMPFUSE" --list "$WORK/mbr.img"
has "mbr: table and size" "$L" '^.*mbr.img: mbr, 64M \(67108864 bytes\)'
for want in "1 2048 16384 0x83 Linux ext2fs" \
    "2 18432 16384 0x0e W95 FAT16 (LBA) msdos" \
    "3 34816 40960 0x05 Extended - container" \
    "4 77824 16384 0xa9 NetBSD ffs" \
    "5 36864 8192 0x83 Linux ffs" \
    "6 47104 4096 0x83 Linux ext2fs"; do
	got=$(row "$L" "${want%% *}")
	got=$(echo "$got" | sed 's/ *$//')
	if [ "$got" = "$want" ]; then tap_ok "mbr row: $want"
	else tap_fail "mbr row: $want" "got: $got"; fi
done

expect "--list gpt.img" 0 "$L" "$RUMPFUSE" --list "$WORK/gpt.img"
has "gpt: scheme" "$L" 'gpt.img: gpt, 32M'
has "gpt 1: Linux filesystem, ext2fs, name" "$L" \
    '^1 +2048 +16384 +8M +Linux filesystem +ext2fs +"root"'
has "gpt 2: EFI System, msdos" "$L" '^2 +18432 +16384 +8M +EFI System +msdos'
has "gpt 3: NetBSD FFS, ffs" "$L" '^3 +34816 +8192 +4M +NetBSD FFS +ffs'

expect "--list bsd.img (whole-disk disklabel)" 0 "$L" "$RUMPFUSE" --list \
    "$WORK/bsd.img"
has "bsd: scheme" "$L" 'bsd.img: disklabel'
has "bsd a: 4.2BSD ffs" "$L" '^a +64 +8192 +4M +4.2BSD +ffs'
has "bsd e: MSDOS msdos" "$L" '^e +8256 +8192 +4M +MSDOS +msdos'

expect "--list nbsd.img (disklabel in a NetBSD slice)" 0 "$L" \
    "$RUMPFUSE" --list "$WORK/nbsd.img"
has "nbsd 1: the slice" "$L" '^1 +2048 +63488 +31M +0xa9 NetBSD'
has "nbsd 1a: absolute offset, ffs" "$L" '^1a +2112 +8192 +4M +4.2BSD +ffs'
has "nbsd 1e: msdos" "$L" '^1e +10304 +8192 +4M +MSDOS +msdos'
has "nbsd 1d: the whole disk" "$L" '^1d +0 +65536'

# ---- --probe ----

P=$WORK/probe
expect "--probe mbr.img without part= fails" 1 "$P" "$RUMPFUSE" --probe \
    "$WORK/mbr.img"
has "... and lists the partitions" "$P" \
    'has an MBR partition table and no filesystem at its start; choose a partition with -o part=NAME \(1: ext2fs, 2: msdos, 4: ffs, 5: ffs, 6: ext2fs\)'
for pw in mbr:1:ext2fs mbr:2:msdos mbr:4:ffs mbr:5:ffs mbr:6:ext2fs \
    gpt:1:ext2fs gpt:2:msdos gpt:3:ffs bsd:a:ffs bsd:e:msdos \
    nbsd:1a:ffs nbsd:1e:msdos; do
	IFS=: read -r img p want <<-EOF
	$pw
	EOF
	got=$("$RUMPFUSE" --probe -o "ro,part=$p" "$WORK/$img.img" 2>&1)
	if [ "$got" = "$want" ]; then tap_ok "--probe $img part=$p: $want"
	else tap_fail "--probe $img part=$p: $want" "got: $got"; fi
done
expect "--probe part=3 (extended) fails" 1 "$P" "$RUMPFUSE" --probe \
    -o part=3 "$WORK/mbr.img"
has "... saying why" "$P" 'partition 3 is an extended partition'
expect "--probe part=9 fails" 1 "$P" "$RUMPFUSE" --probe -o part=9 \
    "$WORK/mbr.img"
has "... listing what exists" "$P" 'no partition 9 in the mbr table \(partitions: 1 2 3 4 5 6\)'
expect "--probe part=x1 fails" 1 "$P" "$RUMPFUSE" --probe -o part=x1 \
    "$WORK/mbr.img"
expect "--probe -t ffs part=5" 0 "$P" "$RUMPFUSE" --probe -t ffs -o part=5 \
    "$WORK/mbr.img"
expect "--probe -t ext2fs part=5 fails" 1 "$P" "$RUMPFUSE" --probe \
    -t ext2fs -o part=5 "$WORK/mbr.img"
has "... tried only ext2fs" "$P" '\(tried: ext2fs\)'
got=$("$RUMPFUSE" --probe "$WORK/p-ext4.img" 2>&1)
[ "$got" = ext2fs ] && tap_ok "--probe a bare ext4 image" ||
    tap_fail "--probe a bare ext4 image" "got: $got"

# Unknown: zeros.
truncate -s 4M "$WORK/zero.img"
expect "--probe zeros fails" 1 "$P" "$RUMPFUSE" --probe "$WORK/zero.img"
has "... naming what was tried" "$P" \
    'no filesystem recognised \(tried: [a-z0-9]+(, [a-z0-9]+)+\)'

# Ambiguous: an ext4 image whose sector 0 is a FAT boot sector.
cp "$WORK/p-ext4.img" "$WORK/amb.img"
dd if="$WORK/p-fat.img" of="$WORK/amb.img" bs=512 count=1 conv=notrunc \
    status=none
expect "--probe ambiguous fails" 1 "$P" "$RUMPFUSE" --probe "$WORK/amb.img"
has "... naming the candidates" "$P" 'ambiguous: ext2fs, msdos; use -t TYPE'
expect "--probe -t ext2fs on it" 0 "$P" "$RUMPFUSE" --probe -t ext2fs \
    "$WORK/amb.img"

# ISO 9660 hybrid: an MBR whose partitions point into (and after) the
# ISO.  The filesystem at the start wins; part=2 is the appended FAT.
if command -v xorriso >/dev/null; then
	mkdir -p "$WORK/isotree"
	echo "in the iso" > "$WORK/isotree/a.txt"
	xorriso -as mkisofs -R -J -o "$WORK/hyb.iso" -append_partition 2 \
	    0xef "$WORK/p-fat.img" "$WORK/isotree" >/dev/null 2>&1
	got=$("$RUMPFUSE" --probe "$WORK/hyb.iso" 2>&1)
	[ "$got" = cd9660 ] && tap_ok "--probe hybrid ISO: cd9660" ||
	    tap_fail "--probe hybrid ISO: cd9660" "got: $got"
	got=$("$RUMPFUSE" --probe -o part=2 "$WORK/hyb.iso" 2>&1)
	[ "$got" = msdos ] && tap_ok "--probe hybrid ISO part=2: msdos" ||
	    tap_fail "--probe hybrid ISO part=2: msdos" "got: $got"
	expect "--list hybrid ISO" 0 "$L" "$RUMPFUSE" --list "$WORK/hyb.iso"
	has "... shows the ISO at the start" "$L" 'filesystem at start: cd9660'
else
	tap_skip "hybrid ISO" "xorriso is missing"
fi

# Corrupt table: the EBR chain of mbr.img made to loop (EBR of logical 6
# pointing back at the first EBR).
cp "$WORK/mbr.img" "$WORK/loop.img"
python3 - "$WORK/loop.img" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
f.seek(34816 * 512 + 446 + 16)
ebr2 = struct.unpack('<II', f.read(24)[8:16])[0]  # next EBR, relative
f.seek((34816 + ebr2) * 512 + 446 + 16)
f.write(bytes(4) + bytes([5, 0, 0, 0]) + struct.pack('<II', 0, 1))
PY
expect "--list with an EBR loop fails" 1 "$L" "$RUMPFUSE" --list \
    "$WORK/loop.img"
has "... saying so" "$L" 'corrupt partition table: MBR: the EBR chain loops'
has "... after listing what it found" "$L" '^5 +36864'
expect "--probe part=1 with a corrupt table fails" 1 "$P" "$RUMPFUSE" \
    --probe -o part=1 "$WORK/loop.img"

# Usage.
expect "--probe without SOURCE is a usage error" 2 "$P" "$RUMPFUSE" --probe
expect "--list of a missing file" 1 "$P" "$RUMPFUSE" --list "$WORK/nope"

# ---- fsu -p ----

if [ -z "${FSU:-}" ] || [ ! -x "$FSU" ]; then
	tap_skip "fsu -p" "FSU is not set"
	tap_done
	exit $?
fi

for pw in mbr:1:ext4-part1 mbr:2:fat-part2 mbr:4:ffs-part4 \
    mbr:5:ffs-part5 mbr:6:ext2-part6 gpt:3:ffs-gpt3 bsd:a:ffs-bsd-a \
    nbsd:1a:ffs-nbsd-1a nbsd:1e:fat-nbsd-1e; do
	IFS=: read -r img p name <<-EOF
	$pw
	EOF
	got=$("$FSU" -p "$p" "$WORK/$img.img" cat /hello.txt 2>&1)
	if [ "$got" = "hello from $name" ]; then
		tap_ok "fsu -p $p $img.img cat"
	else
		tap_fail "fsu -p $p $img.img cat" "got: $got"
	fi
done
expect "fsu without -p on mbr.img fails" 1 "$P" "$FSU" "$WORK/mbr.img" \
    cat /hello.txt
has "... naming the partitions" "$P" 'part=NAME'
expect "fsu -p 7 fails" 1 "$P" "$FSU" -p 7 "$WORK/mbr.img" cat /hello.txt
has "... listing the partitions" "$P" 'no partition 7 in the mbr table'
expect "fsu -p 3 (extended) fails" 1 "$P" "$FSU" -p 3 "$WORK/mbr.img" \
    cat /hello.txt

# Writes through a partition touch nothing outside it.
echo "written through a partition" > "$WORK/w1"
s0=$(outside_sum "$WORK/mbr.img" $((2048 * 512)) $((16384 * 512)))
"$FSU" -p 1 "$WORK/mbr.img" put "$WORK/w1" /w1 > "$P" 2>&1
rc=$?
if grep -q 'not supported yet' "$P"; then
	tap_skip "fsu -p 1 put (ext4)" "this ext2fs driver cannot write"
elif [ "$rc" -ne 0 ]; then
	tap_fail "fsu -p 1 put (ext4)" "$(cat "$P")"
else
	tap_ok "fsu -p 1 put (ext4)"
	s1=$(outside_sum "$WORK/mbr.img" $((2048 * 512)) $((16384 * 512)))
	[ "$s0" = "$s1" ] &&
	    tap_ok "ext4 write: nothing outside partition 1 changed" ||
	    tap_fail "ext4 write: nothing outside partition 1 changed"
	extract "$WORK/mbr.img" $((2048 * 512)) $((16384 * 512)) \
	    "$WORK/x1.img"
	tap_check "e2fsck -fn on partition 1" e2fsck -fn "$WORK/x1.img"
	got=$(debugfs -R "cat /w1" "$WORK/x1.img" 2>/dev/null)
	[ "$got" = "written through a partition" ] &&
	    tap_ok "debugfs reads the file" ||
	    tap_fail "debugfs reads the file" "got: $got"
fi

s0=$(outside_sum "$WORK/mbr.img" $((18432 * 512)) $((16384 * 512)))
expect "fsu -p 2 put (FAT)" 0 "$P" "$FSU" -p 2 "$WORK/mbr.img" put \
    "$WORK/w1" /w1.txt
s1=$(outside_sum "$WORK/mbr.img" $((18432 * 512)) $((16384 * 512)))
[ "$s0" = "$s1" ] && tap_ok "FAT write: nothing outside partition 2 changed" ||
    tap_fail "FAT write: nothing outside partition 2 changed"
extract "$WORK/mbr.img" $((18432 * 512)) $((16384 * 512)) "$WORK/x2.img"
tap_check "fsck.fat -n on partition 2" fsck.fat -n "$WORK/x2.img"
got=$(mtype -i "$WORK/mbr.img@@$((18432 * 512))" ::/w1.txt 2>&1)
[ "$got" = "written through a partition" ] && tap_ok "mtype reads the file" ||
    tap_fail "mtype reads the file" "got: $got"

s0=$(outside_sum "$WORK/nbsd.img" $((2112 * 512)) $((8192 * 512)))
expect "fsu -p 1a put (FFS in a disklabel)" 0 "$P" "$FSU" -p 1a \
    "$WORK/nbsd.img" put "$WORK/w1" /w1
s1=$(outside_sum "$WORK/nbsd.img" $((2112 * 512)) $((8192 * 512)))
[ "$s0" = "$s1" ] && tap_ok "FFS write: nothing outside 1a changed" ||
    tap_fail "FFS write: nothing outside 1a changed"
got=$("$FSU" -p 1a "$WORK/nbsd.img" cat /w1 2>&1)
[ "$got" = "written through a partition" ] && tap_ok "fsu reads it back" ||
    tap_fail "fsu reads it back" "got: $got"
if [ -n "${FSCK:-}" ] && [ -x "$FSCK" ]; then
	extract "$WORK/nbsd.img" $((2112 * 512)) $((8192 * 512)) \
	    "$WORK/x1a.img"
	tap_check "rumpfuse-fsck on 1a" "$FSCK" "$WORK/x1a.img"
fi
if command -v fls >/dev/null; then
	extract "$WORK/nbsd.img" $((2112 * 512)) $((8192 * 512)) \
	    "$WORK/x1a.img"
	fls -f ufs1 "$WORK/x1a.img" > "$P" 2>&1
	has "sleuthkit fls sees the new file in 1a" "$P" 'w1$'
fi

# ---- locks (fsu takes them too) ----
if command -v flock >/dev/null; then
	# The subshell becomes the lock holder (exec), so killing it
	# drops the lock.
	( flock -x 9 && exec sleep 30 ) 9<"$WORK/gpt.img" &
	lockpid=$!
	sleep 0.3
	expect "fsu rw on an exclusively locked image fails" 1 "$P" "$FSU" \
	    -p 1 "$WORK/gpt.img" put "$WORK/w1" /w9
	has "... with EBUSY's message" "$P" 'is in use by another mount'
	expect "fsu ro on it fails too" 1 "$P" "$FSU" -p 1 "$WORK/gpt.img" \
	    cat /hello.txt
	expect "fsu -o nolock reads it" 0 "$P" "$FSU" -o nolock -p 1 \
	    "$WORK/gpt.img" cat /hello.txt
	kill "$lockpid" 2>/dev/null
	wait "$lockpid" 2>/dev/null
	( flock -s 9 && exec sleep 30 ) 9<"$WORK/gpt.img" &
	lockpid=$!
	sleep 0.3
	expect "fsu ro beside a shared lock works" 0 "$P" "$FSU" -p 1 \
	    "$WORK/gpt.img" cat /hello.txt
	expect "fsu rw beside a shared lock fails" 1 "$P" "$FSU" -p 1 \
	    "$WORK/gpt.img" put "$WORK/w1" /w9
	kill "$lockpid" 2>/dev/null
	wait "$lockpid" 2>/dev/null
else
	tap_skip "locks" "flock(1) is missing"
fi

tap_done
