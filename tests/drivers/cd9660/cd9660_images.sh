#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cd9660_images.sh -- the cd9660 driver against images made by xorriso,
# genisoimage and makefs, read through rumpfuse and compared with three
# other views: the source tree, what `xorriso -osirrox on -extract`
# makes of the image, and `isoinfo -l` (this kernel has no iso9660
# driver to compare with).
#
# The tree (cd9660_tree.py gen --deep): files at sector and zisofs block
# boundaries, compressible text, odd and long names, a 3000-entry
# directory, hard links, symlinks of every shape (absolute, relative,
# ".", "..", 780-byte targets, 255-byte components), devices and a fifo,
# set-id and sticky modes, owners, times from 1950 to 2100, and a
# 14-level directory chain (ISO 9660 allows 8: genisoimage and makefs
# relocate it with Rock Ridge CL/PL/RE entries).  Compared: names,
# types, permission bits, owners, sizes, mtimes, link counts and
# hard-link groups, device numbers, symlink targets and contents.  The
# image must be unchanged afterwards.
#
# Where two readers disagree, the comparison says which is right and
# ignores exactly that field for exactly those paths:
#   S1 xorriso and genisoimage record the symlink "x/" as "x" (one SL
#      component; RRIP has no trailing-slash component), so the image
#      says "x": the image readers agree with each other, not with the
#      source.
#   S2 Empty hard-linked files: xorriso and genisoimage write RRIP 1.10
#      PX entries (no file serial number) and give every empty file the
#      same extent, so nothing in the image says the two names are one
#      file; the link count (2) is shown, the group cannot be.  makefs
#      writes RRIP 1.12 serial numbers, and the group is shown.
#   S3 Directory link counts: libisofs records 1 for every directory
#      (RRIP 1.12 4.1.1 says PX links is st_nlink, which for a POSIX
#      directory is 2 + subdirectories); rumpfuse counts them, as the
#      source and xorriso's extraction have; isoinfo prints the 1.
#   S4 genisoimage and makefs keep relocated directories in rr_moved /
#      .rr_moved; rumpfuse shows them where their CL entry is (RRIP
#      4.1.5) and hides the RE-marked originals, but shows the rr_moved
#      directory itself (as Linux does; it is a real directory of the
#      image), so the root's link count has one more subdirectory.
#      makefs writes no RE entries, so its .rr_moved shows the
#      relocated trees a second time (isoinfo shows them too).
#   S5 isoinfo: owners in octal, no set-id/sticky bits, a symlink's size
#      is its record's data length (0) not its target's length, and a
#      lone ROOT component ("/") is printed as "": rumpfuse is right
#      (RRIP 4.1.3.1: ROOT is "/").
#   S6 xorriso's extraction does not restore symlink mtimes, nor hard
#      links without AAIP data.
#   S7 genisoimage (cdrkit 1.1.11) records SL entries longer than 255
#      bytes with the length byte wrapped; isoinfo and xorriso then cut
#      the target at the recorded length; rumpfuse recognises the wrap
#      and reads the whole target, which equals the source.
#   S8 makefs writes broken SL entries for targets longer than one SL
#      entry: a stray 0x01 in a 255-byte component (xorriso and rumpfuse
#      both show it) and NUL bytes inside a component of the 780-byte
#      target, which rumpfuse refuses with EUCLEAN (a NUL cannot be in a
#      path; isoinfo silently drops that component, xorriso keeps junk).
#   S9 isoinfo shows a zisofs file's compressed (recorded) size;
#      rumpfuse and xorriso show the uncompressed size from ZF (RRIP
#      zisofs extension), which is the file's.
#   S10 Without Rock Ridge there are no owners, modes, links, devices or
#      symlinks (genisoimage leaves symlinks and devices out), names
#      are mapped (Joliet: '*' '/' ':' ';' '?' '\' become '_', at most
#      103 characters; ISO 9660: 8.3 or 31 upper-case d-characters);
#      xorriso extracts ISO 9660 names in upper case, rumpfuse shows
#      them in lower case (Linux's and NetBSD's default), so names are
#      compared case-folded.  Directories deeper than 8 are dropped.
#   S11 genisoimage records times after 2038 (in directory records and
#      in TF) with a GMT offset of -96 quarter hours, outside ECMA-119's
#      -48..+52 (9.1.5); rumpfuse, like Linux, takes an offset out of
#      range as 0 and shows the source's time, xorriso applies it and is
#      a day late.
#   S12 In an ISO 9660:1999 tree (level 4) a name is as recorded: no
#      ";1" version, any byte; rumpfuse shows them so (as the source),
#      xorriso strips ";1" and replaces non-ASCII names by hashes.
#   S13 genisoimage writes PN as (major, minor); RRIP says the two words
#      are the halves of dev_t, as xorriso and makefs write them.
#      rumpfuse reads both (a high word 0 means one 32-bit Linux dev_t)
#      and shows the source's numbers; xorriso cannot restore
#      genisoimage's large device numbers, so its extraction runs
#      without devices there.
#   S14 isoinfo does not follow CL entries (RRIP 4.1.5.1): it shows a
#      relocated directory only under rr_moved, and nothing where it
#      belongs; rumpfuse shows it where it belongs.
#
# Environment: RUMPFUSE (the daemon), TOP (source root),
# CD9660_CONFIGS="name ..." (only those).  Needs root, /dev/fuse,
# xorriso, genisoimage, isoinfo, python3; makefs optional.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
set -f	# the ignore lists below hold regular expressions, not globs
PY="python3 $TOP/tests/drivers/cd9660/cd9660_tree.py"

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
[ -n "${RUMPFUSE:-}" ] && [ -x "$RUMPFUSE" ] || skip_all "no rumpfuse"
for t in xorriso genisoimage isoinfo python3; do
	command -v $t >/dev/null || skip_all "no $t"
