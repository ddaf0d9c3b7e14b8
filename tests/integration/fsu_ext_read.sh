#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fsu_ext_read.sh -- fsu's reading commands on ext2, ext3 and ext4 images
# made by mkfs -d from one tree, run as an unprivileged user, compared
# with the GNU tools (ls, stat, find, du, df, readlink, getfattr, cat,
# diff) on a read-only loop mount of the same image; get -r -p compared
# with the source tree.  Without root (no loop mount) only the
# comparisons with the source tree run.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fsu_lib.sh"
fsu_setup
command -v mkfs.ext4 >/dev/null || fsu_skip_all "mkfs.ext4 is missing"
fsu_have_type ext2fs || fsu_skip_all "no ext2fs driver in this fsu"

ROOT=false
[ "$(id -u)" -eq 0 ] && ROOT=true

# ---- the source tree ----
SRC=$WORK/src
mkdir -p "$SRC/dir/sub/deeper" "$SRC/empty" "$SRC/many" "$SRC/modes"
(
	cd "$SRC" || exit 1
	echo hello > a
	: > emptyfile
	head -c 200000 /dev/urandom > random
	printf 'line 1\nline 2\nno newline' > text
	truncate -s 10M sparse
	printf 'x' | dd of=sparse bs=1 seek=5000000 conv=notrunc 2>/dev/null
	echo "spaced" > "with space"
	echo "utf8" > "$(printf 'caf\303\251')"
	ln -s a rel_link
	ln -s dir/sub rel_dirlink
	ln -s /dir/sub/deeper abs_link
	ln -s nowhere dangling
	ln a hardlink
	mkfifo fifo
	for i in $(seq 1 120); do echo "$i" > "many/file_$i"; done
	echo deep > dir/sub/deeper/f
	echo s > dir/sub/s
	for m in 4755 2755 1777 0600 0444 0111 0000 0777; do
		: > "modes/m$m"
		chmod "$m" "modes/m$m"
	done
	chmod 1777 empty
	chmod 2750 dir/sub
	touch -d '2001-02-03 04:05:06.123456789' a
	touch -d '1999-12-31 23:59:59' dir/sub/s
	setfattr -n user.text -v hello a
	setfattr -n user.bin -v 0x00ff10 a
	setfattr -n user.empty dir
) || fsu_skip_all "cannot build the source tree"
if $ROOT; then
	mknod "$SRC/chardev" c 1 3
	mknod "$SRC/blockdev" b 7 12
	chown 12345:54321 "$SRC/dir/sub/s" "$SRC/modes/m0600"
	chown 0:0 "$SRC/a"
fi

# ---- images ----
VARIANTS="ext4 ext3 ext2"
mkimg() {
	case $1 in
	ext4) mkfs.ext4 -q -F -I 256 -d "$SRC" "$2" 64M ;;
	ext3) mkfs.ext3 -q -F -I 256 -b 4096 -d "$SRC" "$2" 64M ;;
	ext2) mkfs.ext2 -q -F -I 128 -b 1024 -d "$SRC" "$2" 64M ;;
	esac
}

