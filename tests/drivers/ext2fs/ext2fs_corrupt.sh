#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ext2fs_corrupt.sh -- damaged ext2/3/4 images through rumpfuse.
#
# Copies of two small images (ext4 without and with metadata_csum) get
# one field damaged each: superblock counts and geometry, the magic, the
# superblock and group descriptor checksums, an inode's extent header, an
# extent tree block, a directory record length, inode, directory block
# and xattr block checksums, unsupported features.  Each must give a
# clean error -- a refused mount naming the problem, or EUCLEAN
# ("Structure needs cleaning") from the operation that meets the damage
# while the rest of the mount keeps working -- never a crash or a hang.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
[ -n "${RUMPFUSE:-}" ] && [ -x "$RUMPFUSE" ] || skip_all "no rumpfuse"
command -v debugfs >/dev/null || skip_all "no debugfs"

W=$(mktemp -d /tmp/ext2fs-corrupt.XXXXXX)
cleanup() {
	fusermount3 -u "$W/mnt" 2>/dev/null
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt" "$W/src/d"
head -c 65536 /dev/urandom >"$W/src/f"
for i in $(seq 1 60); do echo "$i" >"$W/src/d/entry-$i"; done
ln -s f "$W/src/l"
python3 - "$W/src/sp" <<'EOF'
import sys
with open(sys.argv[1], "wb") as f:	# 10 extents: an extent tree block
    for i in range(10):
        f.seek(i * 65536)
        f.write(b"x" * 4096)
EOF
head -c 100 /dev/zero >"$W/src/x"
setfattr -n user.big -v "0x$(head -c 1500 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$W/src/x"

mke2fs -q -F -t ext4 -b 4096 -O ^metadata_csum -d "$W/src" "$W/plain.img" 8M \
    >/dev/null 2>&1
mke2fs -q -F -t ext4 -b 4096 -O metadata_csum -d "$W/src" "$W/csum.img" 8M \
    >/dev/null 2>&1
BS=4096

poke() {	# IMAGE OFFSET HEXBYTES: write bytes
	python3 - "$1" "$2" "$3" <<'EOF'
import sys
f = open(sys.argv[1], "r+b")
f.seek(int(sys.argv[2]))
f.write(bytes.fromhex(sys.argv[3]))
EOF
}
flip() {	# IMAGE OFFSET: invert one byte
	python3 - "$1" "$2" <<'EOF'
import sys
f = open(sys.argv[1], "r+b")
f.seek(int(sys.argv[2]))
b = f.read(1)
f.seek(int(sys.argv[2]))
f.write(bytes([b[0] ^ 0xff]))
EOF
}
inode_off() {	# IMAGE PATH: byte offset of the inode
	debugfs -R "imap $2" "$1" 2>/dev/null | python3 -c '
import re, sys
t = sys.stdin.read()
m = re.search(r"located at block (\d+), offset 0x([0-9a-f]+)", t)
print(int(m.group(1)) * '"$BS"' + int(m.group(2), 16))'
}
blk_off() {	# IMAGE PATH LBLK: byte offset of a file block
	echo $(($(debugfs -R "bmap $2 $3" "$1" 2>/dev/null) * BS))
}

# The mount must be refused, with a message matching WHAT.
refused() {	# NAME IMAGE WHAT
	local out
	if out=$(timeout 30 "$RUMPFUSE" -t ext4 -o ro "$2" "$W/mnt" 2>&1); then
		fusermount3 -u "$W/mnt"
		tap_fail "$1: mount refused" "$out"
	elif echo "$out" | grep -qi -- "$3"; then
		tap_ok "$1: mount refused"
	else
		tap_fail "$1: mount refused" "expected '$3', got: $out"
	fi
}

# The mount works; CMD (run in the mount) fails with EUCLEAN; the root
# still lists; unmount works.
euclean() {	# NAME IMAGE CMD...
	local name=$1 img=$2 out st
	shift 2
	if ! out=$(timeout 30 "$RUMPFUSE" -t ext4 -o ro "$img" "$W/mnt" 2>&1)
	then
		tap_fail "$name: EUCLEAN" "mount failed: $out"
		return
	fi
	out=$(cd "$W/mnt" && timeout 30 "$@" 2>&1 >/dev/null)
	st=$?
	if [ $st = 0 ] || ! echo "$out" | grep -q "Structure needs cleaning"
	then
		tap_fail "$name: EUCLEAN" "status $st: $out"
	elif ! timeout 30 ls "$W/mnt" >/dev/null; then
		tap_fail "$name: EUCLEAN" "the mount died"
	else
		tap_ok "$name: EUCLEAN"
	fi
	timeout 30 fusermount3 -u "$W/mnt" || tap_fail "$name: unmount"
}

fresh() {	# BASE: a scratch copy
	cp "$W/$1.img" "$W/bad.img"
	echo "$W/bad.img"
}

tap_check "undamaged images mount and read" sh -c "
	'$RUMPFUSE' -t ext4 -o ro '$W/plain.img' '$W/mnt' &&
	cmp '$W/mnt/f' '$W/src/f' && cmp '$W/mnt/sp' '$W/src/sp' &&
	fusermount3 -u '$W/mnt' &&
	'$RUMPFUSE' -t ext4 -o ro '$W/csum.img' '$W/mnt' &&
	cmp '$W/mnt/f' '$W/src/f' && ls '$W/mnt/d' >/dev/null &&
	getfattr -n user.big '$W/mnt/x' >/dev/null &&
	fusermount3 -u '$W/mnt'"

# superblock fields (byte 1024 + field offset)
img=$(fresh plain); poke "$img" $((1024 + 0)) "01000000"
refused "s_inodes_count" "$img" "inodes"
img=$(fresh plain); poke "$img" $((1024 + 4)) "ffffff7f"
refused "s_blocks_count" "$img" "block count"
img=$(fresh plain); poke "$img" $((1024 + 24)) "1e000000"
refused "s_log_block_size" "$img" "block size"
img=$(fresh plain); poke "$img" $((1024 + 40)) "00000000"
refused "s_inodes_per_group" "$img" "inodes per group"
img=$(fresh plain); poke "$img" $((1024 + 32)) "00000000"
refused "s_blocks_per_group" "$img" "blocks per group"
img=$(fresh plain); poke "$img" $((1024 + 88)) "0300"
refused "s_inode_size" "$img" "inode size"
img=$(fresh plain); poke "$img" $((1024 + 56)) "0000"
refused "magic" "$img" "not an ext2"
img=$(fresh csum); flip "$img" $((1024 + 120))
refused "superblock checksum" "$img" "corrupt"
img=$(fresh csum); flip "$img" $((BS + 12))
refused "group descriptor checksum" "$img" "corrupt"
img=$(fresh plain); poke "$img" $((BS + 8)) "ffffff00"
refused "inode table location" "$img" "corrupt"
img=$(fresh plain); poke "$img" $((1024 + 0x62)) "02"	# incompat 0x20000
refused "casefold refused by name" "$img" "casefold"
img=$(fresh plain); poke "$img" $((1024 + 0x62)) "01"	# incompat 0x10000
refused "encrypt refused by name" "$img" "encrypt"
img=$(fresh plain); poke "$img" $((1024 + 0x65)) "02"	# ro_compat 0x200
refused "bigalloc refused by name" "$img" "bigalloc"
img=$(fresh plain); poke "$img" $((1024 + 0x65)) "01"	# ro_compat 0x100
if out=$(timeout 30 "$RUMPFUSE" -t ext4 -o rw "$img" "$W/mnt" 2>&1); then
	fusermount3 -u "$W/mnt"
	tap_fail "explicit rw of a quota filesystem refused" "$out"
else
	case $out in
	*quota*) tap_ok "explicit rw of a quota filesystem refused by name" ;;
	*) tap_fail "explicit rw of a quota filesystem refused by name" "$out" ;;
	esac
