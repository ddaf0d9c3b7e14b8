#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench.sh -- rumpfuse against its peers, side by side, in one run.
#
#   bench/bench.sh [-r RUNS] [-f FAMILIES] [-t TARGETS] [-w WORKLOADS] [-o OUT]
#
# FAMILIES: ext4 (targets kernel, rumpfuse, fuse2fs), fat (rumpfuse,
# fusefat), iso (rumpfuse, fuseiso); default all three.  TARGETS (-t)
# selects among them and may add, for ext4, rumpfuse-basic (rumpfuse
# with -o sandbox=basic: no split supervisor) and rumpfuse-socket
# (-o split_channel=socket: the front end forwards each operation to the
# sandboxed child, one more round trip per request).  Every target of
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
# Slow peers are capped: the fio read workloads (seqread, randread1,
# randread4) and verify run with --runtime=BENCH_CAP seconds (default
# 60); a run stopped by the cap before its nominal amount is timed as
# its wall time scaled to the nominal amount (wall * nominal / done),
# and the table marks such cells with "~".  (fusefat, for one, needs
# minutes for 128 MiB of random 4 KiB reads.)  A capped verify checks
# what it wrote.
#
# Environment: RUMPFUSE (default: build/daemon/rumpfuse), RUMPFUSE_OPTS
# (extra -o options), BENCH_TREE (a directory to copy; default: made
# from /usr/src/linux-source-*.tar.xz, installing linux-source if
# missing; kept in BENCH_DIR between runs), BENCH_SIZE (seqwrite size,
# default 1g), BENCH_CAP (seconds, default 60), BENCH_DIR (work
# directory, default /dev/shm/rumpfuse-bench).  Needs root.
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
CAP=${BENCH_CAP:-60}
STEPCAP=${BENCH_STEPCAP:-180}
[ "$(id -u)" = 0 ] || { echo "bench.sh: needs root" >&2; exit 2; }
[ -x "$RUMPFUSE" ] || { echo "bench.sh: no $RUMPFUSE (build first)" >&2; exit 2; }
for p in fio fuse2fs fusefat fuseiso; do
	command -v $p >/dev/null || apt-get install -y -qq fio fuse2fs fusefat \
	    fuseiso >/dev/null
done

