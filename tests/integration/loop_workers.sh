#!/bin/bash
# loop_workers.sh -- rumpfuse's own request loop (split_fuse_loop.c), in
# sandbox=split (split_channel=fuse) and sandbox=basic:
#   - with several workers, a request stuck in the driver does not stop
#     the others: the worker passes its turn to read on before it
#     processes (RUMPFUSE_TEST_SPLIT_HANG holds one request);
#   - busy_poll: a burst of requests from one program costs the reader
#     far fewer sleeps than requests; busy_poll=0 sleeps for each; a
#     quiet mount burns no CPU;
#   - many workers under parallel load give the right bytes;
#   - bad busy_poll values are refused by name, and one given where our
#     loop does not run (sandbox=none) is warned about.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

MNT=$WORK/mnt
N=2000

# server_pid NAME: the process that answers requests (the child of the
# supervisor in basic and split modes).
server_pid() {
	local pid
	eval "pid=\$IT_PID_$1"
	pgrep -P "$pid" | head -1
}
# sleeps PID: voluntary context switches of all of PID's threads.
sleeps() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
	    awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'
}
# cputicks PID: user + system clock ticks of PID.
cputicks() {
	awk '{ print $14 + $15 }' /proc/"$1"/stat
}

# ---- a stuck request does not stop the other workers ----
# (fusectl ends the held request's connection afterwards.)
mountpoint -q /sys/fs/fuse/connections ||
    mount -t fusectl fusectl /sys/fs/fuse/connections 2>/dev/null
for mode in split basic; do
	if ! [ -d /sys/fs/fuse/connections ] ||
	    ! mountpoint -q /sys/fs/fuse/connections; then
		tap_skip "$mode: a stuck request" "no fusectl"
		continue
	fi
	name=hang_$mode
	if ! RUMPFUSE_TEST_SPLIT_HANG=40 it_mount "$name" \
	    -o sandbox=$mode,max_threads=3 -t tmpfs none "$MNT"; then
		tap_fail "$mode: mount with max_threads=3"
		continue
	fi
	# Requests until one hangs (in the background: it will not return).
	( for i in $(seq 1 200); do echo x >"$MNT/f$i" || exit; done ) \
	    >/dev/null 2>&1 &
	bg=$!
	i=0
	while ! grep -q 'hangs in request' "$WORK/$name.err" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! grep -q 'hangs in request' "$WORK/$name.err"; then
		tap_fail "$mode: the test hook held a request"
	else
		tap_check "$mode: other requests are answered meanwhile" \
		    timeout 5 sh -c "mkdir '$MNT/other' && echo y >'$MNT/other/g' &&
		    [ \"\$(cat '$MNT/other/g')\" = y ] && ls '$MNT' >/dev/null"
	fi
	# The held request waits for an answer that never comes: end the
	# connection (split's supervisor would answer EIO in time; basic
	# has none), then the server.
	conn=$(mountpoint -d "$MNT" | cut -d: -f2)
	echo 1 >"/sys/fs/fuse/connections/$conn/abort"
	kill -KILL "$(server_pid "$name")" 2>/dev/null
	wait "$bg" 2>/dev/null
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	it_wait_exit "$name"
done

# ---- busy_poll: sleeps per burst, and none while quiet ----
# burst NAME OPTS: mount tmpfs, make N files, forget the cache, stat
# them all from one process; sets RATIO (reader sleeps per 100 requests)
# and QUIET (CPU ticks the server used in a quiet second).
burst() {
	local name=$1 spid s0 s1 t0 t1
	if ! it_mount "$name" -o "$2" -t tmpfs none "$MNT"; then
		RATIO=x QUIET=x
		return 1
	fi
	mkdir "$MNT/d"
	(cd "$MNT/d" && seq 1 $N | xargs touch)
	echo 2 >/proc/sys/vm/drop_caches
	spid=$(server_pid "$name")
	s0=$(sleeps "$spid")
	(cd "$MNT/d" && seq 1 $N | xargs stat -c %s >/dev/null)
	s1=$(sleeps "$spid")
	RATIO=$(((s1 - s0) * 100 / N))
	sleep 0.2
	t0=$(cputicks "$spid")
	sleep 1
	t1=$(cputicks "$spid")
	QUIET=$((t1 - t0))
	it_umount "$name" "$MNT"
}
# num_le A B: A is a number no larger than B.
num_le() { [ "$1" != x ] && [ "$1" -le "$2" ]; }
if [ "$(nproc)" -ge 2 ]; then
	burst poll "sandbox=split"
	tap_check "busy_poll (default): under 20 sleeps per 100 requests ($RATIO)" \
	    num_le "$RATIO" 19
	tap_check "busy_poll (default): a quiet mount uses no CPU ($QUIET ticks)" \
	    num_le "$QUIET" 2
	burst nopoll "sandbox=basic,busy_poll=0"
	tap_check "busy_poll=0: a sleep for most requests ($RATIO per 100)" \
	    num_le 30 "$RATIO"
else
	tap_skip "busy_poll" "one CPU: polling is off by default"
fi

# ---- many workers, parallel readers and writers ----
if it_mount many -o max_threads=6,busy_poll=20 -t tmpfs none "$MNT"; then
	head -c 8M /dev/urandom >"$WORK/src"
	for j in 1 2 3 4 5 6; do
		(cp "$WORK/src" "$MNT/c$j" && cmp -s "$WORK/src" "$MNT/c$j" &&
		    for i in $(seq 1 150); do echo "$j $i" >"$MNT/s$j.$i"; done &&
		    [ "$(cat "$MNT/s$j.150")" = "$j 150" ]) &
	done
	fails=0
	for j in 1 2 3 4 5 6; do
		wait -n || fails=$((fails + 1))
	done
	tap_check "six parallel copiers and creators, six workers: all right" \
	    [ "$fails/$(ls "$MNT" | wc -l)" = 0/$((6 + 6 * 150)) ]
	it_umount many "$MNT"
else
	tap_fail "max_threads=6: mount"
fi

# ---- options ----
for bad in busy_poll=abc busy_poll=10001 busy_poll=-1 busy_poll; do
	out=$("$RUMPFUSE" -f -o "$bad" -t tmpfs none "$MNT" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [ -z "${out##*busy_poll*}" ]; then
		tap_ok "$bad is refused by name"
	else
		tap_fail "$bad is refused by name" "exit $rc: $out"
	fi
done
if it_mount none_poll -o sandbox=none,busy_poll=30 -t tmpfs none "$MNT"; then
	tap_check "busy_poll with sandbox=none: a warning" \
	    grep -q 'busy_poll=30: only with' "$WORK/none_poll.err"
	it_umount none_poll "$MNT"
else
	tap_fail "sandbox=none,busy_poll=30: mount"
fi
tap_done
