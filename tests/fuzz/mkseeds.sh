#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# mkseeds.sh DRIVER OUTDIR -- make the seed corpus of a fuzz harness:
# small images of DRIVER's filesystem made by the real tools (makefs,
# mke2fs, mkfs.fat + mtools, xorriso, genisoimage), holding a small tree
# with every kind of object the format has: files around block and
# indirection boundaries, a sparse file, directories, symlinks (short
# and long), hard links, devices, xattrs where the tool stores them.
# Seeds are kept small (at most a few MiB, mostly far less) so that
# libFuzzer's mutations hit metadata.  A tool that is missing is
# skipped; the script fails only if no seed at all could be made.
set -u
drv=$1
out=$2
mkdir -p "$out"
T=$(mktemp -d /tmp/fuzz-seeds.XXXXXX)
trap 'rm -rf "$T"' EXIT

tree=$T/tree
mkdir -p "$tree/dir/sub"
for n in 0 1 60 1000 4097 13000 70000; do
	head -c "$n" /dev/urandom >"$tree/f$n"
done
echo hello >"$tree/dir/sub/file"
ln -s f1 "$tree/short-link"
ln -s "$(printf 'long/%.0s' $(seq 1 40))target" "$tree/dir/long-link"
ln "$tree/f60" "$tree/dir/hard"
truncate -s 300000 "$tree/sparse" && printf x >>"$tree/sparse"
for i in $(seq 1 40); do : >"$tree/dir/entry-with-a-long-name-$i"; done
setfattr -n user.seed -v value "$tree/f1" 2>/dev/null
if [ "$(id -u)" = 0 ]; then
	mknod "$tree/cdev" c 1 3 2>/dev/null
	mkfifo "$tree/fifo" 2>/dev/null
fi

have() { command -v "$1" >/dev/null; }

case $drv in
ffs)
	if have makefs; then
		makefs -t ffs -s 640k -o version=1,bsize=4096,fsize=512 -B le \
		    "$out/ufs1-le.img" "$tree" >/dev/null
		makefs -t ffs -s 640k -o version=1,bsize=4096,fsize=512 -B be \
		    "$out/ufs1-be.img" "$tree" >/dev/null
		makefs -t ffs -s 512k -o version=2,bsize=4096,fsize=512 -B le \
		    "$out/ufs2-le.img" "$tree" >/dev/null
		makefs -t ffs -s 512k -o version=2,bsize=4096,fsize=512 -B be \
		    "$out/ufs2-be.img" "$tree" >/dev/null
	fi
	;;
ext2fs)
	if have mke2fs; then
		truncate -s 400k "$T/a" && mke2fs -q -F -t ext2 -b 1024 -N 128 \
		    -d "$tree" "$T/a" && mv "$T/a" "$out/ext2.img"
		truncate -s 600k "$T/b" && mke2fs -q -F -t ext4 -b 1024 -N 128 \
		    -O ^has_journal -d "$tree" "$T/b" && mv "$T/b" "$out/ext4-nojournal.img"
		truncate -s 600k "$T/c" && mke2fs -q -F -t ext4 -b 1024 -N 128 \
		    -O ^has_journal,inline_data -d "$tree" "$T/c" &&
		    mv "$T/c" "$out/ext4-inline.img"
		truncate -s 4M "$T/d" && mke2fs -q -F -t ext4 -b 1024 -N 128 \
		    -J size=1 -d "$tree" "$T/d" && mv "$T/d" "$out/ext4-journal.img"
		truncate -s 4M "$T/e" && mke2fs -q -F -t ext3 -b 1024 -N 128 \
		    -J size=1 -d "$tree" "$T/e" && mv "$T/e" "$out/ext3.img"
	fi
	;;
msdosfs)
	if have mkfs.fat && have mcopy; then
		rm -f "$tree/cdev" "$tree/fifo" "$tree/short-link" \
		    "$tree/dir/long-link"
		truncate -s 1M "$T/a" && mkfs.fat -F 12 -s 1 "$T/a" \
		    >/dev/null && mcopy -s -i "$T/a" "$tree"/* :: &&
		    mv "$T/a" "$out/fat12.img"
		truncate -s 4200k "$T/b" && mkfs.fat -F 16 -s 1 "$T/b" \
		    >/dev/null && mcopy -s -i "$T/b" "$tree"/* :: &&
		    mv "$T/b" "$out/fat16.img"
	fi
	;;
cd9660)
	if have xorriso; then
		xorriso -outdev "$out/rr-joliet.iso" -joliet on \
		    -map "$tree" / -commit >/dev/null 2>&1
		xorriso -outdev "$out/zisofs.iso" -map "$tree" / \
		    -set_filter_r --zisofs / -- -commit >/dev/null 2>&1
	fi
	if have genisoimage; then
		genisoimage -quiet -R -J -o "$out/genisoimage.iso" "$tree" \
		    2>/dev/null
		genisoimage -quiet -o "$out/plain.iso" "$tree" 2>/dev/null
	fi
	;;
*)
	echo "mkseeds.sh: unknown driver $drv" >&2
	exit 2
	;;
esac
n=$(find "$out" -type f | wc -l)
[ "$n" -gt 0 ] || { echo "mkseeds.sh: no seed for $drv" >&2; exit 1; }
exit 0
