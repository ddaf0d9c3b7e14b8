#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Count individual test cases over meson's testlog.json files.

Every test speaks TAP: each "ok" line is a passed case ("# SKIP" ones are
counted apart), each "not ok" a failed one.  A test program that failed
without reporting any failing case (a crash, a timeout, a sanitizer report
at exit) counts as one more failure.  Prints the failures, then the plain
summary "N passed, N failed" as the very last line.  Exit status 1 if
anything failed.
"""
import json
import re
import sys

OK = re.compile(r"^ok\b")
NOT_OK = re.compile(r"^not ok\b")
SKIP = re.compile(r"#\s*SKIP", re.IGNORECASE)

passed = failed = skipped = 0
failures = []
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8", errors="replace").readlines()
    except OSError as e:
        print(f"cannot read {path}: {e}")
        failed += 1
        continue
    build = path.split("/")[0]
    for line in lines:
        rec = json.loads(line)
        out = rec.get("stdout") or ""
        bad = 0
        for t in out.splitlines():
            if NOT_OK.match(t):
                failed += 1
                bad += 1
                failures.append(f"{build}: {rec['name']}: {t}")
            elif OK.match(t):
                if SKIP.search(t):
                    skipped += 1
                else:
                    passed += 1
        if rec.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL") and bad == 0:
            failed += 1
            failures.append(f"{build}: {rec['name']}: {rec.get('result')}")
for f in failures:
    print("FAILED:", f)
print(f"({skipped} skipped)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
