#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ffs_tree.py -- the trees the ffs driver tests put into images.

  ffs_tree.py gen DIR [--bigdir N]   make the test tree in DIR
  ffs_tree.py dump DIR OUT.json      record every entry of DIR
  ffs_tree.py cmp A.json B.json [--no-nsec] [--ign PATH...]
                                     compare two records; exit 1 on any
                                     difference (listed on stderr)
  ffs_tree.py tsk IMAGE DUMP.json    read every regular file and symlink
                                     of the record with sleuthkit (fls -r,
                                     icat) and compare contents

The tree covers what an FFS driver must get right: file sizes around
every fragment, block and indirection boundary of block sizes 4096 to
65536 (UFS1 and UFS2), symlinks just under, at and over the inline
limits (60 bytes for UFS1, 120 for UFS2), hard links, fifos, device
nodes, odd names (spaces, UTF-8, bytes that are not UTF-8, 255-byte
names), owners and modes, nanosecond mtimes, deep nesting and, with
--bigdir, one directory of N entries.
"""
import hashlib
import json
import os
import random
import stat
import sys

SIZES = [0, 1, 511, 512, 513, 1023, 1024, 1025, 2047, 2049, 4095, 4096,
         4097, 8191, 8192, 8193, 16385, 32767, 32768, 65535, 65536, 65537,
         12 * 4096 - 1, 12 * 4096 + 1, 12 * 8192 + 1, 12 * 16384 + 1,
         12 * 65536 + 1,
         # single indirect full for UFS2 4096 (512 entries): 2 MiB + 48 KiB
         12 * 4096 + 512 * 4096 + 1,
         # single indirect full for UFS1 4096 (1024 entries)
         12 * 4096 + 1024 * 4096 + 4097,
         # well into double indirect for the small block sizes
         9 * 1024 * 1024 + 12345]


def data(seed, n):
    rnd = random.Random(seed)
    return rnd.randbytes(n)


def gen(top, bigdir=0):
    os.makedirs(top)
    d = os.path.join(top, "sizes")
    os.mkdir(d)
    for i, n in enumerate(SIZES):
        with open(os.path.join(d, "s%07d" % n), "wb") as f:
            f.write(data(i, n))
    # mostly zeros (makefs writes them out; the driver reads them back)
    with open(os.path.join(d, "zeros"), "wb") as f:
        f.truncate(300000)
        f.seek(150000)
        f.write(b"middle")

    d = os.path.join(top, "links")
    os.mkdir(d)
    for n in (1, 59, 60, 61, 119, 120, 121, 255, 1000, 4000):
        os.symlink(("t" * (n - 1)) + "x", os.path.join(d, "sym%04d" % n))
    os.symlink("../sizes/s0000001", os.path.join(d, "rel"))
    os.symlink("/nonexistent/dangling", os.path.join(d, "dangling"))
    with open(os.path.join(d, "target"), "wb") as f:
        f.write(b"hard\n")
    os.link(os.path.join(d, "target"), os.path.join(d, "hard2"))
    os.link(os.path.join(d, "target"), os.path.join(top, "hard3"))

    d = os.path.join(top, "special")
    os.mkdir(d)
    os.mkfifo(os.path.join(d, "fifo"))
    os.mknod(os.path.join(d, "chr"), 0o620 | stat.S_IFCHR, os.makedev(4, 64))
    os.mknod(os.path.join(d, "blk"), 0o660 | stat.S_IFBLK, os.makedev(8, 1))
    os.mknod(os.path.join(d, "bigdev"), 0o600 | stat.S_IFCHR,
             os.makedev(300, 70000))

    d = os.path.join(top, "names")
    os.mkdir(d)
    names = [b"with space", b"-dash", b"...", b"tab\there", b"new\nline",
             "\u00e9t\u00e9 \u65e5\u672c".encode(), b"\xff\xfe\x80bytes",
             b"n" * 255, b"UPPER", b"upper", b"#%&*?[]{}"]
    for i, nm in enumerate(names):
        with open(os.path.join(os.fsencode(d), nm), "wb") as f:
            f.write(b"%d\n" % i)

    d = os.path.join(top, "perm")
    os.mkdir(d)
    for mode in (0o600, 0o644, 0o755, 0o4755, 0o2711, 0o1777, 0o000):
        p = os.path.join(d, "m%04o" % mode)
        with open(p, "wb") as f:
            f.write(b"x")
        os.chmod(p, mode)
    p = os.path.join(d, "owned")
    with open(p, "wb") as f:
        f.write(b"owned\n")
    os.chown(p, 1234, 5678)
    p = os.path.join(d, "sticky")
    os.mkdir(p)
    os.chmod(p, 0o1777)
    os.chown(p, 4000000000, 42)

    p = os.path.join(top, "deep")
    for i in range(40):
        p = os.path.join(p, "d%02d" % i)
    os.makedirs(p)
    with open(os.path.join(p, "leaf"), "wb") as f:
        f.write(b"leaf\n")

    if bigdir:
        d = os.path.join(top, "bigdir")
        os.mkdir(d)
        for i in range(bigdir):
            open(os.path.join(d, "entry-%06d-%s" % (i, "x" * (i % 40))),
                 "wb").close()

    # times last, nanoseconds included, on everything but symlinks
    rnd = random.Random(7)
    for root, dirs, files in os.walk(top, topdown=False):
        for nm in files + dirs:
            p = os.path.join(root, nm)
            if os.path.islink(p):
                continue
            t = 1500000000 * 10**9 + rnd.randrange(10**17)
            os.utime(p, ns=(t, t + 123456789))


def dump(top, out):
    recs = {}
    topb = os.fsencode(top)
    for root, dirs, files in os.walk(topb):
        for nm in sorted(dirs + files):
            p = os.path.join(root, nm)
            rel = os.path.relpath(p, topb).decode("utf-8", "surrogateescape")
            st = os.lstat(p)
            r = {"mode": st.st_mode, "uid": st.st_uid, "gid": st.st_gid,
                 "nlink": st.st_nlink, "mtime": st.st_mtime_ns}
            if stat.S_ISREG(st.st_mode):
                r["size"] = st.st_size
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                r["sha256"] = h.hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                r["size"] = st.st_size
                r["target"] = os.readlink(p).decode("utf-8",
                                                    "surrogateescape")
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                r["rdev"] = [os.major(st.st_rdev), os.minor(st.st_rdev)]
            recs[rel.encode("utf-8", "surrogateescape").hex()] = r
    with open(out, "w") as f:
        json.dump(recs, f, sort_keys=True)


def cmp(a, b, no_nsec=False, ign=()):
    with open(a) as f:
        ra = json.load(f)
    with open(b) as f:
        rb = json.load(f)
    bad = 0

    def name(k):
        return bytes.fromhex(k).decode("utf-8", "replace")

    def ignored(k):
        n = name(k)
        return any(n == i or n.startswith(i + "/") for i in ign)

    for k in sorted(set(ra) | set(rb)):
        if ignored(k):
            continue
        if k not in ra or k not in rb:
            print("%s: only in %s" % (name(k), a if k in ra else b),
                  file=sys.stderr)
            bad += 1
            continue
        x, y = dict(ra[k]), dict(rb[k])
        if no_nsec:
            x["mtime"] //= 10**9
            y["mtime"] //= 10**9
        if stat.S_ISLNK(x["mode"]):
            # symlink times and modes are not kept by every tool
            for r in (x, y):
                r.pop("mtime", None)
        if stat.S_ISDIR(x["mode"]):
            for r in (x, y):
                r.pop("mtime", None)	# changed by creating entries
        if x != y:
            print("%s: %s != %s" % (name(k), x, y), file=sys.stderr)
            bad += 1
    if bad:
        print("%d differences" % bad, file=sys.stderr)
    return 1 if bad else 0


def tsk(img, rec):
    """Compare the contents sleuthkit reads with the record."""
    import subprocess
    with open(rec) as f:
        recs = json.load(f)
    out = subprocess.run(["fls", "-r", "-p", "-f", "ufs", img],
                         capture_output=True, check=True).stdout
    inos = {}
    for line in out.split(b"\n"):
        if b"\t" not in line or b"*" in line.split(b"\t")[0]:
            continue
        head, path = line.split(b"\t", 1)
        ino = head.split()[-1].rstrip(b":")
        inos[path.hex()] = ino.decode()
    bad = checked = 0
    for k, r in sorted(recs.items()):
        if b"\n" in bytes.fromhex(k) or b"\t" in bytes.fromhex(k):
            continue	# fls prints tab-separated lines
        if not (stat.S_ISREG(r["mode"]) or stat.S_ISLNK(r["mode"])):
            continue
        if k not in inos:
            print("%s: not listed by fls" % bytes.fromhex(k),
                  file=sys.stderr)
            bad += 1
            continue
        checked += 1
        if stat.S_ISREG(r["mode"]):
            got = subprocess.run(["icat", "-f", "ufs", img, inos[k]],
                                 capture_output=True).stdout
            ok = hashlib.sha256(got).hexdigest() == r["sha256"]
        else:
            # icat does not read inline targets; istat shows them all
            got = subprocess.run(["istat", "-f", "ufs", img, inos[k]],
                                 capture_output=True).stdout
            target = r["target"].encode("utf-8", "surrogateescape")
            ok = b"symbolic link to: " + target + b"\n" in got
            if not ok:	# long targets: in a block, which icat reads
                ok = subprocess.run(["icat", "-f", "ufs", img, inos[k]],
                                    capture_output=True).stdout == target
        if not ok:
            print("%s: icat differs" % bytes.fromhex(k), file=sys.stderr)
            bad += 1
    print("sleuthkit read %d files, %d differ" % (checked, bad),
          file=sys.stderr)
    return 1 if bad or checked == 0 else 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "gen":
        n = 0
        if "--bigdir" in argv:
            n = int(argv[argv.index("--bigdir") + 1])
        gen(argv[2], n)
        return 0
    if len(argv) == 4 and argv[1] == "dump":
        dump(argv[2], argv[3])
        return 0
    if len(argv) >= 4 and argv[1] == "cmp":
        ign = []
        if "--ign" in argv:
            ign = argv[argv.index("--ign") + 1:]
        return cmp(argv[2], argv[3], "--no-nsec" in argv, ign)
    if len(argv) == 4 and argv[1] == "tsk":
        return tsk(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
