#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tmpfs_errors.sh -- the daemon's error paths and error reporting through
# FUSE: usage errors, a bad option (named in the message), a bad type, a
# missing mount point, --help/--version, daemonizing, ENOSPC with
# size=1m, EROFS with -o ro.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

# run_rf NAME WANT_RC GREP ARGS...: rumpfuse ARGS exits WANT_RC ("nz" for
# any non-zero) within the timeout and its output matches GREP.
run_rf() {
	local name=$1 want=$2 pat=$3 rc out
	shift 3
	out=$(timeout "$IT_TIMEOUT" "$RUMPFUSE" "$@" 2>&1)
	rc=$?
	if [ "$rc" = 124 ]; then
		tap_fail "$name" "timed out: rumpfuse $*"
	elif { [ "$want" = nz ] && [ "$rc" = 0 ]; } ||
	    { [ "$want" != nz ] && [ "$rc" != "$want" ]; }; then
		tap_fail "$name" "rumpfuse $*: exit $rc, expected $want
$out"
	elif [ -n "$pat" ] && ! printf '%s\n' "$out" | grep -q -- "$pat"; then
		tap_fail "$name" "rumpfuse $*: output lacks '$pat':
$out"
	elif ! printf '%s\n' "$out" | it_sanitizer_clean /dev/stdin; then
		tap_fail "$name" "sanitizer report:
$out"
	else
		tap_ok "$name"
	fi
}

MNT=$WORK/mnt
mkdir -p "$MNT"
run_rf "--help exits 0" 0 "Usage" --help
run_rf "-h exits 0" 0 "Usage" -h
run_rf "--version exits 0" 0 "rumpfuse" --version
run_rf "no arguments: usage error, exit 2" 2 "" 
run_rf "unknown flag: exit 2" 2 "" --no-such-flag none "$MNT"
run_rf "bad option: non-zero, names it" nz "bogus_opt_xyz" \
    -f -t tmpfs -o bogus_opt_xyz none "$MNT"
run_rf "bad option value: non-zero, names it" nz "size" \
    -f -t tmpfs -o size=banana none "$MNT"
run_rf "unknown type: non-zero, names it" nz "nosuchfs" \
    -f -t nosuchfs none "$MNT"
run_rf "missing mount point: non-zero" nz "" \
    -f -t tmpfs none "$WORK/does/not/exist"
run_rf "missing image: non-zero" nz "" \
    -f -t auto "$WORK/no-such-image" "$MNT"
if it_is_mounted "$MNT"; then
	tap_fail "nothing left mounted by the failures"
	fusermount3 -uz "$MNT"
else
	tap_ok "nothing left mounted by the failures"
fi

# Without -f: returns once the mount is live.
if out=$(timeout "$IT_TIMEOUT" "$RUMPFUSE" -t tmpfs none "$MNT" 2>&1) &&
    it_is_mounted "$MNT"; then
	IT_MOUNTS="$IT_MOUNTS $MNT"
	tap_ok "daemonized mount is live when rumpfuse returns"
	echo data >"$MNT/f" 2>/dev/null
	it_check_out "daemonized mount works" "data" cat "$MNT/f"
	tap_check "fusermount3 -u of the daemonized mount" fusermount3 -u "$MNT"
	i=0
	while pgrep -f "rumpfuse -t tmpfs none $MNT" >/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ $i -lt 100 ]; then tap_ok "daemon gone after the unmount"
	else tap_fail "daemon gone after the unmount"; fi
else
	tap_fail "daemonized mount is live when rumpfuse returns" "$out"
fi

