#!/bin/bash
# readdirplus.sh -- -o readdirplus: with "always" (the default) a program
# that lists a large directory and then stats every entry needs no
# LOOKUP per entry; with "no" it needs one each; "auto" works; listings
# are the same whatever the setting; bad values are refused by name.
# Requests are counted in the daemon's -d log.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

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
