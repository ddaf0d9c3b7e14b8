#!/bin/bash
# readdirplus.sh -- -o readdirplus: with "always" (the default) a program
# that lists a large directory and then stats every entry needs no
# LOOKUP per entry; with "no" it needs one each; "auto" works; listings
# are the same whatever the setting; bad values are refused by name.
# Directories are listed without OPENDIR/RELEASEDIR requests except
# where that could skip a permission check.
# Requests are counted in the daemon's -d log.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup
chmod go+x "$WORK"	# for the listings run as nobody

MNT=$WORK/mnt
N=600	# several READDIRPLUS replies' worth

# lookups NAME LINE: LOOKUP requests in the daemon's log after line LINE.
lookups() {
	tail -n "+$(($2 + 1))" "$WORK/$1.err" | grep -c 'opcode: LOOKUP'
}

# run WHEN: mount with readdirplus=WHEN, make N files, forget every
# cached entry, then list the directory and stat everything in it.
run() {
	local when=$1 name=rd_$1 i mark
	it_mount "$name" -d -t tmpfs -o "readdirplus=$when" none "$MNT" ||
	    return 1
	mkdir "$MNT/d"
	for ((i = 0; i < N; i++)); do
		: >"$MNT/d/f$i"
	done
	sync
	echo 2 >/proc/sys/vm/drop_caches	# dentries and inodes
	mark=$(wc -l <"$WORK/$name.err")
	find "$MNT/d" -type f -exec stat -c %s {} + >"$WORK/$name.sizes"
	LIST=$(ls "$MNT/d" | sort | md5sum)
	COUNT=$(lookups "$name" "$mark")
	NSIZES=$(wc -l <"$WORK/$name.sizes")
	it_umount "$name" "$MNT"
}

run always || exit 1
tap_check "always: every entry stated ($NSIZES)" [ "$NSIZES" = $N ]
tap_check "always: no LOOKUP per entry ($COUNT for $N)" [ "$COUNT" -lt 10 ]
want_list=$LIST

run no || exit 1
tap_check "no: every entry stated" [ "$NSIZES" = $N ]
tap_check "no: a LOOKUP per entry ($COUNT for $N)" [ "$COUNT" -ge $N ]
tap_check "no: the same listing" [ "$LIST" = "$want_list" ]

run auto || exit 1
tap_check "auto: every entry stated" [ "$NSIZES" = $N ]
tap_check "auto: the same listing" [ "$LIST" = "$want_list" ]

# Directories are opened without OPENDIR (Linux stops asking after the
# first ENOSYS) where Linux checks permissions or one user has the
# mount; with allow_other and nodefault_permissions every open asks.
# opens NAME LINE: "OPENDIR RELEASEDIR" requests after line LINE.
opens() {
	tail -n "+$(($2 + 1))" "$WORK/$1.err" | awk '
	    /opcode: OPENDIR/ { o++ } /opcode: RELEASEDIR/ { r++ }
	    END { printf "%d %d\n", o, r }'
}
ND=40
# tree NAME OPTS: mount, make ND directories of 3 files and a private
# one, forget the caches, list the tree twice (find); sets OPENS LIST.
tree() {
	local name=$1 i mark
	shift
	it_mount "$name" -d -t tmpfs "$@" none "$MNT" || return 1
	for ((i = 0; i < ND; i++)); do
		mkdir "$MNT/d$i"
		: >"$MNT/d$i/a"; : >"$MNT/d$i/b"; : >"$MNT/d$i/c"
	done
	mkdir -m 0700 "$MNT/private"
	: >"$MNT/private/secret"
	sync
	echo 2 >/proc/sys/vm/drop_caches
	mark=$(wc -l <"$WORK/$name.err")
	LIST=$(find "$MNT" | sort | md5sum)
	find "$MNT" >/dev/null
	OPENS=$(opens "$name" "$mark")
	if command -v setpriv >/dev/null; then
		NOBODY_LS=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		    ls "$MNT/private" 2>&1)
		NOBODY_PUB=$(setpriv --reuid=65534 --regid=65534 \
		    --clear-groups ls "$MNT/d0" 2>&1 | tr '\n' ' ')
	else
		NOBODY_LS="Permission denied (setpriv missing)"
		NOBODY_PUB="a b c "
	fi
	it_umount "$name" "$MNT"
}

tree no_opendir || exit 1
set -- $OPENS
tap_check "single user: at most one OPENDIR for $((ND + 2)) directories ($1)" \
    [ "$1" -le 1 ]
tap_check "single user: no RELEASEDIR ($2)" [ "$2" = 0 ]
want_tree=$LIST

tree no_opendir_multi -o allow_other || exit 1
set -- $OPENS
tap_check "allow_other (default_permissions): at most one OPENDIR ($1)" \
    [ "$1" -le 1 ]
tap_check "allow_other: the same tree" [ "$LIST" = "$want_tree" ]
tap_check "allow_other: nobody lists a public directory ($NOBODY_PUB)" \
    [ "$NOBODY_PUB" = "a b c " ]
case $NOBODY_LS in
*"Permission denied"*) tap_ok "allow_other: a 0700 directory is not listed for nobody" ;;
*) tap_fail "allow_other: a 0700 directory is not listed for nobody" "$NOBODY_LS" ;;
esac

tree opendir_multi -o allow_other,nodefault_permissions || exit 1
set -- $OPENS
tap_check "allow_other,nodefault_permissions: OPENDIR per directory ($1)" \
    [ "$1" -ge $((2 * (ND + 2))) ]
tap_check "allow_other,nodefault_permissions: the same tree" \
    [ "$LIST" = "$want_tree" ]
tap_check "nodefault_permissions: nobody lists a public directory" \
    [ "$NOBODY_PUB" = "a b c " ]
case $NOBODY_LS in
*"Permission denied"*) tap_ok "nodefault_permissions: a 0700 directory is not listed for nobody" ;;
*) tap_fail "nodefault_permissions: a 0700 directory is not listed for nobody" "$NOBODY_LS" ;;
esac

for v in sometimes ""; do
	out=$(timeout "$IT_TIMEOUT" "$RUMPFUSE" -t tmpfs \
	    -o "readdirplus=$v" none "$MNT" 2>&1)
	rc=$?
	if [ "$rc" = 2 ] && printf '%s\n' "$out" | grep -q "readdirplus"; then
		tap_ok "readdirplus='$v' is refused by name"
	else
		tap_fail "readdirplus='$v' is refused by name" "exit $rc: $out"
	fi
	it_is_mounted "$MNT" && fusermount3 -u "$MNT"
done
tap_done
