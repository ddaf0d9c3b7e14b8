# SPDX-License-Identifier: BSD-2-Clause
# part_lib.sh -- whole-disk images for the partition tests (sourced after
# tests/lib/tap.sh, with $WORK set).  Every table is written by a real tool
# (sfdisk) or, for BSD disklabels, by python3 from the documented layout;
# every filesystem by its own mkfs, then dd'd into place:
#
#   mbr.img   64 MiB MBR: 1 ext4 (0x83), 2 FAT16 (0x0e), 3 extended with
#             5 FFS (0x83 type, UFS2) and 6 ext2, 4 a NetBSD slice (0xa9)
#             holding an FFS directly (no disklabel)
#   gpt.img   32 MiB GPT: 1 ext4 (Linux filesystem), 2 FAT (EFI System),
#             3 FFS (NetBSD FFS)
#   bsd.img   16 MiB, no MBR, a NetBSD disklabel at sector 1 (little
#             endian): a FFS at sector 64, e FAT after it, c whole disk
#   nbsd.img  32 MiB MBR with slice 1 NetBSD (0xa9) from sector 2048 and
#             a big-endian disklabel inside it, absolute offsets as NetBSD
#             writes them: 1a FFS (UFS1), 1e FAT, 1c the slice, 1d
#             the disk
#
# Every filesystem holds /hello.txt with "hello from <name>".
#   part_need_tools        skip all unless the tools are there
#   part_mkimages          build the images in $WORK
#   part_start NAME IMG P  byte offset of partition P (from our table)
#   outside_sum IMG OFF LEN  sha256 of IMG without [OFF, OFF+LEN)

part_need_tools() {
	local t
	for t in sfdisk mke2fs mkfs.fat mcopy makefs python3 dd sha256sum; do
		command -v "$t" >/dev/null ||
		    { echo "1..0 # SKIP $t is missing"; exit 0; }
	done
}

# part_tree NAME: a small tree for filesystem NAME in $WORK/tree-NAME
part_tree() {
	local d="$WORK/tree-$1"
	mkdir -p "$d/sub"
	echo "hello from $1" > "$d/hello.txt"
	seq 1 2000 > "$d/sub/numbers"
}

# mk_ext IMG SIZE NAME [mke2fs args]
mk_ext() {
	part_tree "$3"
	rm -f "$1"
	mke2fs -q -F -t "${4:-ext4}" -d "$WORK/tree-$3" "$1" "$2" >/dev/null
}

# mk_fat IMG SIZE NAME
mk_fat() {
	part_tree "$3"
	rm -f "$1"
	truncate -s "$2" "$1"
	mkfs.fat "$1" >/dev/null
	mcopy -s -i "$1" "$WORK/tree-$3/hello.txt" "$WORK/tree-$3/sub" ::/
}

# mk_ffs IMG SIZE NAME [VERSION]: UFS2 unless VERSION is 1
mk_ffs() {
	part_tree "$3"
	rm -f "$1"
	makefs -t ffs -o version="${4:-2}" -s "$2" "$1" "$WORK/tree-$3" \
	    >/dev/null
}

# put IMG PIECE SECTOR: dd PIECE into IMG at 512-byte SECTOR
put() {
	dd if="$2" of="$1" bs=512 seek="$3" conv=notrunc status=none
}

# disklabel IMG LABELBYTE ENDIAN SLICESTART SLICELEN PART...: write a
# NetBSD struct disklabel at byte LABELBYTE of IMG.  PART is
# LETTER:OFFSET:SIZE:FSTYPE (sectors).
disklabel() {
	python3 - "$@" <<'PY'
import struct, sys, os
img, at, endian = sys.argv[1], int(sys.argv[2]), sys.argv[3]
e = '<' if endian == 'le' else '>'
parts = {}
for p in sys.argv[6:]:
    l, off, size, fst = p.split(':')
    parts[ord(l) - ord('a')] = (int(size), int(off), int(fst))
npart = max(parts) + 1 if parts else 0
total = os.path.getsize(img) // 512
hdr = struct.pack(e + 'IHH16s16sIIIIIIHHIHHHHIII20s20sIHHII',
    0x82564557, 4, 0, b'rumpfuse-test', b'', 512, 32, 16,
    total // 512, 512, total, 0, 0, 0, 3600, 1, 0, 0, 0, 0, 0,
    b'', b'', 0x82564557, 0, npart, 8192, 65536)
assert len(hdr) == 148
body = b''
for i in range(npart):
    size, off, fst = parts.get(i, (0, 0, 0))
    body += struct.pack(e + 'IIIBBH', size, off, 2048 if fst == 7 else 0,
                        fst, 8 if fst == 7 else 0, 0)
lab = bytearray(hdr + body)
x = 0
for i in range(0, len(lab), 2):
    x ^= struct.unpack_from(e + 'H', lab, i)[0]
struct.pack_into(e + 'H', lab, 136, x)
with open(img, 'r+b') as f:
    f.seek(at)
    f.write(lab)
PY
}

