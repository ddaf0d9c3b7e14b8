/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_part.c -- partitions and probing: finding a device's partition
 * table, selecting a partition for a mount (option part=), deciding
 * which filesystem an "auto" mount gets, and the public vfs_part_list
 * and vfs_probe (vfs_pub.h) behind `rumpfuse --list` and `--probe`.
 *
 * Exports (vfs_part.h): part_scan, part_add, part_corrupt,
 * part_check_bounds, part_lookup, part_typename, part_schemename,
 * part_name_valid, part_probe, part_probe_pick, part_select,
 * part_explain, part_whole_has_table; (vfs_pub.h) vfs_part_list,
 * vfs_probe.  The parsers are vfs_part_mbr.c, vfs_part_gpt.c and
 * vfs_part_disklabel.c.
 *
 * Order of detection (part_scan): sector 0 an MBR -- a protective one
 * means GPT, BSD slices may hold disklabels; else a disklabel on the
 * whole disk; else no table.
 *
 * Names (part=): MBR 1-4 primary, 5... logical (Linux's numbering); GPT
 * the entry's slot, 1...; a whole-disk disklabel a, b, ...; a disklabel
 * inside MBR partition N: Na, Nb, ...
 *
 * Which filesystem an "auto" mount gets (part_probe, part_probe_pick):
 *   1. every driver that needs a device probes the window (the selected
 *      partition, or the whole device);
 *   2. on the whole device, when sector 0 is an MBR or a GPT, msdos's
 *      claim does not count: that driver walks an MBR by itself, so it
 *      answers for a FAT partition, not for the device;
 *   3. one claim: that filesystem.  A filesystem found at the start of
 *      a device that also has a partition table wins over the table: an
 *      ISO 9660 hybrid image (an MBR/GPT for booting from a USB stick,
 *      partitions pointing inside the ISO) mounts as ISO 9660, and its
 *      partitions are reachable with part=;
 *   4. several claims: refused as ambiguous, naming them ("use -t");
 *   5. none: an error naming what was tried, and, if the device has a
 *      partition table, the partitions and what each holds.
 *
 * A device's window is changed (blkdev_setwindow) only while nothing is
 * cached for it: the probes read raw (blkdev_read) and part_probe drops
 * the device's buffers afterwards anyway.
 */
#include <stdarg.h>

#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "vfs_internal.h"
#include "vfs_part.h"
#include "vfs_pub.h"
#include "rumpuser.h"

/* ---- the table ---- */

struct part_ent *
part_add(struct part_table *pt, const char *name)
{
	struct part_ent *pe;

	if (pt->pt_n >= PART_MAXENT) {
		(void)part_corrupt(pt, "more than %u partitions",
		    PART_MAXENT);
		return NULL;
	}
	pe = &pt->pt_ent[pt->pt_n++];
	memset(pe, 0, sizeof(*pe));
	(void)ksnprintf(pe->pe_name, sizeof(pe->pe_name), "%s", name);
	return pe;
}

int
part_corrupt(struct part_table *pt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)kvsnprintf(pt->pt_why, sizeof(pt->pt_why), fmt, ap);
	va_end(ap);
	pt->pt_error = EUCLEAN;
	klog(KLOG_WARN, "corrupt partition table: %s", pt->pt_why);
	return EUCLEAN;
}

void
part_check_bounds(struct part_ent *pe, uint64_t devsize)
{
	if (pe->pe_problem != NULL)
		return;
	if (pe->pe_size == 0)
		pe->pe_problem = "empty";
	else if (pe->pe_start >= devsize)
		pe->pe_problem = "starts past the end of the device";
	else if (pe->pe_size > devsize - pe->pe_start)
		pe->pe_problem = "extends past the end of the device";
}

int
part_scan(struct blkdev *dev, struct part_table *pt)
{
	bool found;
	int error;

	memset(pt, 0, sizeof(*pt));
	pt->pt_secsize = dev->bd_secsize >= 512 && dev->bd_secsize <= 4096 ?
	    dev->bd_secsize : 512;
	if ((error = part_mbr_scan(dev, pt, &found)) != 0 || found)
		return error;
	memset(pt, 0, sizeof(*pt));
	pt->pt_secsize = 512;
	error = part_disklabel_scan(dev, pt, 0, dev->bd_size, 0, "", &found);
	if (found || error == EUCLEAN)
		pt->pt_scheme = PART_DISKLABEL;
	return error;
}

