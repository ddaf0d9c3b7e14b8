#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fsu_write.sh -- fsu's writing commands: one list of operations (mkdir,
# put/cp, mv, ln, chmod, chown, touch, truncate, mkfifo, mknod,
# setfattr, rm, rmdir, write) done by the coreutils in a host directory
# and by fsu in an image, then the two trees compared: names, types,
# modes, owners, sizes, chosen timestamps, link targets, contents and
# extended attributes.  Images: tmpfs (one batch, nothing persists, so
# the reads run in the same batch), FFS from makefs when the driver is
# there (the reads run in later, read-only invocations, and sleuthkit's
# fls lists the result of a UFS1 image independently), ext2fs when its
# driver writes.  fsu runs unprivileged; the host side runs as the
# caller (chown and device nodes only as root).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/fsu_lib.sh"
fsu_setup

ROOT=false
[ "$(id -u)" -eq 0 ] && ROOT=true

# ---- staging files on the host (sources for put / cp) ----
STAGE=$WORK/stage
mkdir -p "$STAGE/tree/sub"
echo hello > "$STAGE/hello"
echo "old file" > "$STAGE/old"
touch -d '2001-02-03 04:05:06.25' "$STAGE/old"
head -c 100000 /dev/urandom > "$STAGE/tree/random"
echo one > "$STAGE/tree/sub/one"
ln -s sub/one "$STAGE/tree/link"
ln "$STAGE/tree/sub/one" "$STAGE/tree/hardone"
chmod 0750 "$STAGE/tree/sub"
setfattr -n user.tag -v staged "$STAGE/tree/random" 2>/dev/null
touch -d '2005-06-07 08:09:10.123456789' "$STAGE/tree/random" \
    "$STAGE/tree/sub/one" "$STAGE/tree/sub" "$STAGE/tree"
printf 'written\nthrough stdin\n' > "$STAGE/wtext"
chmod -R a+rX "$STAGE"
chmod 755 "$WORK"

# ---- the operations: "HOST ;; FSU", or one command for both; @ is the
# root (the host directory, or nothing in the image) ----
ops() {
	cat <<EOF
mkdir -p @/a/b/c
mkdir -m 0700 @/private
mkdir -m u=rwx,g=rx,o= @/sym
mkdir -p @/e1/e2/e3
cp $STAGE/hello @/a/hello ;; put $STAGE/hello /a/hello
cp -p $STAGE/old @/a/old ;; put -p $STAGE/old /a/old
cp -r $STAGE/tree @/tree ;; put -r $STAGE/tree /tree
cp -a $STAGE/tree @/tree2 ;; put -a $STAGE/tree /tree2
cp $STAGE/wtext @/w ;; write /w
cp @/a/hello @/a/hello2
cp -p @/a/old @/a/old2
cp -r @/tree @/tree3
cp -a @/tree2 @/tree4
mv @/a/hello2 @/a/moved
mv @/tree3 @/a/b
mv @/a/moved @/private
ln -s ../hello @/a/b/c/rel
ln -s /a/hello @/abs
ln @/a/hello @/a/hard
ln -s hello @/a/soft
ln -sf old @/a/soft
chmod 0640 @/a/hello
chmod u+x,g-r,o=r @/a/old
chmod -R go-rwx @/tree2
chmod a=rX @/sym
chmod 4755 @/private/moved
chmod -w @/a/old2
touch -t 200102030405.06 @/stamp
touch -c @/nothing
truncate -s 100K @/big
truncate -s +5 @/a/hello
truncate -s 1M @/sparse
mkfifo @/fifo
mkfifo -m 0600 @/fifo2
setfattr -n user.color -v blue @/a/hello
setfattr -n user.bin -v 0x0001ff @/a/hello
setfattr -n user.gone -v x @/a/hello
setfattr -x user.gone @/a/hello
rm @/a/hard
rm -r @/a/b/tree3
rm -f @/nonexistent
rmdir -p @/e1/e2/e3
mkdir -p @/x/y/z
rm -rf @/x
touch -m -d '2010-01-01 00:00:00 UTC' @/a/hello
touch -d '2001-02-03 04:05:06.5 UTC' @/a/old
EOF
	if $ROOT; then
		cat <<EOF
chown 1234:5678 @/a/old
chown -R 42:43 @/tree4
chgrp 99 @/a/hello
chown -h 7:8 @/abs
mknod @/null c 1 3
mknod -m 0640 @/loop b 7 0
EOF
	fi
}

