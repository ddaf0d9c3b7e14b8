#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cd9660_sessions.sh -- multisession images: the last session by
# default, session=N (1-based, as xorriso -toc counts) and sbsector=S.
#
# xorriso appends three sessions to an image file (add, change, remove
# files); each session seen through rumpfuse must equal what xorriso
# extracts with `-load session N`, and the number of sessions what
# `xorriso -toc` lists.  Then a session appended mkisofs-style
# (genisoimage -C/-M, written at its start sector): rumpfuse finds both
# sessions and shows the second by default.  xorriso's emulated table
# of contents and isoinfo (sector 16) only see the first: such an image
# has no session copy at sector 16, and finding the later session needs
# the volume size of the first; rumpfuse is right to show the newer
# one, which is what the image was appended for.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
set -f
PY="python3 $TOP/tests/drivers/cd9660/cd9660_tree.py"

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

W=$(mktemp -d /tmp/cd9660-sessions.XXXXXX)
cleanup() {
	fusermount3 -u "$W/mnt" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt" "$W/s1/dir" "$W/s2" "$W/s3"
echo one >"$W/s1/a"
head -c 3000000 /dev/urandom >"$W/s1/big"
echo in-dir >"$W/s1/dir/f"
echo two >"$W/s2/b"
echo changed >"$W/s2/a"
echo three >"$W/s3/x"

img="$W/ms.iso"
xorriso -outdev "$img" -map "$W/s1" / -commit >/dev/null 2>&1 &&
xorriso -dev "$img" -map "$W/s2" / -commit >/dev/null 2>&1 &&
xorriso -dev "$img" -rm /big -- -map "$W/s3" / -commit >/dev/null 2>&1
n=$(xorriso -indev "$img" -toc 2>&1 | grep -c "^ISO session")
if [ "$n" = 3 ]; then
	tap_ok "xorriso made 3 sessions"
else
	tap_fail "xorriso made 3 sessions" "xorriso -toc lists $n"
fi

# Mount with OPTS and dump the tree into OUT.
mdump() {	# OPTS OUT
	timeout 30 "$RUMPFUSE" -t cd9660 ${1:+-o "$1"} "$img" "$W/mnt" \
	    >/dev/null 2>&1 || return 1
	$PY dump "$W/mnt" "$2"
	fusermount3 -u "$W/mnt"
	# The daemon ends (and unlocks the image) just after the unmount.
	local i=0
	while pgrep -f "rumpfuse.* $W/mnt" >/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

for s in 1 2 3; do
	rm -rf "$W/ext"
	xorriso -load session $s -indev "$img" -osirrox on -extract / \
	    "$W/ext" >/dev/null 2>&1
	$PY dump "$W/ext" "$W/ext$s.json"
	if mdump "session=$s" "$W/s.json"; then
		tap_check "session=$s equals xorriso -load session $s" \
		    $PY cmp "$W/s.json" "$W/ext$s.json"
	else
		tap_fail "session=$s: mount"
	fi
done
if mdump "" "$W/def.json"; then
	tap_check "the default is the last session" \
	    $PY cmp "$W/def.json" "$W/ext3.json"
else
	tap_fail "default session: mount"
fi
tap_check "session 1 has big, session 3 has not" sh -c "
	grep -q '\"big\"' '$W/ext1.json' && ! grep -q '\"big\"' '$W/ext3.json'"
start2=$(xorriso -indev "$img" -toc 2>&1 | awk -F, '/^ISO session *: *2 /{print $2+0}')
if mdump "sbsector=$start2" "$W/sb.json"; then
	tap_check "sbsector=$start2 is session 2" \
	    $PY cmp "$W/sb.json" "$W/ext2.json"
else
	tap_fail "sbsector=$start2: mount"
fi
for bad in session=4 session=0 session=x sbsector=999999999; do
	if out=$(timeout 30 "$RUMPFUSE" -t cd9660 -o $bad "$img" "$W/mnt" \
	    2>&1); then
		fusermount3 -u "$W/mnt"
		tap_fail "$bad refused" "mounted"
	else
		tap_ok "$bad refused: $(echo "$out" | tail -1 | cut -c1-70)"
	fi
done

# mkisofs-style: the second session written at sector NEXT of the file
g1="$W/g1.iso"
genisoimage -quiet -R -o "$g1" "$W/s1"
next=$(( ($(stat -c %s "$g1") / 2048 + 31) / 32 * 32 ))
genisoimage -quiet -R -C 0,$next -M "$g1" -o "$W/g2part.iso" "$W/s2" \
    >/dev/null 2>&1
img="$W/gms.iso"
cp "$g1" "$img"
dd if="$W/g2part.iso" of="$img" bs=2048 seek=$next conv=notrunc 2>/dev/null
if mdump "" "$W/gdef.json"; then
	tap_check "genisoimage -C/-M: the default is the appended session" \
	    sh -c "grep -q '\"b\"' '$W/gdef.json' &&
	    grep -q '\"big\"' '$W/gdef.json'"
	tap_check "genisoimage -C/-M: a is the new one" \
	    sh -c "timeout 30 '$RUMPFUSE' -t cd9660 '$img' '$W/mnt' &&
	    grep -qx changed '$W/mnt/a'; st=\$?; fusermount3 -u '$W/mnt';
	    exit \$st"
else
	tap_fail "genisoimage -C/-M: mount"
fi
if mdump "session=1" "$W/g1.json"; then
	tap_check "genisoimage -C/-M: session=1 is the first" \
	    sh -c "! grep -q '\"b\"' '$W/g1.json'"
else
	tap_fail "genisoimage -C/-M: session=1 mount"
fi
tap_done
