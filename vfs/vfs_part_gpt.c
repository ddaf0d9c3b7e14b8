/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_part_gpt.c -- the GUID partition table (UEFI): the header at LBA 1
 * (or its backup, normally at the last LBA) and the entry array it points
 * at.  Called by the MBR code when sector 0 is a protective MBR.
 *
 * Exports (vfs_part.h): part_gpt_scan.
 *
 * The sector size is the first of the device's, 512 and 4096 at which
 * "EFI PART" sits at LBA 1.  A header is used only if: its size is 92
 * bytes to one sector, its CRC32 matches, it says it lives where it was
 * read, first usable <= last usable, the entry size is a multiple of 8
 * of at least 128 bytes, the entry array (at most 1 MiB) lies inside the
 * device and matches its CRC32.  A bad primary falls back to the backup
 * (at the primary's alternate LBA when the primary's own CRC was good,
 * else at the last LBA) with a log line; both bad is EUCLEAN.  Entries
 * are numbered by their slot (1-based); an entry that ends before it
 * starts, leaves the usable area or the device is flagged.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "vfs_part.h"

#define GPT_HDR_MINSIZE	92
#define GPT_ENT_MINSIZE	128
#define GPT_ARRAY_MAX	(1U << 20)

struct gpt_hdr {
	uint64_t	gh_mylba;
	uint64_t	gh_altlba;
	uint64_t	gh_first;	/* first usable LBA */
	uint64_t	gh_last;	/* last usable LBA */
	uint64_t	gh_entlba;
	uint32_t	gh_nent;
	uint32_t	gh_entsize;
	uint8_t		*gh_ents;	/* entry array, gh_entbytes */
	size_t		gh_entbytes;
	bool		gh_crcok;	/* the header's own CRC matched */
};

/* CRC-32 (IEEE 802.3, reflected, as UEFI specifies). */
static uint32_t
gpt_crc32(uint32_t crc, const uint8_t *p, size_t len)
{
	unsigned k;

	crc = ~crc;
	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1)));
	}
	return ~crc;
}

static void
gpt_hdr_free(struct gpt_hdr *gh)
{
	if (gh->gh_ents != NULL)
		kmem_free(gh->gh_ents, gh->gh_entbytes);
	gh->gh_ents = NULL;
}

/*
 * Read and check the header at LBA (sector size SS) into *GH.  Returns
 * NULL when it is good, else what is wrong (static string); EIO, ENOMEM
 * go to *ERRP.
 */
static const char *
gpt_hdr_read(struct blkdev *dev, uint32_t ss, uint64_t lba,
    struct gpt_hdr *gh, int *errp)
{
	uint8_t *h;
	uint32_t hsize, crc;
	uint64_t nsec = dev->bd_size / ss;
	const char *why = NULL;

	memset(gh, 0, sizeof(*gh));
	*errp = 0;
	if (lba >= nsec)
		return "outside the device";
	if ((h = kmem_alloc(ss)) == NULL) {
		*errp = ENOMEM;
		return "out of memory";
	}
	if ((*errp = blkdev_read(dev, h, ss, lba * ss)) != 0) {
		why = "unreadable";
		goto out;
	}
	if (memcmp(h, "EFI PART", 8) != 0) {
		why = "no signature";
		goto out;
	}
	hsize = part_le32(h + 12);
	if (hsize < GPT_HDR_MINSIZE || hsize > ss) {
		why = "bad header size";
		goto out;
	}
	crc = part_le32(h + 16);
	memset(h + 16, 0, 4);
	gh->gh_crcok = gpt_crc32(0, h, hsize) == crc;
	gh->gh_mylba = part_le64(h + 24);
	gh->gh_altlba = part_le64(h + 32);
	if (!gh->gh_crcok) {
		why = "header CRC mismatch";
		goto out;
	}
	gh->gh_first = part_le64(h + 40);
	gh->gh_last = part_le64(h + 48);
	gh->gh_entlba = part_le64(h + 72);
	gh->gh_nent = part_le32(h + 80);
	gh->gh_entsize = part_le32(h + 84);
	crc = part_le32(h + 88);
	if (gh->gh_mylba != lba)
		why = "header is not where it says it is";
	else if (gh->gh_first > gh->gh_last)
		why = "first usable LBA past the last";
	else if (gh->gh_entsize < GPT_ENT_MINSIZE || gh->gh_entsize % 8 != 0)
		why = "bad entry size";
	else if (gh->gh_nent == 0 ||
	    (uint64_t)gh->gh_nent * gh->gh_entsize > GPT_ARRAY_MAX)
		why = "bad number of entries";
	else if (gh->gh_entlba >= nsec || (uint64_t)gh->gh_nent *
	    gh->gh_entsize > (nsec - gh->gh_entlba) * ss)
		why = "entry array outside the device";
	if (why != NULL)
		goto out;
	gh->gh_entbytes = (size_t)gh->gh_nent * gh->gh_entsize;
	if ((gh->gh_ents = kmem_alloc(gh->gh_entbytes)) == NULL) {
		*errp = ENOMEM;
		why = "out of memory";
		goto out;
	}
	if ((*errp = blkdev_read(dev, gh->gh_ents, gh->gh_entbytes,
	    gh->gh_entlba * ss)) != 0)
		why = "entry array unreadable";
	else if (gpt_crc32(0, gh->gh_ents, gh->gh_entbytes) != crc)
		why = "entry array CRC mismatch";
	if (why != NULL)
		gpt_hdr_free(gh);
out:
	kmem_free(h, ss);
	return why;
}