done

W=$(mktemp -d /tmp/cd9660-images.XXXXXX)
cleanup() {
	fusermount3 -u "$W/mnt" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt"

$PY gen "$W/src" --deep || skip_all "cannot generate the tree"
$PY dump "$W/src" "$W/src.json"
tap_ok "generate the source tree"

# Ignore lists (see S1..S10 above).
RR="--ign path:^links/(dir|trailing)$"			# S1
EMPTY="--ign path:^hl/empty"				# S2
DIRN="--ign-dirs nlink"					# S3
GEN="--ign path:^rr_moved --ign nlink:^\.$"		# S4
MKF="--ign path:^\.rr_moved --ign path:^links/long$ --ign link:^links/longname$"	# S4 S8
II="--ign size:^links/ --ign size:/up$ --ign link:^links/root$"	# S5
EXT="--ign mtime:^links/ --ign mtime:/up$ --ign-files nlink --ign links" # S6
GLONG="--ign link:^links/long$ --ign size:^links/long$"	# S7
ZSIZE="--ign-files size"					# S9
NORR="--ign mode --ign uid --ign gid --ign nlink --ign links"	# S10
Y2038="--ign mtime:^times/y2(038|100)$"				# S11
NODEV="--ign path:^special/(null|blk|bigdev|fifo)$"		# S13
DEEP="--ign path:^deep00/deep01/deep02/deep03/deep04/deep05/deep06/deep07/"
NOCL="$DEEP"							# S14
JOL="$NORR --only ^(f[0-9]+|text|bigdir|hl|times)(/|$)"
ISO="$NORR --only ^(f[0-9]+|text)(/|$)"

# name ~ image command (%I image, %S source) ~ mount options ~
# source ignores ~ extract ignores (- : no comparison) ~ isoinfo options
# (empty: no comparison) ~ isoinfo ignores ~ flags: "lower" (compare
# xorriso's names case-folded), "nodev" (extract without devices)
CONFIGS="
xorriso~xorriso -outdev %I -joliet on -map %S / -commit~~$RR $EMPTY~$RR $EMPTY $EXT~-R~$RR $EMPTY $DIRN $II~
xorriso-zisofs~xorriso -outdev %I -map %S / -set_filter_r --zisofs / -- -commit~~$RR $EMPTY~$RR $EMPTY $EXT~-R~$RR $EMPTY $DIRN $II $ZSIZE~
xorriso-zisofs2~xorriso -zisofs version_2=on:susp_z2=on:block_size_v2=256k -outdev %I -map %S / -set_filter_r --zisofs / -- -commit~~$RR $EMPTY~$RR $EMPTY $EXT~-R~$RR $EMPTY $DIRN $II $ZSIZE~
genisoimage-rr~genisoimage -quiet -input-charset utf-8 -R -J -joliet-long -o %I %S~ro~$RR $EMPTY $GEN~$RR $EMPTY $GEN $EXT $GLONG $NODEV $Y2038~-R~$RR $EMPTY $GEN $II $GLONG $NOCL~nodev
genisoimage-rr-level3~genisoimage -quiet -input-charset utf-8 -R -iso-level 3 -o %I %S~~$RR $EMPTY $GEN~$RR $EMPTY $GEN $EXT $GLONG $NODEV $Y2038~-R~$RR $EMPTY $GEN $II $GLONG $NOCL~nodev
makefs-rr~makefs -t cd9660 -o rockridge %I %S~ro~$RR $MKF~$RR $MKF $EXT --ign nlink:^\.$~-R~$RR $MKF $II $NOCL --ign nlink:^\.rr_moved~
genisoimage-joliet~genisoimage -quiet -input-charset utf-8 -J -joliet-long -o %I %S~ro~$JOL~$JOL $Y2038~~~
genisoimage-level1~genisoimage -quiet -iso-level 1 -o %I %S~ro~$ISO~$NORR $DEEP $Y2038~~~lower
genisoimage-level2~genisoimage -quiet -iso-level 2 -o %I %S~~$ISO~$NORR $DEEP $Y2038~~~lower
genisoimage-level4~genisoimage -quiet -iso-level 4 -o %I %S~ro~$JOL~$NORR $DEEP $Y2038 --ign path:^names/~~~
xorriso-norock~xorriso -outdev %I -joliet on -map %S / -commit~norock~$JOL~-~~~
"

# Mount IMG with OPTS, dump it into OUT; the image must not change.
mount_dump() {	# NAME IMG OPTS OUT
	local out st sum
	sum=$(sha256sum <"$2")
	if ! out=$(timeout 60 "$RUMPFUSE" -t cd9660 ${3:+-o "$3"} "$2" \
	    "$W/mnt" 2>&1); then
		tap_fail "$1: mount" "$out"
		return 1
	fi
	tap_ok "$1: mount"
	timeout 600 $PY dump "$W/mnt" "$4"
	st=$?
	timeout 60 fusermount3 -u "$W/mnt"
	if [ $st != 0 ]; then
		tap_fail "$1: walk the tree" "dump exited $st"
		return 1
	fi
	tap_ok "$1: walk the tree"
	if [ "$(sha256sum <"$2")" = "$sum" ]; then
		tap_ok "$1: image unchanged"
	else
		tap_fail "$1: image unchanged"
	fi
	return 0
}

while IFS='~' read -r name cmd opts srcign extign iiopts iiign flags; do
	[ -n "$name" ] || continue
	case " ${CD9660_CONFIGS:-$name} " in
	*" $name "*) ;;
	*) continue ;;
	esac
	case "$cmd" in
	makefs*)
		command -v makefs >/dev/null || {
			tap_skip "$name: all" "no makefs"
			continue
		} ;;
	esac
	img="$W/$name.iso"
	rm -f "$img"
	c=${cmd//%I/$img}
	c=${c//%S/$W/src}
	if ! out=$(eval "$c" 2>&1 >/dev/null); then
		tap_fail "$name: make the image" "$out"
		continue
	fi
	mount_dump "$name" "$img" "$opts" "$W/fuse.json" || continue

	# the source tree
	# shellcheck disable=SC2086
	tap_check "$name: same as the source tree" \
	    $PY cmp "$W/fuse.json" "$W/src.json" $srcign

	# what xorriso extracts
	if [ "$extign" != - ]; then
		rm -rf "$W/ext"
		xo=on:device_files
		lower=
		case " $flags " in *" nodev "*) xo=on ;; esac
		case " $flags " in *" lower "*) lower=--lower ;; esac
		if out=$(xorriso -osirrox $xo -indev "$img" \
		    -extract / "$W/ext" 2>&1 >/dev/null) &&
		    $PY dump "$W/ext" "$W/ext.json"; then
			# shellcheck disable=SC2086
			tap_check "$name: same as xorriso's extraction" \
			    $PY cmp "$W/fuse.json" "$W/ext.json" $extign $lower
		else
			tap_fail "$name: xorriso -extract" "$out"
		fi
		rm -rf "$W/ext"
	fi

	# isoinfo -l
	if [ -n "$iiopts" ]; then
		# shellcheck disable=SC2086
		isoinfo $iiopts -l -i "$img" >"$W/isoinfo.txt" 2>/dev/null
		$PY isoinfo "$W/isoinfo.txt" "$W/isoinfo.json"
		# shellcheck disable=SC2086
		tap_check "$name: same as isoinfo $iiopts -l" \
		    $PY cmp "$W/fuse.json" "$W/isoinfo.json" $iiign
	fi
	rm -f "$img"
done <<<"$CONFIGS"
tap_done
