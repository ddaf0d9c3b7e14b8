#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cd9660_corrupt.sh -- damaged ISO 9660 images through rumpfuse.
#
# Copies of three small images (xorriso with Rock Ridge, continuation
# areas and hard links; genisoimage with relocated directories; xorriso
# with zisofs) get one structure damaged each: the volume descriptor
# (block size, volume size, root record), extent locations and sizes,
# directory record lengths and names, SUSP entry lengths, continuation
# areas (outside the image, looping), Rock Ridge names, relocation links
# (CL to a file, to the root, PL not pointing back), multi-extent
# sections without an end, zisofs headers, block pointers and zlib
# streams, and truncated images.  Each must give a clean error -- a
# refused mount naming the problem, or EUCLEAN ("Structure needs
# cleaning") or EIO from the operation that meets the damage while the
# rest of the mount keeps working -- never a crash or a hang (every
# command runs under timeout).  Well-formed crafted images check what
# the tools here do not write: a multi-extent file small enough for a
# test (xorriso splits only files over 4 GiB; see cd9660_large.sh) and
# symbolic link components with every flag RRIP defines.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
ISO="python3 $TOP/tests/drivers/cd9660/cd9660_iso.py"

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
[ -n "${RUMPFUSE:-}" ] && [ -x "$RUMPFUSE" ] || skip_all "no rumpfuse"
for t in xorriso genisoimage python3; do
	command -v $t >/dev/null || skip_all "no $t"
done

