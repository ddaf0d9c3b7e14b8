#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# msdosfs_conformance.sh -- the conformance suite's FAT configurations
# (fat12, fat16, fat32, fat-small), keeping every image they write
# (MSDOSFS_KEEP, see tests/conformance/conf_fs.c), then fsck.fat -n on
# each: after any case, the volume the driver unmounted must be clean.
# (The suite itself reports the cases; this test judges the images.)
#
# Environment: CONFORMANCE (the conformance binary), TOP.  Needs
# dosfstools; skips otherwise.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/tap.sh"

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ -n "${CONFORMANCE:-}" ] && [ -x "$CONFORMANCE" ] ||
	skip_all "no conformance binary"
command -v fsck.fat >/dev/null || skip_all "no fsck.fat"
command -v mkfs.fat >/dev/null || skip_all "no mkfs.fat"

W=$(mktemp -d /tmp/msdosfs-conf.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/keep" "$W/tmp"

for fs in fat12 fat16 fat32 fat-small; do
	rm -f "$W/keep/"*
	TMPDIR=$W/tmp MSDOSFS_KEEP=$W/keep "$CONFORMANCE" -f "$fs" \
	    >"$W/out" 2>&1
	n=$(grep -c '^ok' "$W/out")
	if grep -q '^not ok' "$W/out"; then
		tap_fail "$fs: conformance cases" \
		    "$(grep -A3 '^not ok' "$W/out")"
	else
		tap_ok "$fs: conformance cases ($n)"
	fi
	bad=""
	count=0
	for img in "$W/keep/"*; do
		[ -e "$img" ] || continue
		count=$((count + 1))
		if ! out=$(fsck.fat -n "$img" 2>&1); then
			bad="$bad
$(basename "$img"): $out"
		fi
		rm -f "$img"
	done
	if [ "$count" = 0 ]; then
		tap_fail "$fs: fsck.fat -n after every case" "no image kept"
	elif [ -z "$bad" ]; then
		tap_ok "$fs: fsck.fat -n after every case ($count images)"
	else
		tap_fail "$fs: fsck.fat -n after every case" "$bad"
	fi
done
tap_done
