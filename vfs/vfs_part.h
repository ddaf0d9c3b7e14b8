/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_part.h -- partition tables (kernel-internal): the in-core table the
 * parsers fill, the parsers themselves, partition selection for mounts
 * ("part=" option), the probe rules shared by "auto" mounts, vfs_probe
 * and vfs_part_list, and the kernel-level mount options (part=, lock).
 *
 * Implemented in vfs_part.c (scan, lookup, selection, probing, the public
 * vfs_part_list/vfs_probe), vfs_part_mbr.c (MBR, extended partitions),
 * vfs_part_gpt.c (GPT) and vfs_part_disklabel.c (BSD disklabels), and
 * vfs_opts.c (vfs_opts_kernel).
 *
 * A part_table is built once, by one thread, and read-only afterwards.
 * Every start and size in it is in bytes from the start of the device.
 */
#ifndef VFS_PART_H
#define VFS_PART_H

#include "kern/kern.h"

struct blkdev;
struct vfsops;

#define PART_MAXENT	256	/* entries in one table */
#define PART_MAXLOGICAL	128	/* EBRs in a chain */
#define PART_MAXGPTENT	1024	/* GPT entries looked at */
#define PART_MAXLABEL	22	/* disklabel d_npartitions bound */
#define PART_NAMELEN	8	/* "1", "5", "1a", "a", "1024" + NUL */

enum part_scheme {
	PART_NONE = 0,
	PART_MBR,
	PART_GPT,
	PART_DISKLABEL,
};

/* One partition.  Filled by the parsers, then read-only. */
struct part_ent {
	char		pe_name[PART_NAMELEN];	/* part= name */
	uint8_t		pe_scheme;	/* enum part_scheme */
	uint8_t		pe_mbrtype;	/* MBR type byte */
	uint8_t		pe_fstype;	/* disklabel p_fstype */
	bool		pe_container;	/* MBR extended partition */
	bool		pe_hasbsd;	/* MBR: holds a disklabel */
	uint8_t		pe_guid[16];	/* GPT type, on-disk bytes */
	uint64_t	pe_start;	/* bytes from device start */
	uint64_t	pe_size;	/* bytes */
	char		pe_label[40];	/* GPT name (ASCII), or "" */
	const char	*pe_problem;	/* why unusable, or NULL */
};

/* A device's table.  Built by one thread, then read-only. */
struct part_table {
	int		pt_scheme;	/* enum part_scheme */
	uint32_t	pt_secsize;	/* the table's sector size */
	unsigned	pt_n;		/* entries in pt_ent */
	int		pt_error;	/* 0, or EUCLEAN: corrupt */
	char		pt_why[128];	/* what is wrong, or a note */
	struct part_ent	pt_ent[PART_MAXENT];
};

/*
 * Read DEV's partition table into *PT (allocated by the caller).
 * => 0: pt_scheme says what was found (PART_NONE: no table).  EUCLEAN:
 *    the table is corrupt (pt_why says why, with one log line; entries
 *    found before the damage are still in pt_ent).  EIO from the device.
 *    Never loops, never reads outside DEV.  May block.
 */
int	part_scan(struct blkdev *dev, struct part_table *pt);

/* The parsers; same contract as part_scan, on a zeroed *PT. */
int	part_gpt_scan(struct blkdev *dev, struct part_table *pt,
	    bool *found);
int	part_mbr_scan(struct blkdev *dev, struct part_table *pt,
	    bool *found);
/*
 * Look for a disklabel at sector 1 of the byte range [BASE, BASE+LEN)
 * (the whole device, or an MBR slice of type MBRTYPE, 0 for whole).
 * Entries are named PREFIX followed by the letter.
 */
int	part_disklabel_scan(struct blkdev *dev, struct part_table *pt,
	    uint64_t base, uint64_t len, uint8_t mbrtype, const char *prefix,
	    bool *found);

