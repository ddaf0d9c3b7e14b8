#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# msdosfs_images.sh -- the FAT driver through FUSE against images made by
# mkfs.fat and populated by mtools, for FAT12, FAT16 and FAT32 at several
# cluster and sector sizes, one FAT or two, and a volume behind an MBR.
#
# For each configuration:
#   1. mkfs.fat, then `mcopy -s -m` of a generated tree (long, UTF-8,
#      8.3 and mixed-case names, ~N tails, sizes around cluster
#      boundaries, deep and empty directories);
#   2. a read-only rumpfuse mount: the tree equals the source (names,
#      types, sizes, contents, 2-second mtimes) and what mtools extracts
#      (`mcopy -s -m -i IMG '::/*' DIR`), and the image is unchanged;
#   3. a read-write mount running the same write workload as a host
#      directory (creates, appends, truncates, mass renames and deletes,
#      directories moved), a copy (`cp -a`) of the source into it, fio
#      with verify=crc32c, and filling the disk to ENOSPC and emptying it;
#   4. unmounted: fsck.fat -n finds nothing, and mtools extracts exactly
#      the tree the host directory holds.
#
# Environment: RUMPFUSE (the daemon), TOP (source root); MSDOSFS_CONFIGS
# to run only some.  Needs root, /dev/fuse, dosfstools, mtools, python3;
# skips otherwise (fio is optional).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
PY="python3 $TOP/tests/drivers/msdosfs/msdosfs_tree.py"
export MTOOLS_SKIP_CHECK=1 TZ=UTC

# name | image size | mkfs.fat options | tree | MBR partition start (sectors)
CONFIGS="
fat12-floppy|1440K|-F 12|small|
fat12-4k|15M|-F 12 -s 8|big|
fat12-s4096|6M|-F 12 -S 4096 -s 1|small|
fat16-512|30M|-F 16 -s 1|big|
fat16-16k|160M|-F 16 -s 32 -f 1|big|
fat16-s2048|64M|-F 16 -S 2048 -s 1 -r 1024|big|
fat16-mbr|48M|-F 16 -s 4|big|2048
fat32-512|64M|-F 32 -s 1|big|
fat32-4k|300M|-F 32 -s 8|big|
fat32-32k|2200M|-F 32 -s 64|big|
fat32-s4096|300M|-F 32 -S 4096 -s 1|big|
fat32-mbr|80M|-F 32 -s 1|big|4096
"

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
[ -n "${RUMPFUSE:-}" ] && [ -x "$RUMPFUSE" ] || skip_all "no rumpfuse"
for t in mkfs.fat fsck.fat mcopy python3; do
	command -v $t >/dev/null || skip_all "no $t"
done

W=$(mktemp -d /tmp/msdosfs-images.XXXXXX)
FPID=
cleanup() {
	mountpoint -q "$W/mnt" && fusermount3 -u "$W/mnt"
	[ -n "$FPID" ] && wait "$FPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt"

# fmount IMG OPTS: rumpfuse in the foreground (so its exit can be waited
# for: only then has the unmount finished writing) until it is mounted.
fmount() {
	"$RUMPFUSE" -f -t msdos ${2:+-o "$2"} "$1" "$W/mnt" 2>>"$W/daemon.log" &
	FPID=$!
	for _ in $(seq 200); do
		mountpoint -q "$W/mnt" && return 0
		kill -0 "$FPID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$FPID" 2>/dev/null
	FPID=
	return 1
}
fumount() {
	fusermount3 -u "$W/mnt" || return 1
	wait "$FPID"
	local st=$?
	FPID=
	return $st
}

# mt IMG PART: the mtools image argument (partitions via @@offset)
mt() {
	if [ -n "$2" ]; then echo "$1@@$(($2 * 512))"; else echo "$1"; fi
}

# fsck of the volume (fsck.fat has no offset option: copy it out)
vfsck() {
	local img=$1 part=$2
	if [ -n "$part" ]; then
		dd if="$img" of="$W/vol.img" bs=512 skip="$part" status=none
		img=$W/vol.img
	fi
	fsck.fat -n "$img"
}

# extract IMG PART DIR: what mtools sees
extract() {
	rm -rf "$3"
	mkdir -p "$3"
	mcopy -s -m -n -i "$(mt "$1" "$2")" '::/*' "$3/"
}

$PY gen "$W/small" small && $PY gen "$W/big" big ||
	skip_all "cannot generate the trees"
$PY dump "$W/small" "$W/small.json"
$PY dump "$W/big" "$W/big.json"

while IFS='|' read -r name size opts tree part; do
	[ -n "$name" ] || continue
	case " ${MSDOSFS_CONFIGS:-$name} " in
	*" $name "*) ;;
	*) continue ;;
	esac
	img=$W/$name.img
	rm -f "$img"
	truncate -s "$size" "$img"
	mkfsopts=$opts
	if [ -n "$part" ]; then
		# our own MBR: one FAT partition from sector $part to the end
		total=$(($(stat -c %s "$img") / 512))
		python3 - "$img" "$part" "$((total - part))" <<'EOF'
