#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# split_faults.sh -- what -o sandbox=split promises when the kernel side
# fails, and what the sandbox looks like from /proc, for both
# split_channel=fuse (the default) and split_channel=socket:
#   - the child crashes (test hook RUMPFUSE_TEST_SPLIT_CRASH=N: abort()
#     in its Nth request): the caller gets EIO, not a hang; later
#     requests get EIO too; fusermount3 -u unmounts and the daemon exits;
#   - the child hangs (RUMPFUSE_TEST_SPLIT_HANG=N) with split_timeout=2:
#     EIO within the limit, the child is killed, the unmount is clean;
#   - the front end is killed: the child dies with it (PR_SET_PDEATHSIG,
#     set again inside the sandbox), within 2 s, even while a tracer
#     (gdb, if there) holds it stopped, when EOF alone could not end it;
#   - memlimit=64M on tmpfs, written until ENOMEM/ENOSPC: the child
#     answers ENOMEM, never aborts; files can still be created, listed,
#     removed; the unmount is clean (exit 0);
#   - /proc/PID/status of the child: Seccomp 2, NoNewPrivs 1, a non-root
#     uid; its memory limit (memlimit=) in /proc/PID/limits; the FUSE
#     front end stays root (it must be able to unmount);
#   - sandbox=basic: the sandboxed server is a child of an unsandboxed
#     supervisor, which unmounts on SIGTERM;
#   - sandbox=none: one process, no child, no filter;
#   - split and basic: a mount made on the mount point at once after an
#     unmount is not unmounted by the first daemon's supervisor.
# Every step that could hang is bounded with timeout(1).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

MNT=$WORK/mnt
mkdir -p "$MNT"
# A sanitizer build installs no seccomp filter (sandbox.h).
SECCOMP=2
if ldd "$RUMPFUSE" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	SECCOMP=0
fi

status_field() {	# PID FIELD: the first value of FIELD in status
	awk -v f="$2:" '$1 == f { print $2; exit }' "/proc/$1/status" 2>/dev/null
}