part_mkimages() {
	local W=$WORK
	mk_ext "$W/p-ext4.img" 8M ext4-part1
	mk_fat "$W/p-fat.img" 8M fat-part2
	mk_ffs "$W/p-ffs.img" 4m ffs-part5
	mk_ext "$W/p-ext2.img" 2M ext2-part6 ext2
	mk_ffs "$W/p-ffs4.img" 4m ffs-part4

	# mbr.img
	rm -f "$W/mbr.img"
	truncate -s 64M "$W/mbr.img"
	sfdisk -q --no-reread --no-tell-kernel "$W/mbr.img" <<-EOF
	label: dos
	start=2048, size=16384, type=83
	start=18432, size=16384, type=e
	start=34816, size=40960, type=5
	start=77824, size=16384, type=a9
	start=36864, size=8192, type=83
	start=47104, size=4096, type=83
	EOF
	put "$W/mbr.img" "$W/p-ext4.img" 2048
	put "$W/mbr.img" "$W/p-fat.img" 18432
	put "$W/mbr.img" "$W/p-ffs.img" 36864
	put "$W/mbr.img" "$W/p-ext2.img" 47104
	put "$W/mbr.img" "$W/p-ffs4.img" 77824

	# gpt.img
	mk_ext "$W/g-ext4.img" 8M ext4-gpt1
	mk_fat "$W/g-fat.img" 8M fat-gpt2
	mk_ffs "$W/g-ffs.img" 4m ffs-gpt3
	rm -f "$W/gpt.img"
	truncate -s 32M "$W/gpt.img"
	sfdisk -q --no-reread --no-tell-kernel "$W/gpt.img" <<-EOF
	label: gpt
	start=2048, size=16384, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root
	start=18432, size=16384, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
	start=34816, size=8192, type=49F48D5A-B10E-11DC-B99B-0019D1879648
	EOF
	put "$W/gpt.img" "$W/g-ext4.img" 2048
	put "$W/gpt.img" "$W/g-fat.img" 18432
	put "$W/gpt.img" "$W/g-ffs.img" 34816

	# bsd.img: whole-disk label
	mk_ffs "$W/b-ffs.img" 4m ffs-bsd-a
	mk_fat "$W/b-fat.img" 4M fat-bsd-e
	rm -f "$W/bsd.img"
	truncate -s 16M "$W/bsd.img"
	put "$W/bsd.img" "$W/b-ffs.img" 64
	put "$W/bsd.img" "$W/b-fat.img" 8256
	disklabel "$W/bsd.img" 512 le 0 32768 a:64:8192:7 c:0:32768:0 \
	    e:8256:8192:8

	# nbsd.img: MBR slice 1 (NetBSD) with a big-endian label inside
	mk_ffs "$W/n-ffs.img" 4m ffs-nbsd-1a 1
	mk_fat "$W/n-fat.img" 4M fat-nbsd-1e
	rm -f "$W/nbsd.img"
	truncate -s 32M "$W/nbsd.img"
	sfdisk -q --no-reread --no-tell-kernel "$W/nbsd.img" <<-EOF
	label: dos
	start=2048, size=63488, type=a9
	EOF
	put "$W/nbsd.img" "$W/n-ffs.img" 2112
	put "$W/nbsd.img" "$W/n-fat.img" 10304
	disklabel "$W/nbsd.img" $((2049 * 512)) be 2048 63488 \
	    a:2112:8192:7 c:2048:63488:0 d:0:65536:0 e:10304:8192:8
}

# outside_sum IMG OFF LEN: the image's bytes outside [OFF, OFF+LEN)
outside_sum() {
	{ head -c "$2" "$1"; tail -c +$(($2 + $3 + 1)) "$1"; } | sha256sum |
	    cut -d' ' -f1
}

# extract IMG OFF LEN OUT
extract() {
	dd if="$1" of="$4" bs=512 skip=$(($2 / 512)) count=$(($3 / 512)) \
	    status=none
}
