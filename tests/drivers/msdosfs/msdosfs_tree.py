#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""msdosfs_tree.py -- test helper for the FAT driver's FUSE tests.

  msdosfs_tree.py gen DIR SIZE    make a source tree; SIZE "small" (fits
                                  a 1.44 MB floppy) or "big"
  msdosfs_tree.py work DIR SEED SIZE
                                  run a write workload in DIR (a FUSE
                                  mount or a host directory: both end the
                                  same): long and UTF-8 names, appends,
                                  truncates, mass renames and deletes;
                                  SIZE "small" keeps it under 300 KB
  msdosfs_tree.py dump ROOT OUT   write a JSON description of the tree
  msdosfs_tree.py cmp A B [MODE]  compare two dumps; MODE "nomtime" skips
                                  modification times

Names are those FAT keeps: no two differ only in case, none has a
character FAT forbids, none ends in a dot or a space (mtools drops
trailing spaces), and all are in the Basic Multilingual Plane (mtools
cannot read surrogate pairs; the in-process tests cover those).  A
dump records per path: type, size, a content digest and the mtime in
whole seconds, rounded down to even (FAT keeps 2 s).
"""
import hashlib
import json
import os
import random
import stat
import sys

NAMES = [
    "short.txt", "UPPER.TXT", "lower", "MiXeD.Txt",
    "A long file name with spaces.text", "name.with.many.dots.tar.gz",
    ".leading dot", "plus+comma,semi;eq=brackets[]", "caf\u00e9 cr\u00e8me",
    "\u00fcber \u00e4\u00f6\u00df", "\u65e5\u672c\u8a9e\u306e\u540d\u524d",
    "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
    "\u0440\u0443\u0441\u0441\u043a\u0438\u0439", "x" * 200,
    " leading space", "~tilde", "a", "#hash&amp",
]


def pattern(n, seed):
    out = bytearray()
    h = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])


def w(path, data, mtime=None):
    with open(path, "wb") as f:
        f.write(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def gen(d, size):
    big = size == "big"
    os.makedirs(d, exist_ok=True)
    sizes = [0, 1, 511, 512, 513, 2047, 2048, 2049, 4096, 4097, 32768,
             65537]
    if big:
        sizes += [300 * 1024, (1 << 20) + 17, 3 << 20]
    for n in sizes:
        w(os.path.join(d, "size %d.bin" % n), pattern(n, n),
          1000000000 + 2 * n)
    names = os.path.join(d, "names")
    os.makedirs(names)
    for i, nm in enumerate(NAMES):
        w(os.path.join(names, nm), nm.encode(), 1200000000 + 86400 * i)
    os.makedirs(os.path.join(names, "sub dir \u00e9"))
    w(os.path.join(names, "sub dir \u00e9", "inner"), b"inner\n")
    # ~N tails: many names with one 6-letter prefix.
    many = os.path.join(d, "many")
    os.makedirs(many)
    for i in range(120 if not big else 400):
        w(os.path.join(many, "similar prefix file %03d.data" % i),
          pattern(i * 13 % 700, i))
    deep = d
    for i in range(8):
        deep = os.path.join(deep, "level %d" % i)
        os.makedirs(deep)
    w(os.path.join(deep, "bottom"), b"bottom\n")
    os.makedirs(os.path.join(d, "empty dir"))
    # directory times last (creating entries moved them)
    for root, dirs, _ in os.walk(d, topdown=False):
        for x in dirs:
            os.utime(os.path.join(root, x), (1300000000, 1300000000))


def work(d, seed, size):
    """A write workload that ends the same on any correct filesystem."""
    rnd = random.Random(int(seed))
    small = size == "small"
    scale = 10 if small else 1
    w_ = os.path.join(d, "work")
    os.makedirs(w_)
    files = []
    for i in range(60 if small else 150):
        nm = "%s %d%s" % (rnd.choice(["Doc", "r\u00e9sum\u00e9", "Data",
                                      "\u6587\u4ef6", "notes"]), i,
                          rnd.choice([".txt", ".TXT", "", ".tar.gz"]))
        p = os.path.join(w_, nm)
        w(p, pattern(rnd.randrange(0, 20000 // scale), (seed, i)))
        files.append(p)
    # appends and truncates
    for i, p in enumerate(files[::3]):
        with open(p, "ab") as f:
            f.write(pattern(rnd.randrange(1, 9000 // scale), (seed, -i)))
    for p in files[1::5]:
        os.truncate(p, rnd.randrange(0, 3000))
    for p in files[2::7]:
        os.truncate(p, rnd.randrange(20000, 70000) // scale)
    with open(files[0], "r+b") as f:
        f.seek(50000 // scale)
        f.write(b"after a gap")
    # mass rename (within and across directories), then delete half
    sub = os.path.join(w_, "Renamed Here")
    os.makedirs(sub)
    renamed = []
    for i, p in enumerate(files):
        if i % 2:
            q = os.path.join(sub, "renamed file number %d \u00e9" % i)
        else:
            q = os.path.join(w_, "new name %d.dat" % i)
        os.rename(p, q)
        renamed.append(q)
    for q in renamed[::2]:
        os.unlink(q)
    # rename over existing files
    for i in range(1, 20, 2):
        os.rename(renamed[i], renamed[i + 2])
    # directories: make, fill, move, remove
    for i in range(10):
        dd = os.path.join(w_, "dir %d" % i)
        os.makedirs(os.path.join(dd, "inner"))
        w(os.path.join(dd, "inner", "f"), b"%d" % i)
    for i in range(0, 10, 2):
        os.rename(os.path.join(w_, "dir %d" % i),
                  os.path.join(w_, "dir %d" % (i + 1), "moved"))
    for i in range(1, 10, 4):
        os.unlink(os.path.join(w_, "dir %d" % i, "inner", "f"))
        os.rmdir(os.path.join(w_, "dir %d" % i, "inner"))
    # a fixed mtime on everything left, so trees compare exactly
    for root, dirs, fs in os.walk(w_):
        for x in fs:
            os.utime(os.path.join(root, x), (1400000000, 1400000000))


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def dump(root, out):
    d = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for nm in dirnames + filenames:
            p = os.path.join(dirpath, nm)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            e = {"mtime": int(st.st_mtime) // 2 * 2}
            if stat.S_ISDIR(st.st_mode):
                e["type"] = "dir"
            elif stat.S_ISREG(st.st_mode):
                e["type"] = "file"
                e["size"] = st.st_size
                e["sha"] = digest(p)
            else:
                e["type"] = "other"
            d[rel] = e
    with open(out, "w") as f:
        json.dump(d, f, sort_keys=True, indent=0)


def cmp(a, b, mode):
    da = json.load(open(a))
    db = json.load(open(b))
    bad = 0
    for k in sorted(set(da) | set(db)):
        if k not in da or k not in db:
            print("only in %s: %r" % (a if k in da else b, k))
            bad += 1
            continue
        x, y = dict(da[k]), dict(db[k])
        if "nomtime" in mode or x["type"] == "dir":
            x.pop("mtime")
            y.pop("mtime")
        if x != y:
            print("differs: %r: %s vs %s" % (k, x, y))
            bad += 1
    if bad:
        print("%d differences" % bad)
    return 1 if bad else 0


def main():
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "work":
        work(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "cmp":
        sys.exit(cmp(sys.argv[2], sys.argv[3],
                     sys.argv[4] if len(sys.argv) > 4 else ""))
    else:
        sys.exit("usage: see the top of the file")


if __name__ == "__main__":
    main()
