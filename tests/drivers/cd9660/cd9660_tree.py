#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""cd9660_tree.py -- test helper for the cd9660 driver tests.

  cd9660_tree.py gen DIR [--deep] [--nodev]
          make the test tree (run as root): files at sector and block
          boundaries, compressible files (for zisofs), odd and long names,
          a directory of 3000 entries, hard links, symlinks of every shape
          (absolute, relative, "." and "..", long targets), devices and a
          fifo, odd modes and owners, old and new times; --deep adds a
          14-level tree (deeper than ISO 9660's 8 levels: relocation).
  cd9660_tree.py dump ROOT OUT
          write a JSON description of the tree under ROOT: per path its
          type, permission bits, owner, size, mtime (whole seconds), link
          count, device number, symlink target and content digest, plus
          the hard-link groups (paths sharing one inode).
  cd9660_tree.py isoinfo LISTING OUT
          the same from `isoinfo -R -l` output (no times, no contents)
  cd9660_tree.py cmp A B [--ign FIELD[:REGEX]]... [--only REGEX] [--lower]
          compare two dumps.  --ign FIELD ignores a field everywhere
          (type mode uid gid size mtime nlink rdev link digest error, or
          "path" to ignore paths matching REGEX, or "links" for the
          hard-link groups), FIELD:REGEX only for paths matching REGEX.
          --ign-dirs FIELD / --ign-files FIELD ignore a field for
          directories / everything else.  --lower compares B's paths in
          lower case (ISO 9660 names as xorriso extracts them, against
          the driver's lower-case view).
"""
import hashlib
import json
import os
import re
import stat
import sys

FIELDS = ("error", "type", "mode", "uid", "gid", "size", "mtime", "nlink",
          "rdev", "link", "digest")


def pattern(n, seed):
    """N deterministic bytes that do not compress."""
    out = bytearray()
    h = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])


def text(n, seed):
    """N bytes of compressible text."""
    words = ["alpha", "beta", "gamma", "delta", "iso", "9660", "rock",
             "ridge", "joliet", "zisofs", "\n"]
    out = []
    i = seed
    size = 0
    while size < n:
        w = words[i % len(words)]
        out.append(w)
        size += len(w) + 1
        i = (i * 7 + 3) % 1000003
    return (" ".join(out).encode())[:n]


def w(path, data, mode=0o644):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def gen(d, deep, nodev):
    os.makedirs(d, exist_ok=True)
    # sizes around sectors, zisofs blocks (32 KiB) and multi-sector runs
    for n in (0, 1, 2047, 2048, 2049, 4096, 32767, 32768, 32769,
              100000, 1 << 20, 3 * (1 << 20) + 17):
        w(os.path.join(d, "f%07d" % n), pattern(n, n))
    # compressible: zisofs compresses these (and leaves the small ones)
    os.makedirs(os.path.join(d, "text"))
    for n in (10, 5000, 65536, 200000, 1 << 20):
        w(os.path.join(d, "text", "t%07d.txt" % n), text(n, n))
    w(os.path.join(d, "text", "zeros"), bytes(300000))
    # names
    names = os.path.join(d, "names")
    os.makedirs(names)
    for nm in ("with space", "tab\tchar", "caf\u00e9", "\u65e5\u672c\u8a9e",
               "emoji\U0001f600", "-dash", "*star", "back\\slash",
               "q'uote\"", "x" * 200, "y" * 255, "\u00e9" * 100,
               ".hidden", "..dots", "a", "trailing.", "UPPER.TXT",
               "MiXeD.CaSe", "semi;colon", "file;1", "v1.2.3.tar.gz",
               "name with  two spaces", "%percent", "a" * 64 + ".long"):
        w(os.path.join(names, nm), nm.encode())
    os.makedirs(os.path.join(names, "sub dir"))
    w(os.path.join(names, "sub dir", "inner"), b"inner\n")
    # a big directory: several sectors of records, the name index
    big = os.path.join(d, "bigdir")
    os.makedirs(big)
    for i in range(3000):
        w(os.path.join(big, "entry-%05d-%s" % (i, "z" * (i % 40))),
          b"%d\n" % i)
    # hard links (three names, two directories), one of a symlink
    os.makedirs(os.path.join(d, "hl"))
    w(os.path.join(d, "hl", "one"), pattern(5000, "hl"))
    os.link(os.path.join(d, "hl", "one"), os.path.join(d, "hl", "two"))
    os.link(os.path.join(d, "hl", "one"), os.path.join(d, "hl-three"))
    w(os.path.join(d, "hl", "empty1"), b"")
    os.link(os.path.join(d, "hl", "empty1"), os.path.join(d, "hl", "empty2"))
    # symlinks
    sl = os.path.join(d, "links")
    os.makedirs(sl)
    for nm, tgt in (("rel", "../f0000001"), ("abs", "/etc/passwd"),
                    ("dot", "."), ("dotdot", ".."), ("root", "/"),
                    ("dir", "sub/"), ("multi", "a/b/../c/./d"),
                    ("dangling", "no-such-file"),
                    ("long", "/" + "/".join(["component%03d" % i
                                              for i in range(60)])),
                    ("longname", "n" * 255),
                    ("dots", "../../.."), ("trailing", "x/"),
                    ("spaces", "a b/c d"), ("utf8", "caf\u00e9/\u65e5")):
        os.symlink(tgt, os.path.join(sl, nm))
    os.makedirs(os.path.join(sl, "sub"))
    # modes and owners
    md = os.path.join(d, "modes")
    os.makedirs(md)
    for m in (0o000, 0o400, 0o644, 0o755, 0o4755, 0o2755, 0o1777, 0o7777,
              0o600):
        p = os.path.join(md, "m%04o" % m)
        w(p, b"m", 0o644)
        os.chmod(p, m)
    p = os.path.join(md, "owned")
    w(p, b"o")
    os.chown(p, 1234, 5678)
    os.makedirs(os.path.join(md, "dir0700"))
    os.chmod(os.path.join(md, "dir0700"), 0o700)
    os.chown(os.path.join(md, "dir0700"), 42, 43)
    # special files
    if not nodev:
        sp = os.path.join(d, "special")
        os.makedirs(sp)
        os.mknod(os.path.join(sp, "null"), 0o666 | stat.S_IFCHR,
                 os.makedev(1, 3))
        os.mknod(os.path.join(sp, "blk"), 0o640 | stat.S_IFBLK,
                 os.makedev(259, 7))
        os.mknod(os.path.join(sp, "bigdev"), 0o600 | stat.S_IFCHR,
                 os.makedev(300, 70000))
        os.mkfifo(os.path.join(sp, "fifo"), 0o644)
    # times: old, new, far future (RR short form holds 1900..2155)
    tm = os.path.join(d, "times")
    os.makedirs(tm)
    for nm, t in (("epoch1", 1), ("y2000", 946684800), ("y2038", 2147483647),
                  ("y2100", 4102444800), ("old1950", -631152000)):
        p = os.path.join(tm, nm)
        w(p, nm.encode())
        os.utime(p, (t, t))
    if deep:
        p = d
        for i in range(14):
            p = os.path.join(p, "deep%02d" % i)
            os.makedirs(p)
            w(os.path.join(p, "file%02d" % i), b"level %d\n" % i)
        os.symlink("../deep12", os.path.join(p, "up"))
    # fix directory times last (creating entries changed them)
    for root, dirs, files in os.walk(d, topdown=False):
        for x in dirs:
            os.utime(os.path.join(root, x), (1600000000, 1600000000))
    os.utime(d, (1600000000, 1600000000))


def digest(path, size):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def dump(root, out):
    res = {}
    inodes = {}
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for nm in [""] + sorted(dirs) + sorted(files):
            p = os.path.join(dirpath, nm) if nm else dirpath
            rel = os.path.relpath(p, root)
            if nm == "" and dirpath != root:
                continue
            try:
                st = os.lstat(p)
            except OSError as x:
                res[rel] = {"error": os.strerror(x.errno)}
                continue
            e = {"type": stat.S_IFMT(st.st_mode) >> 12,
                 "mode": stat.S_IMODE(st.st_mode),
                 "uid": st.st_uid, "gid": st.st_gid,
                 "size": st.st_size if not stat.S_ISDIR(st.st_mode) else 0,
                 "mtime": st.st_mtime_ns // 1000000000,
                 "nlink": st.st_nlink,
                 "rdev": (os.major(st.st_rdev), os.minor(st.st_rdev))
                 if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                 else None,
                 "link": None, "digest": None}
            try:
                if stat.S_ISLNK(st.st_mode):
                    e["link"] = os.readlink(p)
                if stat.S_ISREG(st.st_mode):
                    e["digest"] = digest(p, st.st_size)
            except OSError as x:
                e = {"error": os.strerror(x.errno)}
            res[rel] = e
            if not stat.S_ISDIR(st.st_mode):
                inodes.setdefault((st.st_dev, st.st_ino), []).append(rel)
    groups = sorted(sorted(v) for v in inodes.values() if len(v) > 1)
    with open(out, "w") as f:
        json.dump({"tree": res, "links": groups}, f, indent=0,
                  sort_keys=True)


# isoinfo writes a fifo as 'f'.
MODECH = {"d": stat.S_IFDIR, "-": stat.S_IFREG, "l": stat.S_IFLNK,
          "c": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO,
          "f": stat.S_IFIFO, "s": stat.S_IFSOCK}


def parse_mode(s):
    m = 0
    bits = [(1, "r", 0o400), (2, "w", 0o200), (4, "r", 0o40),
            (5, "w", 0o20), (7, "r", 0o4), (8, "w", 0o2)]
    for i, ch, b in bits:
        if s[i] == ch:
            m |= b
    for i, xb, sb in ((3, 0o100, 0o4000), (6, 0o10, 0o2000),
                      (9, 0o1, 0o1000)):
        c = s[i]
        if c in "xst":
            m |= xb
        if c in "sS" and i != 9 or c in "tT" and i == 9:
            m |= sb
    return stat.S_IFMT(MODECH[s[0]]) >> 12, m


def isoinfo(listing, out):
    """Parse `isoinfo -R -l`: 'Directory listing of /x/' then lines."""
    res = {}
    cur = None
    rx = re.compile(r"^([-dlcbpfs][-rwxsStT]{9})\s+(\d+)\s+(\d+)\s+(\d+)\s+"
                    r"(\d+)\s+\w{3}\s+\d+\s+\d+\s+\[\s*(\d+)\s+(\d+)\]\s+"
                    r"(.*?)\s?$")
    with open(listing, "rb") as f:
        lines = f.read().decode("utf-8", "surrogateescape").split("\n")
    for ln in lines:
        if ln.startswith("Directory listing of "):
            cur = ln[len("Directory listing of "):].strip("/")
            continue
        m = rx.match(ln)
        if not m or cur is None:
            continue
        name = m.group(8)
        if name in (".", ".."):
            if name == "." and cur == "":
                rel = "."
            else:
                continue
        else:
            rel = os.path.join(cur, name) if cur else name
        t, mode = parse_mode(m.group(1))
        link = None
        if t == stat.S_IFLNK >> 12 and " -> " in rel + " ":
            rel, link = (rel + " ").split(" -> ", 1)
            link = link[:-1]
        # isoinfo prints owners in octal and no set-id or sticky bits
        res[rel] = {"type": t, "mode": mode, "modemask": 0o777,
                    "nlink": int(m.group(2)),
                    "uid": int(m.group(3), 8), "gid": int(m.group(4), 8),
                    "size": int(m.group(5))
                    if t != stat.S_IFDIR >> 12 else 0,
                    "link": link}
    with open(out, "w") as f:
        json.dump({"tree": res, "links": None}, f, indent=0, sort_keys=True)


def cmp(a, b, ign, only, lower):
    A = json.load(open(a))
    B = json.load(open(b))
    ta, tb = A["tree"], B["tree"]
    if lower:
        tb = {k.lower(): v for k, v in tb.items()}

    def ignored(field, path, e=None):
        for f, rx in ign:
            if f == field and (rx is None or re.search(rx, path)):
                return True
            if e is not None and e.get("type") is not None:
                isdir = e["type"] == stat.S_IFDIR >> 12
                if (f == "@dirs:" + field and isdir) or \
                        (f == "@files:" + field and not isdir):
                    return True
        return False

    bad = []
    keys = set(ta) | set(tb)
    for k in sorted(keys):
        if ignored("path", k) or (only and not re.search(only, k)):
            continue
        if k not in ta or k not in tb:
            bad.append("%s: only in %s" % (k, a if k in ta else b))
            continue
        if ("error" in ta[k]) != ("error" in tb[k]):
            if not ignored("error", k):
                bad.append("%s: %s != %s" % (k, ta[k].get("error", "ok"),
                                               tb[k].get("error", "ok")))
            continue
        for fld in FIELDS:
            if fld not in ta[k] or fld not in tb[k]:
                continue
            if ignored(fld, k, ta[k]):
                continue
            va, vb = ta[k][fld], tb[k][fld]
            if fld == "mode":
                mask = ta[k].get("modemask", 0o7777) & \
                    tb[k].get("modemask", 0o7777)
                va &= mask
                vb &= mask
            if isinstance(va, list):
                va = tuple(va)
            if isinstance(vb, list):
                vb = tuple(vb)
            if va != vb:
                bad.append("%s: %s %r != %r" % (k, fld, va, vb))
    if A.get("links") is not None and B.get("links") is not None and \
            not ignored("links", ""):
        la = sorted(g for g in A["links"]
                    if not any(ignored("path", p) for p in g))
        lb = sorted(g for g in B["links"]
                    if not any(ignored("path", p) for p in g))
        if la != lb:
            bad.append("hard-link groups differ: %r != %r" % (la, lb))
    for x in bad[:40]:
        print(x)
    if len(bad) > 40:
        print("... %d differences in all" % len(bad))
    return 1 if bad else 0


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2], "--deep" in sys.argv, "--nodev" in sys.argv)
        return 0
    if cmd == "dump":
        dump(sys.argv[2], sys.argv[3])
        return 0
    if cmd == "isoinfo":
        isoinfo(sys.argv[2], sys.argv[3])
        return 0
    if cmd == "cmp":
        ign = []
        only = None
        lower = False
        args = sys.argv[4:]
        i = 0
        while i < len(args):
            if args[i] == "--lower":
                lower = True
                i += 1
            elif args[i] in ("--ign-dirs", "--ign-files"):
                ign.append(("@" + args[i][6:] + ":" + args[i + 1], None))
                i += 2
            elif args[i] == "--ign":
                f, _, rx = args[i + 1].partition(":")
                ign.append((f, rx or None))
                i += 2
            elif args[i] == "--only":
                only = args[i + 1]
                i += 2
            else:
                print("bad argument %s" % args[i])
                return 2
        return cmp(sys.argv[2], sys.argv[3], ign, only, lower)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
