/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_part_mbr.c -- the MBR (DOS) partition table: four primary entries
 * in sector 0, an extended partition's chain of EBRs holding the logical
 * partitions (numbered from 5, as Linux does), and BSD disklabels inside
 * NetBSD (0xa9), FreeBSD (0xa5) and OpenBSD (0xa6) slices.  Sector 0 is
 * also where a protective MBR announces a GPT (vfs_part_gpt.c).
 *
 * Exports (vfs_part.h): part_mbr_scan.
 *
 * What counts as an MBR: the 55 AA signature, every boot indicator 0x00
 * or 0x80, at least one used entry, and sector 0 not a FAT, exFAT or
 * NTFS boot sector (a "superfloppy" volume also ends in 55 AA).
 *
 * The EBR chain is walked with a bound (PART_MAXLOGICAL EBRs) and loop
 * detection (every EBR visited is remembered); an EBR outside its
 * extended partition or the device, a missing signature in a later EBR,
 * a loop or too many EBRs make the table corrupt (EUCLEAN).  A partition
 * reaching past the end of the device is kept, flagged (pe_problem).
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "vfs_part.h"

#define MBR_SIZE	512
#define MBR_PART0	446
#define MBR_PARTSIZE	16
#define MBR_NPARTS	4
#define MBR_SIG		510

#define MBR_T_EMPTY	0x00
#define MBR_T_GPT	0xee

static bool
mbr_isext(uint8_t t)
{
	return t == 0x05 || t == 0x0f || t == 0x85;
}

static bool
mbr_isbsd(uint8_t t)
{
	return t == 0xa5 || t == 0xa6 || t == 0xa9;
}

/* Does S look like the boot sector of a FAT, exFAT or NTFS volume? */
static bool
mbr_is_fsboot(const uint8_t *s)
{
	uint16_t bps, rsvd;
	uint8_t spc;

	if (memcmp(s + 3, "NTFS    ", 8) == 0 ||
	    memcmp(s + 3, "EXFAT   ", 8) == 0)
		return true;
	if (!((s[0] == 0xeb && s[2] == 0x90) || s[0] == 0xe9))
		return false;
	bps = part_le16(s + 11);
	spc = s[13];
	rsvd = part_le16(s + 14);
	return (bps == 512 || bps == 1024 || bps == 2048 || bps == 4096) &&
	    spc != 0 && (spc & (spc - 1)) == 0 && rsvd != 0 &&
	    s[16] >= 1 && s[16] <= 16;
}

/* Fill one entry from the 16-byte record E, relative to sector BASE. */
static struct part_ent *
mbr_entry(struct part_table *pt, const char *name, const uint8_t *e,
    uint64_t base, uint64_t devsize)
{
	struct part_ent *pe;
	uint64_t ss = pt->pt_secsize;

	if ((pe = part_add(pt, name)) == NULL)
		return NULL;
	pe->pe_scheme = PART_MBR;
	pe->pe_mbrtype = e[4];
	pe->pe_container = mbr_isext(e[4]);
	pe->pe_start = (base + part_le32(e + 8)) * ss;
	pe->pe_size = (uint64_t)part_le32(e + 12) * ss;
	part_check_bounds(pe, devsize);
	return pe;
}

static bool
ebr_seen(const uint64_t *seen, unsigned n, uint64_t lba)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (seen[i] == lba)
			return true;
	return false;
}

/*
 * Walk the EBR chain of the extended partition at sector EXTBASE, EXTLEN
 * sectors long.  Logical partitions are numbered from 5.
 */
static int
mbr_walk_ebr(struct blkdev *dev, struct part_table *pt, uint64_t extbase,
    uint64_t extlen)
{
	uint8_t s[MBR_SIZE];
	uint64_t *seen, cur, ss = pt->pt_secsize;
	const uint8_t *e0, *e1;
	struct part_ent *pe;
	unsigned n, num = 5;
	char name[PART_NAMELEN];
	int error = 0;

	if ((seen = kmem_alloc(PART_MAXLOGICAL * sizeof(*seen))) == NULL)
		return ENOMEM;
	cur = extbase;
	for (n = 0;; n++) {
		if (n == PART_MAXLOGICAL) {
			error = part_corrupt(pt, "MBR: more than %u EBRs in "
			    "the extended partition", PART_MAXLOGICAL);
			break;
		}
		if (cur < extbase || cur - extbase >= extlen) {
			error = part_corrupt(pt, "MBR: EBR at sector %llu is "
			    "outside the extended partition",
			    (unsigned long long)cur);
			break;
		}
		if (ebr_seen(seen, n, cur)) {
			error = part_corrupt(pt, "MBR: the EBR chain loops "
			    "at sector %llu", (unsigned long long)cur);
			break;
		}
		seen[n] = cur;
		if (cur > dev->bd_size / ss ||
		    (cur + 1) * ss > dev->bd_size) {
			error = part_corrupt(pt, "MBR: EBR at sector %llu is "
			    "past the end of the device",
			    (unsigned long long)cur);
			break;
		}
		if ((error = blkdev_read(dev, s, sizeof(s), cur * ss)) != 0)
			break;
		if (s[MBR_SIG] != 0x55 || s[MBR_SIG + 1] != 0xaa) {
			if (n == 0)	/* an empty extended partition */
				break;
			error = part_corrupt(pt, "MBR: EBR at sector %llu has "
			    "no 55 AA signature", (unsigned long long)cur);
			break;
		}
		e0 = s + MBR_PART0;
		e1 = e0 + MBR_PARTSIZE;
		if (e0[4] != MBR_T_EMPTY && part_le32(e0 + 12) != 0) {
			(void)ksnprintf(name, sizeof(name), "%u", num++);
			if ((pe = mbr_entry(pt, name, e0, cur,
			    dev->bd_size)) == NULL) {
				error = pt->pt_error;
				break;
			}
			if (pe->pe_container)
				pe->pe_problem = "an extended partition "
				    "inside a logical one";
			else if (pe->pe_problem == NULL &&
			    (pe->pe_start < extbase * ss ||
			    pe->pe_start - extbase * ss > extlen * ss ||
			    pe->pe_size > extlen * ss -
			    (pe->pe_start - extbase * ss)))
				pe->pe_problem = "outside its extended "
				    "partition";
		}
		if (!mbr_isext(e1[4]) || part_le32(e1 + 12) == 0)
			break;
		cur = extbase + part_le32(e1 + 8);
	}
	kmem_free(seen, PART_MAXLOGICAL * sizeof(*seen));
	return error;
}

