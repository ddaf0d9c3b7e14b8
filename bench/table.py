#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""table.py RESULTS.tsv -- the benchmark table: per family, one row per
workload, per target the median seconds over the runs and the ratio to
the family's first target (the kernel's ext4 for ext4; rumpfuse for fat
and iso, which have no kernel driver here).  Lower is better.  A failed
step shows FAIL; the fsck row shows whether every run left the image
clean.  A value measured under the fio time cap and scaled to the
nominal amount (a sixth field "capped") is marked "~"."""
import statistics
import sys
from collections import OrderedDict, defaultdict

ORDER = {"ext4": ["kernel", "rumpfuse", "rumpfuse-socket", "rumpfuse-basic", "fuse2fs"],
         "fat": ["rumpfuse", "fusefat"], "iso": ["rumpfuse", "fuseiso"]}

rows = defaultdict(lambda: defaultdict(list))   # fam -> (wl, tgt) -> values
capped = set()                                  # (fam, wl, tgt)
wls = defaultdict(OrderedDict)
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) not in (5, 6):
        continue
    fam, tgt, run, wl, val = f[:5]
    if len(f) == 6 and f[5] == "capped":
        capped.add((fam, wl, tgt))
    wls[fam][wl] = True
    rows[fam][(wl, tgt)].append(val)
anycap = False
lower = set()                                   # (wl, tgt) lower bounds

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
            elif any(v.startswith(">") for v in vals):
                med[t] = max(float(v.lstrip(">")) for v in vals)
                cell = f">{med[t]:.0f}"
                lower.add((wl, t))
            else:
                med[t] = statistics.median(float(v) for v in vals)
                cell = f"{med[t]:.2f}"
                if (fam, wl, t) in capped:
                    cell = "~" + cell
                    anycap = True
            cells.append(cell)
            if t != base:
                if t in med and base in med and med[base] > 0:
                    cells.append((">" if (wl, t) in lower else "") +
                                 f"{med[t] / med[base]:.2f}×")
                else:
                    cells.append("-")
        print(f"| {wl} | " + " | ".join(cells) + " |")
if anycap:
    print("\n~ stopped by a cap (fio --runtime, or the per-step timeout "
          "for the others) and scaled to the nominal amount (time x "
          "nominal / done: bytes, or files made or removed).")
if lower:
    print("\n> stopped by the per-step timeout with no measure of "
          "progress: a lower bound.")
