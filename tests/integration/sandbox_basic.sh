#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# sandbox_basic.sh -- -o sandbox=basic (daemon/sandbox.h), as root: a
# tmpfs, an FFS image (makefs) and a FAT image (mkfs.fat + mtools) are
# mounted, and the serving process (the supervisor's child) must be
# confined: Seccomp 2 (filter), NoNewPrivs 1, every uid "nobody", no
# supplementary group, only the expected descriptors (an inherited one
# is closed), small RLIMIT_NOFILE, no core, RLIMIT_DATA = memlimit.  A
# read/write workload must give the same tree as the source, and both
# ways to stop (fusermount3 -u, SIGTERM to the supervisor) must leave no
# mount, exit 0 (not killed by the filter: that would be 159) and a
# clean image (rumpfuse-fsck for FFS, fsck.fat -n for FAT).  Bad values
# of the sandbox options are usage errors naming the option.  A system
# call outside the filter's list (made with gdb, if there) kills the
# server; the supervisor unmounts and exits 159 (128 + SIGSYS).
#
# A sanitizer build has no seccomp filter, Landlock or memory limit
# (sandbox.h): those checks are skipped there, visibly.
#
# With memlimit=64M, tmpfs written until ENOMEM/ENOSPC must not crash
# the server (ENOMEM answers; the supervisor exits 0 or 1).
#
# Environment: RUMPFUSE, FSCK (rumpfuse-fsck; FFS fsck skipped without).
# Needs root, /dev/fuse, fusermount3; makefs, mkfs.fat, mcopy optional.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

out=$("$RUMPFUSE" -o sandbox=basic --help 2>&1)
printf '%s\n' "$out" | grep -q "unknown option\|invalid value" &&
    it_skip_all "this daemon has no -o sandbox="
SANITIZED=0
grep -qa '__asan_init\|__tsan_init' "$RUMPFUSE" && SANITIZED=1
NOBODY=$(id -u nobody 2>/dev/null) || it_skip_all "no user nobody"

# ---- option errors: exit 2, the option named ----
opt_error() {
	local opt=$1 name=$2 out rc
	out=$("$RUMPFUSE" -o "$opt" -t tmpfs none "$WORK" 2>&1)
	rc=$?
	if [ "$rc" = 2 ] && printf '%s\n' "$out" | grep -q "'$name'"; then
		tap_ok "-o $opt: usage error naming '$name'"
	else
		tap_fail "-o $opt: usage error naming '$name'" "exit $rc: $out"
	fi
}
opt_error sandbox=strong sandbox
opt_error sandbox= sandbox
opt_error user=no-such-user-rf user
opt_error memlimit=1k memlimit
opt_error memlimit=lots memlimit

# ---- the source tree ----
SRC=$WORK/src
mkdir -p "$SRC/d1/d2"
for i in $(seq 1 30); do
	head -c $((i * 3001)) /dev/urandom >"$SRC/d1/f$i"
done
head -c 3000000 /dev/urandom >"$SRC/big"
echo small >"$SRC/d1/d2/small"

# server_of SUPERVISOR: the serving process (its only child), once it
# has entered the sandbox (just after mounting: NoNewPrivs 1).
server_of() {
	local i=0 pid
	while [ $i -lt 100 ]; do
		pid=$(pgrep -P "$1" | head -1)
		[ -n "$pid" ] && [ "$(awk '$1 == "NoNewPrivs:" { print $2 }' \
		    "/proc/$pid/status" 2>/dev/null)" = 1 ] &&
		    { echo "$pid"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$pid" ] && echo "$pid"
	return 0
}

# status_field PID FIELD: the value(s) of FIELD in /proc/PID/status.
status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^[ \t]+/, ""); print }' \
	    "/proc/$1/status"
}