bool
part_name_valid(const char *name)
{
	size_t i = 0;

	while (name[i] >= '0' && name[i] <= '9')
		i++;
	if (i > 4 || (i > 0 && name[0] == '0'))
		return false;
	if (name[i] >= 'a' && name[i] < 'a' + PART_MAXLABEL)
		i++;
	return i > 0 && name[i] == '\0';
}

const struct part_ent *
part_lookup(const struct part_table *pt, const char *name)
{
	unsigned i;

	for (i = 0; i < pt->pt_n; i++)
		if (strcmp(pt->pt_ent[i].pe_name, name) == 0)
			return &pt->pt_ent[i];
	return NULL;
}

const char *
part_schemename(int scheme)
{
	switch (scheme) {
	case PART_MBR:
		return "mbr";
	case PART_GPT:
		return "gpt";
	case PART_DISKLABEL:
		return "disklabel";
	default:
		return "none";
	}
}

static const struct {
	uint8_t		t;
	const char	*name;
} mbr_types[] = {
	{ 0x01, "FAT12" }, { 0x04, "FAT16 <32M" }, { 0x05, "Extended" },
	{ 0x06, "FAT16" }, { 0x07, "HPFS/NTFS/exFAT" },
	{ 0x0b, "W95 FAT32" }, { 0x0c, "W95 FAT32 (LBA)" },
	{ 0x0e, "W95 FAT16 (LBA)" }, { 0x0f, "W95 Ext'd (LBA)" },
	{ 0x17, "Hidden NTFS" }, { 0x82, "Linux swap" }, { 0x83, "Linux" },
	{ 0x85, "Linux extended" }, { 0x8e, "Linux LVM" },
	{ 0xa5, "FreeBSD" }, { 0xa6, "OpenBSD" }, { 0xa9, "NetBSD" },
	{ 0xee, "GPT" }, { 0xef, "EFI (FAT)" }, { 0xfd, "Linux raid" },
};

/* GUIDs in their text form; compared after formatting the on-disk one. */
static const struct {
	const char	*guid;
	const char	*name;
} gpt_types[] = {
	{ "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System" },
	{ "21686148-6449-6E6F-744E-656564454649", "BIOS boot" },
	{ "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Microsoft basic data" },
	{ "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved" },
	{ "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows recovery" },
	{ "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem" },
	{ "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap" },
	{ "E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM" },
	{ "A19D880F-05FC-4D3B-A006-743F0F84911E", "Linux RAID" },
	{ "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", "Linux root (x86-64)" },
	{ "933AC7E1-2EB4-4F13-B844-0E14E2AEF915", "Linux home" },
	{ "49F48D5A-B10E-11DC-B99B-0019D1879648", "NetBSD FFS" },
	{ "49F48D32-B10E-11DC-B99B-0019D1879648", "NetBSD swap" },
	{ "2DB519C4-B10F-11DC-B99B-0019D1879648", "NetBSD cgd" },
	{ "516E7CB6-6ECF-11D6-8FF8-00022D09712B", "FreeBSD UFS" },
	{ "516E7CB5-6ECF-11D6-8FF8-00022D09712B", "FreeBSD swap" },
	{ "824CC7A0-36A8-11E3-890A-952519AD3F61", "OpenBSD data" },
	{ "48465300-0000-11AA-AA11-00306543ECAC", "Apple HFS+" },
	{ "7C3457EF-0000-11AA-AA11-00306543ECAC", "Apple APFS" },
};

/* NetBSD's p_fstype names (sys/disklabel.h FSTYPE list). */
static const char *const dl_fstypes[] = {
	"unused", "swap", "Version 6", "Version 7", "System V", "4.1BSD",
	"Eighth Edition", "4.2BSD", "MSDOS", "4.4LFS", "unknown", "HPFS",
	"ISO9660", "boot", "ADOS", "HFS", "FILECORE", "Linux Ext2", "NTFS",
	"RAID", "ccd", "jfs", "Apple UFS", "vinum", "UDF",
};

