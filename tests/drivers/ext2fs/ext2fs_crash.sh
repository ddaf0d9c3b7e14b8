#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ext2fs_crash.sh -- crash safety of the ext3/ext4 journal.
#
# Kill tests: on one image per configuration (ext4 as mke2fs makes it,
# ext3), round after round: mount with rumpfuse, run a write workload
# (creates, appends, renames, deletes, mkdir/rmdir, a large file, and
# files written then fsync'd, whose names and digests are logged only
# after fsync returned), SIGKILL the daemon at a random moment, then
# replay the journal -- alternately by the Linux kernel (loop mount) and
# by rumpfuse's own next read-write mount -- and require e2fsck -fn to
# exit 0 and every fsync'd file to be intact.  The fraction of clean kill
# points is printed (it must be all of them).
#
# Fault tests: the same workload with hypercall fault injection failing
# one block transfer in K (RUMP_FAULT_IO_RANDOM): the errors must reach
# the callers, the daemon must survive and unmount, and after replay
# e2fsck -fn must be clean.
#
# Environment: RUMPFUSE, TOP; CRASH_ROUNDS (default 6 per configuration).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/integration/lib.sh"
IT_TIMEOUT=60
ROUNDS=${CRASH_ROUNDS:-6}

it_setup
command -v e2fsck >/dev/null || it_skip_all "no e2fsck"
KMNT=$WORK/kmnt
mkdir -p "$KMNT"
kernel=false
truncate -s 8M "$WORK/probe.img" && mkfs.ext4 -q -F "$WORK/probe.img" &&
    mount -o loop,ro "$WORK/probe.img" "$KMNT" 2>/dev/null &&
    umount "$KMNT" && kernel=true
rm -f "$WORK/probe.img"

# The workload: runs until killed.  $1 mount point, $2 round, $3 log of
# fsync'd files ("name digest" lines, appended after fsync returned).
workload() {
	local m=$1 r=$2 log=$3 i=0 f d
	mkdir -p "$m/w$r" "$m/keep" 2>/dev/null
	while :; do
		i=$((i + 1))
		f=$m/w$r/f$i
		head -c $(( (RANDOM % 64 + 1) * 1024 )) /dev/urandom >"$f" \
		    2>/dev/null || return 0
		echo "more $i" >>"$m/w$r/append" 2>/dev/null || return 0
		[ $((i % 3)) = 0 ] && mv "$f" "$m/w$r/renamed$i" 2>/dev/null
		[ $((i % 5)) = 0 ] && rm -f "$m/w$r/renamed$((i - 3))"
		if [ $((i % 7)) = 0 ]; then
			d=$m/w$r/dir$i
			mkdir "$d" 2>/dev/null && echo x >"$d/x" 2>/dev/null
			[ $((i % 14)) = 0 ] && rm -rf "$m/w$r/dir$((i - 7))"
		fi
		if [ $((i % 4)) = 0 ]; then
			# A file that must survive: write, fsync, then log.
			f=$m/keep/r$r-s$i
			head -c $(( (RANDOM % 200 + 1) * 512 )) /dev/urandom \
			    >"$WORK/payload" || return 0
			dd if="$WORK/payload" of="$f" conv=fsync status=none \
			    2>/dev/null || return 0
			echo "r$r-s$i $(sha1sum <"$WORK/payload" | cut -c1-40)" \
			    >>"$log"
		fi
		[ $((i % 25)) = 0 ] && head -c 4M /dev/urandom \
		    >"$m/w$r/big$i" 2>/dev/null
	done
}

# Replay the journal of IMG: by the kernel (HOW=kernel) or by a
# read-write mount of rumpfuse (HOW=rumpfuse).  Fails with a message.
replay() {
	local img=$1 how=$2
	if [ "$how" = kernel ]; then
		mount -o loop "$img" "$KMNT" 2>&1 || return 1
		umount "$KMNT" 2>&1
	else
		mkdir -p "$WORK/rmnt"
		"$RUMPFUSE" -o rw "$img" "$WORK/rmnt" 2>&1 || return 1
		fusermount3 -u "$WORK/rmnt" 2>&1
		local i=0
		while pgrep -f "rumpfuse.*$WORK/rmnt" >/dev/null; do
			sleep 0.1
			i=$((i + 1))
			[ $i -gt 300 ] && { echo "daemon did not exit"; return 1; }
		done
	fi
	return 0
}

# Every fsync'd file listed in LOG has its digest (read with fsu-free
# means: a read-only rumpfuse mount, or the kernel's).
verify_kept() {
	local img=$1 log=$2 m name sum got bad=0
	[ -s "$log" ] || return 0
	if $kernel; then
		m=$KMNT
		mount -o loop,ro "$img" "$m" || return 1
	else
		m=$WORK/vmnt
		mkdir -p "$m"
		"$RUMPFUSE" -o ro "$img" "$m" || return 1
	fi
	while read -r name sum; do
		got=$(sha1sum <"$m/keep/$name" 2>/dev/null | cut -c1-40)
		if [ "$got" != "$sum" ]; then
			echo "fsync'd file $name: digest $got, want $sum"
			bad=1
		fi
	done <"$log"
	if $kernel; then umount "$m"; else fusermount3 -u "$m"; sleep 1; fi
	return $bad
}

