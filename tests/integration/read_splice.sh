#!/bin/bash
# read_splice.sh -- large reads of clean file data are spliced from the
# image into /dev/fuse in every sandbox mode: the default max_read is the
# largest power of two whose reply fits the pipe libfuse splices through
# (/proc/sys/fs/pipe-max-size, which the sandbox cannot exceed), Linux
# is told it (/proc/mounts), and every large READ reply in the daemon's
# -d log says "(splice)".  A max_read given by the user is honoured (its
# replies are copied) and reads the same bytes.  The bytes read cold
# through each mount equal the file put into the image by mkfs.ext4 -d.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup
command -v mkfs.ext4 >/dev/null || it_skip_all "mkfs.ext4 is missing"

MNT=$WORK/mnt
mkdir -p "$WORK/src"
head -c $((24 * 1024 * 1024)) /dev/urandom >"$WORK/src/big"
want=$(md5sum <"$WORK/src/big")
mkfs.ext4 -q -F -d "$WORK/src" "$WORK/img" 64M >/dev/null 2>&1 ||
    it_skip_all "mkfs.ext4 -d failed"

# The default max_read, as the daemon computes it.
pipemax=$(cat /proc/sys/fs/pipe-max-size 2>/dev/null || echo 1048576)
page=$(getconf PAGESIZE)
expect=$((1024 * 1024))
while [ $expect -gt 4096 ] && [ $((expect + page * 19)) -gt "$pipemax" ]; do
	expect=$((expect / 2))
done

# READ replies over 64 KiB in log $1: "spliced copied".
read_replies() {
	awk '/opcode: READ \(/ { sub(",", "", $2); rd[$2] = 1; next }
	    /success, outsize:/ {
		u = $2; sub(",", "", u)
		if (!(u in rd)) next
		n = $5 + 0
		if (n <= 65536) next
		if (/\(splice\)/) s++; else c++
	    }
	    END { printf "%d %d\n", s, c }' "$1"
}

# run NAME OPTS: mount, check max_read, read cold, compare, unmount.
run() {
	local name=$1 opts=$2 mr got
	it_mount "$name" -d -o "$opts" "$WORK/img" "$MNT" || {
		tap_fail "$name: mounts" "$(tail -5 "$WORK/$name.err")"
		return 1
	}
	mr=$(awk -v m="$MNT" '$2 == m { print $4 }' /proc/mounts |
	    tr , '\n' | sed -n 's/^max_read=//p')
	MAXREAD=$mr
	sync
	echo 3 >/proc/sys/vm/drop_caches
	got=$(dd if="$MNT/big" bs=1M status=none | md5sum)
	tap_check "$name: the bytes read cold are the file's" \
	    [ "$got" = "$want" ]
	it_umount "$name" "$MNT"
	REPLIES=$(read_replies "$WORK/$name.err")
}

for mode in auto basic; do
	run "splice_$mode" "sandbox=$mode" || continue
	tap_check "$mode: Linux has max_read=$expect ($MAXREAD)" \
	    [ "$MAXREAD" = "$expect" ]
	set -- $REPLIES
	tap_check "$mode: large READ replies are spliced ($1 spliced)" \
	    [ "$1" -ge $((24 * 1024 * 1024 / expect)) ]
	tap_check "$mode: no large READ reply is copied ($2)" [ "$2" = 0 ]
done

run splice_1m "max_read=1M" && {
	tap_check "max_read=1M: Linux has it ($MAXREAD)" \
	    [ "$MAXREAD" = 1048576 ]
}

tap_done
