#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench.sh -- rumpfuse against its peers, side by side, in one run.
#
#   bench/bench.sh [-r RUNS] [-f FAMILIES] [-t TARGETS] [-w WORKLOADS] [-o OUT]
#
# FAMILIES: ext4 (targets kernel, rumpfuse, fuse2fs), fat (rumpfuse,
# fusefat), iso (rumpfuse, fuseiso); default all three.  Every target of
# a family runs the same workloads on the same kind of image, made fresh
# in /dev/shm for each run (so the shared disk does not blur the
# numbers); caches are dropped and the filesystem remounted before every
# "cold" step.  RUNS (default 3) runs per target; the table shows the
# median seconds per workload and the ratio to the first target of the
# family (the kernel's ext4 for ext4: the limit; lower is better).
#
# Workloads (ext4 and fat; iso has the read ones on a prepared image):
#   seqwrite     1 GiB sequential write, fsync at the end (fio)
#   seqread      cold sequential read of it (fio)
#   randread1    cold random 4 KiB reads, 1 job, 128 MiB (fio, psync)
#   randread4    the same with 4 jobs of 32 MiB each
#   verify       4 jobs of random 4 KiB writes, verify=crc32c (fio);
#                must pass (a failure is reported, not timed)
#   create       10,000 small files in 10 directories
#   stat         stat all of them, cold
#   delete       delete them
#   tree-copy    cp -a a source tree in (a subtree of Debian's
#                linux-source, about 20,000 files)
#   tree-find    find over it, cold
#   tree-du      du -s, cold
#   tree-grep    grep -r, cold
#   tree-rm      rm -rf
#   par4read     four readers of four different 256 MiB files, cold
# After each run the image is checked (e2fsck -fn, fsck.fat -n).
#
# Environment: RUMPFUSE (default: build/daemon/rumpfuse), RUMPFUSE_OPTS
# (extra -o options), BENCH_TREE (a directory to copy; default: made
# from /usr/src/linux-source-*.tar.xz, installing linux-source if
# missing), BENCH_SIZE (seqwrite size, default 1g).  Needs root.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
RUNS=3
FAMILIES="ext4 fat iso"
TARGETS=""
WORKLOADS=""
OUT=""
while getopts r:f:t:w:o: c; do
	case $c in
	r) RUNS=$OPTARG ;;
	f) FAMILIES=$OPTARG ;;
	t) TARGETS=$OPTARG ;;
	w) WORKLOADS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) sed -n '3,40p' "$0"; exit 2 ;;
	esac
done
RUMPFUSE=${RUMPFUSE:-$TOP/build/daemon/rumpfuse}
SIZE=${BENCH_SIZE:-1g}
[ "$(id -u)" = 0 ] || { echo "bench.sh: needs root" >&2; exit 2; }
[ -x "$RUMPFUSE" ] || { echo "bench.sh: no $RUMPFUSE (build first)" >&2; exit 2; }
for p in fio fuse2fs fusefat fuseiso; do
	command -v $p >/dev/null || apt-get install -y -qq fio fuse2fs fusefat \
	    fuseiso >/dev/null
done

