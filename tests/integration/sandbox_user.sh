#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# sandbox_user.sh -- -o sandbox=basic run by an ordinary user, who
# mounts a FAT image it owns on a directory it owns through fusermount3
# (no root involved): the server keeps that user's uid, is confined
# (NoNewPrivs 1, Seccomp 2), serves reads and writes, and both
# fusermount3 -u (by the user) and SIGTERM (the supervisor then runs
# fusermount3 -u -z itself) end it with exit 0, nothing mounted and a
# clean image.  -o user=OTHER is refused to a non-root user; as root,
# -o user=NAME runs the server as NAME.
#
# Set-up, as root, undone at exit: a test user (rfsbtest, made with
# useradd if missing, removed again), /dev/fuse made 0666 if it is not
# (its mode restored).
#
# Environment: RUMPFUSE.  Needs root, /dev/fuse, fusermount3, setpriv,
# useradd, mkfs.fat, mcopy, fsck.fat; skips otherwise.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

for c in setpriv useradd userdel mkfs.fat mcopy fsck.fat; do
	command -v "$c" >/dev/null || it_skip_all "$c is missing"
done
SANITIZED=0
grep -qa '__asan_init\|__tsan_init' "$RUMPFUSE" && SANITIZED=1

TUSER=rfsbtest
TGROUP=rfsbgrp
MADE_USER=0
MADE_GROUP=0
FUSE_MODE=$(stat -c %a /dev/fuse)
su_cleanup() {
	it_cleanup
	[ "$(stat -c %a /dev/fuse)" = "$FUSE_MODE" ] ||
	    chmod "$FUSE_MODE" /dev/fuse
	[ "$MADE_USER" = 1 ] && userdel "$TUSER" 2>/dev/null
	[ "$MADE_GROUP" = 1 ] && groupdel "$TGROUP" 2>/dev/null
	return 0
}
trap su_cleanup EXIT

if ! getent group "$TGROUP" >/dev/null; then
	groupadd -r "$TGROUP" 2>/dev/null || it_skip_all "cannot add a group"
	MADE_GROUP=1
fi
if ! id -u "$TUSER" >/dev/null 2>&1; then
	useradd -r -M -d /nonexistent -s /usr/sbin/nologin -G "$TGROUP" \
	    "$TUSER" 2>/dev/null || it_skip_all "cannot add a test user"
	MADE_USER=1
fi
id -nG "$TUSER" | grep -qw "$TGROUP" || usermod -aG "$TGROUP" "$TUSER"
TUID=$(id -u "$TUSER")
TGID=$(id -g "$TUSER")
chmod 0666 /dev/fuse
AS_USER=(setpriv --reuid="$TUID" --regid="$TGID" --clear-groups --)
as_user() {
	"${AS_USER[@]}" "$@"
}
# With the user's supplementary groups (from /etc/group).
as_user_groups() {
	setpriv --reuid="$TUID" --regid="$TGID" --init-groups -- "$@"
}
as_user test -x "$RUMPFUSE" ||
    it_skip_all "$RUMPFUSE is not executable by an ordinary user"
chmod 0755 "$WORK"
UD=$WORK/user
mkdir -p "$UD"
echo hello >"$WORK/hello"
mkfs.fat -C "$UD/fat.img" 16384 >/dev/null 2>&1 &&
    mcopy -i "$UD/fat.img" "$WORK/hello" ::/hello 2>/dev/null ||
    it_skip_all "cannot make a FAT image"
chown -R "$TUID:$TGID" "$UD"