static void
guid_format(const uint8_t *g, char *buf, size_t len)
{
	(void)ksnprintf(buf, len, "%08X-%04X-%04X-%02X%02X-"
	    "%02X%02X%02X%02X%02X%02X", part_le32(g), part_le16(g + 4),
	    part_le16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14],
	    g[15]);
}

void
part_typename(const struct part_ent *pe, char *buf, size_t len)
{
	char guid[40];
	size_t i;

	switch (pe->pe_scheme) {
	case PART_MBR:
		for (i = 0; i < __arraycount(mbr_types); i++)
			if (mbr_types[i].t == pe->pe_mbrtype)
				break;
		(void)ksnprintf(buf, len, "0x%02x %s", pe->pe_mbrtype,
		    i < __arraycount(mbr_types) ? mbr_types[i].name : "");
		break;
	case PART_GPT:
		guid_format(pe->pe_guid, guid, sizeof(guid));
		for (i = 0; i < __arraycount(gpt_types); i++)
			if (strcmp(gpt_types[i].guid, guid) == 0)
				break;
		(void)ksnprintf(buf, len, "%s", i < __arraycount(gpt_types) ?
		    gpt_types[i].name : guid);
		break;
	case PART_DISKLABEL:
		if (pe->pe_fstype < __arraycount(dl_fstypes))
			(void)ksnprintf(buf, len, "%s",
			    dl_fstypes[pe->pe_fstype]);
		else
			(void)ksnprintf(buf, len, "fstype %u", pe->pe_fstype);
		break;
	default:
		(void)ksnprintf(buf, len, "-");
		break;
	}
}

/* ---- probing ---- */

static void
append(char *buf, size_t buflen, size_t *lenp, const char *sep,
    const char *s)
{
	int n;

	if (*lenp >= buflen)
		return;
	n = ksnprintf(buf + *lenp, buflen - *lenp, "%s%s",
	    *lenp > 0 ? sep : "", s);
	if (n > 0)
		*lenp = MIN(buflen - 1, *lenp + (size_t)n);
}

struct probe_ctx {
	struct blkdev	*pc_dev;
	const struct vfsops *pc_only;
	bool		pc_whole_table;
	struct probe_result *pc_pr;
};

static int
probe_one(const struct vfsops *ops, void *arg)
{
	struct probe_ctx *pc = arg;
	struct probe_result *pr = pc->pc_pr;

	if (!ops->vfs_needdev || (pc->pc_only != NULL && ops != pc->pc_only))
		return 0;
	append(pr->pr_tried, sizeof(pr->pr_tried), &pr->pr_triedlen, ", ",
	    ops->vfs_name);
	if (ops->vfs_probe(pc->pc_dev) != 0)
		return 0;
	if (pc->pc_whole_table && strcmp(ops->vfs_name, "msdos") == 0) {
		klog(KLOG_DEBUG, "%s: msdos claim ignored: sector 0 is a "
		    "partition table", pc->pc_dev->bd_name);
		return 0;
	}
	if (pr->pr_nfound < __arraycount(pr->pr_found))
		pr->pr_found[pr->pr_nfound++] = ops;
	return 0;
}

void
part_probe(struct blkdev *dev, const struct vfsops *only, bool whole_table,
    struct probe_result *pr)
{
	struct probe_ctx pc = {
		.pc_dev = dev,
		.pc_only = only,
		.pc_whole_table = whole_table,
		.pc_pr = pr,
	};

	memset(pr, 0, sizeof(*pr));
	(void)vfs_fstype_iterate(probe_one, &pc);
	/* Probes may read blocks in sizes the driver will not use. */
	(void)binvalall(dev, true);
}

int
part_probe_pick(const struct probe_result *pr, const struct vfsops **opsp,
    char *msg, size_t msglen)
{
	size_t len = 0;
	unsigned i;

	*opsp = NULL;
	if (pr->pr_nfound == 1) {
		*opsp = pr->pr_found[0];
		return 0;
	}
	if (pr->pr_nfound == 0) {
		(void)ksnprintf(msg, msglen, "no filesystem recognised "
		    "(tried: %s)", pr->pr_triedlen > 0 ? pr->pr_tried :
		    "none");
		return EINVAL;
	}
	len = (size_t)ksnprintf(msg, msglen, "ambiguous: ");
	if (len >= msglen)
		return EINVAL;
	for (i = 0; i < pr->pr_nfound; i++) {
		(void)ksnprintf(msg + len, msglen - len, "%s%s",
		    i > 0 ? ", " : "", pr->pr_found[i]->vfs_name);
		len = strlen(msg);
	}
	(void)ksnprintf(msg + len, msglen - len, "; use -t TYPE");
	return EINVAL;
}

