#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tmpfs_stress.sh -- the acceptance workload: for STRESS_SECS (default 25)
# seconds several processes copy trees into a rumpfuse tmpfs, rename and
# delete them, churn a shared directory and rewrite a big file, while
# readers walk the mount.  No operation may fail; afterwards every
# surviving tree must equal its source, every shared file hold what its
# writer left; then SIGTERM must stop the daemon with exit 0 and (for a
# sanitizer build) no leak report.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup

SECS=${STRESS_SECS:-25}
NWORKERS=4
SRC=""
for d in /usr/include/linux /usr/include /usr/share/doc; do
	if [ -d "$d" ] && [ "$(find "$d" 2>/dev/null | head -300 | wc -l)" -ge 300 ]; then
		SRC=$d
		break
	fi
done
[ -n "$SRC" ] || it_skip_all "no tree of 300+ files to copy"

MNT=$WORK/mnt
# Four workers, more than this test machine has CPUs for: the loop's
# hand-over of the turn to read under load (split_fuse_loop.c).
if ! it_mount stress -t tmpfs -o size=4g,max_threads=4 none "$MNT"; then
	tap_fail "mount tmpfs" "$(cat "$WORK/stress.err")"
	tap_done
	exit 1
fi
tap_ok "mount tmpfs"
mkdir "$MNT/shared"
END=$(($(date +%s) + SECS))

# worker I: copy, rename, delete in its own directory; churn the shared
# one; log what must survive to $WORK/keep.I and $WORK/shared.I.
worker() {
	local i=$1 j=0 d=$MNT/w$1
	mkdir "$d" || return 1
	: >"$WORK/keep.$i"
	: >"$WORK/shared.$i"
	while [ "$(date +%s)" -lt "$END" ]; do
		cp -a "$SRC" "$d/copy$j" || { echo "w$i: cp -a #$j failed"; return 1; }
		mv "$d/copy$j" "$d/tree$j" || { echo "w$i: mv #$j failed"; return 1; }
		if [ $((j % 2)) -eq 1 ]; then
			rm -r "$d/tree$j" || { echo "w$i: rm -r #$j failed"; return 1; }
		else
			echo "tree$j" >>"$WORK/keep.$i"
		fi
		# The shared directory: write, rename over, sometimes delete.
		printf 'w%d-%d\n' "$i" "$j" >"$MNT/shared/tmp.$i.$j" &&
		    mv "$MNT/shared/tmp.$i.$j" "$MNT/shared/f.$i.$((j % 5))" ||
		    { echo "w$i: shared #$j failed"; return 1; }
		echo "f.$i.$((j % 5)) w$i-$j" >>"$WORK/shared.$i"
		mkdir "$MNT/shared/d.$i.$j" && rmdir "$MNT/shared/d.$i.$j" ||
		    { echo "w$i: shared dir #$j failed"; return 1; }
		j=$((j + 1))
	done
	echo "$j" >"$WORK/iters.$i"
	return 0
}

# The big-file writer: rewrite a 32 MiB file in place, chunk by chunk.
bigfile() {
	local n=0
	head -c $((32 * 1024 * 1024)) /dev/urandom >"$WORK/big.src"
	cp "$WORK/big.src" "$MNT/big" || { echo "big: cp failed"; return 1; }
	while [ "$(date +%s)" -lt "$END" ]; do
		dd if="$WORK/big.src" of="$MNT/big" bs=1M count=4 \
		    skip=$((n % 8 * 4)) seek=$((n % 8 * 4)) conv=notrunc \
		    status=none || { echo "big: dd failed"; return 1; }
		cmp -s "$WORK/big.src" "$MNT/big" ||
		    { echo "big: contents differ after pass $n"; return 1; }
		n=$((n + 1))
	done
	return 0
}

# Readers: walk and stat everything; vanishing entries are expected.
reader() {
	while [ "$(date +%s)" -lt "$END" ]; do
		find "$MNT" -xdev -type f 2>/dev/null | head -2000 |
		    xargs -r cat >/dev/null 2>&1
		du -s "$MNT" >/dev/null 2>&1
	done
	return 0
}

