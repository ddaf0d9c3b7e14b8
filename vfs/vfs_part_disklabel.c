/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_part_disklabel.c -- BSD disklabels (struct disklabel of NetBSD,
 * OpenBSD and FreeBSD's bsdlabel): on a whole disk without an MBR, and
 * inside an MBR slice of type 0xa9 (NetBSD), 0xa6 (OpenBSD) or 0xa5
 * (FreeBSD).  Partitions are named by letter: "a" on a whole disk, "1a"
 * inside MBR slice 1.
 *
 * Exports (vfs_part.h): part_disklabel_scan.
 *
 * Layout (either byte order; the magic 0x82564557 says which): d_magic at
 * 0, d_secsize at 40, d_magic2 at 132, d_checksum at 136, d_npartitions
 * at 138, then 16-byte partitions from 148: p_size, p_offset (32 bits
 * each, in d_secsize sectors), p_fsize, p_fstype (one byte), ...  The
 * label normally sits at offset 0 of sector 1 of the disk or slice
 * (NetBSD i386/amd64); like NetBSD, the first three sectors are searched
 * at every 4-byte offset, so labels of other ports are found too.  A
 * label is used only if both magics match, d_npartitions is at most 22,
 * the label fits in what was read, the 16-bit XOR of the label (up to
 * the last partition) is 0, and d_secsize is 512..4096, a power of two.
 * Magic found but no usable label: EUCLEAN.
 *
 * Offsets inside a slice.  NetBSD and OpenBSD store absolute disk
 * sectors even for a label inside an MBR slice (NetBSD's own code puts
 * the slice's start into the raw partition); FreeBSD's bsdlabel counts
 * from the slice.  The slice type gives the first guess; if no used
 * partition fits inside the slice under that convention but some fit
 * under the other, the other is used (logged).  Partitions covering the
 * whole disk (NetBSD's 'd') are left where they say.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "vfs_part.h"

#define DL_MAGIC	0x82564557U
#define DL_SCANBYTES	1536
#define DL_HDRSIZE	148
#define DL_PARTSIZE	16
#define DL_SECTOR	1

struct dl_view {
	const uint8_t	*dv_p;
	bool		dv_be;
};

static uint32_t
dl32(const struct dl_view *v, size_t off)
{
	const uint8_t *p = v->dv_p + off;

	if (v->dv_be)
		return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
		    ((uint32_t)p[2] << 8) | p[3];
	return part_le32(p);
}

static uint16_t
dl16(const struct dl_view *v, size_t off)
{
	const uint8_t *p = v->dv_p + off;

	return v->dv_be ? (uint16_t)((p[0] << 8) | p[1]) : part_le16(p);
}

/*
 * Is there a label at P (AVAIL bytes left in the buffer)?  0 = no magic,
 * 1 = good label (*V set), -1 = magic but unusable (*WHY set).
 */
static int
dl_check(const uint8_t *p, size_t avail, struct dl_view *v, const char **why)
{
	unsigned npart, i;
	uint16_t x = 0;
	uint32_t secsize;
	size_t len;

	if (avail < DL_HDRSIZE)
		return 0;
	v->dv_p = p;
	if (part_le32(p) == DL_MAGIC)
		v->dv_be = false;
	else if (p[0] == 0x82 && p[1] == 0x56 && p[2] == 0x45 && p[3] == 0x57)
		v->dv_be = true;
	else
		return 0;
	if (dl32(v, 132) != DL_MAGIC)
		return 0;
	npart = dl16(v, 138);
	if (npart > PART_MAXLABEL) {
		*why = "too many partitions";
		return -1;
	}
	len = DL_HDRSIZE + (size_t)npart * DL_PARTSIZE;
	if (len > avail) {
		*why = "truncated";
		return -1;
	}
	/* The XOR is byte-order independent: compare it with 0. */
	for (i = 0; i < len; i += 2)
		x ^= part_le16(p + i);
	if (x != 0) {
		*why = "bad checksum";
		return -1;
	}
	secsize = dl32(v, 40);
	if (secsize < 512 || secsize > 4096 || (secsize & (secsize - 1))) {
		*why = "bad sector size";
		return -1;
	}
	return 1;
}

/* How many used partitions of V lie inside the slice, either way. */
static void
dl_fits(const struct dl_view *v, uint64_t base, uint64_t len,
    unsigned *absp, unsigned *relp)
{
	uint64_t ss = dl32(v, 40), off, size;
	unsigned npart = dl16(v, 138), i;

	*absp = *relp = 0;
	for (i = 0; i < npart; i++) {
		size = (uint64_t)dl32(v, DL_HDRSIZE + i * DL_PARTSIZE) * ss;
		off = (uint64_t)dl32(v, DL_HDRSIZE + i * DL_PARTSIZE + 4) * ss;
		if (size == 0)
			continue;
		if (off >= base && off - base <= len && size <= len -
		    (off - base))
			(*absp)++;
		if (off <= len && size <= len - off)
			(*relp)++;
	}
}

static int
dl_entries(struct blkdev *dev, struct part_table *pt,
    const struct dl_view *v, uint64_t base, bool relative,
    const char *prefix)
{
	uint64_t ss = dl32(v, 40), off, size;
	unsigned npart = dl16(v, 138), i;
	struct part_ent *pe;
	char name[PART_NAMELEN];
	size_t r;

	for (i = 0; i < npart; i++) {
		r = DL_HDRSIZE + (size_t)i * DL_PARTSIZE;
		size = (uint64_t)dl32(v, r) * ss;
		off = (uint64_t)dl32(v, r + 4) * ss;
		if (size == 0)
			continue;
		(void)ksnprintf(name, sizeof(name), "%s%c", prefix, 'a' + i);
		if ((pe = part_add(pt, name)) == NULL)
			return pt->pt_error;
		pe->pe_scheme = PART_DISKLABEL;
		pe->pe_fstype = v->dv_p[r + 12];
		/* NetBSD's whole-disk partition stays absolute. */
		pe->pe_start = relative && !(off == 0 && size >=
		    dev->bd_size) ? base + off : off;
		pe->pe_size = size;
		part_check_bounds(pe, dev->bd_size);
	}
	return 0;
}

/* See vfs_part.h. */
int
part_disklabel_scan(struct blkdev *dev, struct part_table *pt,
    uint64_t base, uint64_t len, uint8_t mbrtype, const char *prefix,
    bool *found)
{
	struct dl_view v;
	const char *why = NULL;
	uint8_t *buf;
	size_t n, off;
	unsigned nabs, nrel;
	bool relative;
	int r, error = 0;

	*found = false;
	if (base > dev->bd_size || len > dev->bd_size - base)
		len = base > dev->bd_size ? 0 : dev->bd_size - base;
	n = (size_t)MIN((uint64_t)DL_SCANBYTES, len);
	if (n < DL_HDRSIZE)
		return 0;
	if ((buf = kmem_alloc(DL_SCANBYTES)) == NULL)
		return ENOMEM;
	if ((error = blkdev_read(dev, buf, n, base)) != 0)
		goto out;
	for (off = 0; off + DL_HDRSIZE <= n; off += 4) {
		r = dl_check(buf + off, n - off, &v, &why);
		if (r == 1)
			break;
	}
	if (off + DL_HDRSIZE > n) {
		if (why != NULL)
			error = part_corrupt(pt, "disklabel%s%s: %s",
			    mbrtype != 0 ? " in MBR partition " : "",
			    mbrtype != 0 ? prefix : "", why);
		goto out;
	}
	*found = true;
	if (off != DL_SECTOR * 512)
		klog(KLOG_DEBUG, "blkdev %s: disklabel at byte %zu of %s",
		    dev->bd_name, off, mbrtype != 0 ? prefix : "the disk");
	relative = mbrtype == 0xa5;
	if (mbrtype != 0) {
		dl_fits(&v, base, len, &nabs, &nrel);
		if (relative && nrel == 0 && nabs > 0)
			relative = false;
		else if (!relative && nabs == 0 && nrel > 0)
			relative = true;
		if (relative != (mbrtype == 0xa5))
			klog(KLOG_INFO, "blkdev %s: disklabel in MBR "
			    "partition %s uses %s offsets", dev->bd_name,
			    prefix, relative ? "slice-relative" : "absolute");
	}
	error = dl_entries(dev, pt, &v, base, relative, prefix);
out:
	kmem_free(buf, DL_SCANBYTES);
	return error;
}