# wait_gone PID SECS: PID is gone (or a zombie) within SECS seconds.
wait_gone() {
	local i=0
	while kill -0 "$1" 2>/dev/null &&
	    [ "$(status_field "$1" State)" != Z ]; do
		i=$((i + 1))
		[ "$i" -gt $(($2 * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# first_eio MNT N: create up to N files one by one (each bounded by
# timeout 20); print "EIO i secs" at the first EIO, "TIMEOUT i" or
# "OTHER i msg" on another failure, or "NONE".
first_eio() {
	local i out rc t0 t1
	for i in $(seq 1 "$2"); do
		t0=$(date +%s.%N)
		out=$(timeout 20 sh -c "echo x >'$1/f$i'" 2>&1)
		rc=$?
		t1=$(date +%s.%N)
		if [ "$rc" = 124 ]; then
			echo "TIMEOUT $i"
			return
		elif [ "$rc" != 0 ]; then
			# "echo: I/O error" when the write fails
			case $out in
			*"Input/output error"* | *"I/O error"*)
				echo "EIO $i $(echo "$t1 - $t0" | bc)";;
			*)	echo "OTHER $i $out";;
			esac
			return
		fi
	done
	echo NONE
}

# Each for both channels: fuse (the child serves /dev/fuse; the
# default) and socket (the front end forwards vnode operations).
for CH in fuse socket; do
	# ---- the child crashes ----
	if RUMPFUSE_TEST_SPLIT_CRASH=25 it_mount crash_$CH \
	    -o sandbox=split,split_channel=$CH -t tmpfs none "$MNT"; then
		r=$(first_eio "$MNT" 100)
		case $r in
		EIO*)	tap_ok "$CH crash: the caller gets EIO ($r)";;
		*)	tap_fail "$CH crash: the caller gets EIO" "$r";;
		esac
		out=$(timeout 20 ls "$MNT" 2>&1)
		rc=$?
		case $rc:$out in
		124:*)	tap_fail "$CH crash: later requests get EIO" "timed out";;
		0:*)	tap_fail "$CH crash: later requests get EIO" "ls succeeded";;
		*"Input/output error"*)	tap_ok "$CH crash: later requests get EIO";;
		*)	tap_fail "$CH crash: later requests get EIO" "$out";;
		esac
		tap_check "$CH crash: fusermount3 -u" timeout 20 fusermount3 -u "$MNT"
		it_wait_exit crash_$CH
		if [ "$IT_RC" = 1 ]; then
			tap_ok "$CH crash: the daemon exits, status 1 (changes lost)"
		else
			tap_fail "$CH crash: the daemon exits, status 1 (changes lost)" \
			    "status $IT_RC; $(tail -5 "$WORK/crash_$CH.err")"
		fi
		if grep -q "killed, every request now fails with EIO" \
		    "$WORK/crash_$CH.err"; then
			tap_ok "$CH crash: logged"
		else
			tap_fail "$CH crash: logged" "$(tail -5 "$WORK/crash_$CH.err")"
		fi
		if it_is_mounted "$MNT"; then
			tap_fail "$CH crash: nothing left mounted"
		else
			tap_ok "$CH crash: nothing left mounted"
		fi
	else
		tap_fail "$CH crash: mount" "$(cat "$WORK/crash_$CH.err")"
	fi

	# ---- the child hangs ----
	if RUMPFUSE_TEST_SPLIT_HANG=25 it_mount hang_$CH \
	    -o sandbox=split,split_channel=$CH -o split_timeout=2 \
	    -t tmpfs none "$MNT"; then
		eval "pid=\$IT_PID_hang_$CH"
		cpid=$(pgrep -P "$pid" | head -1)
		r=$(first_eio "$MNT" 100)
		case $r in
		EIO*)
			secs=${r##* }
			if [ "$(echo "$secs >= 1.5 && $secs < 8" | bc)" = 1 ]; then
				tap_ok "$CH hang: EIO after the 2 s limit ($r)"
			else
				tap_fail "$CH hang: EIO after the 2 s limit" "$r"
			fi;;
		*)	tap_fail "$CH hang: EIO after the 2 s limit" "$r";;
		esac
		if [ -n "$cpid" ] && wait_gone "$cpid" 5; then
			tap_ok "$CH hang: the child was killed"
		else
			tap_fail "$CH hang: the child was killed" "child '$cpid'"
		fi
		out=$(timeout 20 stat "$MNT/f1" 2>&1)
		case $? in
		124)	tap_fail "$CH hang: later requests get EIO at once" "timed out";;
		0)	tap_fail "$CH hang: later requests get EIO at once" "succeeded";;
		*)	tap_ok "$CH hang: later requests get EIO at once";;
		esac
		tap_check "$CH hang: fusermount3 -u" timeout 20 fusermount3 -u "$MNT"
		it_wait_exit hang_$CH
		if [ "$IT_RC" = 1 ]; then
			tap_ok "$CH hang: the daemon exits, status 1"
		else
			tap_fail "$CH hang: the daemon exits, status 1" "status $IT_RC"
		fi
	else
		tap_fail "$CH hang: mount" "$(cat "$WORK/hang_$CH.err")"
	fi

	# ---- the sandbox as /proc shows it; the front end killed ----
	if it_mount procs_$CH -o sandbox=split,split_channel=$CH,memlimit=256m \
	    -t tmpfs none "$MNT"; then
		eval "pid=\$IT_PID_procs_$CH"
		cpid=$(pgrep -P "$pid" | head -1)
		echo data >"$MNT/file"
		if [ -z "$cpid" ]; then
			tap_fail "$CH split: a child process runs the kernel"
		else
			tap_ok "$CH split: a child process runs the kernel"
			it_check_out "$CH split child: Seccomp $SECCOMP" $SECCOMP \
			    status_field "$cpid" Seccomp
			it_check_out "$CH split child: NoNewPrivs 1" 1 \
			    status_field "$cpid" NoNewPrivs
			uid=$(status_field "$cpid" Uid)
			if [ -n "$uid" ] && [ "$uid" != 0 ]; then
				tap_ok "$CH split child: non-root uid ($uid)"
			else
				tap_fail "$CH split child: non-root uid" "uid '$uid'"
			fi
			lim=$(awk '/^Max data size/ { print $4 }' "/proc/$cpid/limits")
			if [ "$SECCOMP" = 0 ]; then
				tap_skip "$CH split child: memlimit=256m in /proc/PID/limits" \
				    "a sanitizer build sets no memory limit"
			elif [ "$lim" = $((256 * 1024 * 1024)) ]; then
				tap_ok "$CH split child: memlimit=256m in /proc/PID/limits"
			else
				tap_fail "$CH split child: memlimit=256m in /proc/PID/limits" \
				    "$(grep -i 'data\|address' "/proc/$cpid/limits")"
			fi
		fi
		it_check_out "$CH split front end: stays root (it unmounts)" 0 \
		    status_field "$pid" Uid
		it_check_out "$CH split front end: no seccomp filter" 0 \
		    status_field "$pid" Seccomp
		# Held stopped by a tracer, the child cannot read EOF: only the
		# parent-death signal (SIGKILL ends a traced, stopped process too)
		# can end it in time.  (Not SIGSTOP: when its process group is
		# orphaned, Linux sends it SIGCONT.)  Without gdb: EOF or the
		# signal, whichever comes first.
		how="not stopped"
		gdbpid=""
		if [ -n "$cpid" ] && command -v gdb >/dev/null; then
			timeout 30 gdb -q -batch -p "$cpid" -ex "shell sleep 8" \
			    >"$WORK/gdb.out" 2>&1 &
			gdbpid=$!
			for i in $(seq 1 100); do
				t=$(status_field "$cpid" TracerPid)
				if [ -n "$t" ] && [ "$t" != 0 ]; then
					how="held by gdb"
					break
				fi
				sleep 0.1
			done
		fi
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null		# quietly: no "Killed" from bash
		if [ -n "$cpid" ] && wait_gone "$cpid" 2; then
			tap_ok "$CH front end killed: the child dies within 2 s ($how)"
		else
			tap_fail "$CH front end killed: the child dies within 2 s" \
			    "child '$cpid' ($how): $(status_field "$cpid" State)"
			[ -n "$cpid" ] && kill -KILL "$cpid" 2>/dev/null
		fi
		[ -n "$gdbpid" ] && { kill "$gdbpid" 2>/dev/null; wait "$gdbpid"; }
		fusermount3 -u -z "$MNT" 2>/dev/null
	else
		tap_fail "$CH split: mount" "$(cat "$WORK/procs_$CH.err")"
	fi

	# ---- memory exhausted: memlimit=64M, tmpfs written until it fails ----
	if [ "$SECCOMP" = 0 ]; then
		tap_skip "$CH mem: memlimit=64M" "a sanitizer build sets no memory limit"
	elif it_mount mem_$CH -o sandbox=split,split_channel=$CH,memlimit=64M \
	    -t tmpfs none "$MNT"; then
		eval "pid=\$IT_PID_mem_$CH"
		cpid=$(pgrep -P "$pid" | head -1)
		out=$(timeout 60 dd if=/dev/zero of="$MNT/fill" bs=1M count=512 2>&1)
		case $out in
		*"Cannot allocate memory"* | *"No space left"*)
			tap_ok "$CH mem: writing stops with ENOMEM/ENOSPC";;
		*)	tap_fail "$CH mem: writing stops with ENOMEM/ENOSPC" "$out";;
		esac
		# At the limit: new nodes and handles in the child (some may fail).
		for i in $(seq 1 200); do
			(echo x >"$MNT/s$i") 2>/dev/null
		done
		mkdir "$MNT/dir" 2>/dev/null
		if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; then
			tap_ok "$CH mem: the child survives the limit"
		else
			tap_fail "$CH mem: the child survives the limit" \
			    "$(tail -5 "$WORK/mem_$CH.err")"
		fi
		n=$(timeout 20 ls "$MNT" 2>"$WORK/mem.ls") &&
		    printf '%s\n' "$n" | grep -qx fill &&
		    tap_ok "$CH mem: ls works at the limit" ||
		    tap_fail "$CH mem: ls works at the limit" "$(head -3 "$WORK/mem.ls")"
		# Attributes may need kernel memory: ENOMEM for some is fair.
		timeout 20 ls -l "$MNT" >/dev/null 2>"$WORK/mem.ls"
		t="$CH mem: ls -l answers at the limit (ENOMEM at worst)"
		case $?:$(grep -v "Cannot allocate memory" "$WORK/mem.ls") in
		0: | 1: | 2:)	tap_ok "$t";;
		*)	tap_fail "$t" "$(head -3 "$WORK/mem.ls")";;
		esac
		tap_check "$CH mem: rm frees the space" timeout 20 rm "$MNT/fill"
		# The space comes back when the file's last reference goes, on the
		# FORGET that the kernel sends after the unlink, asynchronously, as
		# FUSE does: allow that a moment.
		t="$CH mem: writing works again"
		ok=0
		for i in 1 2 3 4 5 6 7 8 9 10; do
			rm -f "$MNT/again"
			out=$(timeout 20 dd if=/dev/zero of="$MNT/again" bs=1M count=4 \
			    conv=fsync 2>&1) && { ok=1; break; }
			sleep 0.3
		done
		[ "$ok" = 1 ] && tap_ok "$t (attempt $i)" || tap_fail "$t" "$out"
		tap_check "$CH mem: fusermount3 -u" timeout 20 fusermount3 -u "$MNT"
		it_wait_exit mem_$CH
		if [ "$IT_RC" = 0 ]; then
			tap_ok "$CH mem: the daemon exits 0"
		else
			tap_fail "$CH mem: the daemon exits 0" \
			    "status $IT_RC; $(grep -v 'creating thread' \
			    "$WORK/mem_$CH.err" | tail -5)"
		fi
	else
		tap_fail "$CH mem: mount" "$(cat "$WORK/mem_$CH.err")"
	fi