/* The whole device's size (the window may be narrower). */
static uint64_t
dev_fullsize(struct blkdev *dev)
{
	uint64_t size;
	uint32_t secsize;

	hyp_bdev_getsize(dev->bd_hyp, &size, &secsize);
	return size;
}

static struct part_table *
table_alloc(void)
{
	return kmem_zalloc(sizeof(struct part_table));
}

static void
table_free(struct part_table *pt)
{
	kmem_free(pt, sizeof(*pt));
}

bool
part_whole_has_table(struct blkdev *dev)
{
	struct part_table *pt;
	bool has;

	if ((pt = table_alloc()) == NULL)
		return false;
	(void)part_scan(dev, pt);
	has = pt->pt_scheme == PART_MBR || pt->pt_scheme == PART_GPT;
	table_free(pt);
	return has;
}

/*
 * What partition PE holds: probe it through DEV's window (whole on
 * entry and on return).  FSBUF gets the name, "ambiguous: ...", or "".
 */
static void
probe_part(struct blkdev *dev, const struct part_ent *pe, char *fsbuf,
    size_t fslen)
{
	struct probe_result pr;
	const struct vfsops *ops;
	char msg[128];

	fsbuf[0] = '\0';
	if (pe->pe_problem != NULL || pe->pe_container)
		return;
	if (blkdev_setwindow(dev, pe->pe_start, pe->pe_size) != 0)
		return;
	part_probe(dev, NULL, false, &pr);
	if (part_probe_pick(&pr, &ops, msg, sizeof(msg)) == 0)
		(void)ksnprintf(fsbuf, fslen, "%s", ops->vfs_name);
	else if (pr.pr_nfound > 1)
		(void)ksnprintf(fsbuf, fslen, "%s", msg);
	(void)blkdev_setwindow(dev, 0, dev_fullsize(dev));
}

/* ---- selection ---- */

int
part_select(struct blkdev *dev, const char *name, char *msg, size_t msglen)
{
	struct part_table *pt;
	const struct part_ent *pe;
	size_t len = 0;
	unsigned i;
	int error;

	if (!part_name_valid(name)) {
		(void)ksnprintf(msg, msglen, "bad partition name '%s' (a "
		    "number, a letter, or a number and a letter: 1, 5, a, "
		    "1a)", name);
		return EINVAL;
	}
	if ((pt = table_alloc()) == NULL)
		return ENOMEM;
	error = part_scan(dev, pt);
	if (error == EUCLEAN) {
		(void)ksnprintf(msg, msglen, "corrupt partition table: %s",
		    pt->pt_why);
		goto out;
	}
	if (error != 0) {
		(void)ksnprintf(msg, msglen, "cannot read the partition "
		    "table: %s", kstrerror(error));
		goto out;
	}
	if (pt->pt_scheme == PART_NONE) {
		(void)ksnprintf(msg, msglen, "no partition table found");
		error = ENXIO;
		goto out;
	}
	if ((pe = part_lookup(pt, name)) == NULL) {
		len = (size_t)ksnprintf(msg, msglen, "no partition %s in the "
		    "%s table (partitions:", name,
		    part_schemename(pt->pt_scheme));
		for (i = 0; i < pt->pt_n && len < msglen; i++) {
			(void)ksnprintf(msg + len, msglen - len, " %s",
			    pt->pt_ent[i].pe_name);
			len = strlen(msg);
		}
		if (len < msglen)
			(void)ksnprintf(msg + len, msglen - len, "%s",
			    pt->pt_n == 0 ? " none)" : ")");
		error = ENXIO;
		goto out;
	}
	if (pe->pe_container) {
		(void)ksnprintf(msg, msglen, "partition %s is an extended "
		    "partition; its logical partitions are numbered from 5",
		    name);
		error = EINVAL;
		goto out;
	}
	if (pe->pe_problem != NULL) {
		(void)ksnprintf(msg, msglen, "partition %s: %s", name,
		    pe->pe_problem);
		klog(KLOG_WARN, "%s: partition %s: %s", dev->bd_name, name,
		    pe->pe_problem);
		error = EUCLEAN;
		goto out;
	}
	if ((error = blkdev_setwindow(dev, pe->pe_start, pe->pe_size)) != 0)
		(void)ksnprintf(msg, msglen, "partition %s: bad window",
		    name);
	else
		klog(KLOG_INFO, "%s: partition %s: bytes %llu..%llu",
		    dev->bd_name, name, (unsigned long long)pe->pe_start,
		    (unsigned long long)(pe->pe_start + pe->pe_size));
out:
	table_free(pt);
	return error;
}

