#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tmpfs_fio.sh -- fio through FUSE on a rumpfuse tmpfs, every block
# verified with crc32c: 4 jobs of random writes then a verify pass, 4
# jobs of mixed random reads and writes verifying what they read,
# sequential large blocks, one file shared by 4 writers; then a clean
# unmount; then mixed jobs again with -o writeback_cache.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/tap.sh"
. "$here/lib.sh"
it_setup
command -v fio >/dev/null || it_skip_all "fio is missing"

MNT=$WORK/mnt
if ! it_mount fio -t tmpfs -o size=1g none "$MNT"; then
	tap_fail "mount tmpfs" "$(cat "$WORK/fio.err")"
	tap_done
	exit 1
fi
tap_ok "mount tmpfs"

# run_fio NAME ARGS...: fio exits 0 and reports no error.
run_fio() {
	local name=$1 out rc
	shift
	out=$(timeout 300 fio --directory="$MNT" --ioengine=psync \
	    --group_reporting --output-format=terse --terse-version=3 \
	    --verify=crc32c --verify_fatal=1 --do_verify=1 "$@" 2>&1)
	rc=$?
	# Terse v3: field 5 is the job's error number.
	if [ "$rc" -eq 0 ] && printf '%s\n' "$out" |
	    awk -F';' 'NF > 5 && $5 != 0 { bad = 1 } END { exit bad }'; then
		tap_ok "$name"
	else
		tap_fail "$name" "fio exit $rc
$(printf '%s\n' "$out" | grep -v '^3;' | head -20)"
	fi
}

run_fio "fio: 4 jobs randwrite 4k, verify crc32c" --name=randwrite \
    --rw=randwrite --bs=4k --size=32m --numjobs=4
run_fio "fio: 4 jobs randwrite mixed sizes, verify crc32c" --name=mixbs \
    --rw=randwrite --bsrange=512-64k --size=32m --numjobs=4 \
    --verify_interval=512
run_fio "fio: 4 jobs randrw 70/30, verify crc32c" --name=randrw \
    --rw=randrw --rwmixread=70 --bs=4k --size=32m --numjobs=4
run_fio "fio: sequential 1M blocks, verify crc32c" --name=seq \
    --rw=write --bs=1m --size=256m --numjobs=1
run_fio "fio: 4 jobs overwrite the same file, verify crc32c" \
    --name=shared --filename=shared.dat --rw=randwrite --bs=4k \
    --size=16m --numjobs=4 --offset_increment=16m
tap_check "remove fio's files" sh -c "rm -f '$MNT'/*"
it_check_out "empty again" "" ls -A "$MNT"
it_umount fio "$MNT"

# The same with Linux's writeback cache in front of the daemon.
if it_mount wb -t tmpfs -o size=1g,writeback_cache none "$MNT"; then
	tap_ok "mount tmpfs -o writeback_cache"
	run_fio "writeback_cache: 4 jobs randrw, verify crc32c" --name=wbrw \
	    --rw=randrw --rwmixread=50 --bsrange=1k-32k --size=32m \
	    --numjobs=4 --verify_interval=1024
	run_fio "writeback_cache: 4 jobs randwrite 4k + fsync, verify" \
	    --name=wbsync --rw=randwrite --bs=4k --size=16m --numjobs=4 \
	    --fsync=32
	it_umount wb "$MNT"
else
	tap_fail "mount tmpfs -o writeback_cache" "$(cat "$WORK/wb.err")"
fi
tap_done