# start NAME [ROOT]: the daemon in the foreground, as the test user (or
# as root with -o user=, if ROOT), on $UD/mnt-NAME; PID in SUP.
start() {
	local name=$1 mnt=$UD/mnt-$1 i=0
	if [ "${2:-}" = root ]; then
		"$RUMPFUSE" -f -o sandbox=basic,user="$TUSER" "$UD/fat.img" \
		    "$mnt" 2>"$WORK/$name.err" &
	else
		# A simple command, so that $! is the daemon itself.
		"${AS_USER[@]}" "$RUMPFUSE" -f -o sandbox=basic \
		    "$UD/fat.img" "$mnt" 2>"$WORK/$name.err" &
	fi
	SUP=$!
	IT_PIDS="$IT_PIDS $SUP"
	IT_MOUNTS="$IT_MOUNTS $mnt"
	eval "IT_PID_$name=$SUP"
	while ! it_is_mounted "$mnt"; do
		if ! kill -0 "$SUP" 2>/dev/null || [ $i -gt 300 ]; then
			tap_fail "$name: mount" "$(tail -20 "$WORK/$name.err")"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	tap_ok "$name: mount"
	# The server enters the sandbox just after mounting: wait for it.
	SRV=""
	i=0
	while [ $i -lt 100 ]; do
		SRV=$(pgrep -P "$SUP" | head -1)
		[ -n "$SRV" ] && [ "$(awk '$1 == "NoNewPrivs:" { print $2 }' \
		    "/proc/$SRV/status" 2>/dev/null)" = 1 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

# confined NAME: the server runs as the test user, confined.
confined() {
	local name=$1 v
	v=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$SRV/status")
	[ "$v" = "$TUID $TUID $TUID $TUID" ] &&
	    tap_ok "$name: the server runs as $TUSER" ||
	    tap_fail "$name: the server runs as $TUSER" "Uid: $v"
	v=$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$SRV/status")
	[ "$v" = 1 ] && tap_ok "$name: NoNewPrivs 1" ||
	    tap_fail "$name: NoNewPrivs 1" "$v"
	v=$(awk '$1 == "Seccomp:" { print $2 }' "/proc/$SRV/status")
	if [ "$SANITIZED" = 1 ]; then
		tap_skip "$name: Seccomp 2" "sanitizer build: no filter"
	else
		[ "$v" = 2 ] && tap_ok "$name: Seccomp 2" ||
		    tap_fail "$name: Seccomp 2" "$v"
	fi
}

# finish NAME: exit 0, nothing mounted, fsck.fat clean.
finish() {
	local name=$1 out
	it_wait_exit "$name"
	[ "$IT_RC" = 0 ] && it_sanitizer_clean "$WORK/$name.err" &&
	    tap_ok "$name: exits 0" ||
	    tap_fail "$name: exits 0" "exit $IT_RC:
$(tail -20 "$WORK/$name.err")"
	it_is_mounted "$UD/mnt-$name" &&
	    tap_fail "$name: nothing left mounted" "$UD/mnt-$name" ||
	    tap_ok "$name: nothing left mounted"
	out=$(fsck.fat -n "$UD/fat.img" 2>&1) &&
	    tap_ok "$name: fsck.fat -n clean" ||
	    tap_fail "$name: fsck.fat -n clean" "$out"
}

# 1. fusermount3 -u by the user.
as_user mkdir "$UD/mnt-u1"
if start u1; then
	confined u1
	out=$(as_user sh -c "cat '$UD/mnt-u1/hello' &&
	    head -c 200000 /dev/urandom > '$UD/mnt-u1/data' &&
	    cp '$UD/mnt-u1/data' '$UD/copy' &&
	    cmp '$UD/mnt-u1/data' '$UD/copy' && echo fine" 2>&1)
	[ "$(printf '%s\n' "$out" | tr '\n' ' ')" = "hello fine " ] &&
	    tap_ok "u1: the user reads and writes" ||
	    tap_fail "u1: the user reads and writes" "$out"
	out=$(as_user fusermount3 -u "$UD/mnt-u1" 2>&1) ||
	    tap_fail "u1: fusermount3 -u by the user" "$out"
	finish u1
fi

# 2. SIGTERM to the supervisor: it unmounts with fusermount3 itself.
as_user mkdir "$UD/mnt-u2"
if start u2; then
	confined u2
	as_user sh -c "echo again > '$UD/mnt-u2/again'" ||
	    tap_fail "u2: write" "failed"
	kill -TERM "$SUP"
	finish u2
	out=$(mtype -i "$UD/fat.img" ::/again 2>&1)
	[ "$out" = again ] && tap_ok "u2: the write reached the image" ||
	    tap_fail "u2: the write reached the image" "$out"
fi

# 3. An ordinary user cannot pick another user: a usage error.
as_user mkdir "$UD/mnt-u3"
out=$(as_user timeout "$IT_TIMEOUT" "$RUMPFUSE" -f \
    -o sandbox=basic,user=nobody "$UD/fat.img" "$UD/mnt-u3" 2>&1)
rc=$?
if [ "$rc" = 2 ] &&
    printf '%s\n' "$out" | grep -q "only root can change user" &&
    ! it_is_mounted "$UD/mnt-u3"; then
	tap_ok "u3: user=nobody refused to an ordinary user"
else
	tap_fail "u3: user=nobody refused to an ordinary user" "exit $rc: $out"
	it_is_mounted "$UD/mnt-u3" && fusermount3 -uz "$UD/mnt-u3"
fi

# 4. Root with -o user=: the server runs as that user.
mkdir -p "$UD/mnt-r4"
if start r4 root; then
	confined r4
	kill -TERM "$SUP"
	finish r4
fi

# 5. Supplementary groups: a FUSE request carries none, the sandboxed
# server cannot read /proc, so the supervisor reads them for it
# (rf_sandbox_getgroups).  The server then holds that socket; without
# one, the wiring (ll_common.c, main.c) is missing: say so, skip.
mkdir -p "$WORK/mnt-g5"
if it_mount g5 -o sandbox=basic,allow_other -t tmpfs none "$WORK/mnt-g5"; then
	G5=$WORK/mnt-g5/g
	mkdir "$G5" && echo grouped >"$G5/f" && chgrp -R "$TGROUP" "$G5" &&
	    chmod 0770 "$G5" && chmod 0660 "$G5/f" ||
	    tap_fail "g5: set up a group-only directory" "failed"
	srv=$(pgrep -P "$IT_PID_g5" | head -1)
	out=$(as_user_groups cat "$G5/f" 2>&1)
	if [ "$out" = grouped ]; then
		tap_ok "g5: a member of the group reads through the sandbox"
	elif [ -n "$srv" ] && ! ls -l "/proc/$srv/fd" 2>/dev/null |
	    grep -q 'socket:'; then
		tap_skip "g5: a member of the group reads through the sandbox" \
		    "no groups channel to the supervisor (ll_common.c does not call rf_sandbox_getgroups)"
	else
		tap_fail "g5: a member of the group reads through the sandbox" \
		    "$out"
	fi
	out=$(as_user cat "$G5/f" 2>&1) &&
	    tap_fail "g5: without the group, no access" "$out" ||
	    tap_ok "g5: without the group, no access"
	kill -TERM "$IT_PID_g5"
	it_wait_exit g5
	[ "$IT_RC" = 0 ] && tap_ok "g5: exits 0" ||
	    tap_fail "g5: exits 0" "exit $IT_RC"
else
	tap_fail "g5: mount" "$(tail -20 "$WORK/g5.err")"
fi

tap_done