bool
part_explain(struct blkdev *dev, const char *source, char *msg,
    size_t msglen)
{
	struct part_table *pt;
	const struct part_ent *pe;
	char fs[64];
	size_t len;
	unsigned i, shown = 0;
	int error;

	if ((pt = table_alloc()) == NULL)
		return false;
	error = part_scan(dev, pt);
	if (pt->pt_scheme == PART_NONE) {
		table_free(pt);
		return false;
	}
	if (error == EUCLEAN) {
		(void)ksnprintf(msg, msglen, "%s: no filesystem at its start "
		    "and a corrupt partition table: %s", source, pt->pt_why);
		table_free(pt);
		return true;
	}
	len = (size_t)ksnprintf(msg, msglen, "%s has a%s %s partition table "
	    "and no filesystem at its start; choose a partition with -o "
	    "part=NAME (", source, pt->pt_scheme == PART_MBR ? "n" : "",
	    pt->pt_scheme == PART_MBR ? "MBR" : pt->pt_scheme == PART_GPT ?
	    "GPT" : "BSD disklabel");
	for (i = 0; i < pt->pt_n && len < msglen; i++) {
		pe = &pt->pt_ent[i];
		if (pe->pe_container)
			continue;
		probe_part(dev, pe, fs, sizeof(fs));
		(void)ksnprintf(msg + len, msglen - len, "%s%s%s%s",
		    shown++ > 0 ? ", " : "", pe->pe_name, fs[0] ? ": " : "",
		    fs[0] ? fs : pe->pe_problem != NULL ? " unusable" : "");
		len = strlen(msg);
	}
	if (len < msglen)
		(void)ksnprintf(msg + len, msglen - len, "%s)",
		    shown == 0 ? "none" : "");
	table_free(pt);
	return true;
}

/* ---- public: vfs_part_list, vfs_probe ---- */

static void
info_fill(struct vfs_partinfo *pi, const struct part_table *pt,
    const struct part_ent *pe)
{
	memset(pi, 0, sizeof(*pi));
	(void)ksnprintf(pi->pi_scheme, sizeof(pi->pi_scheme), "%s",
	    part_schemename(pt->pt_scheme));
	pi->pi_secsize = pt->pt_secsize;
	if (pe == NULL)
		return;
	(void)ksnprintf(pi->pi_name, sizeof(pi->pi_name), "%s", pe->pe_name);
	pi->pi_start = pe->pe_start;
	pi->pi_size = pe->pe_size;
	part_typename(pe, pi->pi_type, sizeof(pi->pi_type));
	(void)ksnprintf(pi->pi_label, sizeof(pi->pi_label), "%s",
	    pe->pe_label);
	if (pe->pe_problem != NULL)
		(void)ksnprintf(pi->pi_problem, sizeof(pi->pi_problem), "%s",
		    pe->pe_problem);
	pi->pi_container = pe->pe_container;
}

static void
seterr(char *errbuf, size_t errlen, const char *fmt, ...)
    __printflike(3, 4);

