#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# acl_chmod.sh -- a POSIX access ACL equivalent to a mode is a chmod
# (daemon/ll_xattr.c), on a fresh ext4 image, with -o sandbox=basic and
# with the default sandbox:
#   - setfattr of a trivial system.posix_acl_access (no chmod fallback
#     there) and setfacl change the mode, seen at once by stat although
#     attributes are cached for 30 s;
#   - a non-trivial ACL (named user, or a mask) fails with "Operation not
#     supported"; a non-owner gets EPERM; S_ISGID is cleared for an owner
#     outside the file's group and kept for one inside it;
#   - an ACL stored by Linux (loop mount) is removed by a trivial set, and
#     by setfacl -b on a directory (its default ACL too);
#   - cp -a of a tree with assorted modes keeps them exactly, with no
#     EOPNOTSUPP reply and no SETATTR for the modes (counted in the
#     daemon's -d log: fewer than 1.5 per node, where utimes and chmod
#     made 2); into a set-group-ID directory the copy keeps the
#     inherited S_ISGID, as on ext4;
#   - after the unmount e2fsck -fn is clean, and Linux's ext4 (read-only
#     loop mount) shows the same modes and no stored ACL.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup
chmod go+x "$WORK"	# for the checks run as other users
for t in mkfs.ext4 e2fsck setfacl getfacl setfattr getfattr setpriv; do
	command -v "$t" >/dev/null || it_skip_all "$t is missing"
done

N=100		# small files in the copied tree
MNT=$WORK/mnt
RO=$WORK/ro
SRC=$WORK/src
# Trivial ACLs in Linux's xattr form: u::rwx,g::r-x,o::- and u::rw,g::r,o::-.
ACL750=0x02000000010007000000000004000500000000002000000000000000
ACL640=0x02000000010006000000000004000400000000002000000000000000
# u::rwx,g::r-x,m::r-x,o::- (a mask: not equivalent, as in Linux).
ACLMASK=0x0200000001000700000000000400050000000000
ACLMASK=${ACLMASK}10000500000000002000000000000000

mkdir -p "$SRC/many" "$SRC/sgid_dir/sub" "$SRC/private" "$SRC/sticky" "$RO"
for m in 600 755 640 400 4755 2755 1777; do
	echo "mode $m" >"$SRC/f$m"
	chmod "$m" "$SRC/f$m"
done
echo in >"$SRC/sgid_dir/sub/g"
chmod 2775 "$SRC/sgid_dir"
chmod 0700 "$SRC/private"
chmod 1777 "$SRC/sticky"
for ((i = 0; i < N; i++)); do
	echo "$i" >"$SRC/many/f$i"
done
chmod 0640 "$SRC"/many/f1*
NODES=$(find "$SRC" | wc -l)

# modes DIR: every node's mode and relative name, sorted.
modes() {
	(cd "$1" && find . -exec stat -c '%a %n' {} + | sort)
}
WANT_MODES=$(modes "$SRC")

# opcount NAME LINE OPCODE: OPCODE requests in NAME's log after LINE.
opcount() {
	tail -n "+$(($2 + 1))" "$WORK/$1.err" | grep -c "opcode: $3 "
}
# eopnotsupp NAME LINE: EOPNOTSUPP replies in NAME's log after LINE.
eopnotsupp() {
	tail -n "+$(($2 + 1))" "$WORK/$1.err" | grep -c 'error: -95 '
}