# ENOSPC through FUSE.
if it_mount small -t tmpfs -o size=1m none "$MNT"; then
	tap_ok "mount tmpfs size=1m"
	out=$(dd if=/dev/zero of="$MNT/big" bs=64k count=100 2>&1)
	if [ $? -ne 0 ] && printf '%s' "$out" | grep -q "No space left on device"; then
		tap_ok "writing 6 MiB into 1 MiB: ENOSPC"
	else
		tap_fail "writing 6 MiB into 1 MiB: ENOSPC" "$out"
	fi
	size=$(stat -c %s "$MNT/big")
	if [ "$size" -gt 0 ] && [ "$size" -le 1048576 ]; then
		tap_ok "partial file kept, at most 1 MiB ($size)"
	else
		tap_fail "partial file kept, at most 1 MiB" "size $size"
	fi
	it_check_out "partial file reads back as zeros" "0" sh -c \
	    "tr -d '\\0' <'$MNT/big' | wc -c"
	out=$(df -P "$MNT" | awk 'NR == 2 { print $4 }')
	if [ "${out:-1}" -lt 64 ]; then tap_ok "df: nearly full ($out KiB free)"
	else tap_fail "df: nearly full" "$out KiB free"; fi
	tap_check "rm frees the space" rm "$MNT/big"
	out=$(df -P "$MNT" | awk 'NR == 2 { print $4 }')
	if [ "${out:-0}" -ge 900 ]; then tap_ok "df: space back ($out KiB free)"
	else tap_fail "df: space back" "$out KiB free"; fi
	tap_check "writing 512 KiB works again" \
	    dd if=/dev/urandom of="$MNT/again" bs=64k count=8 status=none
	it_check_out "and reads back" "524288" stat -c %s "$MNT/again"
	# Many small files until ENOSPC: an error, never a hang or a crash.
	n=0
	while [ $n -lt 5000 ] && head -c 4096 /dev/zero >"$MNT/s$n" 2>/dev/null; do
		n=$((n + 1))
	done
	if [ $n -lt 5000 ]; then tap_ok "small files until ENOSPC ($n made)"
	else tap_fail "small files until ENOSPC" "5000 x 4 KiB fit in 1 MiB"; fi
	tap_check "remove them all" rm -rf "$MNT/again" "$MNT"/s*
	it_check_out "empty again" "" ls -A "$MNT"
	it_umount small "$MNT"
else
	tap_fail "mount tmpfs size=1m" "$(cat "$WORK/small.err")"
fi

# EROFS through FUSE.
if it_mount ro -t tmpfs -o ro none "$MNT"; then
	tap_ok "mount tmpfs -o ro"
	for cmd in "touch $MNT/x" "mkdir $MNT/d" "ln -s x $MNT/l" \
	    "mkfifo $MNT/p" "chmod 700 $MNT" "chown 1:1 $MNT" \
	    "touch -d 2000-01-01 $MNT" "setfattr -n user.x -v y $MNT"; do
		out=$($cmd 2>&1)
		if [ $? -ne 0 ] && printf '%s' "$out" | grep -q "Read-only file system"; then
			tap_ok "EROFS: ${cmd//$MNT/MNT}"
		else
			tap_fail "EROFS: ${cmd//$MNT/MNT}" "$out"
		fi
	done
	tap_check "reading works: ls" ls -la "$MNT"
	if awk -v m="$MNT" '$5 == m' /proc/self/mountinfo | grep -q ' ro[ ,]'; then
		tap_ok "the host sees a read-only mount"
	else
		tap_fail "the host sees a read-only mount" \
		    "$(awk -v m="$MNT" '$5 == m' /proc/self/mountinfo)"
	fi
	it_umount ro "$MNT"
else
	tap_fail "mount tmpfs -o ro" "$(cat "$WORK/ro.err")"
fi

# SIGTERM stops the daemon cleanly.
if it_mount term -t tmpfs none "$MNT"; then
	echo x >"$MNT/x"
	kill -TERM "$IT_PID_term"
	it_wait_exit term
	if [ "$IT_RC" = 0 ] && it_sanitizer_clean "$WORK/term.err"; then
		tap_ok "SIGTERM: exit 0"
	else
		tap_fail "SIGTERM: exit 0" "status $IT_RC: $(tail -20 "$WORK/term.err")"
	fi
	if it_is_mounted "$MNT"; then tap_fail "SIGTERM: mount gone"
	else tap_ok "SIGTERM: mount gone"; fi
else
	tap_fail "mount for SIGTERM" "$(cat "$WORK/term.err")"
fi
tap_done
