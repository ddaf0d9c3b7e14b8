#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ext2fs_journal.sh -- journal replay of the ext2fs driver.
#
# For ext3 (jbd2 without checksums, 32-bit tags), ext4 (checksum v3,
# 64-bit tags), ext4 with checksum v2 (32-bit tags) and with version 1
# commit checksums, debugfs writes committed
# but unreplayed transactions into the journal of a fresh image: new
# contents for blocks of three files (one starting with the jbd2 magic,
# so the journal escapes it), a later transaction revoking one of them,
# and an uncommitted transaction at the end.  rumpfuse -o ro must show
# the replayed view, identical to what the Linux kernel shows after its
# own replay of a copy, without writing the image.  Copies with a
# damaged journal (a data block, a commit block, the journal superblock)
# must be refused with a clear error.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
PY="python3 $TOP/tests/drivers/ext2fs/ext2fs_tree.py"

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
[ -n "${RUMPFUSE:-}" ] && [ -x "$RUMPFUSE" ] || skip_all "no rumpfuse"
command -v debugfs >/dev/null || skip_all "no debugfs"

W=$(mktemp -d /tmp/ext2fs-journal.XXXXXX)
LOOP=
cleanup() {
	fusermount3 -u "$W/fmnt" 2>/dev/null
	umount "$W/kmnt" 2>/dev/null
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT
mkdir -p "$W/fmnt" "$W/kmnt" "$W/src/dir"
for f in a b c d; do
	head -c 16384 /dev/urandom >"$W/src/$f"
done
echo small >"$W/src/dir/small"

bmap() {	# IMAGE PATH LBLK
	debugfs -R "bmap $2 $3" "$1" 2>/dev/null | tail -1
}

# Mount IMAGE with rumpfuse; dump to OUT.  Fails if the mount fails.
fuse_dump() {
	"$RUMPFUSE" -t ext4 -o ro "$1" "$W/fmnt" || return 1
	$PY dump "$W/fmnt" "$2"
	local st=$?
	fusermount3 -u "$W/fmnt"
	return $st
}

# Find journal block of TYPE (2 commit, 1 descriptor; Nth match) in IMAGE
# and print its filesystem block.
jblock() {
	debugfs -R "cat <8>" "$1" 2>/dev/null >"$W/journal.bin"
	local idx
	idx=$(python3 - "$W/journal.bin" "$2" "$3" "$4" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
bs, want, nth = int(sys.argv[4]), int(sys.argv[2]), int(sys.argv[3])
seen = 0
for i in range(1, len(data) // bs):
    magic, typ = struct.unpack(">II", data[i * bs:i * bs + 8])
    if magic == 0xC03B3998 and typ == want:
        seen += 1
        if seen == nth:
            print(i)
            break
EOF
)
	[ -n "$idx" ] && bmap "$1" "<8>" "$idx"
}

flip() {	# IMAGE BYTEOFFSET
	python3 - "$1" "$2" <<'EOF'
import sys
f = open(sys.argv[1], "r+b")
f.seek(int(sys.argv[2]))
b = f.read(1)
f.seek(int(sys.argv[2]))
f.write(bytes([b[0] ^ 0x55]))
EOF
}

# name | mke2fs options | debugfs journal_open options.  debugfs's
# version 1 (crc32) commit checksum of a revoke-only transaction is one
# that jbd2 rejects: there both the kernel and rumpfuse must refuse.
for cfg in "ext3|-t ext3 -b 4096|" "ext4|-t ext4 -b 4096|-c -v 3" \
    "ext4-v2|-t ext4 -b 1024 -O ^64bit|-c -v 2" \
    "ext4-v1|-t ext4 -b 2048 -O ^metadata_csum|-c"; do
	IFS='|' read -r name opts jopts <<<"$cfg"
	img="$W/$name.img"
	# shellcheck disable=SC2086
	mke2fs -q -F $opts -d "$W/src" "$img" 64M >/dev/null 2>&1
	bs=$(dumpe2fs -h "$img" 2>/dev/null | sed -n 's/^Block size: *//p')
	A=$(bmap "$img" /a 0)
	B=$(bmap "$img" /b 1)
	C=$(bmap "$img" /c 2)
	D=$(bmap "$img" /d 0)
	# payloads: A starts with the jbd2 magic (escaped in the journal)
	python3 - "$W" "$bs" <<'PYEOF'
import os, sys
w, bs = sys.argv[1], int(sys.argv[2])
open(w + "/p1", "wb").write(b"\xc0\x3b\x39\x98" + b"A" * (bs - 4) +
                            b"B" * bs)
open(w + "/p2", "wb").write(b"C" * bs)
open(w + "/p3", "wb").write(b"D" * bs)
PYEOF
	# T1 writes A and B, T2 revokes B, T3 writes C, T4 (D) uncommitted
	printf 'jo %s\njw -b %s,%s %s\njw -r %s\njw -b %s %s\n' \
	    "$jopts" "$A" "$B" "$W/p1" "$B" "$C" "$W/p2" >"$W/cmds"
	printf 'jw -b %s -c %s\njc\n' "$D" "$W/p3" >>"$W/cmds"
	debugfs -w -f "$W/cmds" "$img" >/dev/null 2>&1
	if ! dumpe2fs -h "$img" 2>/dev/null | grep -q needs_recovery; then
		tap_fail "$name: debugfs left a journal to recover"
		continue
	fi
	tap_ok "$name: debugfs left a journal to recover"
	cp "$img" "$W/kernel.img"
	sum=$(sha256sum <"$img")
	fuse_dump "$img" "$W/fuse.json" 2>"$W/fuse.err"
	fst=$?
	tap_check "$name: image not written" \
	    test "$(sha256sum <"$img")" = "$sum"
	LOOP=$(losetup -f --show "$W/kernel.img")
	if mount -o ro "$LOOP" "$W/kmnt" 2>/dev/null; then
		kst=0
		$PY dump "$W/kmnt" "$W/kernel.json"
		expect=$(python3 - "$W/kmnt" "$bs" <<'PYEOF'
import sys
m, bs = sys.argv[1], int(sys.argv[2])
a = open(m + "/a", "rb").read()[:bs]
b = open(m + "/b", "rb").read()[bs:2 * bs]
c = open(m + "/c", "rb").read()[2 * bs:3 * bs]
d = open(m + "/d", "rb").read()[:bs]
print(a[:4] == b"\xc0\x3b\x39\x98" and a[4:] == b"A" * (bs - 4),
      b != b"B" * bs, c == b"C" * bs, d != b"D" * bs)
PYEOF
)
		umount "$W/kmnt"
	else
		kst=1
	fi
	losetup -d "$LOOP"
	LOOP=
	if [ $kst != 0 ]; then
		tap_check "$name: refused like the kernel refuses it" \
		    test $fst != 0
		tap_check "$name: refusal names the journal" \
		    grep -q "journal" "$W/fuse.err"
		continue
	fi
	tap_check "$name: mount and replay" test $fst = 0
	tap_check "$name: the kernel replays as expected ($expect)" \
	    test "$expect" = "True True True True"
	tap_check "$name: replayed view same as the kernel's" \
	    $PY cmp "$W/fuse.json" "$W/kernel.json" kernel

	# Damaged journals: refused, no crash.
	if [ "$name" = ext4 ] || [ "$name" = ext4-v2 ]; then
		cp "$img" "$W/bad.img"
		blk=$(jblock "$W/bad.img" 2 1 "$bs")
		flip "$W/bad.img" $((blk * bs + 20))
		if out=$(timeout 60 "$RUMPFUSE" -t ext4 -o ro "$W/bad.img" \
		    "$W/fmnt" 2>&1); then
			fusermount3 -u "$W/fmnt"
			tap_fail "$name: bad commit checksum refused" "$out"
		else
			tap_ok "$name: bad commit checksum refused"
		fi
		cp "$img" "$W/bad.img"
		blk=$(jblock "$W/bad.img" 1 1 "$bs")
		flip "$W/bad.img" $(((blk + 1) * bs + 100))
		if out=$(timeout 60 "$RUMPFUSE" -t ext4 -o ro "$W/bad.img" \
		    "$W/fmnt" 2>&1); then
			fusermount3 -u "$W/fmnt"
			tap_fail "$name: bad data block checksum refused" "$out"
		else
			tap_ok "$name: bad data block checksum refused"
		fi
	fi
	cp "$img" "$W/bad.img"
	jsb=$(bmap "$W/bad.img" "<8>" 0)
	flip "$W/bad.img" $((jsb * bs + 12))	# s_blocksize
	if out=$(timeout 60 "$RUMPFUSE" -t ext4 -o ro "$W/bad.img" \
	    "$W/fmnt" 2>&1); then
		fusermount3 -u "$W/fmnt"
		tap_fail "$name: bad journal superblock refused" "$out"
	else
		tap_ok "$name: bad journal superblock refused"
	fi
	if "$RUMPFUSE" -t ext4 -o ro,norecovery "$W/bad.img" "$W/fmnt"; then
		tap_check "$name: norecovery mounts without the journal" \
		    cmp "$W/fmnt/c" "$W/src/c"
		fusermount3 -u "$W/fmnt"
	else
		tap_fail "$name: norecovery mounts without the journal"
	fi
	rm -f "$img" "$W/kernel.img" "$W/bad.img"
done
tap_done