W=/dev/shm/rumpfuse-bench
mkdir -p "$W"
MNT=$W/mnt
mkdir -p "$MNT"
RES=$W/results.tsv
: >"$RES"
cleanup() {
	umount_any 2>/dev/null
	rm -rf "$W/img" "$W/tree" "$W"/*.img
}
trap cleanup EXIT

# ---- the source tree ----
tree_setup() {
	if [ -n "${BENCH_TREE:-}" ]; then
		TREE=$BENCH_TREE
		return
	fi
	TREE=$W/tree
	[ -d "$TREE" ] && return
	local tarball
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | tail -1)
	if [ -z "$tarball" ]; then
		apt-get install -y -qq linux-source >/dev/null
		tarball=$(ls /usr/src/linux-source-*.tar.xz | tail -1)
	fi
	mkdir -p "$TREE"
	# drivers/net, fs and include: about 20,000 files.
	tar -C "$TREE" --strip-components=1 -xJf "$tarball" \
	    --wildcards '*/drivers/net/*' '*/fs/*' '*/include/*'
}

# ---- targets ----
# mount_target FAMILY TARGET IMAGE: mount IMAGE on $MNT.
mount_target() {
	local fam=$1 tgt=$2 img=$3
	case $tgt in
	kernel)	mount -o loop "$img" "$MNT" ;;
	rumpfuse)
		"$RUMPFUSE" ${RUMPFUSE_OPTS:+-o "$RUMPFUSE_OPTS"} "$img" "$MNT" ;;
	fuse2fs) fuse2fs "$img" "$MNT" -o rw,allow_other >/dev/null ;;
	fusefat) fusefat -o rw+ "$img" "$MNT" ;;
	fuseiso) fuseiso "$img" "$MNT" ;;
	*) echo "unknown target $tgt" >&2; return 1 ;;
	esac
}

umount_any() {
	if mountpoint -q "$MNT"; then
		umount "$MNT" 2>/dev/null || fusermount3 -u "$MNT"
	fi
	local i=0
	# FUSE daemons write back after the unmount: wait for them.
	while pgrep -f "$MNT" >/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

cold() {	# FAMILY TARGET IMAGE: unmount, drop caches, mount again
	umount_any
	sync
	echo 3 >/proc/sys/vm/drop_caches
	mount_target "$@"
}

# time_it NAME CMD...: seconds of CMD, appended to $RES.
time_it() {
	local name=$1 t0 t1 st
	shift
	t0=$(date +%s.%N)
	"$@" >"$W/last.out" 2>&1
	st=$?
	t1=$(date +%s.%N)
	if [ $st != 0 ]; then
		echo "  $name FAILED ($st): $(tail -3 "$W/last.out")" >&2
		printf '%s\t%s\t%s\t%s\tFAIL\n' "$FAM" "$TGT" "$RUN" "$name" >>"$RES"
		return 1
	fi
	printf '%s\t%s\t%s\t%s\t%.3f\n' "$FAM" "$TGT" "$RUN" "$name" \
	    "$(echo "$t1 - $t0" | bc)" >>"$RES"
}

want() {	# WORKLOAD: selected?
	[ -z "$WORKLOADS" ] || [[ ",$WORKLOADS," == *",$1,"* ]]
}

fio_run() {	# NAME fio-args...
	fio --name="$1" --directory="$MNT" --ioengine=psync \
	    --group_reporting "${@:2}"
}

# ---- workloads ----
w_data() {	# data workloads on a writable target
	local fam=$FAM tgt=$TGT img=$IMG
	want seqwrite && time_it seqwrite fio_run seq --rw=write --bs=1M \
	    --size="$SIZE" --end_fsync=1 --filename=seqfile
	if want seqread; then
		cold "$fam" "$tgt" "$img"
		time_it seqread fio_run seq --rw=read --bs=1M --size="$SIZE" \
		    --filename=seqfile
	fi
	if want randread1; then
		cold "$fam" "$tgt" "$img"
		time_it randread1 fio_run rr --rw=randread --bs=4k \
		    --size="$SIZE" --io_size=128m --filename=seqfile
	fi
	if want randread4; then
		cold "$fam" "$tgt" "$img"
		time_it randread4 fio_run rr4 --rw=randread --bs=4k \
		    --size="$SIZE" --io_size=32m --numjobs=4 --filename=seqfile
	fi
	rm -f "$MNT/seqfile"
	if want verify; then
		time_it verify fio_run verify --rw=randwrite --bs=4k \
		    --size=64m --numjobs=4 --verify=crc32c --do_verify=1
		rm -f "$MNT"/verify.*
	fi
}

mk_small() {
	local d i
	for d in 0 1 2 3 4 5 6 7 8 9; do
		mkdir "$MNT/small$d" || return 1
		for i in $(seq 1 1000); do
			echo "$d $i" >"$MNT/small$d/f$i" || return 1
		done
	done
}
stat_all() { find "$MNT"/small? -type f -exec stat -c %s {} + >/dev/null; }

w_meta() {
	local fam=$FAM tgt=$TGT img=$IMG
	want create || return 0
	time_it create mk_small
	cold "$fam" "$tgt" "$img"
	want stat && time_it stat stat_all
	want delete && time_it delete rm -rf "$MNT"/small?
}

w_tree() {
	local fam=$FAM tgt=$TGT img=$IMG
	want tree-copy || return 0
	time_it tree-copy cp -a "$TREE" "$MNT/tree"
	if want tree-find; then
		cold "$fam" "$tgt" "$img"
		time_it tree-find find "$MNT/tree"
	fi
	if want tree-du; then
		cold "$fam" "$tgt" "$img"
		time_it tree-du du -s "$MNT/tree"
	fi
	if want tree-grep; then
		cold "$fam" "$tgt" "$img"
		time_it tree-grep sh -c "grep -r rumpfuse-no-such-string \
		    '$MNT/tree'; [ \$? = 1 ]"
	fi
	want tree-rm && time_it tree-rm rm -rf "$MNT/tree"
}

par4() {
	local i
	for i in 1 2 3 4; do
		cat "$MNT/par$i" >/dev/null &
	done
	wait
}
w_par() {
	local fam=$FAM tgt=$TGT img=$IMG i
	want par4read || return 0
	for i in 1 2 3 4; do
		head -c 256M /dev/zero | tr '\0' "$i" >"$MNT/par$i" || return
	done
	cold "$fam" "$tgt" "$img"
	time_it par4read par4
	rm -f "$MNT"/par?
}

check_image() {
	case $FAM in
	ext4) e2fsck -fn "$IMG" >"$W/fsck.out" 2>&1 ;;
	fat) fsck.fat -n "$IMG" >"$W/fsck.out" 2>&1 ;;
	*) return 0 ;;
	esac
	local st=$?
	printf '%s\t%s\t%s\tfsck\t%s\n' "$FAM" "$TGT" "$RUN" \
	    "$([ $st = 0 ] && echo clean || echo ERRORS)" >>"$RES"
	[ $st = 0 ] || echo "  $FAM/$TGT run $RUN: fsck found errors" >&2
}

make_image() {	# FAMILY IMAGE
	rm -f "$2"
	case $1 in
	ext4) truncate -s 6G "$2" && mkfs.ext4 -q -F "$2" ;;
	fat) truncate -s 6G "$2" && mkfs.fat -F 32 "$2" >/dev/null ;;
	iso)
		mkdir -p "$W/isosrc"
		for i in 1 2 3 4; do
			[ -f "$W/isosrc/par$i" ] || head -c 256M /dev/zero |
			    tr '\0' "$i" >"$W/isosrc/par$i"
		done
		[ -f "$W/isosrc/seqfile" ] || head -c "$(numfmt --from=iec \
		    "${SIZE^^}")" /dev/urandom >"$W/isosrc/seqfile"
		[ -d "$W/isosrc/tree" ] || cp -a "$TREE" "$W/isosrc/tree"
		xorriso -outdev "$2" -map "$W/isosrc" / -commit \
		    >/dev/null 2>&1 ;;
	esac
}

w_iso() {	# read workloads on the prepared ISO
	local fam=$FAM tgt=$TGT img=$IMG
	if want seqread; then
		cold "$fam" "$tgt" "$img"
		time_it seqread cat "$MNT/seqfile"
	fi
	if want randread1; then
		cold "$fam" "$tgt" "$img"
		time_it randread1 fio --name=rr --readonly --ioengine=psync \
		    --rw=randread --bs=4k --io_size=128m \
		    --filename="$MNT/seqfile"
	fi
	if want randread4; then
		cold "$fam" "$tgt" "$img"
		time_it randread4 fio --name=rr4 --readonly --ioengine=psync \
		    --rw=randread --bs=4k --io_size=32m --numjobs=4 \
		    --group_reporting --filename="$MNT/seqfile"
	fi
	for w in find du grep; do
		want "tree-$w" || continue
		cold "$fam" "$tgt" "$img"
		case $w in
		find) time_it tree-find find "$MNT/tree" ;;
		du) time_it tree-du du -s "$MNT/tree" ;;
		grep) time_it tree-grep sh -c "grep -r rumpfuse-no-such-string \
		    '$MNT/tree'; [ \$? = 1 ]" ;;
		esac
	done
	if want par4read; then
		cold "$fam" "$tgt" "$img"
		time_it par4read par4
	fi
}

targets_of() {
	case $1 in
	ext4) echo "kernel rumpfuse fuse2fs" ;;
	fat) echo "rumpfuse fusefat" ;;
	iso) echo "rumpfuse fuseiso" ;;
	esac
}

tree_setup
echo "bench: tree $TREE ($(find "$TREE" -type f | wc -l) files)," \
    "$RUNS runs, images in $W"
for FAM in $FAMILIES; do
	for RUN in $(seq 1 "$RUNS"); do
		for TGT in $(targets_of "$FAM"); do
			[ -z "$TARGETS" ] || [[ " $TARGETS " == *" $TGT "* ]] ||
			    continue
			echo "bench: $FAM / $TGT, run $RUN"
			IMG=$W/$FAM.img
			if [ "$FAM" = iso ]; then
				[ -f "$IMG" ] || make_image iso "$IMG"
			else
				make_image "$FAM" "$IMG"
			fi
			mount_target "$FAM" "$TGT" "$IMG" || {
				echo "  cannot mount" >&2; continue; }
			if [ "$FAM" = iso ]; then
				w_iso
			else
				w_data
				w_meta
				w_tree
				w_par
			fi
			umount_any
			check_image
		done
	done
done
python3 "$HERE/table.py" "$RES" | tee "${OUT:-/dev/null}"