pids=""
for i in $(seq 1 $NWORKERS); do
	worker "$i" >"$WORK/worker.$i.log" 2>&1 &
	pids="$pids $!"
done
bigfile >"$WORK/big.log" 2>&1 &
pids="$pids $!"
reader >/dev/null 2>&1 &
rpid=$!
reader >/dev/null 2>&1 &
rpid2=$!

failed=0
for p in $pids; do
	wait "$p" || failed=1
done
wait "$rpid" "$rpid2"
logs=$(cat "$WORK"/worker.*.log "$WORK/big.log")
if [ $failed -eq 0 ]; then
	tap_ok "$NWORKERS copiers + big-file writer + 2 readers for ${SECS}s: no error ($(cat "$WORK"/iters.* | awk "{ s += \$1 } END { print s }") copies)"
else
	tap_fail "$NWORKERS copiers + big-file writer + 2 readers for ${SECS}s: no error" "$logs"
fi
if ! kill -0 "$IT_PID_stress" 2>/dev/null || ! it_is_mounted "$MNT"; then
	tap_fail "daemon alive and mounted after the workload" \
	    "$(tail -20 "$WORK/stress.err")"
	tap_done
	exit 1
fi
tap_ok "daemon alive and mounted after the workload"

# Verify: each worker's directory holds exactly the kept trees, intact.
for i in $(seq 1 $NWORKERS); do
	want=$(sort "$WORK/keep.$i" | tr '\n' ' ')
	got=$(ls "$MNT/w$i" | sort | tr '\n' ' ')
	if [ "$want" = "$got" ]; then
		tap_ok "w$i: exactly the expected trees ($(wc -l <"$WORK/keep.$i"))"
	else
		tap_fail "w$i: exactly the expected trees" "want: $want
got: $got"
	fi
	bad=""
	for t in $(cat "$WORK/keep.$i"); do
		diff -r --no-dereference "$SRC" "$MNT/w$i/$t" >/dev/null 2>&1 ||
		    bad="$bad $t"
	done
	if [ -z "$bad" ]; then tap_ok "w$i: every kept tree equals $SRC"
	else tap_fail "w$i: every kept tree equals $SRC" "differ:$bad"; fi
done
# The shared directory: the last write of each name wins, no leftovers.
want=""
for i in $(seq 1 $NWORKERS); do
	want="$want$(awk '{ last[$1] = $2 } END { for (f in last) print f, last[f] }' \
	    "$WORK/shared.$i")
"
done
want=$(printf '%s' "$want" | grep -v '^$' | sort)
got=$(cd "$MNT/shared" && for f in *; do echo "$f $(cat "$f")"; done | sort)
if [ "$want" = "$got" ]; then
	tap_ok "shared directory: last writer wins, no leftovers"
else
	tap_fail "shared directory: last writer wins, no leftovers" \
	    "$(diff <(echo "$want") <(echo "$got") | head -20)"
fi
tap_check "big file intact" cmp "$WORK/big.src" "$MNT/big"
tap_check "statfs works" stat -f "$MNT"

# Stop with SIGTERM: exit 0, unmounted, no sanitizer report.
kill -TERM "$IT_PID_stress"
it_wait_exit stress
if [ "$IT_RC" = 0 ]; then
	tap_ok "SIGTERM: daemon exits 0"
else
	tap_fail "SIGTERM: daemon exits 0" "status $IT_RC: $(tail -20 "$WORK/stress.err")"
fi
if it_sanitizer_clean "$WORK/stress.err"; then
	tap_ok "no sanitizer or leak report"
else
	tap_fail "no sanitizer or leak report" "$(head -40 "$WORK/stress.err")"
fi
if it_is_mounted "$MNT"; then tap_fail "SIGTERM: mount gone"
else tap_ok "SIGTERM: mount gone"; fi
tap_done
