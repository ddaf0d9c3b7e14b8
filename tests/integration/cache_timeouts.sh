#!/bin/bash
# cache_timeouts.sh -- the default entry, attribute and "no such file"
# cache timeouts: long (RF_CACHE_LONG) where only this mount can change
# what it shows (a locked image with case-sensitive names, or a
# read-only one), 1 s / 1 s / none otherwise (nolock; FAT read-write,
# whose names alias case-blind); given timeouts win.  With the long
# ones a name stated twice, seconds apart, costs one LOOKUP and no
# GETATTR, and a missing name looked up twice costs one LOOKUP; with
# the short ones both are asked again.  Long caching stays right: Linux
# sees every change (links, renames, removals, writes, chmod).
# Requests are counted in the daemon's -d log.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup
command -v mkfs.ext4 >/dev/null || it_skip_all "mkfs.ext4 is missing"
command -v mkfs.fat >/dev/null || it_skip_all "mkfs.fat is missing"

MNT=$WORK/mnt
LONG="entry 86400s, attr 86400s, negative 86400s"
SHORT="entry 1s, attr 1s, negative 0s"

# timeouts NAME: the timeouts the daemon chose, from its -d log.
timeouts() {
	sed -n 's/.*cache timeouts: //p' "$WORK/$1.err" | head -1
}
# asks NAME LINE: "LOOKUP GETATTR" requests after line LINE of the log.
asks() {
	tail -n "+$(($2 + 1))" "$WORK/$1.err" | awk '
	    /opcode: LOOKUP/ { l++ } /opcode: GETATTR/ { g++ }
	    END { printf "%d %d\n", l, g }'
}
# probe NAME: stat a file and a missing name, wait past 1 s, again;
# sets ASKS to what the second round asked.
probe() {
	local name=$1 mark
	: >"$MNT/probe"
	stat -c %s "$MNT/probe" >/dev/null
	stat "$MNT/missing" >/dev/null 2>&1
	sleep 1.3
	mark=$(wc -l <"$WORK/$name.err")
	stat -c %s "$MNT/probe" >/dev/null
	stat "$MNT/missing" >/dev/null 2>&1
	ASKS=$(asks "$name" "$mark")
	rm -f "$MNT/probe"
}
# case NAME WANT WANTASKS ARGS...: mount with ARGS, check the chosen
# timeouts and what a second round of stats asks.
case_() {
	local name=$1 want=$2 wantasks=$3 got
	shift 3
	if ! it_mount "$name" -d "$@" "$MNT"; then
		tap_fail "$name: mounts"
		return 1
	fi
	got=$(timeouts "$name")
	tap_check "$name: timeouts $want (got: $got)" [ "$got" = "$want" ]
	if [ "$wantasks" != - ]; then
		probe "$name"
		tap_check "$name: LOOKUP GETATTR the second round: $ASKS (want $wantasks)" \
		    [ "$ASKS" = "$wantasks" ]
	fi
	it_umount "$name" "$MNT"
}

mkfs.ext4 -q -F "$WORK/e.img" 32M >/dev/null 2>&1 ||
    { tap_fail "mkfs.ext4"; tap_done; exit 1; }
mkfs.fat -C "$WORK/f.img" 32768 >/dev/null 2>&1 ||
    { tap_fail "mkfs.fat"; tap_done; exit 1; }

case_ ext4 "$LONG" "0 0" "$WORK/e.img"
case_ ext4_nolock "$SHORT" "2 0" -o nolock "$WORK/e.img"
case_ ext4_given "entry 5s, attr 86400s, negative 0s" - \
    -o entry_timeout=5,negative_timeout=0 "$WORK/e.img"
case_ tmpfs "$LONG" "0 0" -t tmpfs none
case_ fat "$SHORT" "2 0" "$WORK/f.img"
case_ fat_ro "$LONG" - -o ro "$WORK/f.img"

# Linux sees every change through the mount, so long caching shows the
# truth: hard links' counts, renames, removals, sizes, modes, and names
# made after a failed lookup.
if it_mount ext4_changes -o default_permissions "$WORK/e.img" "$MNT"; then
	cd "$MNT" || exit 1
	stat new >/dev/null 2>&1	# cached as missing
	echo hello >new
	tap_check "a name made after it was missing is there" \
	    [ "$(cat new 2>/dev/null)" = hello ]
	ln new link
	tap_check "link: both names count 2" \
	    [ "$(stat -c %h new)/$(stat -c %h link)" = 2/2 ]
	rm link
	tap_check "unlink: the count is 1 again" [ "$(stat -c %h new)" = 1 ]
	mkdir d
	mv new d/moved
	tap_check "rename: the old name is gone, the new one there" \
	    [ ! -e new -a "$(cat d/moved)" = hello ]
	echo more >>d/moved
	chmod 640 d/moved
	tap_check "write and chmod: size and mode" \
	    [ "$(stat -c %s/%a d/moved)" = 11/640 ]
	rm -r d
	tap_check "rm -r: gone" [ ! -e d ]
	cd / || exit 1
	it_umount ext4_changes "$MNT"
	if command -v e2fsck >/dev/null; then
		tap_check "e2fsck -fn finds the image clean" \
		    e2fsck -fn "$WORK/e.img"
	fi
else
	tap_fail "ext4_changes: mounts"
fi
tap_done