# Listing of a tree with its metadata, for the get comparisons:
# path|type|mode|owner|size|mtime|target.  Unprivileged, device nodes
# are not made and set-id bits go with the ownership that cannot be
# kept; with whole-second timestamps ($3 = int) the fraction goes.
listing() {
	local skip=""
	[ -n "$FSU_AS" ] && skip="dev"
	(cd "$1" && find . ! -path './lost+found*' -printf "%p|%y|%m|$2|%s|%T@|%l\n" |
	    awk -F'|' -v OFS='|' -v skip="$skip" -v whole="$3" '
		skip != "" && $2 ~ /^[bc]$/ { next }
		skip != "" && $3 ~ /^[246].../ { $3 = substr($3, 2) }
		whole != "" { $6 = int($6) }
		$2 == "d" { $5 = "-" }	# directory sizes are the medium'"'"'s
		{ print }' | sort)
}

# Regular files of the tree, relative (no lost+found).
regular_files() {
	(cd "$SRC" && find . -type f | sed 's|^\./||' | sort)
}

for v in $VARIANTS; do
	IMG=$WORK/$v.img
	if ! mkimg "$v" "$IMG" >"$WORK/mkfs.out" 2>&1; then
		tap_fail "$v: mkfs" "$(cat "$WORK/mkfs.out")"
		continue
	fi
	chmod 444 "$IMG"		# read-only commands need no more
	fsu_give "$IMG"
	MNT=$WORK/mnt-$v

	# The image is recognised and mounted read-only.
	same "$v: ls of the root names every file" \
	    <(cd "$SRC" && { ls; echo lost+found; } | sort) \
	    <(fsu "$IMG" ls | sort)

	# cat: every regular file's bytes.
	bad=""
	while IFS= read -r f; do
		cmp -s "$SRC/$f" <(fsu "$IMG" cat "/$f") || bad="$bad '$f'"
	done < <(regular_files)
	[ -z "$bad" ] && tap_ok "$v: cat of every file" ||
	    tap_fail "$v: cat of every file" "differ:$bad"

	# get -r -p / and compare with the source.
	OUT=$WORK/out-$v
	mkdir "$OUT" && fsu_give "$OUT"
	fsu "$IMG" get -rp / "$OUT/root" 2>"$WORK/get.err"
	rc=$?
	# Unprivileged, device nodes cannot be made (as with cp -a).
	grep -v "cannot create special file '.*dev': Operation not permitted" \
	    "$WORK/get.err" >"$WORK/get.err2"
	if [ -s "$WORK/get.err2" ] || { [ "$rc" -ne 0 ] &&
	    ! grep -q "special file" "$WORK/get.err"; }; then
		tap_fail "$v: get -rp / succeeds" "status $rc: $(head "$WORK/get.err")"
	else
		tap_ok "$v: get -rp / succeeds (status $rc)"
	fi
	if diff -r --no-dereference "$SRC" "$OUT/root" 2>&1 |
	    grep -v "^Only in $OUT/root: lost+found" |
	    grep -v "is a fifo while\|special file while" |
	    { if [ -n "$FSU_AS" ]; then grep -v "^Only in $SRC: [a-z]*dev\$"; else cat; fi; } \
	    >"$WORK/d.out"; then
		tap_fail "$v: get -r contents equal the source" "$(head -20 "$WORK/d.out")"
	else
		tap_ok "$v: get -r contents equal the source"
	fi
	owner="%U:%G"
	[ -n "$FSU_AS" ] && owner="-"	# nobody cannot give files away
	# mke2fs -d keeps whole seconds only, and "." gets lost+found.
	same "$v: get -rp modes, types, sizes, mtimes, link targets" \
	    <(listing "$SRC" "$owner" whole | grep -v '^\.|') \
	    <(listing "$OUT/root" "$owner" whole | grep -v '^\.|')
	same "$v: get -rp user xattrs" \
	    <(cd "$SRC" && getfattr -d a dir many 2>&1) \
	    <(cd "$OUT/root" && getfattr -d a dir many 2>&1)
	a_ino=$(stat -c %i "$OUT/root/a")
	h_ino=$(stat -c %i "$OUT/root/hardlink")
	[ "$a_ino" = "$h_ino" ] && tap_ok "$v: get -p keeps hard links" ||
	    tap_fail "$v: get -p keeps hard links" "a=$a_ino hardlink=$h_ino"
	blocks=$(stat -c %b "$OUT/root/sparse")
	[ "$blocks" -lt 1000 ] && tap_ok "$v: get keeps sparse files sparse" ||
	    tap_fail "$v: get keeps sparse files sparse" "$blocks blocks"
	check_out "$v: get FILE - to stdout" "hello" fsu "$IMG" get /a -

	# diff against the source tree on the host.
	check_out "$v: diff -r /many equals the source" "" \
	    fsu "$IMG" diff -r /many "$SRC/many"

	if ! loop_mount "$IMG" "$MNT"; then
		tap_skip "$v: comparisons with a loop mount" "not root or no loop device"
		continue
	fi

	# What get -rp made against what the host kernel reads.
	same "$v: get -rp against the loop mount, times to the ns" \
	    <(listing "$MNT" "$owner") <(listing "$OUT/root" "$owner")

	# ls with the options people use, in the root and in a directory.
	for opts in "-l" "-la dir" "-lA" "-lR" "-lai dir" "-lh" "-1" "-i" \
	    "-ld dir many ." "-lS" "-lt" "-ltr" "-ln" "-l --full-time" \
	    "-lF dir modes" "-F" "-R dir" "-ld a rel_link dir/sub" \
	    "-l many" "-a dir/sub" "-lh sparse random"; do
		# shellcheck disable=SC2086
		same "$v: ls $opts" <(cd "$MNT" && ls $opts 2>&1) \
		    <(fsu "$IMG" ls $opts 2>&1)
	done
	same "$v: ls -lU (sorted)" <(cd "$MNT" && ls -lU | sort) \
	    <(fsu "$IMG" ls -lU | sort)

	# stat: default (less the device) and a full -c format.
	FILES=$(cd "$MNT" && find . ! -path './lost+found/*' | sort | tr '\n' ' ')
	# shellcheck disable=SC2086
	same "$v: stat (default format, less Device)" \
	    <(cd "$MNT" && stat $FILES | grep -v '^Device:') \
	    <(fsu "$IMG" stat $FILES | grep -v '^Device:')
	F='%n|%a|%A|%b|%B|%f|%F|%g|%G|%h|%i|%N|%o|%s|%t|%T|%u|%U|%x|%X|%y|%Y|%z|%Z|%w|%-8s|%08i|%.3Y|%Hr,%Lr'
	# shellcheck disable=SC2086
	same "$v: stat -c with every sequence" \
	    <(cd "$MNT" && stat -c "$F" $FILES) \
	    <(fsu "$IMG" stat -c "$F" $FILES)
	# shellcheck disable=SC2086
	same "$v: stat -L" <(cd "$MNT" && stat -L -c '%n %F %s %i' rel_link rel_dirlink) \
	    <(fsu "$IMG" stat -L -c '%n %F %s %i' rel_link rel_dirlink)

	# find: output sorted (both give directory order, which differs).
	for expr in "" "-type f" "-type d,l" "-name *e*" "-iname A*" \
	    "-path ./dir*" "-size +1k" "-size -2" "-size 1" "-empty" \
	    "-newer text" "-perm -4000" "-perm /0111" "-perm 0644" \
	    "-links +1" "-maxdepth 1 -type d" "-mindepth 2" "-depth" \
	    "( -name a -o -name m* ) -print" "! -type f -prune -o -print" \
	    "-name many -prune -o -type f -print" "-user 12345" \
	    "-group 54321" "-inum 12" "-type l -newer a"; do
		set -f
		# shellcheck disable=SC2086
		same "$v: find $expr" <(cd "$MNT" && find . $expr | sort) \
		    <(fsu "$IMG" find . $expr | sort)
		set +f
	done
	same "$v: find / -print0" \
	    <(cd "$MNT" && find . -type f -print0 | tr '\0\n' '\n?' | sort) \
	    <(fsu "$IMG" find . -type f -print0 | tr '\0\n' '\n?' | sort)

	# du: sorted; -a without the hard-linked pair (first one counts).
	for opts in "" "-s" "-h" "-sh" "-b" "-c" "-d 1" "-S" "-k many" \
	    "-s dir many a"; do
		# shellcheck disable=SC2086
		same "$v: du $opts" <(cd "$MNT" && du $opts | sort) \
		    <(fsu "$IMG" du $opts | sort)
	done
	same "$v: du -a" \
	    <(cd "$MNT" && du -a | grep -v '/a$\|/hardlink$' | sort) \
	    <(fsu "$IMG" du -a | grep -v '/a$\|/hardlink$' | sort)

	# df: the numbers, under fsu's name for the source and target.
	for opts in "" "-h" "-i"; do
		# shellcheck disable=SC2086
		same "$v: df $opts" \
		    <(df $opts "$MNT" | sed "s|^[^ ]* *|IMG |; s| $MNT\$| /|" | tr -s ' ') \
		    <(fsu "$IMG" df $opts | sed 's|^[^ ]* *|IMG |' | tr -s ' ')
	done

	# readlink, readlink -f (relative links; absolute ones differ on
	# purpose: fsu resolves them inside the image).
	same "$v: readlink" \
	    <(cd "$MNT" && readlink rel_link rel_dirlink abs_link dangling) \
	    <(fsu "$IMG" readlink rel_link rel_dirlink abs_link dangling)
	same "$v: readlink -f" \
	    <(cd "$MNT" && readlink -f rel_link rel_dirlink dangling | sed "s|^$MNT||") \
	    <(fsu "$IMG" readlink -f rel_link rel_dirlink dangling)
	check_out "$v: readlink -f of an absolute link stays in the image" \
	    "/dir/sub/deeper" fsu "$IMG" readlink -f abs_link

	# getfattr.
	for opts in "-d a dir" "a dir" "-n user.text a" "-d -e hex a" \
	    "-d -e base64 a" "--only-values -n user.text a" "-d -m - a"; do
		# shellcheck disable=SC2086
		same "$v: getfattr $opts" \
		    <(cd "$MNT" && getfattr $opts 2>&1) \
		    <(fsu "$IMG" getfattr $opts 2>&1)
	done

	# diff between the image and the loop mount: no differences.
	same "$v: diff -r /many against the loop mount" /dev/null \
	    <(fsu "$IMG" diff -r /many "$MNT/many" 2>&1)
done
tap_done