for cfg in ext4 ext3; do
	img=$WORK/$cfg.img
	mnt=$WORK/$cfg.mnt
	log=$WORK/$cfg.kept
	: >"$log"
	truncate -s 256M "$img"
	mke2fs -q -F -t "$cfg" "$img"
	clean=0
	total=0
	failures=""
	for r in $(seq 1 "$ROUNDS"); do
		total=$((total + 1))
		if ! it_mount "crash$cfg$r" -o rw "$img" "$mnt"; then
			failures="$failures
round $r: mount failed: $(tail -3 "$WORK/crash$cfg$r.err")"
			continue
		fi
		eval "pid=\$IT_PID_crash$cfg$r"
		workload "$mnt" "$r" "$log" 2>/dev/null &
		wpid=$!
		# A random moment between 0.3 and 4 seconds.
		sleep "$(( RANDOM % 4 )).$(( RANDOM % 10 ))"
		sleep 0.3
		# The daemon and its sandboxed server (which would die with
		# it, but a moment later, still holding the image's lock).
		kids=$(pgrep -P "$pid")
		kill -KILL "$pid" $kids 2>/dev/null
		wait "$pid" 2>/dev/null
		for k in $kids; do
			i=0
			while kill -0 "$k" 2>/dev/null && [ $i -lt 100 ]; do
				sleep 0.1
				i=$((i + 1))
			done
		done
		kill "$wpid" 2>/dev/null
		wait "$wpid" 2>/dev/null
		fusermount3 -uz "$mnt" 2>/dev/null
		how=rumpfuse
		$kernel && [ $((r % 2)) = 1 ] && how=kernel
		if ! out=$(replay "$img" "$how"); then
			failures="$failures
round $r: replay by $how failed: $out"
			continue
		fi
		if ! out=$(e2fsck -fn "$img" 2>&1); then
			failures="$failures
round $r (replay by $how): e2fsck: $(echo "$out" | head -15)"
			continue
		fi
		if ! out=$(verify_kept "$img" "$log" 2>&1); then
			failures="$failures
round $r: $out"
			continue
		fi
		clean=$((clean + 1))
	done
	kept=$(wc -l <"$log")
	echo "# $cfg: e2fsck clean after $clean of $total kill points;" \
	    "$kept fsync'd files intact"
	if [ "$clean" = "$total" ]; then
		tap_ok "$cfg: clean and fsync'd files intact after $clean/$total SIGKILLs"
	else
		tap_fail "$cfg: clean and fsync'd files intact after every SIGKILL" \
		    "clean after $clean of $total:$failures"
	fi
	rm -f "$img"
done

# Fault injection: one block transfer in K fails (FAULT=random:SEED),
# or every transfer from the Nth on (FAULT=dies:N: the disk goes away).
fault_round() {	# CFG KIND VALUE
	local cfg=$1 kind=$2 val=$3 img=$WORK/f$1.img mnt=$WORK/f$1.mnt
	local errs=0 i name=fault$1$2 how out
	truncate -s 128M "$img"
	mke2fs -q -F -t "$cfg" "$img"
	if [ "$kind" = random ]; then
		export RUMP_FAULT_IO_RANDOM=400 RUMP_FAULT_SEED=$val
	else
		export RUMP_FAULT_IO=$val RUMP_FAULT_IO_REPEAT=1
	fi
	it_mount "$name" -o rw "$img" "$mnt"
	local st=$?
	unset RUMP_FAULT_IO_RANDOM RUMP_FAULT_SEED RUMP_FAULT_IO \
	    RUMP_FAULT_IO_REPEAT
	[ $st = 0 ] || return 2		# a fault hit the mount: try again
	# (Failed redirections are reported by the shell itself: quiet.)
	{
	for i in $(seq 1 300); do
		head -c 20000 /dev/urandom >"$mnt/f$i" || errs=$((errs + 1))
		mkdir "$mnt/d$i" || errs=$((errs + 1))
		if [ $((i % 10)) = 0 ]; then
			sync "$mnt/f$i" || errs=$((errs + 1))
		fi
	done
	} 2>/dev/null
	if [ "$errs" -gt 0 ]; then
		tap_ok "$cfg $kind: injected I/O errors reach the callers ($errs)"
	else
		tap_fail "$cfg $kind: injected I/O errors reach the callers" \
		    "no operation failed"
	fi
	fusermount3 -u "$mnt"
	it_wait_exit "$name"
	if [ "$IT_RC" = 0 ] || [ "$IT_RC" = 1 ]; then
		tap_ok "$cfg $kind: the daemon survives and exits ($IT_RC)"
	else
		tap_fail "$cfg $kind: the daemon survives and exits" \
		    "status $IT_RC: $(tail -5 "$WORK/$name.err")"
	fi
	how=rumpfuse
	$kernel && how=kernel
	if out=$(replay "$img" "$how") && out=$(e2fsck -fn "$img" 2>&1); then
		tap_ok "$cfg $kind: e2fsck -fn clean after faults and replay by $how"
	else
		tap_fail "$cfg $kind: e2fsck -fn clean after faults and replay by $how" \
		    "$(echo "$out" | head -20)"
	fi
	rm -f "$img"
	return 0
}

for cfg in ext4 ext3; do
	for kind in random dies; do
		done_=false
		for try in 1 2 3 4 5 6 7 8; do
			if [ "$kind" = random ]; then v=$try; else
				v=$((300 + try * 150)); fi
			fault_round "$cfg" "$kind" "$v" && { done_=true; break; }
		done
		$done_ || tap_fail "$cfg $kind: fault run" \
		    "every attempt failed at mount"
	done
done
tap_done