# check_confined NAME SERVER IMAGE: one TAP line per property.
check_confined() {
	local name=$1 srv=$2 img=$3 v bad fd t
	v=$(status_field "$srv" Seccomp)
	if [ "$SANITIZED" = 1 ]; then
		tap_skip "$name: Seccomp 2" "sanitizer build: no filter"
	elif [ "$v" = 2 ]; then
		tap_ok "$name: Seccomp 2"
	else
		tap_fail "$name: Seccomp 2" "Seccomp: $v"
	fi
	v=$(status_field "$srv" NoNewPrivs)
	[ "$v" = 1 ] && tap_ok "$name: NoNewPrivs 1" ||
	    tap_fail "$name: NoNewPrivs 1" "NoNewPrivs: $v"
	v=$(status_field "$srv" Uid | tr -s ' \t' ' ')
	[ "$v" = "$NOBODY $NOBODY $NOBODY $NOBODY" ] &&
	    tap_ok "$name: every uid is nobody's" ||
	    tap_fail "$name: every uid is nobody's" "Uid: $v"
	v=$(status_field "$srv" Groups)
	[ -z "$v" ] && tap_ok "$name: no supplementary groups" ||
	    tap_fail "$name: no supplementary groups" "Groups: $v"
	v=$(status_field "$srv" CapEff)
	[ "$v" = 0000000000000000 ] && tap_ok "$name: no capabilities" ||
	    tap_fail "$name: no capabilities" "CapEff: $v"
	# Descriptors: stdio, the image, /dev/fuse, splice pipes, the
	# socket to the supervisor (supplementary groups), the PM QoS
	# request of -o cpu_latency (write-only, opened before the sandbox).
	bad=""
	for fd in /proc/"$srv"/fd/*; do
		t=$(readlink "$fd") || continue
		case "$t" in
		/dev/null | /dev/fuse | pipe:* | socket:* | "$WORK"/*.err | \
		    "$WORK"/*.out | "$img" | /dev/cpu_dma_latency) ;;
		*) bad="$bad ${fd##*/}->$t" ;;
		esac
	done
	[ -z "$bad" ] && tap_ok "$name: only the expected descriptors" ||
	    tap_fail "$name: only the expected descriptors" "$bad"
	v=$(awk '/^Max open files/ { print $4 }' "/proc/$srv/limits")
	[ "$v" -le 1024 ] 2>/dev/null &&
	    tap_ok "$name: RLIMIT_NOFILE lowered ($v)" ||
	    tap_fail "$name: RLIMIT_NOFILE lowered" "$v"
	v=$(awk '/^Max core file size/ { print $5 }' "/proc/$srv/limits")
	[ "$v" = 0 ] && tap_ok "$name: RLIMIT_CORE 0" ||
	    tap_fail "$name: RLIMIT_CORE 0" "$v"
	v=$(awk '/^Max data size/ { print $4 }' "/proc/$srv/limits")
	if [ "$SANITIZED" = 1 ]; then
		tap_skip "$name: RLIMIT_DATA 1 GiB" "sanitizer build"
	elif [ "$v" = 1073741824 ]; then
		tap_ok "$name: RLIMIT_DATA 1 GiB (the default memlimit)"
	else
		tap_fail "$name: RLIMIT_DATA 1 GiB" "$v"
	fi
}

# workload NAME MNT XATTR: write, read back, rename, remove, xattrs.
workload() {
	local name=$1 mnt=$2 xattr=$3 err=""
	cp -r "$SRC/d1" "$mnt/copy" 2>&1 || err="$err cp;"
	cp "$SRC/big" "$mnt/big" 2>&1 || err="$err cp big;"
	diff -r "$SRC/d1" "$mnt/copy" >/dev/null || err="$err diff;"
	cmp "$SRC/big" "$mnt/big" || err="$err cmp big;"
	dd if="$mnt/big" of=/dev/null bs=1M iflag=direct 2>/dev/null ||
	    err="$err direct read;"
	dd if=/dev/urandom of="$mnt/w" bs=64k count=16 conv=fsync \
	    2>/dev/null || err="$err fsync write;"
	mv "$mnt/w" "$mnt/w2" && mkdir "$mnt/nd" && rmdir "$mnt/nd" &&
	    rm "$mnt/copy/f1" && cp "$SRC/d1/f1" "$mnt/copy/f1" ||
	    err="$err namespace;"
	truncate -s 10000 "$mnt/w2" && [ "$(stat -c %s "$mnt/w2")" = 10000 ] ||
	    err="$err truncate;"
	if [ "$xattr" = yes ] && command -v setfattr >/dev/null; then
		setfattr -n user.rf -v sandboxed "$mnt/w2" &&
		    [ "$(getfattr --only-values -n user.rf "$mnt/w2" \
		    2>/dev/null)" = sandboxed ] &&
		    setfattr -x user.rf "$mnt/w2" || err="$err xattr;"
	fi
	ls -lR "$mnt" >/dev/null || err="$err ls;"
	sync
	[ -z "$err" ] && tap_ok "$name: workload through the sandbox" ||
	    tap_fail "$name: workload through the sandbox" "$err"
}