# The ops for the host (run inside the host directory, so "@/x" is
# "x") and for fsu ("@/x" is "/x").
host_ops() {
	ops | sed 's/ ;; .*//; s|@/||g'
}
fsu_ops() {
	ops | sed 's/.* ;; //; s|@||g'
}

H=$WORK/host
mkdir "$H"
if host_ops >"$WORK/host.sh" && (set -e; cd "$H"; . "$WORK/host.sh") \
    >"$WORK/host.out" 2>&1; then
	:
else
	echo "# host side of the operations failed: $(tail -3 "$WORK/host.out")"
fi
PATHS=$(cd "$H" && find . -mindepth 1 | sort | tr '\n' ' ')
FILES=$(cd "$H" && find . -type f | sort | tr '\n' ' ')
TIMED="./a/old ./a/old2 ./a/hello ./stamp ./tree2/random ./tree2/sub/one ./tree2/sub ./tree2"
SFMT='S|%n|%F|%a|%h'
$ROOT && SFMT="$SFMT|%u|%g"

# What the host tree looks like, in the form fsu's reads produce.
expected() {
	(cd "$H" && find . | sort) >"$WORK/want.find"
	# shellcheck disable=SC2086
	(cd "$H" && stat -c "$SFMT" $PATHS && stat -c 'S|%n|%s' $FILES &&
	    stat -c 'S|%n|%.9Y' $TIMED) >"$WORK/want.stat"
	# shellcheck disable=SC2086
	(cd "$H" && getfattr -d $FILES 2>/dev/null) >"$WORK/want.xattr"
}
expected

# The read commands fsu runs afterwards (a batch).
reads() {
	echo "find ."
	echo "stat -c '$SFMT' $PATHS"
	echo "stat -c 'S|%n|%s' $FILES"
	echo "stat -c 'S|%n|%.9Y' $TIMED"
	echo "getfattr -d $FILES"
	echo "get -rp / $1"
}

# judge NAME BATCH_OUTPUT GOT_TREE [noxattr]: compare with the host tree.
judge() {
	local name=$1 out=$2 tree=$3
	# lost+found is ext's own, not written by the workload.
	grep '^\.' "$out" | grep -v '^\./lost+found' | sort >"$WORK/got.find"
	grep '^S|' "$out" >"$WORK/got.stat"
	grep -v '^\.\|^S|' "$out" >"$WORK/got.xattr"
	same "$name: the same names" "$WORK/want.find" "$WORK/got.find"
	same "$name: types, modes, links, owners, sizes, times" \
	    "$WORK/want.stat" "$WORK/got.stat"
	if [ "${4:-}" = noxattr ]; then
		tap_skip "$name: extended attributes" "the driver has none"
	else
		same "$name: extended attributes" "$WORK/want.xattr" \
		    "$WORK/got.xattr"
	fi
	if diff -r --no-dereference "$H" "$tree" 2>&1 |
	    grep -v 'fifo while\|special file while' |
	    grep -v "^Only in $H: \(null\|loop\)\$" |
	    grep -v "^Only in $tree: lost+found\$" >"$WORK/d.out"; then
		tap_fail "$name: contents and link targets" "$(head -20 "$WORK/d.out")"
	else
		tap_ok "$name: contents and link targets"
	fi
	same "$name: link targets" \
	    <(cd "$H" && find . -type l -printf '%p %l\n' | sort) \
	    <(cd "$tree" && find . -type l -printf '%p %l\n' | sort)
}

# run_batch NAME BATCHFILE FSU-ARGS...: ok if every command succeeds;
# unprivileged, get cannot make device nodes on the host (as cp -a).
run_batch() {
	local name=$1 file=$2
	shift 2
	fsu "$@" batch -k -x "$file" <"$STAGE/wtext" >"$WORK/$name.out" \
	    2>"$WORK/$name.err"
	grep '^fsu' "$WORK/$name.err" |
	    grep -v "cannot create special file '.*': Operation not permitted" \
	    >"$WORK/$name.err2"
	if [ -s "$WORK/$name.err2" ]; then
		tap_fail "$name: the batch runs" "$(head -5 "$WORK/$name.err2")"
	else
		tap_ok "$name: the batch runs"
	fi
}

