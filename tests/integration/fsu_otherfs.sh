#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fsu_otherfs.sh -- fsu on the filesystems the host kernel here cannot
# mount, judged by independent tools:
#   FAT      mkfs.fat + mcopy make it; fsu reads it (names, contents,
#            sizes); fsu writes to it and fsck.fat -n says it is clean and
#            mcopy -s extracts what the same operations give on the host
#   ISO 9660 genisoimage -R -J and xorriso make it; fsu get -r against
#            xorriso's own extraction and the source; writes are refused
#   FFS      makefs -t ffs (UFS1 and UFS2) from a tree with every file
#            type; fsu get -rp against the source; sleuthkit's fls
#            lists the UFS1 image
# A filesystem whose driver or tools are missing is skipped visibly.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fsu_lib.sh"
fsu_setup

# Names, types, sizes, link targets of a tree (no times: FAT and ISO
# keep them coarsely).
shape() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %s %l\n' |
	    awk '$2 == "d" { $3 = "-" } { print }' | sort)
}

mkdir -p "$WORK/o"
fsu_give "$WORK/o"

# ---- FAT ----
if fsu_have_type msdosfs && command -v mkfs.fat >/dev/null &&
    command -v mcopy >/dev/null; then
	S=$WORK/fatsrc
	mkdir -p "$S/Dir/Sub" "$S/empty_dir"
	echo hello > "$S/hello.txt"
	: > "$S/empty"
	head -c 1000000 /dev/urandom > "$S/random.bin"
	echo "long" > "$S/A rather long file name.text"
	echo "case" > "$S/MixedCase.Txt"
	for i in $(seq 1 40); do echo "$i" > "$S/Dir/Sub/f$i"; done
	F=$WORK/fat.img
	mkfs.fat -C "$F" 32768 >/dev/null
	(cd "$S" && mcopy -s -i "$F" ./* ::/)
	fsu_give "$F"
	same "fat: find lists the names" \
	    <(cd "$S" && find . | sort) <(fsu "$F" find . | sort)
	fsu "$F" get -r / "$WORK/o/fat"
	same "fat: get -r: names, types, sizes" <(shape "$S") \
	    <(shape "$WORK/o/fat")
	if diff -r "$S" "$WORK/o/fat" >"$WORK/d.out" 2>&1; then
		tap_ok "fat: get -r: contents"
	else
		tap_fail "fat: get -r: contents" "$(head "$WORK/d.out")"
	fi
	check_out "fat: cat" "hello" fsu "$F" cat /hello.txt

	# Writes, the same on the host; then fsck.fat and mcopy judge.
	H=$WORK/fathost
	cp -r "$S" "$H"
	cat >"$WORK/fat.ops" <<EOF
mkdir -p @/New/Deeper
put $S/random.bin @/New/Deeper/copy.bin
cp @/hello.txt @/New/hello2.txt
mv @/MixedCase.Txt @/New/Moved.Txt
rm -r @/Dir/Sub
rmdir @/empty_dir
truncate -s 5000 @/empty
EOF
	sed 's|^put |cp |; s|@/|'"$H"'/|g' "$WORK/fat.ops" >"$WORK/fat.host"
	sed 's|@/|/|g' "$WORK/fat.ops" >"$WORK/fat.fsu"
	chmod 644 "$WORK/fat.fsu"
	(set -e; . "$WORK/fat.host")
	if fsu "$F" batch "$WORK/fat.fsu" 2>"$WORK/fat.err"; then
		tap_ok "fat: writing batch runs"
	else
		tap_fail "fat: writing batch runs" "$(cat "$WORK/fat.err")"
	fi
	if fsck.fat -n "$F" >"$WORK/fsck.out" 2>&1; then
		tap_ok "fat: fsck.fat -n is clean after the writes"
	else
		tap_fail "fat: fsck.fat -n is clean after the writes" \
		    "$(tail -20 "$WORK/fsck.out")"
	fi
	mkdir "$WORK/fatx"
	mcopy -s -n -i "$F" ::/ "$WORK/fatx/" 2>/dev/null
	same "fat: mcopy extracts what the host has" <(shape "$H") \
	    <(shape "$WORK/fatx")
	if diff -r "$H" "$WORK/fatx" >"$WORK/d.out" 2>&1; then
		tap_ok "fat: mcopy extracts the same contents"
	else
		tap_fail "fat: mcopy extracts the same contents" "$(head "$WORK/d.out")"
	fi
else
	tap_skip "fat" "no msdosfs driver, mkfs.fat or mtools"
fi

# ---- the tree with every file type, for ISO 9660 and FFS ----
T=$WORK/tree
mkdir -p "$T/dir/sub" "$T/many"
echo hello > "$T/a"
head -c 300000 /dev/urandom > "$T/random"
: > "$T/empty"
ln -s a "$T/link"
ln -s /dir/sub "$T/abslink"
ln "$T/a" "$T/hard"
mkfifo "$T/fifo"
echo deep > "$T/dir/sub/deep"
for i in $(seq 1 60); do echo "$i" > "$T/many/file_$i"; done
chmod 4755 "$T/a"
chmod 0700 "$T/dir/sub"
touch -d '2001-02-03 04:05:06' "$T/random"
if [ "$(id -u)" -eq 0 ]; then
	mknod "$T/cdev" c 1 3
	chown 1234:5678 "$T/random"
fi

# ---- ISO 9660 ----
if fsu_have_type cd9660 && command -v genisoimage >/dev/null; then
	I=$WORK/rr.iso
	genisoimage -quiet -R -J -o "$I" "$T" 2>/dev/null
	fsu_give "$I"
	fsu "$I" get -r / "$WORK/o/iso" 2>"$WORK/iso.err"
	grep -v "special file" "$WORK/iso.err" >"$WORK/iso.err2"
	[ -s "$WORK/iso.err2" ] &&
	    tap_fail "iso: get -r" "$(cat "$WORK/iso.err2")" ||
	    tap_ok "iso: get -r"
	if [ -n "$FSU_AS" ]; then
		shape_t() { shape "$1" | grep -v '^\./cdev '; }
	else
		shape_t() { shape "$1"; }
	fi
	same "iso: Rock Ridge names, types, sizes, link targets" \
	    <(shape_t "$T") <(shape_t "$WORK/o/iso")
	if diff -r --no-dereference "$T" "$WORK/o/iso" 2>&1 |
	    grep -v 'fifo while\|special file while\|Only in .*: cdev' \
	    >"$WORK/d.out"; then
		tap_fail "iso: contents" "$(head "$WORK/d.out")"
	else
		tap_ok "iso: contents"
	fi
	same "iso: modes" \
	    <(cd "$T" && find . ! -name cdev -printf '%p %m\n' | sort) \
	    <(fsu "$I" stat -c '%n %a' $(cd "$T" && find . ! -name cdev | sort) |
	    sed 's/ 0*\([0-7]\)/ \1/' | sort)
	if command -v xorriso >/dev/null; then
		X=$WORK/isox
		xorriso -osirrox on -indev "$I" -extract / "$X" >/dev/null 2>&1
		same "iso: what xorriso extracts" <(shape "$X" | grep -v cdev) \
		    <(shape "$WORK/o/iso" | grep -v cdev)
	fi
	out=$(fsu "$I" mkdir /x 2>&1)
	rc=$?
	[ "$rc" -ne 0 ] && [ -n "$out" ] &&
	    tap_ok "iso: a writing command is refused ($out)" ||
	    tap_fail "iso: a writing command is refused" "status $rc: $out"
else
	tap_skip "iso" "no cd9660 driver or genisoimage"
fi

# ---- FFS, read ----
if fsu_have_type ffs && command -v makefs >/dev/null; then
	for ver in 1 2; do
		I=$WORK/ffs$ver.img
		makefs -t ffs -o version=$ver -s 32m "$I" "$T" >/dev/null
		chmod 444 "$I"
		fsu_give "$I"
		fsu "$I" get -rp / "$WORK/o/ffs$ver" 2>"$WORK/ffs.err"
		grep -v "special file" "$WORK/ffs.err" >"$WORK/ffs.err2"
		[ -s "$WORK/ffs.err2" ] &&
		    tap_fail "ffs$ver: get -rp" "$(cat "$WORK/ffs.err2")" ||
		    tap_ok "ffs$ver: get -rp"
		fmt='%p %y %m %s %T@ %l'
		[ -z "$FSU_AS" ] && [ "$(id -u)" -eq 0 ] && fmt="$fmt %U %G"
		same "ffs$ver: get -rp: types, modes, sizes, mtimes, links" \
		    <(cd "$T" && find . -mindepth 1 ! -name cdev -printf "$fmt\n" |
		    awk '$2 == "d" { $4 = "-" } { $5 = int($5) } { print }' |
		    sed 's/ 4755 / 755 /' | sort) \
		    <(cd "$WORK/o/ffs$ver" && find . -mindepth 1 ! -name cdev \
		    -printf "$fmt\n" |
		    awk '$2 == "d" { $4 = "-" } { $5 = int($5) } { print }' |
		    sed 's/ 4755 / 755 /' | sort)
		if diff -r --no-dereference "$T" "$WORK/o/ffs$ver" 2>&1 |
		    grep -v 'fifo while\|special file while\|Only in .*: cdev' \
		    >"$WORK/d.out"; then
			tap_fail "ffs$ver: contents" "$(head "$WORK/d.out")"
		else
			tap_ok "ffs$ver: contents"
		fi
		same "ffs$ver: ls -lR /many" <(cd "$T" && ls -l many | sed 's/^total.*//') \
		    <(fsu "$I" ls -l /many | sed 's/^total.*//')
		if [ "$ver" = 1 ] && command -v fls >/dev/null; then
			same "ffs1: sleuthkit's fls lists the same names" \
			    <(cd "$T" && find . -mindepth 1 | sed 's|^\./||' | sort) \
			    <(fls -r -p "$I" 2>&1 | grep -v '\$OrphanFiles' |
			    sed 's/^[^	]*	//' | sort)
		fi
	done
else
	tap_skip "ffs" "no ffs driver or no makefs"
fi

tap_done