fi

# inodes, extents, directories, xattrs
img=$(fresh plain); off=$(inode_off "$img" /f)
poke "$img" $((off + 0x28)) "0000"
euclean "extent header magic" "$img" cat f
img=$(fresh plain); off=$(inode_off "$img" /f)
poke "$img" $((off + 0x28 + 2)) "0900"
euclean "extent header entries" "$img" cat f
img=$(fresh plain)
etb=$(debugfs -R "stat /sp" "$img" 2>/dev/null | sed -n 's/.*(ETB0):\([0-9]*\).*/\1/p')
poke "$img" $((etb * BS)) "0000"
euclean "extent tree block" "$img" cat sp
img=$(fresh plain); off=$(blk_off "$img" /d 0)
poke "$img" $((off + 4)) "0300"
euclean "directory rec_len" "$img" ls d
img=$(fresh plain); off=$(blk_off "$img" /d 0)
poke "$img" $((off + 12 + 4)) "f00f"
euclean "directory rec_len past the block" "$img" ls d
img=$(fresh plain); off=$(blk_off "$img" /d 0)
poke "$img" $((off + 24)) "ffffff00"
euclean "directory inode number" "$img" ls d
img=$(fresh csum); off=$(inode_off "$img" /f)
flip "$img" $((off + 0x10))
euclean "inode checksum" "$img" stat f
img=$(fresh csum); off=$(blk_off "$img" /d 0)
flip "$img" $((off + 40))
euclean "directory block checksum" "$img" ls d
img=$(fresh csum)
xb=$(debugfs -R "stat /x" "$img" 2>/dev/null | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p')
flip "$img" $((xb * BS + 200))
euclean "xattr block checksum" "$img" getfattr -n user.big x
img=$(fresh plain); off=$(inode_off "$img" /l)
poke "$img" $((off + 4)) "00000000"
euclean "symlink size 0" "$img" readlink -v l
tap_done