# ---- tmpfs: operations and reads in one batch ----
mkdir "$WORK/o" && fsu_give "$WORK/o"
OUT=$WORK/o/tmpfs
{ fsu_ops; reads "$OUT"; } >"$WORK/tmpfs.batch"
chmod 644 "$WORK/tmpfs.batch"
run_batch tmpfs "$WORK/tmpfs.batch" -t tmpfs none
judge tmpfs "$WORK/tmpfs.out" "$OUT"

# ---- images that can be written ----
write_image() {	# write_image NAME IMG FSU-GLOBALS...
	local name=$1 img=$2 xa=""
	shift 2
	fsu_give "$img"
	# A driver without extended attributes: leave setfattr out.
	if fsu "$@" "$img" setfattr -n user.probe / 2>"$WORK/xa.err"; then
		fsu "$@" "$img" setfattr -x user.probe /
		fsu_ops >"$WORK/$name.ops"
	else
		echo "# $name: no xattrs: $(cat "$WORK/xa.err")" |
		    tee -a "$WORK/xa.log"
		xa=noxattr
		fsu_ops | grep -v '^setfattr' >"$WORK/$name.ops"
	fi
	chmod 644 "$WORK/$name.ops"
	run_batch "$name" "$WORK/$name.ops" "$@" "$img"
	reads "$WORK/o/$name" >"$WORK/$name.reads"
	chmod 644 "$WORK/$name.reads"
	fsu "$@" "$img" batch -k "$WORK/$name.reads" >"$WORK/$name.rout" \
	    2>"$WORK/$name.rerr"
	grep -v "cannot create special file '.*': Operation not permitted" \
	    "$WORK/$name.rerr" >"$WORK/$name.rerr2"
	if [ -s "$WORK/$name.rerr2" ]; then
		tap_fail "$name: read back after unmount" "$(head -5 "$WORK/$name.rerr2")"
	else
		tap_ok "$name: read back after unmount"
	fi
	judge "$name" "$WORK/$name.rout" "$WORK/o/$name" $xa
}

if fsu_have_type ffs && command -v makefs >/dev/null; then
	for ver in 1 2; do
		mkdir -p "$WORK/empty"
		IMG=$WORK/ffs$ver.img
		if ! makefs -t ffs -o version=$ver -s 64m "$IMG" "$WORK/empty" \
		    >/dev/null 2>&1; then
			tap_fail "ffs$ver: makefs" ""
			continue
		fi
		write_image "ffs$ver" "$IMG" -t ffs
		if [ "$ver" = 1 ] && command -v fls >/dev/null; then
			# sleuthkit reads UFS1 on its own: the same names?
			same "ffs1: sleuthkit's fls sees the same tree" \
			    <(sed 's|^\./||; /^\.$/d' "$WORK/want.find" | sort) \
			    <(fls -r -p "$IMG" 2>&1 | grep -v '^[^	]*\*\|\$OrphanFiles' |
			    sed 's/^[^	]*	//' | sort)
		fi
	done
else
	tap_skip "ffs: write and read back" "no ffs driver or no makefs"
fi

if fsu_have_type ext2fs && command -v mkfs.ext4 >/dev/null; then
	IMG=$WORK/ext4.img
	mkfs.ext4 -q -F -I 256 "$IMG" 64M >/dev/null 2>&1
	fsu_give "$IMG"
	if fsu "$IMG" mkdir /probe 2>"$WORK/probe.err"; then
		fsu "$IMG" rmdir /probe
		write_image ext4 "$IMG"
		if command -v e2fsck >/dev/null; then
			if e2fsck -fn "$IMG" >"$WORK/fsck.out" 2>&1; then
				tap_ok "ext4: e2fsck -fn is clean after the writes"
			else
				tap_fail "ext4: e2fsck -fn is clean after the writes" \
				    "$(tail -20 "$WORK/fsck.out")"
			fi
		fi
	else
		tap_skip "ext4: write and read back" "$(head -1 "$WORK/probe.err")"
	fi
fi

# ---- write: standard input into a file, -a appends ----
IMG=$WORK/ffs2.img
if [ -f "$IMG" ]; then
	printf 'first\n' | fsu "$IMG" write /wtest &&
	    printf 'second\n' | fsu "$IMG" write -a /wtest
	check_out "ffs: write and write -a" "first