done

# ---- sandbox=basic: supervisor and server ----
if it_mount basic -o sandbox=basic -t tmpfs none "$MNT"; then
	eval "pid=\$IT_PID_basic"
	spid=$(pgrep -P "$pid" | head -1)
	echo data >"$MNT/file" 2>/dev/null
	it_check_out "basic: the mount works" data cat "$MNT/file"
	if [ -n "$spid" ]; then
		it_check_out "basic server: Seccomp $SECCOMP" $SECCOMP \
		    status_field "$spid" Seccomp
		it_check_out "basic supervisor: unsandboxed" 0 \
		    status_field "$pid" Seccomp
	else
		tap_fail "basic: a server process under the supervisor"
	fi
	kill -TERM "$pid"
	it_wait_exit basic
	if [ "$IT_RC" = 0 ] && ! it_is_mounted "$MNT"; then
		tap_ok "basic: SIGTERM unmounts, exit 0"
	else
		tap_fail "basic: SIGTERM unmounts, exit 0" \
		    "status $IT_RC; $(tail -5 "$WORK/basic.err")"
		fusermount3 -u -z "$MNT" 2>/dev/null
	fi
else
	tap_fail "basic: mount" "$(cat "$WORK/basic.err")"
fi

# ---- sandbox=none: as before ----
if it_mount none -o sandbox=none -t tmpfs none "$MNT"; then
	eval "pid=\$IT_PID_none"
	if [ -z "$(pgrep -P "$pid")" ] &&
	    [ "$(status_field "$pid" Seccomp)" = 0 ]; then
		tap_ok "none: one process, no filter"
	else
		tap_fail "none: one process, no filter"
	fi
	it_umount none "$MNT"
else
	tap_fail "none: mount" "$(cat "$WORK/none.err")"
fi

# ---- unmounted, then mounted again at once on the same mount point ----
# The first daemon's supervisor, ending, must not unmount the second
# mount (it knows from its FUSE descriptor that its own is gone).
for mode in split basic; do
	bad=0
	for i in 1 2 3 4 5 6 7 8; do
		timeout 20 "$RUMPFUSE" -o sandbox=$mode -t tmpfs none "$MNT" ||
		    bad=$((bad + 100))
		timeout 20 fusermount3 -u "$MNT"
		timeout 20 "$RUMPFUSE" -o sandbox=$mode -t tmpfs none "$MNT" ||
		    bad=$((bad + 100))
		sleep 0.3
		it_is_mounted "$MNT" || bad=$((bad + 1))
		timeout 20 fusermount3 -u "$MNT" 2>/dev/null
	done
	if [ "$bad" = 0 ]; then
		tap_ok "$mode: a mount made at once after an unmount survives"
	else
		tap_fail "$mode: a mount made at once after an unmount survives" \
		    "$bad lost of 8 (or failed mounts x100)"
	fi
	sleep 0.5
done

tap_done
