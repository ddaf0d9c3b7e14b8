#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""table.py RESULTS.tsv -- the benchmark table: per family, one row per
workload, per target the median seconds over the runs and the ratio to
the family's first target (the kernel's ext4 for ext4; rumpfuse for fat
and iso, which have no kernel driver here).  Lower is better.  A failed
step shows FAIL; the fsck row shows whether every run left the image
clean."""
import statistics
import sys
from collections import OrderedDict, defaultdict

ORDER = {"ext4": ["kernel", "rumpfuse", "fuse2fs"],
         "fat": ["rumpfuse", "fusefat"], "iso": ["rumpfuse", "fuseiso"]}

rows = defaultdict(lambda: defaultdict(list))   # fam -> (wl, tgt) -> values
wls = defaultdict(OrderedDict)
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) != 5:
        continue
    fam, tgt, run, wl, val = f
    wls[fam][wl] = True
    rows[fam][(wl, tgt)].append(val)

for fam in wls:
    tgts = [t for t in ORDER.get(fam, []) if any(
        (w, t) in rows[fam] for w in wls[fam])]
    base = tgts[0]
    print(f"\n### {fam}\n")
    head = "| workload | " + " | ".join(
        f"{t} s" + ("" if t == base else f" | {t} ÷ {base}") for t in tgts)
    print(head + " |")
    print("|" + "---|" * (1 + len(tgts) * 2 - 1))
    for wl in wls[fam]:
        cells = []
        med = {}
        for t in tgts:
            vals = rows[fam].get((wl, t), [])
            if wl == "fsck":
                cell = "clean" if vals and all(v == "clean" for v in vals) \
                    else ("ERRORS" if vals else "-")
            elif not vals:
                cell = "-"
            elif any(v == "FAIL" for v in vals):
                cell = "FAIL"
            else:
                med[t] = statistics.median(float(v) for v in vals)
                cell = f"{med[t]:.2f}"
            cells.append(cell)
            if t != base:
                if t in med and base in med and med[base] > 0:
                    cells.append(f"{med[t] / med[base]:.2f}×")
                else:
                    cells.append("-")
        print(f"| {wl} | " + " | ".join(cells) + " |")