W=$(mktemp -d /tmp/cd9660-corrupt.XXXXXX)
cleanup() {
	fusermount3 -u "$W/mnt" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt" "$W/src/d/sub" "$W/deep/a/b/c/d/e/f/g/h/i" "$W/zsrc"
head -c 65536 /dev/urandom >"$W/src/f"
echo first >"$W/src/a"
echo second >"$W/src/b"
for i in $(seq 1 60); do echo "$i" >"$W/src/d/entry-$i"; done
ln -s f "$W/src/l"
ln -s x "$W/src/d/vl"
ln "$W/src/f" "$W/src/d/hard"
N200=$(printf 'n%.0s' $(seq 1 200))
echo long >"$W/src/$N200"
echo leaf >"$W/deep/a/b/c/d/e/f/g/h/i/leaf"
seq 1 40000 >"$W/zsrc/z"
xorriso -outdev "$W/rr.iso" -map "$W/src" / -commit >/dev/null 2>&1
genisoimage -quiet -R -o "$W/reloc.iso" "$W/deep"
xorriso -outdev "$W/zf.iso" -map "$W/zsrc" / -set_filter_r --zisofs / -- \
    -commit >/dev/null 2>&1

fresh() {	# BASE: a scratch copy
	cp "$W/$1.iso" "$W/bad.iso"
}

# The mount must be refused, with a message matching WHAT.
refused() {	# NAME WHAT
	local out
	if out=$(timeout 30 "$RUMPFUSE" -t cd9660 "$W/bad.iso" "$W/mnt" 2>&1)
	then
		fusermount3 -u "$W/mnt"
		tap_fail "$1: mount refused" "$out"
	elif echo "$out" | grep -qi -- "$2"; then
		tap_ok "$1: mount refused"
	else
		tap_fail "$1: mount refused" "expected '$2', got: $out"
	fi
}

# The mount works; CMD (run in the mount) fails with ERR (default
# EUCLEAN); the root still lists; unmount works.
fails() {	# NAME ERRTEXT CMD...
	local name=$1 want=$2 out st
	shift 2
	if ! out=$(timeout 30 "$RUMPFUSE" -t cd9660 "$W/bad.iso" "$W/mnt" \
	    2>&1); then
		tap_fail "$name" "mount failed: $out"
		return
	fi
	out=$(cd "$W/mnt" && timeout 30 "$@" 2>&1 >/dev/null)
	st=$?
	if [ $st = 0 ] || [ $st = 124 ] || ! echo "$out" | grep -q "$want"
	then
		tap_fail "$name" "status $st: $out"
	elif ! timeout 30 ls "$W/mnt" >/dev/null; then
		tap_fail "$name" "the mount died"
	else
		tap_ok "$name"
	fi
	timeout 30 fusermount3 -u "$W/mnt" || tap_fail "$name: unmount"
}
euclean() {	# NAME CMD...
	local name=$1
	shift
	fails "$name: EUCLEAN" "Structure needs cleaning" "$@"
}

# The mount works and CMD succeeds with output OUT.
works() {	# NAME WANT CMD...
	local name=$1 want=$2 out
	shift 2
	if ! out=$(timeout 30 "$RUMPFUSE" -t cd9660 "$W/bad.iso" "$W/mnt" \
	    2>&1); then
		tap_fail "$name" "mount failed: $out"
		return
	fi
	out=$(cd "$W/mnt" && timeout 30 "$@" 2>&1)
	if [ "$out" = "$want" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected '$want', got '$out'"
	fi
	timeout 30 fusermount3 -u "$W/mnt" || tap_fail "$name: unmount"
}

# genisoimage writes one volume descriptor set at sector 16; xorriso a
# copy there and the session's own at 48 (see cd9660_session.c).
PVD=$($ISO pvd "$W/reloc.iso")

tap_check "undamaged images mount and read" sh -c "
	set -e
	for i in rr reloc zf; do
		timeout 30 '$RUMPFUSE' -t cd9660 '$W/'\$i.iso '$W/mnt'
		timeout 60 find '$W/mnt' -type f -exec cat {} + >/dev/null
		fusermount3 -u '$W/mnt'
	done"

# ---- volume descriptor ----
fresh reloc; $ISO poke "$W/bad.iso" $((PVD + 1)) 58585858
refused "no CD001" "no filesystem\|not\|no ISO"
fresh reloc; $ISO poke "$W/bad.iso" $((PVD + 128)) 00101000
refused "block size 4096" "corrupt"
fresh reloc; $ISO le32 "$W/bad.iso" $((PVD + 80)) 0
refused "volume size 0" "corrupt"
fresh reloc; $ISO le32 "$W/bad.iso" $((PVD + 156 + 2)) 0x7ffffff0
refused "root extent outside the image" "corrupt"
fresh reloc; $ISO poke "$W/bad.iso" $((PVD + 156 + 25)) 00
refused "root record not a directory" "corrupt"
fresh reloc; $ISO le32 "$W/bad.iso" $((PVD + 156 + 10)) 0xfffffff0
refused "root size beyond the image" "corrupt"
fresh reloc; eval "$($ISO rec "$W/bad.iso" /)"; $ISO poke "$W/bad.iso" $REC 10
refused "root \".\" record too short" "corrupt"
fresh reloc; eval "$($ISO rec "$W/bad.iso" /)"; $ISO poke "$W/bad.iso" $((REC + 33)) 05
refused "root does not start with \".\"" "corrupt"
fresh reloc; truncate -s 36000 "$W/bad.iso"
refused "truncated inside the descriptors" "no filesystem\|small\|corrupt\|no ISO"
fresh reloc; truncate -s 0 "$W/bad.iso"
refused "empty image" "small\|no filesystem"

# ---- extents and directory records ----
fresh rr; eval "$($ISO rec "$W/bad.iso" /f)"
$ISO le32 "$W/bad.iso" $((REC + 2)) 0x00fffff0
euclean "file extent beyond the image" cat f
fresh rr; eval "$($ISO rec "$W/bad.iso" /f)"
$ISO le32 "$W/bad.iso" $((REC + 10)) 0x7ffffff0
euclean "file size beyond the image" cat f
fresh rr; eval "$($ISO rec "$W/bad.iso" /d)"
$ISO le32 "$W/bad.iso" $((REC + 2)) 0x00fffff0
euclean "directory extent beyond the image" ls d
fresh rr; eval "$($ISO rec "$W/bad.iso" /d)"
$ISO le32 "$W/bad.iso" $((REC + 2)) $(( $($ISO rec "$W/rr.iso" /f | sed 's/.*EXT=\([0-9]*\).*/\1/' | head -1) / 2048 ))
euclean "directory extent pointing at file data" ls d
fresh rr; LAST=$($ISO lastrec "$W/bad.iso" /d)
$ISO poke "$W/bad.iso" $LAST ff
euclean "record crossing its sector's end" ls d
fresh rr; eval "$($ISO rec "$W/bad.iso" /d/entry-7)"
$ISO poke "$W/bad.iso" $REC 20
euclean "record length below the minimum" ls d
fresh rr; eval "$($ISO rec "$W/bad.iso" /d/entry-7)"
$ISO poke "$W/bad.iso" $((REC + 32)) f0
euclean "name longer than its record" ls d
fresh rr; eval "$($ISO rec "$W/bad.iso" /d/entry-7)"
$ISO poke "$W/bad.iso" $((REC + 32)) 00
euclean "empty identifier" ls d
fresh rr; eval "$($ISO rec "$W/bad.iso" /d)"
$ISO poke "$W/bad.iso" $EXT 00
euclean "directory without a \".\" record" ls d

# ---- SUSP and Rock Ridge ----
fresh rr; eval "$($ISO rec "$W/bad.iso" /f)"
$ISO poke "$W/bad.iso" $((E_PX + 2)) 02
euclean "SUSP entry length 2" stat f
fresh rr; eval "$($ISO rec "$W/bad.iso" /f)"
$ISO poke "$W/bad.iso" $((E_PX + 2)) f0
euclean "SUSP entry past its area" stat f
fresh rr; eval "$($ISO rec "$W/bad.iso" /f)"
$ISO poke "$W/bad.iso" $((E_PX + 2)) 10
euclean "PX entry too short" stat f
fresh rr; eval "$($ISO rec "$W/bad.iso" "/$N200")"
$ISO le32 "$W/bad.iso" $((E_CE + 4)) 0x00fffff0
euclean "continuation area outside the image" ls -l
fresh rr; eval "$($ISO rec "$W/bad.iso" "/$N200")"
$ISO le32 "$W/bad.iso" $((E_CE + 4)) $((SUA / 2048))
$ISO le32 "$W/bad.iso" $((E_CE + 12)) $((SUA % 2048))
$ISO le32 "$W/bad.iso" $((E_CE + 20)) $((LEN - (SUA - REC)))
euclean "continuation area looping to itself" ls -l
fresh rr; eval "$($ISO rec "$W/bad.iso" "/$N200")"
$ISO le32 "$W/bad.iso" $((E_CE + 20)) 0x00100000
euclean "continuation area of 1 MiB" ls -l
fresh rr; eval "$($ISO rec "$W/bad.iso" /l)"
$ISO poke "$W/bad.iso" $((E_SL + 5)) 40
euclean "SL component with unknown flags" readlink -v l
fresh rr; eval "$($ISO rec "$W/bad.iso" /l)"
$ISO poke "$W/bad.iso" $((E_SL + 6)) 7f
euclean "SL component past its entry" readlink -v l
fresh rr; eval "$($ISO rec "$W/bad.iso" /l)"
$ISO poke "$W/bad.iso" $((E_PX + 5)) 01
euclean "PX without a file type" stat l
fresh rr; eval "$($ISO rec "$W/bad.iso" /f)"
$ISO poke "$W/bad.iso" $((E_NM + 5)) 2f
euclean "NM name with a slash" ls -l
fresh rr; eval "$($ISO rec "$W/bad.iso" /f)"
$ISO poke "$W/bad.iso" $((E_PX + 4)) ed41
euclean "PX says directory, ISO says file" stat f

# ---- relocated directories ----
# genisoimage relocates a/b/c/d/e/f/g/h (level 9): g holds a CL entry
# naming it, the relocated directory's ".." a PL entry naming g.
fresh reloc; eval "$($ISO rec "$W/bad.iso" /a/b/c/d/e/f/g/h)"
if [ -n "${E_CL:-}" ]; then
	CL=$E_CL
	ROOTEXT=$(eval "$($ISO rec "$W/bad.iso" /)"; echo $EXT)
	$ISO le32 "$W/bad.iso" $((CL + 4)) $((ROOTEXT / 2048))
	euclean "CL pointing at the root (a loop)" ls a/b/c/d/e/f/g/h
	fresh reloc
	$ISO le32 "$W/bad.iso" $((CL + 4)) 0x00fffff0
	euclean "CL outside the image" ls a/b/c/d/e/f/g/h
	fresh reloc
	FEXT=$(eval "$($ISO rec "$W/bad.iso" /rr_moved/h/i/leaf)"; echo $EXT)
	$ISO le32 "$W/bad.iso" $((CL + 4)) $((FEXT / 2048))
	euclean "CL pointing at file data" ls a/b/c/d/e/f/g/h
	fresh reloc
	PL=$(python3 - "$W/bad.iso" $CL <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
cl = int(sys.argv[2])
ext = struct.unpack("<I", d[cl + 4:cl + 8])[0] * 2048
dd = ext + d[ext]		# ".." follows "."
print(d.find(b"PL\x0c\x01", dd, dd + d[dd]))
EOF
)
	if [ "$PL" -gt 0 ]; then
		$ISO le32 "$W/bad.iso" $((PL + 4)) $((ROOTEXT / 2048))
		euclean "PL not pointing back" ls a/b/c/d/e/f/g/h
	else
		tap_fail "PL not pointing back" "no PL entry found"
	fi
else
	tap_fail "relocation" "genisoimage wrote no CL entry"
fi

# ---- multi-extent ----
# Crafted: "a" flagged as continued and "b" renamed to continue it: a
# well-formed two-section file (first\nsecond\n, the data of a then b).
fresh rr; eval "$($ISO rec "$W/bad.iso" /a)"; AREC=$REC
$ISO poke "$W/bad.iso" $((AREC + 25)) 80
eval "$($ISO rec "$W/bad.iso" /b)"
$ISO poke "$W/bad.iso" $((REC + 33)) 41
$ISO le32 "$W/bad.iso" $((AREC + 10)) 2048
works "a crafted two-section file reads both sections" \
    "2055 first second" sh -c 'echo $(stat -c %s a) $(tr -d "\0" < a)'
fresh rr; eval "$($ISO rec "$W/bad.iso" /d/entry-9)"
$ISO poke "$W/bad.iso" $((REC + 25)) 80
euclean "multi-extent file without a final section" ls d
fresh rr; eval "$($ISO rec "$W/bad.iso" /d/entry-7)"
$ISO poke "$W/bad.iso" $((REC + 25)) 80
euclean "multi-extent sections of different files" ls d
fresh rr; eval "$($ISO rec "$W/bad.iso" /d/sub)"
$ISO poke "$W/bad.iso" $((REC + 25)) 82
euclean "multi-extent directory" ls d

# Crafted: every SL component flag, on the link d/vl (one component "x",
# in a directory one level down).  VOLROOT is the volume's root, as seen
# from the link's directory; HOST (no host name in the kernel) is ".".
for fl in 02:. 04:.. 08:/ 10:.. 20:. 00:x; do
	fresh rr; eval "$($ISO rec "$W/bad.iso" /d/vl)"
	$ISO poke "$W/bad.iso" $((E_SL + 5)) ${fl%%:*}
	works "SL component flags 0x${fl%%:*} read as '${fl#*:}'" "${fl#*:}" \
	    readlink d/vl
done

# ---- zisofs ----
fresh zf; eval "$($ISO rec "$W/bad.iso" /z)"
$ISO poke "$W/bad.iso" $EXT 00
euclean "zisofs bad magic" cat z
fresh zf; eval "$($ISO rec "$W/bad.iso" /z)"
$ISO le32 "$W/bad.iso" $((EXT + 16)) 0x00ffffff
euclean "zisofs block pointer beyond the file" cat z
fresh zf; eval "$($ISO rec "$W/bad.iso" /z)"
python3 - "$W/bad.iso" $EXT <<'EOF'
import struct, sys
f = open(sys.argv[1], "r+b")
ext = int(sys.argv[2])
f.seek(ext + 16)
p0 = struct.unpack("<I", f.read(4))[0]
f.seek(ext + p0 + 2)
f.write(b"\xff" * 16)		# inside the first block's deflate data
EOF
euclean "zisofs damaged zlib stream" cat z
fresh zf; eval "$($ISO rec "$W/bad.iso" /z)"
python3 - "$W/bad.iso" $EXT <<'EOF'
import struct, sys
f = open(sys.argv[1], "r+b")
ext = int(sys.argv[2])
f.seek(ext + 16)
p = struct.unpack("<II", f.read(8))
f.seek(ext + 16)
f.write(struct.pack("<II", p[1], p[0]))	# pointers out of order
EOF
euclean "zisofs block pointers out of order" cat z
fresh zf; eval "$($ISO rec "$W/bad.iso" /z)"
$ISO poke "$W/bad.iso" $((E_ZF + 7)) 1e
euclean "ZF block size 2^30" stat z

# ---- truncated images ----
fresh rr; SZ=$(stat -c %s "$W/bad.iso")
eval "$($ISO rec "$W/bad.iso" /f)"
truncate -s $((EXT + 4096)) "$W/bad.iso"
fails "truncated in a file's data: EUCLEAN or EIO" \
    "Structure needs cleaning\|Input/output error" cat f
fresh reloc; eval "$($ISO rec "$W/bad.iso" /)"; truncate -s $EXT "$W/bad.iso"
refused "truncated before the root directory" "corrupt"
tap_done