/* Append an entry; NULL when the table is full (pt_error is set). */
struct part_ent *part_add(struct part_table *pt, const char *name);
/* Record corruption: sets pt_error = EUCLEAN, pt_why, logs.  EUCLEAN. */
int	part_corrupt(struct part_table *pt, const char *fmt, ...)
	    __printflike(2, 3);
/* Flag PE if it does not lie inside the device of DEVSIZE bytes. */
void	part_check_bounds(struct part_ent *pe, uint64_t devsize);

/* The entry named NAME ("1", "a", "1a"), or NULL. */
const struct part_ent *part_lookup(const struct part_table *pt,
	    const char *name);
/* A human name for PE's type: "0x83 Linux", "EFI System", "4.2BSD". */
void	part_typename(const struct part_ent *pe, char *buf, size_t len);
const char *part_schemename(int scheme);
/* Is NAME a well-formed part= value ("12", "a", "1a")? */
bool	part_name_valid(const char *name);

/* Little- and big-endian field access. */
static inline uint16_t
part_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t
part_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	    ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t
part_le64(const uint8_t *p)
{
	return (uint64_t)part_le32(p) | ((uint64_t)part_le32(p + 4) << 32);
}

/* ---- probing (vfs_part.c) ---- */

#define PROBE_MAXFOUND	8
struct probe_result {
	const struct vfsops *pr_found[PROBE_MAXFOUND];
	unsigned	pr_nfound;
	char		pr_tried[128];	/* "ext2fs, ffs, msdos" */
	size_t		pr_triedlen;
};

/*
 * Ask every registered driver that needs a device whether DEV (its
 * current window) holds its filesystem (only ONLY, if not NULL).  With
 * WHOLE_TABLE (the window is the whole device and sector 0 is an MBR or
 * GPT) msdos's claim is dropped: that driver walks an MBR itself, so it
 * claims a FAT partition, not the device.  Drops DEV's buffers after.
 */
void	part_probe(struct blkdev *dev, const struct vfsops *only,
	    bool whole_table, struct probe_result *pr);
/*
 * Pick the filesystem from PR: the only candidate.  None: EINVAL, MSG
 * "no filesystem recognised (tried: ...)".  Several: EINVAL, MSG
 * "ambiguous: A, B; use -t TYPE".
 */
int	part_probe_pick(const struct probe_result *pr,
	    const struct vfsops **opsp, char *msg, size_t msglen);

/*
 * Restrict DEV (whole, no I/O cached) to partition NAME.  On error MSG
 * (not NULL) says why: EINVAL bad name or a container, ENXIO no such
 * partition or no table, EUCLEAN corrupt table or partition, EIO.
 */
int	part_select(struct blkdev *dev, const char *name, char *msg,
	    size_t msglen);
/*
 * For an "auto" mount that found no filesystem at the start of DEV: if
 * DEV has a partition table, MSG says which partitions exist (and what
 * each holds) and to use part=; returns true.  DEV's window is the whole
 * device again on return.
 */
bool	part_explain(struct blkdev *dev, const char *source, char *msg,
	    size_t msglen);
/* Does DEV (whole) start with an MBR or GPT (for part_probe)? */
bool	part_whole_has_table(struct blkdev *dev);

/* ---- kernel-level mount options (vfs_opts.c) ---- */

#define KOPT_LOCK_AUTO	0	/* exclusive for rw, shared for ro */
#define KOPT_LOCK_NONE	1
struct kopts {
	char	ko_part[PART_NAMELEN];	/* "" if none */
	int	ko_lock;		/* KOPT_LOCK_* */
};
/*
 * Extract the kernel's own options from OPTIONS: part=NAME, lock,
 * lock=auto, lock=none, nolock.  Others are ignored (vfs_opts_parse
 * skips these).  => EINVAL with MSG set for a malformed one.
 */
int	vfs_opts_kernel(const char *options, struct kopts *ko, char *msg,
	    size_t msglen);
/* Is the option NAME (LEN bytes) one of the above? */
bool	vfs_opts_iskernel(const char *name, size_t len);

#endif /* VFS_PART_H */
