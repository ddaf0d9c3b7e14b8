# SPDX-License-Identifier: BSD-2-Clause
# lib.sh -- helpers for the FUSE integration tests (sourced after
# tests/lib/tap.sh):
#   it_setup             skip the whole script unless root, /dev/fuse,
#                        fusermount3 and $RUMPFUSE are there; make $WORK
#   it_mount NAME ARGS.. start "$RUMPFUSE -f ARGS..." in the background
#                        (its last argument is the mount point), wait for
#                        the mount to appear; sets IT_PID_<NAME>, logs its
#                        stderr to $WORK/NAME.err
#   it_wait_exit NAME    wait for the daemon; its exit status in IT_RC
#   it_umount NAME MNT   fusermount3 -u MNT, wait, ok if it exited 0 with
#                        no sanitizer report (one TAP line)
#   it_sanitizer_clean FILE  no AddressSanitizer/LeakSanitizer report in FILE
# An EXIT trap unmounts whatever is still mounted and kills the daemons.

IT_TIMEOUT=${IT_TIMEOUT:-30}
IT_MOUNTS=""
IT_PIDS=""

it_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

it_cleanup() {
	local m p
	for m in $IT_MOUNTS; do
		if it_is_mounted "$m"; then
			fusermount3 -uz "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		fi
	done
	for p in $IT_PIDS; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
	[ -n "${WORK:-}" ] && [ -d "$WORK" ] && rm -rf "$WORK"
	return 0
}

it_setup() {
	[ "$(id -u)" -eq 0 ] || it_skip_all "needs root"
	[ -c /dev/fuse ] || it_skip_all "/dev/fuse is missing"
	command -v fusermount3 >/dev/null || it_skip_all "fusermount3 is missing"
	[ -n "${RUMPFUSE:-}" ] || it_skip_all "RUMPFUSE is not set (no daemon built)"
	[ -x "$RUMPFUSE" ] || it_skip_all "$RUMPFUSE is not executable"
	# /dev/fuse must open (not just exist) for FUSE to work here.
	if ! (exec 3<>/dev/fuse) 2>/dev/null; then
		it_skip_all "/dev/fuse cannot be opened"
	fi
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/rumpfuse-it.XXXXXX") ||
	    it_skip_all "cannot make a work directory"
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
	export TZ=UTC LC_ALL=C
}

# Is $1 a mount point right now?
it_is_mounted() {
	awk -v m="$1" '$5 == m { found = 1 } END { exit !found }' \
	    /proc/self/mountinfo
}

# it_mount NAME ARGS... (the last ARG is the mount point)
it_mount() {
	local name=$1 mnt pid i
	shift
	for mnt in "$@"; do :; done
	mkdir -p "$mnt"
	"$RUMPFUSE" -f "$@" 2>"$WORK/$name.err" >"$WORK/$name.out" &
	pid=$!
	eval "IT_PID_$name=$pid"
	IT_PIDS="$IT_PIDS $pid"
	IT_MOUNTS="$IT_MOUNTS $mnt"
	i=0
	while ! it_is_mounted "$mnt"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			echo "# daemon exited with status $? before mounting:" >&2
			sed 's/^/#   /' "$WORK/$name.err" >&2
			return 1
		fi
		i=$((i + 1))
		if [ "$i" -gt $((IT_TIMEOUT * 10)) ]; then
			echo "# mount of $mnt did not appear in ${IT_TIMEOUT}s" >&2
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# it_wait_exit NAME: wait for the daemon; its exit status in IT_RC (124
# after a timeout, when it is killed).  Not in a subshell: wait needs the
# daemon to be this shell's child.
it_wait_exit() {
	local pid i=0
	eval "pid=\$IT_PID_$1"
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt $((IT_TIMEOUT * 10)) ]; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			IT_RC=124
			return
		fi
		sleep 0.1
	done
	wait "$pid"
	IT_RC=$?
}

it_sanitizer_clean() {
	! grep -q 'AddressSanitizer\|LeakSanitizer\|UndefinedBehaviorSanitizer\|runtime error:' "$1"
}

# it_umount NAME MNT: unmount with fusermount3 -u; one TAP line.
it_umount() {
	local name=$1 mnt=$2 rc out
	if ! out=$(fusermount3 -u "$mnt" 2>&1); then
		tap_fail "fusermount3 -u $mnt" "$out"
		return 1
	fi
	it_wait_exit "$name"
	rc=$IT_RC
	if [ "$rc" != 0 ]; then
		tap_fail "$name: daemon exits 0 after unmount" \
		    "exit status $rc; stderr:
$(tail -20 "$WORK/$name.err")"
	elif ! it_sanitizer_clean "$WORK/$name.err"; then
		tap_fail "$name: daemon exits 0 after unmount" \
		    "sanitizer report:
$(head -40 "$WORK/$name.err")"
	else
		tap_ok "$name: daemon exits 0 after unmount"
	fi
}

# it_check_out NAME EXPECTED CMD...: CMD's stdout equals EXPECTED.
it_check_out() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" 2>"$WORK/check.err")
	if [ "$got" = "$want" ]; then
		tap_ok "$name"
	else
		tap_fail "$name" "expected: $want
got: $got
stderr: $(head -5 "$WORK/check.err")"
	fi
}
