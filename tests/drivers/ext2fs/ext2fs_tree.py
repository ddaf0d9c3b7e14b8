#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""ext2fs_tree.py -- test helper for the ext2fs driver tests.

  ext2fs_tree.py gen DIR          make the test tree (run as root)
  ext2fs_tree.py dump ROOT OUT    write a JSON description of the tree
  ext2fs_tree.py cmp A B MODE     compare two dumps; MODE is "kernel"
                                  (everything) or "source" (what mke2fs -d
                                  preserves: mtimes in whole seconds, as
                                  mke2fs 1.47 stores them, and only those
                                  that fit in 32 bits; ",ign=PATH" skips
                                  PATH)

The dump records, per path: type, mode, owner, size, mtime in ns, link
count, device number, block count, symlink target, every xattr (hex), and
a content digest.  The digest hashes each non-zero 1 MiB chunk with its
offset, so a sparse file is read only where SEEK_DATA finds data (and a
view without SEEK_DATA gives the same digest by reading zeros).
"""
import hashlib
import json
import os
import socket
import stat
import sys
import zlib

CHUNK = 1 << 20
ZERO = bytes(CHUNK)


def w(path, data):
    with open(path, "wb") as f:
        f.write(data)


def pattern(n, seed):
    """N deterministic, non-repeating-looking bytes."""
    out = bytearray()
    h = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:n])


def gen(d):
    os.makedirs(d, exist_ok=True)
    # regular files around every size boundary: inline (60), blocks,
    # direct/indirect (12 blocks), double indirect (268 KiB at 1 KiB).
    for n in (0, 1, 59, 60, 61, 160, 1023, 1024, 1025, 4095, 4096, 4097,
              12 * 1024, 12 * 1024 + 1, 13 * 4096, 300 * 1024, 1 << 20,
              3 * (1 << 20) + 17):
        w(os.path.join(d, "f%07d" % n), pattern(n, n))
    # sparse files: holes at the start, middle and end; data past the
    # triple-indirect boundary of a 1 KiB block map (64.3 MiB); 5 GiB.
    with open(os.path.join(d, "sparse_mid"), "wb") as f:
        f.write(pattern(5000, "a"))
        f.seek(200 * 1024)
        f.write(pattern(7000, "b"))
        f.truncate(600 * 1024)
    with open(os.path.join(d, "sparse_tind"), "wb") as f:
        f.seek(70 * (1 << 20))
        f.write(pattern(3000, "t"))
    with open(os.path.join(d, "sparse_5g"), "wb") as f:
        f.write(pattern(4096, "s0"))
        for off in (1 << 20, 4 << 30, (5 << 30) - 8192):
            f.seek(off)
            f.write(pattern(8192, off))
        f.truncate(5 << 30)
    # names
    names = os.path.join(d, "names")
    os.makedirs(names)
    for nm in ("with space", "new\nline", "tab\tchar", "caf\u00e9",
               "\u65e5\u672c\u8a9e", "emoji\U0001f600", "-dash", "*star",
               "back\\slash", "q'uote\"", "x" * 255, "\u00e9" * 127,
               ".hidden", "..dots", "a" * 1, "trailing "):
        w(os.path.join(names, nm), nm.encode())
    os.makedirs(os.path.join(names, "sub dir"))
    w(os.path.join(names, "sub dir", "inner"), b"inner\n")
    # a large directory
    big = os.path.join(d, "bigdir")
    os.makedirs(big)
    for i in range(20000):
        nm = "entry-%05d-%s" % (i, "y" * (i % 40))
        if i % 97 == 0:
            nm += "-\u00fc\u00df"
        open(os.path.join(big, nm), "wb").close()
    # deep nesting and a directory with many subdirectories (nlink)
    p = d
    for i in range(40):
        p = os.path.join(p, "deep%02d" % i)
    os.makedirs(p)
    w(os.path.join(p, "bottom"), b"bottom\n")
    for i in range(50):
        os.makedirs(os.path.join(d, "subdirs", "s%02d" % i))
    # hard links
    hl = os.path.join(d, "links")
    os.makedirs(os.path.join(hl, "other"))
    w(os.path.join(hl, "orig"), pattern(5000, "hl"))
    os.link(os.path.join(hl, "orig"), os.path.join(hl, "link2"))
    os.link(os.path.join(hl, "orig"), os.path.join(hl, "other", "link3"))
    # symlinks: fast (< 60 bytes), at the boundary, slow, very long
    sl = os.path.join(d, "symlinks")
    os.makedirs(sl)
    for n in (1, 30, 59, 60, 61, 200, 1000):
        os.symlink(("t" * (n - 1)) + "x", os.path.join(sl, "sl%04d" % n))
    os.symlink("../f0000001", os.path.join(sl, "rel"))
    os.symlink("/etc/passwd", os.path.join(sl, "abs"))
    os.symlink("dangling/nowhere", os.path.join(sl, "dangling"))
    # special files
    sp = os.path.join(d, "special")
    os.makedirs(sp)
    os.mkfifo(os.path.join(sp, "fifo"))
    os.mknod(os.path.join(sp, "null"), 0o666 | stat.S_IFCHR,
             os.makedev(1, 3))
    os.mknod(os.path.join(sp, "loop7"), 0o660 | stat.S_IFBLK,
             os.makedev(7, 7))
    os.mknod(os.path.join(sp, "bigdev"), 0o600 | stat.S_IFCHR,
             os.makedev(300, 70000))
    s = socket.socket(socket.AF_UNIX)
    s.bind(os.path.join(sp, "sock"))
    s.close()
    # modes and owners
    md = os.path.join(d, "modes")
    os.makedirs(md)
    for i, m in enumerate((0o000, 0o4755, 0o2711, 0o1777, 0o640, 0o7777)):
        fn = os.path.join(md, "m%o" % m)
        w(fn, b"m")
        os.chmod(fn, m)
    for i, (u, g) in enumerate(((1234, 5678), (65534, 65534),
                                (100000, 200000), (4000000000, 7))):
        fn = os.path.join(md, "own%d" % i)
        w(fn, b"o")
        os.chown(fn, u, g)
    # xattrs: small (in-inode), large (external block), several namespaces
    xa = os.path.join(d, "xattrs")
    os.makedirs(xa)
    fn = os.path.join(xa, "small")
    w(fn, b"x")
    os.setxattr(fn, "user.a", b"1")
    os.setxattr(fn, "user.empty", b"")
    os.setxattr(fn, "trusted.t", b"trusted value")
    os.setxattr(fn, "security.s", b"sec")
    fn = os.path.join(xa, "large")
    w(fn, b"y")
    os.setxattr(fn, "user.big", pattern(500, "xa"))
    for i in range(6):
        os.setxattr(fn, "user.k%02d" % i, pattern(20 + i, i))
    fn = os.path.join(xa, "acl")
    w(fn, b"z")
    acl = bytes.fromhex("02000000" "01000600ffffffff" "02000600d2040000"
                        "04000400ffffffff" "10000600ffffffff"
                        "20000400ffffffff")
    os.setxattr(fn, "system.posix_acl_access", acl)
    dn = os.path.join(xa, "acldir")
    os.makedirs(dn)
    os.setxattr(dn, "system.posix_acl_default", acl)
    os.setxattr(dn, "user.ondir", b"dir value")
    os.symlink("small", os.path.join(xa, "link"))
    os.setxattr(os.path.join(xa, "link"), "trusted.onlink", b"L",
                follow_symlinks=False)
    # timestamps: nanoseconds, before 1970, after 2038
    tm = os.path.join(d, "times")
    os.makedirs(tm)
    for nm, ns in (("ns", 1600000000 * 10**9 + 123456789),
                   ("epoch", 0), ("pre1970", -86400 * 365 * 10 * 10**9 + 5),
                   ("y2040", 2208988800 * 10**9 + 999999999)):
        fn = os.path.join(tm, nm)
        w(fn, b"t")
        os.utime(fn, ns=(ns, ns))


def digest(path, size):
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY)
    try:
        off = 0
        while off < size:
            try:
                data = os.lseek(fd, off, os.SEEK_DATA)
            except OSError:
                break
            off = data - data % CHUNK
            buf = os.pread(fd, CHUNK, off)
            if not buf:
                break
            if buf != ZERO[:len(buf)]:
                h.update(b"%d:" % off + hashlib.sha256(buf).digest())
            off += CHUNK
    finally:
        os.close(fd)
    return h.hexdigest()


def dump(root, out):
    res = {}
    for dp, dns, fns in os.walk(root):
        for nm in dns + fns + ([] if dp != root else ["."]):
            p = os.path.join(dp, nm) if nm != "." else root
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            e = {"type": stat.S_IFMT(st.st_mode) >> 12,
                 "mode": st.st_mode & 0o7777, "uid": st.st_uid,
                 "gid": st.st_gid, "size": st.st_size,
                 "mtime": st.st_mtime_ns, "nlink": st.st_nlink,
                 "blocks": st.st_blocks}
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                e["rdev"] = [os.major(st.st_rdev), os.minor(st.st_rdev)]
            if stat.S_ISLNK(st.st_mode):
                e["target"] = os.readlink(p)
            if stat.S_ISREG(st.st_mode):
                e["digest"] = digest(p, st.st_size) if st.st_size else ""
            # The big directory's entries carry no xattrs: sample them.
            if not (rel.startswith("bigdir/") and zlib.crc32(rel.encode()) % 50):
                e["xattrs"] = {n: os.getxattr(p, n, follow_symlinks=False)
                               .hex()
                               for n in os.listxattr(p,
                                                     follow_symlinks=False)}
            res[rel] = e
    with open(out, "w") as f:
        json.dump(res, f, sort_keys=True, indent=0)


def cmp(a, b, mode):
    A = json.load(open(a))
    B = json.load(open(b))
    src = mode.startswith("source")
    secs = src
    # "source,ign=PATH": PATH is known to differ (an mke2fs bug)
    ignore = [m[4:] for m in mode.split(",") if m.startswith("ign=")]
    bad = []
    for t in (A, B):
        if src:
            for k in list(t):
                if k == "lost+found" or k.startswith("lost+found/"):
                    del t[k]
    for k in sorted(set(A) | set(B)):
        if k in ignore:
            continue
        if k not in A or k not in B:
            bad.append("%r: only in %s" % (k, a if k in A else b))
            continue
        x, y = A[k], B[k]
        keys = ["type", "mode", "uid", "gid", "size", "mtime", "nlink",
                "rdev", "target", "xattrs", "digest", "blocks"]
        if src:
            keys.remove("blocks")
            if x["type"] == 4:	# directories
                for f in ("size", "mtime"):
                    keys.remove(f)
                if k == ".":
                    keys.remove("nlink")
            if secs:
                x, y = dict(x), dict(y)
                if not all(-(1 << 31) <= t["mtime"] // 10**9 < (1 << 31)
                           for t in (x, y)):
                    keys.remove("mtime")
                else:
                    x["mtime"] //= 10**9
                    y["mtime"] //= 10**9
        for f in keys:
            if x.get(f) != y.get(f):
                bad.append("%r: %s %r != %r" % (k, f, x.get(f), y.get(f)))
    for line in bad[:40]:
        print(line)
    if len(bad) > 40:
        print("... %d differences" % len(bad))
    print("%d entries compared, %d differences" % (len(A), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "cmp":
        sys.exit(cmp(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit("usage: see the file comment")