import struct, sys
img, start, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(img, "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x0c, b"\0\0\0", start, n))
    f.seek(510)
    f.write(b"\x55\xaa")
EOF
		mkfsopts="$opts --offset $part -h $part"
	fi
	# shellcheck disable=SC2086
	if ! out=$(mkfs.fat $mkfsopts "$img" 2>&1); then
		tap_fail "$name: mkfs.fat" "$out"
		continue
	fi
	if ! out=$(cd "$W/$tree" && mcopy -s -m -i "$(mt "$img" "$part")" \
	    * ::/ 2>&1); then
		tap_fail "$name: mcopy the tree in" "$out"
		continue
	fi
	sum=$(sha256sum <"$img")

	# 2. read-only
	if ! fmount "$img" ro; then
		tap_fail "$name: mount ro" "$(tail -5 "$W/daemon.log")"
		continue
	fi
	$PY dump "$W/mnt" "$W/fuse.json"
	fumount
	tap_check "$name: read-only view equals the source" \
	    $PY cmp "$W/fuse.json" "$W/$tree.json"
	extract "$img" "$part" "$W/ex"
	$PY dump "$W/ex" "$W/ex.json"
	tap_check "$name: read-only view equals mtools' extraction" \
	    $PY cmp "$W/fuse.json" "$W/ex.json"
	if [ "$(sha256sum <"$img")" = "$sum" ]; then
		tap_ok "$name: image unchanged by a read-only mount"
	else
		tap_fail "$name: image unchanged by a read-only mount"
	fi

	# 3. read-write workloads, mirrored in a host directory
	rm -rf "$W/host"
	cp -a "$W/$tree" "$W/host"
	# quiet: cp -a's chmod and chown of what FAT cannot store succeed
	if ! fmount "$img" quiet; then
		tap_fail "$name: mount rw" "$(tail -5 "$W/daemon.log")"
		continue
	fi
	err=""
	$PY work "$W/mnt" 7 "$tree" 2>&1 || err="workload failed on the mount"
	$PY work "$W/host" 7 "$tree" >/dev/null 2>&1
	mkdir -p "$W/mnt/copy" "$W/host/copy"
	cp -a "$W/$tree/names" "$W/mnt/copy/" || err="$err; cp -a failed"
	cp -a "$W/$tree/names" "$W/host/copy/"
	if [ "$tree" = big ]; then
		cp -a "$W/$tree/many" "$W/mnt/copy/" || err="$err; cp -a failed"
		cp -a "$W/$tree/many" "$W/host/copy/"
	fi
	if command -v fio >/dev/null; then
		fsz=4M
		[ "$tree" = small ] && fsz=256k
		if ! out=$(fio --name=verify --filename="$W/mnt/fio.dat" \
		    --size=$fsz --rw=randwrite --bs=4k --verify=crc32c \
		    --do_verify=1 --ioengine=psync --numjobs=1 2>&1); then
			err="$err; fio: $(echo "$out" | tail -3)"
		fi
		cp "$W/mnt/fio.dat" "$W/host/fio.dat"
		touch -d @1400000000 "$W/mnt/fio.dat" "$W/host/fio.dat"
	fi
	# fill the disk, check ENOSPC and free space, empty it again
	free0=$(stat -f -c %a "$W/mnt")
	if dd if=/dev/zero of="$W/mnt/fill" bs=64k 2>"$W/dd.err"; then
		err="$err; filling did not fail"
	elif ! grep -q "No space left" "$W/dd.err"; then
		err="$err; filling: $(cat "$W/dd.err")"
	fi
	[ "$(stat -f -c %a "$W/mnt")" = 0 ] || err="$err; space left when full"
	rm "$W/mnt/fill"
	# the clusters go when the kernel forgets the file: soon, not at once
	for _ in $(seq 50); do
		[ "$(stat -f -c %a "$W/mnt")" = "$free0" ] && break
		sleep 0.1
	done
	[ "$(stat -f -c %a "$W/mnt")" = "$free0" ] ||
		err="$err; free space not back after rm"
	$PY dump "$W/mnt" "$W/fuse.json"
	fumount || err="$err; unmount failed"
	$PY dump "$W/host" "$W/host.json"
	if [ -z "$err" ]; then tap_ok "$name: write workloads"
	else tap_fail "$name: write workloads" "$err"; fi
	tap_check "$name: tree after writes equals the host's" \
	    $PY cmp "$W/fuse.json" "$W/host.json"

	# 4. judged by the independent tools
	tap_check "$name: fsck.fat -n after writes" vfsck "$img" "$part"
	extract "$img" "$part" "$W/ex"
	$PY dump "$W/ex" "$W/ex.json"
	tap_check "$name: mtools extracts the tree written" \
	    $PY cmp "$W/ex.json" "$W/host.json"
	rm -f "$img" "$W/vol.img"
done <<<"$CONFIGS"
tap_done
