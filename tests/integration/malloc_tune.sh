#!/bin/bash
# malloc_tune.sh -- the daemon tunes glibc's malloc for a fast-growing
# heap (daemon/malloc_tune.c): it executes itself once with
# glibc.malloc.hugetlb=1 and glibc.malloc.top_pad in GLIBC_TUNABLES, so
# its heap grows 64 MiB at a time (a sixteenth of a sandbox memory limit
# below 1 GiB); it keeps its name; a GLIBC_TUNABLES that names
# glibc.malloc.hugetlb already is left alone; the mount works either way.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

MNT=$WORK/mnt

# heap_mib PID: the size of PID's [heap] mapping, MiB (0 if none).
heap_mib() {
	local lo hi
	read -r lo hi < <(awk '/\[heap\]/ { split($1, a, "-"); print a[1], a[2] }' \
	    "/proc/$1/maps")
	[ -n "$lo" ] || { echo 0; return; }
	echo $(((16#$hi - 16#$lo) / 1048576))
}
# check NAME MIN MAX ARGS...: mount tmpfs with ARGS, use it, check the
# server's heap is MIN..MAX MiB and that it is called rumpfuse.
check() {
	local name=$1 min=$2 max=$3 pid spid mib
	shift 3
	if ! it_mount "$name" "$@" -t tmpfs none "$MNT"; then
		tap_fail "$name: mounts"
		return
	fi
	eval "pid=\$IT_PID_$name"
	spid=$(pgrep -P "$pid" | head -1)
	[ -n "$spid" ] || spid=$pid	# sandbox=none: one process
	head -c 1M /dev/zero >"$MNT/f" && cmp -s "$MNT/f" <(head -c 1M /dev/zero)
	tap_check "$name: the mount works" [ $? -eq 0 ]
	mib=$(heap_mib "$spid")
	if grep -q 'libasan' "/proc/$spid/maps"; then
		tap_skip "$name: heap size" "AddressSanitizer's own allocator"
	else
		tap_check "$name: heap $mib MiB, want $min..$max" \
		    [ "$mib" -ge "$min" -a "$mib" -le "$max" ]
	fi
	tap_check "$name: the process is still called rumpfuse" \
	    [ "$(cat "/proc/$spid/comm")" = rumpfuse ]
	it_umount "$name" "$MNT"
}

check none 64 200 -o sandbox=none
check split 64 200
check small 4 40 -o memlimit=64M
GLIBC_TUNABLES=glibc.malloc.hugetlb=0 check users 0 8 -o sandbox=none
tap_done
