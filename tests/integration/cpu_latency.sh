#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cpu_latency.sh -- -o cpu_latency: the daemon holds /dev/cpu_dma_latency
# (root), idle CPUs stay out of their sleeping states while requests
# arrive and go back to them when the mount is quiet; cpu_latency=off
# asks for nothing; bad values are refused by name.  The sleep checks
# read the cpuidle usage counters and run only where idle CPUs do sleep
# (a state with a non-zero exit latency that gets entered on a quiet
# machine).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

MNT=$WORK/mnt

# Entries into idle states that take time to leave, summed over CPUs.
sleeps() {
	local s n=0 lat
	for s in /sys/devices/system/cpu/cpu[0-9]*/cpuidle/state[0-9]*; do
		[ -r "$s/latency" ] || continue
		lat=$(cat "$s/latency")
		[ "$lat" -gt 0 ] || continue
		n=$((n + $(cat "$s/usage")))
	done
	echo "$n"
}

# The processes of the mount on $MNT holding /dev/cpu_dma_latency.
holders() {
	local p
	for p in $(pgrep -f "$MNT"); do
		ls -l "/proc/$p/fd" 2>/dev/null | grep -q cpu_dma_latency &&
		    echo "$p"
	done
}

# Requests for about $1 ms (opens with O_TRUNC: every one reaches the
# daemon; no process is started meanwhile).
burst() {
	local end i
	end=$((${EPOCHREALTIME/./} + $1 * 1000))
	while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
		for i in 1 2 3 4 5 6 7 8 9 10; do
			: >"$MNT/b$i"
		done
	done
}

# sleeps_during SECS CMD...: how many sleeps in SECS while CMD runs,
# measured from 100 ms in (the bound is asked for at the first request).
sleeps_during() {
	local secs=$1 a b
	shift
	"$@" &
	sleep 0.1
	a=$(sleeps)
	sleep "$secs"
	b=$(sleeps)
	wait
	echo $((b - a))
}

cpuidle=no
if [ -n "$(sleeps)" ] && [ "$(sleeps)" -gt 0 ] && [ -c /dev/cpu_dma_latency ]
then
	a=$(sleeps); sleep 0.3; b=$(sleeps)
	[ $((b - a)) -gt 5 ] && cpuidle=yes
fi

# Default: asked for while busy, withdrawn when quiet.
it_mount lat -t tmpfs none "$MNT" || exit 1
if [ -n "$(holders)" ]; then
	tap_ok "default: the daemon holds /dev/cpu_dma_latency"
else
	tap_fail "default: the daemon holds /dev/cpu_dma_latency" \
	    "no process of the mount has it open"
fi
if [ $cpuidle = yes ]; then
	n=$(sleeps_during 0.3 burst 600)
	tap_check "default: no CPU sleeps while requests arrive ($n)" \
	    [ "$n" -le 2 ]
	sleep 0.2
	a=$(sleeps); sleep 0.3; b=$(sleeps)
	tap_check "default: CPUs sleep again when the mount is quiet" \
	    [ $((b - a)) -gt 2 ]
else
	tap_skip "default: no CPU sleeps while requests arrive" \
	    "idle CPUs do not sleep here"
	tap_skip "default: CPUs sleep again when the mount is quiet" \
	    "idle CPUs do not sleep here"
fi
it_umount lat "$MNT"

# off: nothing asked for.
it_mount off -t tmpfs -o cpu_latency=off none "$MNT" || exit 1
tap_check "cpu_latency=off: /dev/cpu_dma_latency is not held" \
    [ -z "$(holders)" ]
if [ $cpuidle = yes ]; then
	n=$(sleeps_during 0.3 burst 600)
	tap_check "cpu_latency=off: CPUs sleep between requests ($n)" \
	    [ "$n" -gt 2 ]
else
	tap_skip "cpu_latency=off: CPUs sleep between requests" \
	    "idle CPUs do not sleep here"
fi
it_umount off "$MNT"

# A bound other than 0 is accepted.
it_mount ten -t tmpfs -o cpu_latency=10 none "$MNT" || exit 1
tap_check "cpu_latency=10: mounts and serves" touch "$MNT/x"
it_umount ten "$MNT"

# Bad values.
for v in abc -1 1000001 ""; do
	out=$(timeout "$IT_TIMEOUT" "$RUMPFUSE" -t tmpfs -o "cpu_latency=$v" \
	    none "$MNT" 2>&1)
	rc=$?
	if [ "$rc" = 2 ] && printf '%s\n' "$out" | grep -q "cpu_latency"; then
		tap_ok "cpu_latency='$v' is refused by name"
	else
		tap_fail "cpu_latency='$v' is refused by name" \
		    "exit $rc: $out"
	fi
	it_is_mounted "$MNT" && fusermount3 -u "$MNT"
done
tap_done