# stop NAME MNT HOW: fusermount3 -u or SIGTERM to the supervisor.
stop() {
	local name=$1 mnt=$2 how=$3 pid
	eval "pid=\$IT_PID_$name"
	if [ "$how" = sigterm ]; then
		kill -TERM "$pid"
	else
		fusermount3 -u "$mnt" ||
		    tap_fail "$name: fusermount3 -u" "failed"
	fi
	it_wait_exit "$name"
	if [ "$IT_RC" = 0 ] && it_sanitizer_clean "$WORK/$name.err"; then
		tap_ok "$name: exits 0 after $how"
	else
		tap_fail "$name: exits 0 after $how" "exit $IT_RC:
$(tail -20 "$WORK/$name.err")"
	fi
	if it_is_mounted "$mnt"; then
		tap_fail "$name: nothing left mounted after $how" "$mnt"
	else
		tap_ok "$name: nothing left mounted after $how"
	fi
}

# one NAME IMAGE XATTR HOW FSCKCMD MOUNTARGS...
one() {
	local name=$1 img=$2 xattr=$3 how=$4 fsck=$5 srv out
	shift 5
	# An inherited descriptor the server must not keep.
	exec 9>"$WORK/inherited"
	if ! it_mount "$name" -o sandbox=basic "$@" "$WORK/mnt-$name"; then
		exec 9>&-
		tap_fail "$name: mount with sandbox=basic" \
		    "$(tail -20 "$WORK/$name.err")"
		return
	fi
	exec 9>&-
	tap_ok "$name: mount with sandbox=basic"
	eval "srv=\$IT_PID_$name"
	srv=$(server_of "$srv")
	if [ -z "$srv" ]; then
		tap_fail "$name: a supervised server process" "no child"
		return
	fi
	check_confined "$name" "$srv" "$img"
	workload "$name" "$WORK/mnt-$name" "$xattr"
	stop "$name" "$WORK/mnt-$name" "$how"
	case "$fsck" in
	none) ;;
	skip) tap_skip "$name: the image checks clean" "no checker" ;;
	*)
		if out=$($fsck "$img" 2>&1); then
			tap_ok "$name: the image checks clean"
		else
			tap_fail "$name: the image checks clean" "$out"
		fi
		;;
	esac
}

one tmpfs none yes sigterm none -t tmpfs none

if command -v makefs >/dev/null; then
	if makefs -t ffs -s 32m -f 256 -o version=2 "$WORK/ffs.img" "$SRC" \
	    >/dev/null 2>&1; then
		ck=skip
		[ -n "${FSCK:-}" ] && [ -x "$FSCK" ] && ck="$FSCK -q"
		one ffs "$WORK/ffs.img" no fusermount "$ck" "$WORK/ffs.img"
	else
		tap_fail "ffs: makefs" "failed"
	fi
else
	tap_skip "ffs: sandbox=basic" "makefs is missing"
fi

if command -v mkfs.fat >/dev/null && command -v mcopy >/dev/null; then
	if mkfs.fat -C "$WORK/fat.img" 32768 >/dev/null 2>&1 &&
	    mcopy -s -i "$WORK/fat.img" "$SRC/d1" ::/ 2>/dev/null; then
		one fat "$WORK/fat.img" no sigterm "fsck.fat -n" \
		    "$WORK/fat.img"
	else
		tap_fail "fat: mkfs.fat/mcopy" "failed"
	fi
else
	tap_skip "fat: sandbox=basic" "mkfs.fat or mcopy is missing"
fi

# ---- memory exhausted: memlimit=64M, tmpfs written until it fails.
# The server must answer ENOMEM, not abort (the node table allocates
# nothing that aborts); the supervisor's status is 0 or 1, never 128+N.
# Readdir is not tried while memory is exhausted: ll_dir.c still
# buffers with GLib, which aborts (reported); only after rm freed it.
if [ "$SANITIZED" = 1 ]; then
	tap_skip "mem: memlimit=64M" "sanitizer build: no memory limit"