# run_as UID GID[,GROUPS] CMD...: run CMD with those credentials.
run_as() {
	local uid=$1 gid=${2%%,*} groups=
	[ "$2" != "$gid" ] && groups=${2#*,}
	shift 2
	if [ -n "$groups" ]; then
		setpriv --reuid="$uid" --regid="$gid" --groups="$groups" "$@"
	else
		setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
	fi
}

# mode_is NAME WANT FILE: stat -c %a FILE is WANT.
mode_is() {
	it_check_out "$1" "$2" stat -c %a "$3"
}

# run NAME ARGS...: one image, one mount with ARGS, every check.
run() {
	local name=$1 img=$WORK/$1.img mark out n_set n_eop
	shift
	if ! mkfs.ext4 -q -F -I 256 "$img" 64M >/dev/null 2>&1; then
		tap_fail "$name: mkfs.ext4"
		return
	fi
	# ACLs stored by Linux: a file's access ACL, a directory's default.
	if mount -o loop "$img" "$RO" 2>/dev/null; then
		echo old >"$RO/old"
		chmod 0644 "$RO/old"
		mkdir "$RO/olddir"
		setfacl -m u:1234:r "$RO/old" &&
		    setfacl -m u:1234:rx -d -m u:1234:rx "$RO/olddir"
		umount "$RO"
		HAVE_OLD=1
	else
		HAVE_OLD=0
	fi
	if ! it_mount "$name" -d -o allow_other,attr_timeout=30 "$@" "$img" \
	    "$MNT"; then
		tap_fail "$name: mount" "$(tail -5 "$WORK/$name.err")"
		return
	fi
	tap_ok "$name: mount"

	# A trivial ACL, set raw (setfattr has no chmod fallback).
	echo x >"$MNT/f"
	chmod 0644 "$MNT/f"
	stat -c %a "$MNT/f" >/dev/null		# cache the attributes
	tap_check "$name: setfattr of a trivial access ACL" \
	    setfattr -n system.posix_acl_access -v "$ACL750" "$MNT/f"
	mode_is "$name: the mode becomes 750 at once" 750 "$MNT/f"
	tap_check "$name: setfacl u::rw,g::r,o::-" \
	    setfacl -m u::rw,g::r,o::- "$MNT/f"
	mode_is "$name: the mode becomes 640 at once" 640 "$MNT/f"
	it_check_out "$name: no ACL stored" "" \
	    getfattr --absolute-names -m - -d "$MNT/f"

	# Not equivalent to a mode: refused, the mode stays.
	out=$(setfacl -m u:1234:r "$MNT/f" 2>&1)
	if [ $? != 0 ] && printf '%s\n' "$out" |
	    grep -q "Operation not supported"; then
		tap_ok "$name: a named-user ACL: Operation not supported"
	else
		tap_fail "$name: a named-user ACL: Operation not supported" \
		    "$out"
	fi
	out=$(setfattr -n system.posix_acl_access -v "$ACLMASK" "$MNT/f" 2>&1)
	if [ $? != 0 ] && printf '%s\n' "$out" |
	    grep -q "Operation not supported"; then
		tap_ok "$name: an ACL with a mask: Operation not supported"
	else
		tap_fail "$name: an ACL with a mask: Operation not supported" \
		    "$out"
	fi
	mode_is "$name: the mode stays 640" 640 "$MNT/f"

	# The chmod rules: owner only; S_ISGID for group members.
	out=$(run_as 65534 65534 setfattr -n system.posix_acl_access \
	    -v "$ACL750" "$MNT/f" 2>&1)
	if [ $? != 0 ] && printf '%s\n' "$out" |
	    grep -q "Operation not permitted"; then
		tap_ok "$name: not the owner: Operation not permitted"
	else
		tap_fail "$name: not the owner: Operation not permitted" "$out"
	fi
	mode_is "$name: the mode stays 640 (not the owner)" 640 "$MNT/f"
	for g in out in; do
		echo y >"$MNT/sg_$g"
		chown 1234:0 "$MNT/sg_$g"
		chmod 2755 "$MNT/sg_$g"
	done
	tap_check "$name: owner outside the group sets a trivial ACL" \
	    run_as 1234 1234 setfattr -n system.posix_acl_access -v "$ACL640" \
	    "$MNT/sg_out"
	mode_is "$name: ... S_ISGID is cleared" 640 "$MNT/sg_out"
	tap_check "$name: owner in the group sets a trivial ACL" \
	    run_as 1234 1234,0 setfattr -n system.posix_acl_access -v "$ACL640" \
	    "$MNT/sg_in"
	mode_is "$name: ... S_ISGID stays" 2640 "$MNT/sg_in"

	# ACLs Linux stored: a trivial set replaces them.
	if [ "$HAVE_OLD" = 1 ]; then
		tap_check "$name: setfacl --set on a file with a stored ACL" \
		    setfacl --set u::rw,g::r,o::- "$MNT/old"
		mode_is "$name: ... mode 640" 640 "$MNT/old"
		it_check_out "$name: ... its stored ACL is gone" "" \
		    getfattr --absolute-names -m - -d "$MNT/old"
		tap_check "$name: setfacl -b on a directory with ACLs" \
		    setfacl -b "$MNT/olddir"
		it_check_out "$name: ... both ACLs are gone" "" \
		    getfattr --absolute-names -m - -d "$MNT/olddir"
	else
		tap_skip "$name: ACLs stored by Linux" "no loop mount"
	fi

	# cp -a: the modes, and the requests it took.
	mark=$(wc -l <"$WORK/$name.err")
	tap_check "$name: cp -a" cp -a "$SRC" "$MNT/copy"
	it_check_out "$name: cp -a keeps every mode" "$WANT_MODES" \
	    modes "$MNT/copy"
	n_set=$(opcount "$name" "$mark" SETATTR)
	n_eop=$(eopnotsupp "$name" "$mark")
	tap_check "$name: cp -a: no EOPNOTSUPP reply ($n_eop)" \
	    [ "$n_eop" = 0 ]
	# Was one more per node (the chmod after EOPNOTSUPP).  Besides the
	# utimes of each node, cp -a also chowns directories and chmods
	# nodes with set-id or sticky bits before setting the ACL.
	tap_check "$name: cp -a: no SETATTR for the modes ($n_set for $NODES)" \
	    [ "$n_set" -lt $((NODES * 3 / 2)) ]
	echo "# $name: cp -a of $NODES nodes: $n_set SETATTR," \
	    "$(opcount "$name" "$mark" SETXATTR) SETXATTR," \
	    "$(tail -n "+$((mark + 1))" "$WORK/$name.err" |
	    grep -c 'opcode: ') requests"

	# Into a set-group-ID directory: the inherited S_ISGID stays, as
	# on ext4 (the ACL sets the permission bits only).
	mkdir "$MNT/sgd"
	chmod 2775 "$MNT/sgd"
	tap_check "$name: cp -a into a set-group-ID directory" \
	    cp -a "$SRC/private" "$MNT/sgd/p"
	mode_is "$name: ... the copy keeps the inherited S_ISGID" 2700 \
	    "$MNT/sgd/p"
	it_umount "$name" "$MNT"

	# Judged by e2fsprogs and by Linux's ext4.
	if out=$(e2fsck -fn "$img" 2>&1); then
		tap_ok "$name: e2fsck -fn is clean"
	else
		tap_fail "$name: e2fsck -fn is clean" "$(tail -10 <<<"$out")"
	fi
	if ! mount -o loop,ro "$img" "$RO" 2>/dev/null; then
		tap_skip "$name: Linux's ext4 agrees" "no loop mount"
		return
	fi
	it_check_out "$name: ext4: the copy has the same modes" \
	    "$WANT_MODES" modes "$RO/copy"
	it_check_out "$name: ext4: modes of f, sg_in, sg_out, sgd/p" \
	    "640 2640 640 2700" echo $(stat -c %a "$RO/f" "$RO/sg_in" \
	    "$RO/sg_out" "$RO/sgd/p")
	it_check_out "$name: ext4: no stored ACL anywhere" "" \
	    getfacl -R -s -p "$RO"
	umount "$RO"
}

run basic -o sandbox=basic
run default
tap_done