W=${BENCH_DIR:-/dev/shm/rumpfuse-bench}
mkdir -p "$W"
MNT=$W/mnt
mkdir -p "$MNT"
RES=$W/results.tsv
: >"$RES"
cleanup() {
	umount_any 2>/dev/null
	rm -rf "$W/img" "$W"/*.img
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
	rumpfuse-basic)	# the same without the split sandbox's watch
		"$RUMPFUSE" -o "sandbox=basic${RUMPFUSE_OPTS:+,$RUMPFUSE_OPTS}" \
		    "$img" "$MNT" ;;
	rumpfuse-socket) # split, the front end forwarding over sockets
		"$RUMPFUSE" -o \
		    "split_channel=socket${RUMPFUSE_OPTS:+,$RUMPFUSE_OPTS}" \
		    "$img" "$MNT" ;;
	fuse2fs) fuse2fs "$img" "$MNT" -o rw,allow_other >/dev/null ;;
	fusefat) fusefat -o rw+ "$img" "$MNT" >/dev/null ;;
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

# time_it NAME CMD...: seconds of CMD, appended to $RES.  If CMD was a
# capped fio run (fio_run with NOMINAL set: bytes it should move), the
# time is scaled to the nominal amount when the cap stopped it early.
time_it() {
	local name=$1 t0 t1 st secs mark=""
	shift
	rm -f "$W/fio.json"
	[ -z "${PROGRESS:-}" ] || PDONE0=$(eval "$PROGRESS")
	t0=$(date +%s.%N)
	timeout -k 10 "$STEPCAP" bash -c '"$@"' time_it "$@" >"$W/last.out" 2>&1
	st=$?
	t1=$(date +%s.%N)
	if [ $st = 124 ] || [ $st = 137 ]; then
		step_capped "$name" "$(echo "$t1 - $t0" | bc)"
		return 1
	fi
	PROGRESS=""
	if [ $st != 0 ]; then
		echo "  $name FAILED ($st): $(tail -3 "$W/last.out")" >&2
		printf '%s\t%s\t%s\t%s\tFAIL\n' "$FAM" "$TGT" "$RUN" "$name" >>"$RES"
		NOMINAL=""
		return 1
	fi
	secs=$(echo "$t1 - $t0" | bc)
	if [ -n "${NOMINAL:-}" ] && [ -s "$W/fio.json" ]; then
		read -r secs mark < <(python3 - "$W/fio.json" "$NOMINAL" \
		    "$secs" <<-'EOF'
		import json, sys
		j = json.load(open(sys.argv[1]))
		done = sum(jb[d]["io_bytes"] for jb in j["jobs"]
		           for d in ("read", "write"))
		nom, secs = float(sys.argv[2]), float(sys.argv[3])
		if 0 < done < 0.99 * nom:
		    print(secs * nom / done, "capped")
		else:
		    print(secs, "")
		EOF
		)
	fi
	NOMINAL=""
	printf '%s\t%s\t%s\t%s\t%.3f%s\n' "$FAM" "$TGT" "$RUN" "$name" \
	    "$secs" "${mark:+	$mark}" >>"$RES"
	[ -z "$mark" ] || echo "  $name: capped at ${CAP}s, scaled to" \
	    "${secs}s" >&2
}

# A step stopped by the BENCH_STEPCAP timeout: with PROGRESS (a command
# printing how many items are done; PNOMINAL items is the whole step, or
# with PDONE0 set the items done before the step, for removals) scaled
# to the nominal amount, else recorded as a lower bound ">CAP".
step_capped() {
	local name=$1 secs=$2 done val
	if [ -n "${PROGRESS:-}" ]; then
		done=$(eval "$PROGRESS")
		[ "$PNOMINAL" = removed ] && done=$((PDONE0 - done)) &&
		    PNOMINAL=$PDONE0
		if [ "${done:-0}" -gt 0 ]; then
			val=$(echo "scale=3; $secs * $PNOMINAL / $done" | bc)
			printf '%s\t%s\t%s\t%s\t%.3f\tcapped\n' "$FAM" "$TGT" \
			    "$RUN" "$name" "$val" >>"$RES"
			echo "  $name: stopped at ${STEPCAP}s after $done of" \
			    "$PNOMINAL, scaled to ${val}s" >&2
			PROGRESS=""
			return
		fi
	fi
	PROGRESS=""
	printf '%s\t%s\t%s\t%s\t>%s\n' "$FAM" "$TGT" "$RUN" "$name" \
	    "$STEPCAP" >>"$RES"
	echo "  $name: stopped at ${STEPCAP}s" >&2
}

want() {	# WORKLOAD: selected?
	[ -z "$WORKLOADS" ] || [[ ",$WORKLOADS," == *",$1,"* ]]
}

fio_run() {	# NAME fio-args...
	fio --name="$1" --directory="$MNT" --ioengine=psync \
	    --group_reporting --output-format=json --output="$W/fio.json" \
	    "${@:2}"
}
bytes() { numfmt --from=iec "${1^^}"; }

# ---- workloads ----
w_data() {	# data workloads on a writable target
	local fam=$FAM tgt=$TGT img=$IMG
	want seqwrite && time_it seqwrite fio_run seq --rw=write --bs=1M \
	    --size="$SIZE" --end_fsync=1 --filename=seqfile
	if want seqread; then
		cold "$fam" "$tgt" "$img"
		NOMINAL=$(bytes "$SIZE")
		time_it seqread fio_run seq --rw=read --bs=1M --size="$SIZE" \
		    --runtime="$CAP" --filename=seqfile
	fi
	if want randread1; then
		cold "$fam" "$tgt" "$img"
		NOMINAL=$(bytes 128m)
		time_it randread1 fio_run rr --rw=randread --bs=4k \
		    --size="$SIZE" --io_size=128m --runtime="$CAP" \
		    --filename=seqfile
	fi
	if want randread4; then
		cold "$fam" "$tgt" "$img"
		NOMINAL=$(bytes 128m)
		time_it randread4 fio_run rr4 --rw=randread --bs=4k \
		    --size="$SIZE" --io_size=32m --numjobs=4 --runtime="$CAP" \
		    --filename=seqfile
	fi
	rm -f "$MNT/seqfile"
	if want verify; then
		time_it verify fio_run verify --rw=randwrite --bs=4k \
		    --size=64m --numjobs=4 --verify=crc32c --do_verify=1 \
		    --runtime="$CAP" --verify_fatal=1
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
	local n
	want create || return 0
	PROGRESS='find "$MNT"/small? -type f 2>/dev/null | wc -l'
	PNOMINAL=10000
	time_it create mk_small
	n=$(find "$MNT"/small? -type f 2>/dev/null | wc -l)
	cold "$fam" "$tgt" "$img"
	# Partial sets (a capped create) are timed as they are and scaled.
	PROGRESS='echo 0' PNOMINAL=10000
	want stat && time_it stat stat_all
	[ "$n" -lt 10000 ] && [ "$n" -gt 0 ] && scale_last 10000 "$n"
	PROGRESS='find "$MNT"/small? -type f 2>/dev/null | wc -l'
	PNOMINAL=removed
	want delete && time_it delete rm -rf "$MNT"/small?
	[ "$n" -lt 10000 ] && [ "$n" -gt 0 ] && scale_last 10000 "$n"
	PROGRESS=""
}

w_tree() {
	local fam=$FAM tgt=$TGT img=$IMG
	want tree-copy || return 0
	PROGRESS='find "$MNT/tree" 2>/dev/null | wc -l'
	PNOMINAL=$TREE_N
	if [ "$fam" = fat ]; then
		# FAT keeps no modes, owners or symlinks: the tree without
		# its symlinks (TREE_NL, hard links to TREE), plain cp -r.
		time_it tree-copy cp -r "$TREE_NL" "$MNT/tree"
	else
		time_it tree-copy cp -a "$TREE" "$MNT/tree"
	fi
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
	PROGRESS='find "$MNT/tree" 2>/dev/null | wc -l'
	PNOMINAL=removed
	want tree-rm && time_it tree-rm rm -rf "$MNT/tree"
	PROGRESS=""
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
		xorriso -outdev "stdio:$2" -map "$W/isosrc" / -commit \
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
		NOMINAL=$(bytes 128m)
		time_it randread1 fio --name=rr --readonly --ioengine=psync \
		    --rw=randread --bs=4k --io_size=128m --runtime="$CAP" \
		    --output-format=json --output="$W/fio.json" \
		    --filename="$MNT/seqfile"
	fi
	if want randread4; then
		cold "$fam" "$tgt" "$img"
		NOMINAL=$(bytes 128m)
		time_it randread4 fio --name=rr4 --readonly --ioengine=psync \
		    --rw=randread --bs=4k --io_size=32m --numjobs=4 \
		    --runtime="$CAP" --output-format=json \
		    --output="$W/fio.json" --group_reporting \
		    --filename="$MNT/seqfile"
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

targets_of() {	# the default targets; -t may add rumpfuse-basic, -socket
	case $1 in
	ext4) echo "kernel rumpfuse" \
	    "$([[ " $TARGETS " == *" rumpfuse-socket "* ]] &&
	    echo rumpfuse-socket)" \
	    "$([[ " $TARGETS " == *" rumpfuse-basic "* ]] &&
	    echo rumpfuse-basic) fuse2fs" ;;
	fat) echo "rumpfuse fusefat" ;;
	iso) echo "rumpfuse fuseiso" ;;
	esac
}

# scale_last NOMINAL DONE: the last result was for DONE of NOMINAL items.
scale_last() {
	python3 - "$RES" "$1" "$2" <<-'EOF'
	import sys
	p, nom, done = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
	lines = open(p).read().splitlines()
	f = lines[-1].split("\t")
	if len(f) >= 5 and f[4][:1].isdigit():
	    f[4] = "%.3f" % (float(f[4]) * nom / done)
	    lines[-1] = "\t".join(f[:5] + ["capped"])
	    open(p, "w").write("\n".join(lines) + "\n")
	EOF
}

export -f fio_run bytes mk_small stat_all par4
export MNT W CAP

tree_setup
TREE_N=$(find "$TREE" | wc -l)
TREE_NL=$W/tree-nolinks
if [[ " $FAMILIES " == *" fat "* ]] && [ ! -d "$TREE_NL" ]; then
	# ... and without names that differ from another only in case.
	{ cp -al "$TREE" "$TREE_NL" 2>/dev/null || cp -a "$TREE" "$TREE_NL"; } &&
	    find "$TREE_NL" -type l -delete &&
	    find "$TREE_NL" | awk 'seen[tolower($0)]++' |
	    while read -r f; do rm -rf "$f"; done
fi
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