elif it_mount mem -o sandbox=basic,memlimit=64M -t tmpfs none \
    "$WORK/mnt-mem"; then
	M=$WORK/mnt-mem
	srv=$(server_of "$IT_PID_mem")
	for i in $(seq 1 300); do
		: >"$M/p$i"
	done
	out=$(timeout 60 dd if=/dev/zero of="$M/fill" bs=1M count=512 2>&1)
	case $out in
	*"Cannot allocate memory"* | *"No space left"*)
		tap_ok "mem: writing stops with ENOMEM/ENOSPC";;
	*)	tap_fail "mem: writing stops with ENOMEM/ENOSPC" "$out";;
	esac
	# At the limit, the node table must grow: Linux forgets the inodes
	# (drop_caches), then every name is looked up again (by name: a
	# glob would read the directory).
	if echo 2 2>/dev/null >/proc/sys/vm/drop_caches; then
		for i in $(seq 1 300); do
			timeout 20 stat "$M/p$i"
		done >/dev/null 2>&1
		if [ -n "$srv" ] && kill -0 "$srv" 2>/dev/null; then
			tap_ok "mem: lookups at the limit (new nodes) survive"
		else
			tap_fail "mem: lookups at the limit (new nodes) survive" \
			    "$(grep -v 'creating thread' "$WORK/mem.err" |
			    tail -5)"
		fi
	else
		tap_skip "mem: lookups at the limit (new nodes) survive" \
		    "cannot write /proc/sys/vm/drop_caches"
	fi
	# New nodes and handles (most fail with ENOMEM).
	for i in $(seq 1 200); do
		(echo x >"$M/s$i") 2>/dev/null
	done
	mkdir "$M/dir" 2>/dev/null
	ln -s target "$M/link" 2>/dev/null
	if [ -n "$srv" ] && kill -0 "$srv" 2>/dev/null; then
		tap_ok "mem: the server survives the limit"
	else
		tap_fail "mem: the server survives the limit" \
		    "$(grep -v 'creating thread' "$WORK/mem.err" | tail -5)"
	fi
	out=$(timeout 20 stat "$M/s1" "$M" 2>&1)
	case $?:$out in
	124:*)	tap_fail "mem: the mount still answers" "timed out";;
	*"not connected"* | *"connection abort"*)
		tap_fail "mem: the mount still answers" "$out";;
	*)	tap_ok "mem: the mount still answers";;
	esac
	if timeout 20 rm -f "$M/fill" 2>/dev/null; then
		# The space comes back with the file's last reference, on the
		# FORGET the kernel sends after the unlink, asynchronously:
		# allow that a moment.
		ok=0
		for i in 1 2 3 4 5 6 7 8 9 10; do
			out=$(timeout 20 ls "$M" 2>&1) && { ok=1; break; }
			sleep 0.3
		done
		[ "$ok" = 1 ] && tap_ok "mem: ls after rm freed the space" ||
		    tap_fail "mem: ls after rm freed the space" \
		    "$(echo "$out" | head -3)"
	else
		tap_skip "mem: ls after rm freed the space" \
		    "rm got ENOMEM: still exhausted"
	fi
	fusermount3 -u "$M" 2>/dev/null
	it_wait_exit mem
	if [ "$IT_RC" = 0 ] || [ "$IT_RC" = 1 ]; then
		tap_ok "mem: the supervisor exits $IT_RC (no crash)"
	else
		tap_fail "mem: the supervisor exits 0 or 1 (no crash)" \
		    "exit $IT_RC; $(grep -v 'creating thread' \
		    "$WORK/mem.err" | grep -v 'allocate request' | tail -5)"
	fi
	it_is_mounted "$M" &&
	    tap_fail "mem: nothing left mounted" "$M" ||
	    tap_ok "mem: nothing left mounted"
else
	tap_fail "mem: mount" "$(tail -20 "$WORK/mem.err")"
fi

# ---- a forbidden system call: the filter kills the server, the
# supervisor unmounts and exits 128 + SIGSYS; nothing is created.  gdb
# makes the server call mkdir(2) (83 on x86_64).
if [ "$SANITIZED" = 1 ]; then
	tap_skip "kill: a forbidden call ends the server" "sanitizer build"
elif ! command -v gdb >/dev/null || [ "$(uname -m)" != x86_64 ]; then
	tap_skip "kill: a forbidden call ends the server" "no gdb, or not x86_64"
elif it_mount kill -o sandbox=basic -t tmpfs none "$WORK/mnt-kill"; then
	srv=$(server_of "$IT_PID_kill")
	echo x >"$WORK/mnt-kill/x"
	timeout 60 gdb -q -batch -p "$srv" \
	    -ex "call (long)syscall(83, \"$WORK/forbidden\", 0700)" \
	    >"$WORK/gdb.out" 2>&1
	it_wait_exit kill
	if [ "$IT_RC" = 159 ] && [ ! -e "$WORK/forbidden" ] &&
	    grep -q "forbids" "$WORK/kill.err"; then
		tap_ok "kill: a forbidden call ends the server (exit 159)"
	else
		tap_fail "kill: a forbidden call ends the server (exit 159)" \
		    "exit $IT_RC; $(ls -d "$WORK/forbidden" 2>&1)
$(tail -5 "$WORK/kill.err")
$(tail -5 "$WORK/gdb.out")"
	fi
	it_is_mounted "$WORK/mnt-kill" &&
	    tap_fail "kill: the supervisor unmounted" "still mounted" ||
	    tap_ok "kill: the supervisor unmounted"
else
	tap_fail "kill: mount" "$(tail -20 "$WORK/kill.err")"
fi

tap_done