/* Disklabels inside the BSD slices among the first N entries. */
static int
mbr_bsd_slices(struct blkdev *dev, struct part_table *pt, unsigned n)
{
	struct part_ent *pe;
	char prefix[PART_NAMELEN];
	bool found;
	unsigned i;
	int error;

	for (i = 0; i < n; i++) {
		pe = &pt->pt_ent[i];
		if (!mbr_isbsd(pe->pe_mbrtype) || pe->pe_problem != NULL)
			continue;
		(void)ksnprintf(prefix, sizeof(prefix), "%s", pe->pe_name);
		error = part_disklabel_scan(dev, pt, pe->pe_start,
		    pe->pe_size, pe->pe_mbrtype, prefix, &found);
		/* part_add never moves entries: PE is still valid. */
		pe->pe_hasbsd = found;
		if (error != 0)
			return error;
	}
	return 0;
}

/*
 * Parse the MBR in sector 0 of DEV (and a GPT it protects).  *FOUND:
 * sector 0 is an MBR; then pt_scheme is PART_MBR or PART_GPT.
 */
int
part_mbr_scan(struct blkdev *dev, struct part_table *pt, bool *found)
{
	uint8_t s[MBR_SIZE];
	const uint8_t *e;
	char name[PART_NAMELEN];
	unsigned i, used = 0, ngpt = 0, nprim;
	bool gptfound, sawext = false, haveext = false;
	struct part_ent *pe;
	int error;

	*found = false;
	if (dev->bd_size < MBR_SIZE)
		return 0;
	if ((error = blkdev_read(dev, s, sizeof(s), 0)) != 0)
		return error;
	if (s[MBR_SIG] != 0x55 || s[MBR_SIG + 1] != 0xaa ||
	    mbr_is_fsboot(s))
		return 0;
	for (i = 0; i < MBR_NPARTS; i++) {
		e = s + MBR_PART0 + i * MBR_PARTSIZE;
		if (e[0] != 0x00 && e[0] != 0x80)
			return 0;
		if (e[4] != MBR_T_EMPTY)
			used++;
		if (e[4] == MBR_T_GPT)
			ngpt++;
	}
	if (used == 0)
		return 0;
	*found = true;
	if (ngpt > 0) {
		error = part_gpt_scan(dev, pt, &gptfound);
		if (gptfound || error != 0)
			return error;
		if (ngpt == used)
			return part_corrupt(pt, "protective MBR without a "
			    "GPT header");
		klog(KLOG_INFO, "blkdev %s: hybrid MBR without a GPT; using "
		    "the MBR", dev->bd_name);
	}
	pt->pt_scheme = PART_MBR;
	for (i = 0; i < MBR_NPARTS; i++) {
		e = s + MBR_PART0 + i * MBR_PARTSIZE;
		if (e[4] == MBR_T_EMPTY || part_le32(e + 12) == 0)
			continue;
		(void)ksnprintf(name, sizeof(name), "%u", i + 1);
		if ((pe = mbr_entry(pt, name, e, 0, dev->bd_size)) == NULL)
			return pt->pt_error;
		if (pe->pe_container && sawext)
			pe->pe_problem = "a second extended partition "
			    "(ignored)";
		sawext |= pe->pe_container;
	}
	nprim = pt->pt_n;
	for (i = 0; i < nprim; i++) {
		pe = &pt->pt_ent[i];
		if (!pe->pe_container || pe->pe_problem != NULL || haveext)
			continue;
		haveext = true;
		error = mbr_walk_ebr(dev, pt, pe->pe_start / pt->pt_secsize,
		    pe->pe_size / pt->pt_secsize);
		if (error != 0)
			return error;
	}
	return mbr_bsd_slices(dev, pt, pt->pt_n);
}
