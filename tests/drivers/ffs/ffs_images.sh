#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ffs_images.sh -- the ffs driver reading images made by makefs.
#
# A generated tree (ffs_tree.py: sizes around every fragment, block and
# indirection boundary, inline and block symlinks, hard links, fifos,
# devices, odd names, owners, modes, deep nesting, a directory of 20,000
# entries in two of the configurations) is put into one image per
# configuration with `makefs -t ffs` (UFS1 and UFS2, both byte orders,
# block/fragment sizes from 4096/512 to 65536/8192).  For each image:
# the checker (rumpfuse-fsck) finds it consistent; `rumpfuse -o ro`
# shows exactly the source tree (names, types, modes, owners, sizes,
# mtimes, link counts, devices, symlink targets, contents); the image
# is byte for byte unchanged afterwards; for UFS1, sleuthkit's fls sees
# the same names.  (sleuthkit 4.11 looks for UFS2 superblocks only at
# 64 KiB and 256 KiB, and Debian's makefs puts them at 8 KiB.)
#
# Environment: RUMPFUSE (the daemon), FSCK (rumpfuse-fsck), TOP.  Needs
# root, /dev/fuse, makefs, python3; skips otherwise.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/integration/lib.sh"
PY="python3 $TOP/tests/drivers/ffs/ffs_tree.py"

# name | makefs -o options | byte order | extra makefs options | bigdir
CONFIGS="
ufs1-le-8k|version=1|le||big
ufs1-be-4k|version=1,bsize=4096,fsize=512|be||
ufs1-le-16k|version=1,bsize=16384,fsize=2048|le||
ufs1-be-64k|version=1,bsize=65536,fsize=8192|be|-s 160m|
ufs2-be-8k|version=2|be||big
ufs2-le-4k|version=2,bsize=4096,fsize=512|le||
ufs2-be-32k|version=2,bsize=32768,fsize=4096|be||
ufs2-le-64k|version=2,bsize=65536,fsize=8192|le|-s 160m|
"

it_setup
command -v makefs >/dev/null || it_skip_all "makefs is missing"
command -v python3 >/dev/null || it_skip_all "python3 is missing"
[ -n "${FSCK:-}" ] && [ -x "$FSCK" ] || it_skip_all "FSCK is not set"

$PY gen "$WORK/small" || it_skip_all "cannot generate the tree"
$PY gen "$WORK/big" --bigdir 20000 || it_skip_all "cannot generate the tree"
$PY dump "$WORK/small" "$WORK/small.json"
$PY dump "$WORK/big" "$WORK/big.json"
tap_ok "generate the source trees"

while IFS='|' read -r name opts order extra big; do
	[ -n "$name" ] || continue
	case " ${FFS_CONFIGS:-$name} " in
	*" $name "*) ;;
	*) continue ;;
	esac
	src=$WORK/small
	[ "$big" = big ] && src=$WORK/big
	img=$WORK/$name.img
	mnt=$WORK/mnt-$name
	lbl=${name//-/_}
	# shellcheck disable=SC2086
	if ! out=$(makefs -t ffs -B "$order" -b 10% -f 10% $extra -o "$opts" \
	    "$img" "$src" 2>&1); then
		tap_fail "$name: makefs" "$out"
		continue
	fi
	tap_check "$name: the checker finds the image consistent" \
	    "$FSCK" "$img"
	sum=$(md5sum <"$img")
	if ! it_mount "$lbl" -t ffs -o ro "$img" "$mnt"; then
		tap_fail "$name: mount read-only" "$(cat "$WORK/$lbl.err")"
		continue
	fi
	$PY dump "$mnt" "$WORK/$name.json" 2>"$WORK/$name.dump.err"
	tap_check "$name: the tree equals the source (makefs keeps seconds)" \
	    $PY cmp "$src.json" "$WORK/$name.json" --no-nsec
	it_umount "$lbl" "$mnt"
	if [ "$(md5sum <"$img")" = "$sum" ]; then
		tap_ok "$name: a read-only mount leaves the image unchanged"
	else
		tap_fail "$name: a read-only mount leaves the image unchanged"
	fi
	case $opts in
	version=1*)
		if command -v fls >/dev/null; then
			# every name, plus sleuthkit's $OrphanFiles
			want=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))) + 1)' "$src.json")
			got=$(fls -r -f ufs "$img" 2>&1 | wc -l)
			if [ "$got" = "$want" ]; then
				tap_ok "$name: sleuthkit lists the same names"
			else
				tap_fail "$name: sleuthkit lists the same names" \
				    "fls: $got lines, expected $want"
			fi
		else
			tap_skip "$name: sleuthkit lists the same names" \
			    "no fls"
		fi
		;;
	esac
	rm -f "$img"
done <<EOF
$CONFIGS
EOF
tap_done