/* The GPT name (UTF-16LE, 36 units) as ASCII, '?' for the rest. */
static void
gpt_label(const uint8_t *e, char *buf, size_t len)
{
	size_t i, o = 0;
	uint16_t c;

	for (i = 0; i < 36 && o + 1 < len; i++) {
		c = part_le16(e + 56 + 2 * i);
		if (c == 0)
			break;
		buf[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[o] = '\0';
}

static int
gpt_entries(struct blkdev *dev, struct part_table *pt,
    const struct gpt_hdr *gh)
{
	static const uint8_t zero[16];
	struct part_ent *pe;
	const uint8_t *e;
	uint64_t first, last, ss = pt->pt_secsize;
	char name[PART_NAMELEN];
	uint32_t i;

	for (i = 0; i < gh->gh_nent && i < PART_MAXGPTENT; i++) {
		e = gh->gh_ents + (size_t)i * gh->gh_entsize;
		if (memcmp(e, zero, 16) == 0)
			continue;
		(void)ksnprintf(name, sizeof(name), "%u", i + 1);
		if ((pe = part_add(pt, name)) == NULL)
			return pt->pt_error;
		pe->pe_scheme = PART_GPT;
		memcpy(pe->pe_guid, e, 16);
		gpt_label(e, pe->pe_label, sizeof(pe->pe_label));
		first = part_le64(e + 32);
		last = part_le64(e + 40);
		if (first > last) {
			pe->pe_problem = "ends before it starts";
			continue;
		}
		if (last >= dev->bd_size / ss) {
			pe->pe_problem = "extends past the end of the device";
			/* Sizes for the listing, without overflow. */
			if (first < dev->bd_size / ss) {
				pe->pe_start = first * ss;
				pe->pe_size = dev->bd_size - pe->pe_start;
			}
			continue;
		}
		pe->pe_start = first * ss;
		pe->pe_size = (last - first + 1) * ss;
		if (first < gh->gh_first || last > gh->gh_last)
			pe->pe_problem = "outside the usable area";
		part_check_bounds(pe, dev->bd_size);
	}
	return 0;
}

/*
 * Parse the GPT of DEV.  *FOUND: a GPT header signature was seen (valid
 * or not).  On success pt_scheme is PART_GPT.
 */
int
part_gpt_scan(struct blkdev *dev, struct part_table *pt, bool *found)
{
	struct gpt_hdr gh, bk;
	const uint32_t sizes[3] = { dev->bd_secsize, 512, 4096 };
	const char *why, *bwhy;
	uint64_t blba;
	uint32_t ss = 0;
	uint8_t sig[8];
	unsigned i;
	int error;

	*found = false;
	for (i = 0; i < 3 && ss == 0; i++) {
		if (sizes[i] < 512 || sizes[i] > 4096 ||
		    (sizes[i] & (sizes[i] - 1)) != 0 ||
		    dev->bd_size / sizes[i] < 3)
			continue;
		if ((error = blkdev_read(dev, sig, sizeof(sig),
		    sizes[i])) != 0)
			return error;
		if (memcmp(sig, "EFI PART", 8) == 0)
			ss = sizes[i];
	}
	/* No primary signature: look for a backup at the last 512 LBA. */
	if (ss == 0)
		ss = 512;
	pt->pt_secsize = ss;
	why = gpt_hdr_read(dev, ss, 1, &gh, &error);
	if (error != 0 && error != EIO)
		return error;
	if (why == NULL) {
		*found = true;
		pt->pt_scheme = PART_GPT;
		error = gpt_entries(dev, pt, &gh);
		gpt_hdr_free(&gh);
		return error;
	}
	if (gh.gh_crcok && gh.gh_altlba > 1 &&
	    gh.gh_altlba < dev->bd_size / ss)
		blba = gh.gh_altlba;
	else
		blba = dev->bd_size / ss - 1;
	bwhy = gpt_hdr_read(dev, ss, blba, &bk, &error);
	if (error != 0 && error != EIO)
		return error;
	if (bwhy != NULL) {
		if (strcmp(why, "no signature") == 0 &&
		    strcmp(bwhy, "no signature") == 0)
			return 0;
		*found = true;
		pt->pt_scheme = PART_GPT;
		return part_corrupt(pt, "GPT: primary header: %s; backup "
		    "header: %s", why, bwhy);
	}
	*found = true;
	pt->pt_scheme = PART_GPT;
	(void)ksnprintf(pt->pt_why, sizeof(pt->pt_why), "GPT: primary "
	    "header: %s; using the backup at LBA %llu", why,
	    (unsigned long long)blba);
	klog(KLOG_WARN, "blkdev %s: %s", dev->bd_name, pt->pt_why);
	error = gpt_entries(dev, pt, &bk);
	gpt_hdr_free(&bk);
	return error;
}
