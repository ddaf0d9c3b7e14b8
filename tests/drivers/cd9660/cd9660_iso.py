#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""cd9660_iso.py -- find ISO 9660 structures in an image, for the tests
that damage them on purpose.  A deliberately small reader of its own:
primary volume descriptor, directory records, Rock Ridge NM names and
the SUSP entries of a record (following CE).

  cd9660_iso.py pvd IMG           byte offset of the primary descriptor
  cd9660_iso.py rec IMG PATH      the directory record of PATH ("/" is
                                  the root's "." record), as shell
                                  assignments: REC (byte offset), LEN,
                                  EXT (extent, bytes), SIZE, SUA (byte
                                  offset of the system use area), and
                                  per SUSP entry E_<SIG>=offset (the
                                  first of each signature, CE areas
                                  included) and L_<SIG>=length
  cd9660_iso.py lastrec IMG PATH  byte offset of the last record in the
                                  first sector of directory PATH
  cd9660_iso.py poke IMG OFF HEX  write bytes at OFF
  cd9660_iso.py le32 IMG OFF VAL  write VAL as ISO 9660 733 (both-endian)
"""
import struct
import sys

BS = 2048


def rd(img):
    with open(img, "rb") as f:
        return f.read()


def records(d, ext, size):
    off, end = ext, ext + size
    while off < end:
        ln = d[off]
        if ln == 0:
            off = (off // BS + 1) * BS
            continue
        yield off, d[off:off + ln]
        off += ln


def sua_start(r):
    nl = r[32]
    return 33 + nl + (0 if nl % 2 else 1)


def entries(d, base, area):
    """(sig, absolute offset, length) of every SUSP entry, CE followed."""
    out = []
    hops = 0
    while area is not None and hops < 8:
        start, ln = area
        i, ce = 0, None
        while i + 4 <= ln:
            sig = d[start + i:start + i + 2]
            el = d[start + i + 2]
            if el < 4 or i + el > ln:
                break
            out.append((sig.decode("latin-1"), start + i, el))
            if sig == b"CE":
                e = d[start + i:start + i + el]
                blk, o, cl = struct.unpack("<I", e[4:8])[0], \
                    struct.unpack("<I", e[12:16])[0], \
                    struct.unpack("<I", e[20:24])[0]
                ce = (blk * BS + o, cl)
            if sig == b"ST":
                break
            i += el
        area = ce
        hops += 1
    return out


def name_of(d, off, r):
    nm = b""
    for sig, eo, el in entries(d, off, (off + sua_start(r), r[0] -
                                        sua_start(r))):
        if sig == "NM":
            nm += d[eo + 5:eo + el]
    if nm:
        return nm
    n = r[33:33 + r[32]]
    return n.split(b";")[0].rstrip(b".").lower()


def find(d, path):
    pvd = d[16 * BS:17 * BS]
    root = pvd[156:190]
    ext = struct.unpack("<I", root[2:6])[0] * BS
    size = struct.unpack("<I", root[10:14])[0]
    cur = next(records(d, ext, size))
    for comp in [c for c in path.split("/") if c]:
        ext = struct.unpack("<I", cur[1][2:6])[0] * BS
        size = struct.unpack("<I", cur[1][10:14])[0]
        for off, r in records(d, ext, size):
            if r[32] == 1 and r[33] in (0, 1):
                continue
            if name_of(d, off, r) == comp.encode():
                cur = (off, r)
                break
        else:
            sys.exit("no %s in %s" % (comp, path))
    return cur


def main():
    cmd, img = sys.argv[1], sys.argv[2]
    if cmd == "pvd":
        print(16 * BS)
    elif cmd == "rec":
        d = rd(img)
        off, r = find(d, sys.argv[3])
        s = sua_start(r)
        print("REC=%d LEN=%d EXT=%d SIZE=%d SUA=%d" % (
            off, r[0], struct.unpack("<I", r[2:6])[0] * BS,
            struct.unpack("<I", r[10:14])[0], off + s))
        seen = set()
        for sig, eo, el in entries(d, off, (off + s, r[0] - s)):
            if sig in seen or not sig.isalnum():
                continue
            seen.add(sig)
            print("E_%s=%d L_%s=%d" % (sig, eo, sig, el))
    elif cmd == "lastrec":
        d = rd(img)
        off, r = find(d, sys.argv[3])
        ext = struct.unpack("<I", r[2:6])[0] * BS
        last = None
        for o, _ in records(d, ext, BS):
            last = o
        print(last)
    elif cmd == "poke":
        with open(img, "r+b") as f:
            f.seek(int(sys.argv[3]))
            f.write(bytes.fromhex(sys.argv[4]))
    elif cmd == "le32":
        v = int(sys.argv[4], 0)
        with open(img, "r+b") as f:
            f.seek(int(sys.argv[3]))
            f.write(struct.pack("<I", v) + struct.pack(">I", v))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