static void
seterr(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)kvsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* See vfs_pub.h. */
int
vfs_part_list(const char *source, vfs_partlist_cb_t cb, void *arg,
    char *errbuf, size_t errlen)
{
	struct vfs_partinfo pi;
	struct probe_result pr;
	struct part_table *pt;
	const struct vfsops *ops;
	struct blkdev *dev;
	char msg[128];
	unsigned i;
	int error, scanerr;

	seterr(errbuf, errlen, "%s", "");
	if ((error = blkdev_open(source, true, &dev)) != 0) {
		seterr(errbuf, errlen, "cannot open %s: %s", source,
		    kstrerror(error));
		return error;
	}
	if ((pt = table_alloc()) == NULL) {
		blkdev_close(dev);
		return ENOMEM;
	}
	scanerr = part_scan(dev, pt);
	if (scanerr != 0 && scanerr != EUCLEAN) {
		seterr(errbuf, errlen, "%s: cannot read the partition table: "
		    "%s", source, kstrerror(scanerr));
		error = scanerr;
		goto out;
	}
	/* The whole device first. */
	info_fill(&pi, pt, NULL);
	pi.pi_size = dev->bd_size;
	(void)ksnprintf(pi.pi_type, sizeof(pi.pi_type), "%s",
	    pt->pt_scheme == PART_NONE ? "-" : "partition table");
	part_probe(dev, NULL, pt->pt_scheme == PART_MBR ||
	    pt->pt_scheme == PART_GPT, &pr);
	if (part_probe_pick(&pr, &ops, msg, sizeof(msg)) == 0)
		(void)ksnprintf(pi.pi_fstype, sizeof(pi.pi_fstype), "%s",
		    ops->vfs_name);
	else if (pr.pr_nfound > 1)
		(void)ksnprintf(pi.pi_fstype, sizeof(pi.pi_fstype), "%s", msg);
	if (scanerr != 0 || pt->pt_why[0] != '\0')
		(void)ksnprintf(pi.pi_problem, sizeof(pi.pi_problem), "%s",
		    pt->pt_why);
	cb(arg, &pi);
	for (i = 0; i < pt->pt_n; i++) {
		info_fill(&pi, pt, &pt->pt_ent[i]);
		probe_part(dev, &pt->pt_ent[i], pi.pi_fstype,
		    sizeof(pi.pi_fstype));
		cb(arg, &pi);
	}
	error = scanerr;
	if (error != 0)
		seterr(errbuf, errlen, "%s: corrupt partition table: %s",
		    source, pt->pt_why);
out:
	table_free(pt);
	blkdev_close(dev);
	return error;
}

/* See vfs_pub.h. */
int
vfs_probe(const char *fstype, const char *source, const char *options,
    char *typebuf, size_t typelen, char *errbuf, size_t errlen)
{
	const struct vfsops *only = NULL, *ops;
	struct probe_result pr;
	struct blkdev *dev;
	struct kopts ko;
	char msg[256];
	bool whole;
	int error;

	seterr(errbuf, errlen, "%s", "");
	if (typebuf != NULL && typelen > 0)
		typebuf[0] = '\0';
	if ((error = vfs_opts_kernel(options, &ko, msg, sizeof(msg))) != 0) {
		seterr(errbuf, errlen, "%s", msg);
		return error;
	}
	if (fstype != NULL && strcmp(fstype, "auto") != 0 &&
	    (only = vfs_lookup_fstype(fstype)) == NULL) {
		seterr(errbuf, errlen, "unknown filesystem type '%s'",
		    fstype);
		return ENODEV;
	}
	if ((error = blkdev_open(source, true, &dev)) != 0) {
		seterr(errbuf, errlen, "cannot open %s: %s", source,
		    kstrerror(error));
		return error;
	}
	whole = ko.ko_part[0] == '\0';
	if (!whole && (error = part_select(dev, ko.ko_part, msg,
	    sizeof(msg))) != 0) {
		seterr(errbuf, errlen, "%s: %s", source, msg);
		goto out;
	}
	part_probe(dev, only, whole && part_whole_has_table(dev), &pr);
	if ((error = part_probe_pick(&pr, &ops, msg, sizeof(msg))) != 0) {
		if (pr.pr_nfound > 0 || !whole ||
		    !part_explain(dev, source, msg, sizeof(msg)))
			seterr(errbuf, errlen, "%s: %s", source, msg);
		else
			seterr(errbuf, errlen, "%s", msg);
		goto out;
	}
	if (typebuf != NULL && typelen > 0)
		(void)ksnprintf(typebuf, typelen, "%s", ops->vfs_name);
out:
	blkdev_close(dev);
	return error;
}
