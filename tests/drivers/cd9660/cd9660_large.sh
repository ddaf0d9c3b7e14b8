#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cd9660_large.sh -- files larger than 4 GiB: ISO 9660 level 3
# multi-extent files (xorriso splits a file into sections of 4 GiB -
# 2 KiB) and a zisofs2 file with a 64-bit size.
#
# The source is a sparse 4 GiB + 3 MiB file with data at the start, at
# 1 MiB, across the 4 GiB - 2 KiB section boundary, at 4 GiB and at the
# end.  xorriso writes the image to a pipe and `cp --sparse=always`
# stores it, so the image takes a few hundred KiB of /tmp and about 15 s
# (the test checks for 64 MiB free first).  Compared through rumpfuse:
# the size (with the sum of the section sizes isoinfo lists and with
# xorriso's), and the bytes around every boundary against the source and
# against `xorriso -extract_cut`.  Reads go through the splice path
# (VOP_BMAP runs end at a section) and through the copy path (dd with a
# small block size at unaligned offsets).
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
for t in xorriso isoinfo python3; do
	command -v $t >/dev/null || skip_all "no $t"
done
[ "$(df -Pk /tmp | awk 'NR == 2 { print $4 }')" -gt 65536 ] ||
    skip_all "less than 64 MiB free in /tmp"

W=$(mktemp -d /tmp/cd9660-large.XXXXXX)
cleanup() {
	fusermount3 -u "$W/mnt" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt" "$W/src"

G4=$((4 << 30))
SECT=$((G4 - 2048))			# xorriso's section size
SIZE=$((G4 + (3 << 20) + 123))
python3 - "$W/src/huge" $SIZE <<'EOF'
import os, sys
size = int(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    for off in (0, 1 << 20, (4 << 30) - 8192, 4 << 30, size - 5000):
        f.seek(off)
        f.write(os.urandom(8192 if off != size - 5000 else 5000))
    f.truncate(size)
EOF
echo small >"$W/src/small"
tap_ok "sparse source of $SIZE bytes"

# Bytes [OFF, OFF+LEN) of FILE, as a digest.
region() {	# FILE OFF LEN
	python3 - "$@" <<'EOF'
import hashlib, sys
with open(sys.argv[1], "rb") as f:
    f.seek(int(sys.argv[2]))
    print(hashlib.sha256(f.read(int(sys.argv[3]))).hexdigest())
EOF
}

# Small unaligned reads (the copy path) of [OFF, OFF+LEN).
region_dd() {	# FILE OFF LEN
	dd if="$1" bs=1000 skip="$2" count="$3" iflag=skip_bytes,count_bytes \
	    2>/dev/null | sha256sum | cut -d' ' -f1
}

check_regions() {	# NAME
	local off len bad=""
	for off in 0 $((1 << 20)) $((SECT - 8192)) $((SECT - 100)) \
	    $((G4 - 8192)) $G4 $((SIZE - 6000)); do
		len=$((off + 16384 > SIZE ? SIZE - off : 16384))
		if [ "$(region "$W/mnt/huge" $off $len)" != \
		    "$(region "$W/src/huge" $off $len)" ]; then
			bad="$bad $off"
		fi
		if [ "$(region_dd "$W/mnt/huge" $((off + 7)) $((len - 7)))" \
		    != "$(region_dd "$W/src/huge" $((off + 7)) $((len - 7)))" ]
		then
			bad="$bad $off+7(dd)"
		fi
	done
	if [ -z "$bad" ]; then
		tap_ok "$1: bytes around every boundary"
	else
		tap_fail "$1: bytes around every boundary" "differ at:$bad"
	fi
}

# ---- level 3: multi-extent ----
img="$W/level3.iso"
xorriso -compliance iso_9660_level=3 -outdev - -map "$W/src" / -commit \
    2>"$W/xorriso.log" | cp --sparse=always /dev/stdin "$img"
if [ ! -s "$img" ]; then
	tap_fail "level 3: make the image" "$(tail -3 "$W/xorriso.log")"
else
	tap_ok "level 3: make the image ($(du -k "$img" | cut -f1) KiB used)"
	# isoinfo lists one record per section
	secsum=$(isoinfo -R -l -i "$img" 2>/dev/null |
	    awk '$NF == "huge" { s += $5; n++ } END { printf "%d %.0f\n", n, s }')
	if ! out=$(timeout 60 "$RUMPFUSE" -t cd9660 "$img" "$W/mnt" 2>&1)
	then
		tap_fail "level 3: mount" "$out"
	else
		tap_ok "level 3: mount"
		st=$(stat -c %s "$W/mnt/huge")
		if [ "$st" = $SIZE ] && [ "$secsum" = "2 $SIZE" ]; then
			tap_ok "level 3: size $SIZE (isoinfo: 2 sections)"
		else
			tap_fail "level 3: size" "stat $st, isoinfo '$secsum'"
		fi
		check_regions "level 3"
		# xorriso's own reading of the sections
		bad=""
		for off in $((SECT - 4096)) $((G4 - 4096)); do
			rm -f "$W/cut"
			xorriso -osirrox on -indev "$img" -extract_cut /huge \
			    $off 8192 "$W/cut" >/dev/null 2>&1
			[ "$(region "$W/cut" 0 8192)" = \
			    "$(region "$W/mnt/huge" $off 8192)" ] ||
			    bad="$bad $off"
		done
		if [ -z "$bad" ]; then
			tap_ok "level 3: same as xorriso -extract_cut"
		else
			tap_fail "level 3: same as xorriso -extract_cut" \
			    "differ at:$bad"
		fi
		tap_check "level 3: small file" grep -qx small "$W/mnt/small"
		fusermount3 -u "$W/mnt"
	fi
fi
rm -f "$img"

# ---- zisofs2: a compressed file over 4 GiB ----
img="$W/zisofs2.iso"
xorriso -compliance iso_9660_level=3 -zisofs version_2=as_needed \
    -outdev - -map "$W/src" / -set_filter_r --zisofs / -- -commit \
    2>"$W/xorriso.log" | cp --sparse=always /dev/stdin "$img"
if [ ! -s "$img" ]; then
	tap_fail "zisofs2: make the image" "$(tail -3 "$W/xorriso.log")"
elif ! out=$(timeout 60 "$RUMPFUSE" -t cd9660 "$img" "$W/mnt" 2>&1); then
	tap_fail "zisofs2: mount" "$out"
else
	tap_ok "zisofs2: mount ($(du -k "$img" | cut -f1) KiB image)"
	st=$(stat -c %s "$W/mnt/huge")
	if [ "$st" = $SIZE ]; then
		tap_ok "zisofs2: uncompressed size shown"
	else
		tap_fail "zisofs2: uncompressed size shown" "stat $st"
	fi
	check_regions "zisofs2"
	fusermount3 -u "$W/mnt"
fi
tap_done
