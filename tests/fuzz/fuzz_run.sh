#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fuzz_run.sh DRIVER HARNESS -- run one fuzz harness as a test.
#
# The seed corpus is made afresh (mkseeds.sh) and the regression images
# of the driver (regress/DRIVER/*.gz: inputs that once crashed, hung or
# leaked, kept small and compressed) are unpacked next to it.
#   FUZZ_MODE=replay     (regular build) every seed and regression image
#                        is run once, one TAP line each;
#   FUZZ_MODE=libfuzzer  (clang, -Dfuzzing=true) the same, then
#                        libFuzzer mutates the corpus for FUZZ_SECONDS
#                        (default 20); a crash, hang (-timeout), leak or
#                        sanitizer report fails the test, and the input
#                        is kept in FUZZ_ARTIFACTS/DRIVER.
set -u
drv=$1
harness=$2
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
MODE=${FUZZ_MODE:-replay}
SECS=${FUZZ_SECONDS:-20}
ART=${FUZZ_ARTIFACTS:-/tmp/fuzz-artifacts}/$drv

W=$(mktemp -d /tmp/fuzz-run.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/corpus" "$W/regress" "$ART"
if ! "$TOP/tests/fuzz/mkseeds.sh" "$drv" "$W/seeds" >"$W/seeds.log" 2>&1; then
	echo "1..0 # SKIP no seed images: $(tail -1 "$W/seeds.log")"
	exit 0
fi
for f in "$TOP/tests/fuzz/regress/$drv/"*.gz; do
	[ -e "$f" ] || continue
	gzip -dc "$f" >"$W/regress/$(basename "$f" .gz)"
done

if [ "$MODE" = replay ]; then
	exec "$harness" "$W/seeds" "$W/regress"
fi

# libFuzzer: the inputs once each (one TAP line each), then fuzzing.
n=0
fail=0
for f in "$W/seeds/"* "$W/regress/"*; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if "$harness" -runs=1 -timeout=30 "$f" >"$W/one.log" 2>&1; then
		echo "ok $n - $drv: $(basename "$f")"
	else
		echo "not ok $n - $drv: $(basename "$f")"
		tail -30 "$W/one.log" | sed 's/^/# /'
		fail=1
	fi
done
cp "$W/seeds/"* "$W/corpus/"
n=$((n + 1))
"$harness" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8388608 -print_final_stats=1 -artifact_prefix="$ART/" \
    "$W/corpus" >"$W/fuzz.log" 2>&1
st=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/fuzz.log")
if [ $st = 0 ]; then
	echo "ok $n - $drv: libFuzzer ${SECS}s, ${execs:-?} inputs, no crash, hang or leak"
else
	echo "not ok $n - $drv: libFuzzer found a problem (input kept in $ART)"
	grep -m1 -A40 -e 'ERROR:' -e 'runtime error' -e 'timeout' \
	    "$W/fuzz.log" | sed 's/^/# /'
fi
echo "1..$n"
exit 0