second" fsu "$IMG" cat /wtest
	head -c 3000000 /dev/urandom >"$WORK/big.bin"
	chmod 644 "$WORK/big.bin"
	fsu "$IMG" write /big.bin <"$WORK/big.bin"
	if cmp -s "$WORK/big.bin" <(fsu "$IMG" cat /big.bin); then
		tap_ok "ffs: write of 3 MB, read back"
	else
		tap_fail "ffs: write of 3 MB, read back" ""
	fi
fi

# ---- put then get: a round trip through an image keeps everything ----
RT=$STAGE/tree
if [ -f "$WORK/ffs2.img" ]; then
	fsu "$WORK/ffs2.img" put -a "$RT" /roundtrip
	fsu "$WORK/ffs2.img" get -a /roundtrip "$WORK/o/rt-ffs"
	tag="ffs"
else
	printf 'put -a %s /rt\nget -a /rt %s\n' "$RT" "$WORK/o/rt-tmpfs" |
	    fsu -t tmpfs none batch
	tag="tmpfs"
fi
RTOUT=$WORK/o/rt-$tag
fmt='%p %y %m %s %T@ %l'
$ROOT && [ -z "$FSU_AS" ] && fmt="$fmt %U %G"
same "$tag: put -a then get -a keeps types, modes, sizes, times, links" \
    <(cd "$RT" && find . -printf "$fmt\n" | sort) \
    <(cd "$RTOUT" && find . -printf "$fmt\n" | sort)
if [ "$tag" = ffs ] && grep -q '^# ffs2: no xattrs' "$WORK/xa.log" 2>/dev/null; then
	tap_skip "$tag: put -a then get -a keeps xattrs" "the driver has none"
else
	same "$tag: put -a then get -a keeps xattrs" \
	    <(cd "$RT" && getfattr -d random 2>&1) \
	    <(cd "$RTOUT" && getfattr -d random 2>&1)
fi
[ "$(stat -c %i "$RTOUT/hardone")" = "$(stat -c %i "$RTOUT/sub/one")" ] &&
    tap_ok "$tag: put -a then get -a keeps hard links" ||
    tap_fail "$tag: put -a then get -a keeps hard links" ""

# The FFS checker (rumpfuse-fsck) judges every FFS image fsu wrote.
for ver in 1 2; do
	IMG=$WORK/ffs$ver.img
	[ -f "$IMG" ] || continue
	if [ -z "${FSCK:-}" ] || [ ! -x "$FSCK" ]; then
		tap_skip "ffs$ver: rumpfuse-fsck finds the image clean" "no checker"
	else
		tap_check "ffs$ver: rumpfuse-fsck finds the image clean" \
		    "$FSCK" "$IMG"
	fi
done

# ---- chmod: octal and symbolic modes on files and directories, every
# start mode against every spec, as GNU chmod computes them ----
CM=$WORK/chmod
mkdir "$CM"
: >"$WORK/chmod.batch"
specs="u+x g-w o=r a+rwx u=rw,go= +x -w =r a-x,u+s g+s o+t +t u=g go=u
a=rX u+X o-rwx,g+r 0 7777 644 0755 00755 u+rwx,g=rx,o= ug+w a=,u+rX =,u=rw
u=rwxs,g=s"
starts="000 644 755 700 4755 2711 1777 111 6755"
for st in $starts; do
	for sp in $specs; do
		tag=$(printf '%s' "$sp" | tr '=+,-' 'EPCM')
		for kind in f d; do
			n="${kind}_${st}_$tag"
			if [ $kind = f ]; then
				: >"$CM/$n"
				echo "truncate -s 0 /$n" >>"$WORK/chmod.batch"
			else
				mkdir "$CM/$n"
				echo "mkdir /$n" >>"$WORK/chmod.batch"
			fi
			chmod "$st" "$CM/$n"
			chmod -- "$sp" "$CM/$n"
			printf 'chmod %s /%s\nchmod -- %s /%s\n' "$st" "$n" \
			    "$sp" "$n" >>"$WORK/chmod.batch"
		done
	done
done
echo "stat -c '%n %a' $(cd "$CM" && ls | sed 's|^|/|' | tr '\n' ' ')" \
    >>"$WORK/chmod.batch"
chmod 644 "$WORK/chmod.batch"
same "chmod: $(echo $specs | wc -w) modes x $(echo $starts | wc -w) start modes, files and directories" \
    <(cd "$CM" && stat -c '/%n %a' $(ls)) \
    <(fsu -t tmpfs none batch "$WORK/chmod.batch")

tap_done
