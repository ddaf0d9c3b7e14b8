/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_node.h -- the in-core state of the ISO 9660 driver: the mount
 * (the volume chosen at mount time and which extensions are read), the
 * decoded directory entry every directory walk produces, the node (one
 * file or directory, immutable once loaded), and the functions the
 * driver's files export to one another.
 *
 * Files: cd9660_vfsops.c (mount: volume descriptors, sessions, options,
 * root, statvfs, vnode loading), cd9660_session.c (volume descriptor
 * sets and the session list), cd9660_dir.c (directory walks, names,
 * multi-extent files, readdir, lookup, the per-directory name index),
 * cd9660_rrip.c (SUSP areas, continuation areas, Rock Ridge entries),
 * cd9660_node.c (building nodes, attributes, symlink targets),
 * cd9660_vnops.c (vnode operations), cd9660_zisofs.c (zisofs),
 * cd9660_subr.c (block reads, the data mapping, dates, UTF-8).
 *
 * Inode numbers (the vnode cache key, shown as st_ino):
 *   - a directory: the byte offset of its extent, where its "." record
 *     is (so "." of a directory, its entry in the parent, a Rock Ridge
 *     CL entry naming it and ".." of its children all agree);
 *   - a file with a Rock Ridge link count above 1: for a regular file
 *     with data, the byte offset of its data; else, when PX carries a
 *     file serial number, CD9660_INO_PX | that number.  So every name
 *     of a hard link is one vnode (every writer here records hard links
 *     as records sharing one extent);
 *   - anything else: the byte offset of its (first) directory record.
 * Two different objects can meet under one number only in a damaged
 * image (overlapping extents) or with a reused serial number; lookup
 * checks that the vnode found describes the record (type, mode, owner,
 * size, data), and a hard-link number that does not falls back to the
 * record's own offset.  Byte offsets of an ISO 9660 volume are below
 * 2^44, so the tag never collides with them.
 */
#ifndef CD9660_NODE_H
#define CD9660_NODE_H

#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "cd9660_fs.h"

#define CD9660_NAME		"cd9660"

#define CD9660_INO_PX		(1ULL << 62)

/* Limits on what a corrupt image can make the driver do. */
#define CD9660_MAX_SESSIONS	99	/* as a CD */
#define CD9660_MAX_SECTIONS	65536	/* multi-extent sections per file */
#define CD9660_MAX_CE		64	/* continuation areas per record */
#define CD9660_MAX_CE_LEN	65536	/* bytes in one continuation area */
#define CD9660_MAX_SUSP		(256 * 1024)	/* SUSP bytes per record */
#define CD9660_INDEX_MIN	(4 * ISO_SECTOR_SIZE) /* smaller: no index */
#define CD9660_ZCACHE_MAX	(32ULL << 20)	/* zisofs caches kept */

/* Which tree and which extensions a mount reads. */
enum cd9660_kind {
	CD9660_ISO,		/* plain ISO 9660 names */
	CD9660_ROCK,		/* the primary tree with Rock Ridge */
	CD9660_JOLIET,		/* the Joliet tree, UCS-2 names */
};

/*
 * Per-mount state: mnt_data.  Immutable after cd9660_mount() returns,
 * except im_zbytes (atomic).
 */
struct cd9660_mount {
	struct mount	*im_mp;
	struct blkdev	*im_dev;
	uint64_t	im_devsize;	/* bytes readable */
	uint32_t	im_bsize;	/* logical block size: 512 .. 2048 */
	uint32_t	im_bshift;
	enum cd9660_kind im_kind;
	uint32_t	im_joliet_level;	/* 1..3, 0 without Joliet */
	bool		im_iso1999;	/* ISO names as recorded (9660:1999) */
	uint32_t	im_susp_skip;	/* SP len_skp */
	uint64_t	im_session;	/* first sector of the session in use */
	uint32_t	im_nsessions;
	uint32_t	im_sessno;	/* the session in use, 1-based */
	uint64_t	im_volblocks;	/* volume space size of that session */
	uint64_t	im_root;	/* root directory: extent byte offset */
	uint32_t	im_root_xar;	/* its XAR blocks */
	uint64_t	im_rootsize;
	uint64_t	im_fsid;
	struct vfs_timespec im_vtime;	/* volume creation time */
	char		im_volid[33];	/* for messages */
	uint64_t	im_zbytes;	/* atomic: zisofs block caches, bytes */
};

static inline struct cd9660_mount *
VFSTOISO(struct mount *mp)
{
	return mp->mnt_data;
}

/* One contiguous piece of a file's data on the device. */
struct cd9660_sect {
	uint64_t	s_off;		/* device byte offset */
	uint64_t	s_len;		/* bytes */
};

/* Rock Ridge entries found in a record (de_rr). */
#define RR_PX		0x0001
#define RR_PXINO	0x0002	/* PX carried a file serial number */
#define RR_PN		0x0004
#define RR_SL		0x0008
#define RR_NM		0x0010
#define RR_CL		0x0020
#define RR_PL		0x0040
#define RR_RE		0x0080
#define RR_TF		0x0100
#define RR_ZF		0x0200
#define RR_SP		0x0400
#define RR_ER		0x0800	/* an ER naming Rock Ridge */
#define RR_ANY		(RR_PX | RR_PN | RR_SL | RR_NM | RR_CL | RR_PL | \
			 RR_RE | RR_TF | RR_ZF)

/* Time stamps found (de_times). */
#define DE_T_MTIME	0x01
#define DE_T_ATIME	0x02
#define DE_T_CTIME	0x04
#define DE_T_BTIME	0x08

/*
 * A decoded directory entry: one record (or the records of all sections
 * of a multi-extent file), its name as shown, and its Rock Ridge data.
 * Filled by cd9660_dir_next(); owned by whoever allocated it
 * (cd9660_dirent_alloc / _free).
 */
struct cd9660_dirent {
	/* where */
	uint64_t	de_recoff;	/* device offset of the first record */
	uint64_t	de_diroff;	/* its offset in the directory */
	uint64_t	de_nextoff;	/* directory offset after the entry */
	/* ISO 9660 */
	uint8_t		de_isoflags;	/* of the final section */
	uint8_t		de_funit;	/* interleave: file unit size */
	uint8_t		de_gap;		/* interleave gap */
	uint8_t		de_xar;		/* XAR blocks of the first section */
	uint32_t	de_extent;	/* first section's logical block */
	bool		de_dot, de_dotdot;
	struct vfs_timespec de_recdate;
	uint8_t		de_isoname[ISO_DIRREC_MAX];	/* raw identifier */
	uint32_t	de_isonamelen;
	/* the name shown (NUL-terminated) */
	char		de_name[NAME_MAX + 1];
	size_t		de_namelen;
	/* data: every section, in order */
	struct cd9660_sect *de_sects;
	uint32_t	de_nsects;
	uint32_t	de_sectcap;	/* allocated entries */
	uint64_t	de_size;	/* sum of the sections */
	/* Rock Ridge */
	uint32_t	de_rr;		/* RR_* */
	uint32_t	de_mode;	/* PX st_mode */
	uint32_t	de_nlink, de_uid, de_gid;
	uint64_t	de_pxino;
	uint64_t	de_rdev;	/* Linux encoding */
	uint32_t	de_times;	/* DE_T_* */
	struct vfs_timespec de_mtime, de_atime, de_ctime, de_btime;
	uint32_t	de_cl, de_pl;	/* CL / PL logical blocks */
	/* zisofs, from ZF/Z2 */
	uint8_t		de_zf_version;	/* 1 or 2 */
	uint8_t		de_zf_alg[2];
	uint8_t		de_zf_hdr4;	/* header size / 4 */
	uint8_t		de_zf_bshift;
	uint64_t	de_zf_size;
	/* symlink target from SL, NUL-terminated (SYMLINK_MAX + 1 bytes) */
	char		*de_link;
	size_t		de_linklen;
	bool		de_slc_cont;	/* the last component continues */
	uint32_t	de_depth;	/* depth of the directory holding it */
	/* EUCLEAN: its system use area is damaged (logged); listed only */
	int		de_error;
};

/* In-core node: vp->v_data.  Immutable after loading, except as noted. */
struct cd9660_node {
	struct cd9660_mount *n_imp;
	struct vnode	*n_vnode;
	ino64_t		n_ino;
	enum vtype	n_type;
	uint32_t	n_mode;		/* permission bits */
	uint32_t	n_nlink, n_uid, n_gid;
	uint64_t	n_size;		/* as shown (uncompressed; target) */
	uint64_t	n_bytes;	/* on the medium */
	uint64_t	n_rdev;
	struct vfs_timespec n_atime, n_mtime, n_ctime, n_btime;
	bool		n_has_btime;
	/* data: the sections, in file order; n_rawsize bytes in all */
	struct cd9660_sect *n_sects;
	uint32_t	n_nsects;
	uint64_t	n_rawsize;
	bool		n_interleaved;	/* unsupported layout: reads fail */
	/* identity, to check that a hard link names the same object */
	uint64_t	n_pxino;
	bool		n_has_pxino;
	/* directories */
	uint64_t	n_parent;	/* inode of ".." (PL if relocated) */
	uint32_t	n_parent_xar;	/* its XAR blocks */
	uint64_t	n_dotdot_ext;	/* what the ".." record itself names */
	uint32_t	n_depth;	/* 0 for the root */
	uint32_t	n_xar;		/* XAR blocks before the records */
	uint32_t	n_dotdot;	/* directory offset of ".." */
	/* symlinks: the target, n_size bytes, NUL-terminated */
	char		*n_link;
	/* zisofs */
	struct cd9660_zisofs *n_zf;	/* NULL if not compressed */
	/* protected by n_lock: the name index, zisofs block cache */
	kmutex_t	n_lock;
	struct cd9660_dirindex *n_index;
	uint64_t	n_nextread;	/* relaxed atomic: read-ahead hint */
};

static inline struct cd9660_node *
VTOI(struct vnode *vp)
{
	return vp->v_data;
}

/*
 * What cd9660_loadvnode needs to build a node (vcache_get's hint): the
 * record naming it, or for a directory known only by its extent (the
 * root, the target of "..") NULL and the XAR length.
 */
struct cd9660_hint {
	const struct cd9660_dirent *h_de;
	uint32_t	h_xar;		/* h_de NULL: XAR blocks */
	uint32_t	h_depth;	/* a directory: its depth */
	uint64_t	h_parent;	/* the directory holding h_de */
	uint32_t	h_parent_xar;	/* its XAR blocks */
};

/* Log corruption on IMP's mount and return EUCLEAN. */
#define cd9660_corrupt(imp, ...)	vfs_corrupt((imp)->im_mp, __VA_ARGS__)

/* ---- cd9660_vfsops.c ---- */
extern const struct vfsops cd9660_vfsops;

/* ---- cd9660_vnops.c ---- */
extern const struct vnodeops cd9660_vnodeops;

/* ---- cd9660_session.c ---- */
/* One volume descriptor set, as found at a session's start. */
struct cd9660_vdset {
	uint64_t	vs_session;	/* first sector of the session */
	struct iso_pvd	vs_pvd;
	bool		vs_have_joliet;
	uint32_t	vs_joliet_level;
	struct iso_pvd	vs_svd;		/* the Joliet SVD */
	bool		vs_have_evd;
	struct iso_pvd	vs_evd;		/* ISO 9660:1999 enhanced VD */
};
/*
 * Read and check the descriptor set of the session starting at sector
 * SESSION.  QUIET: say nothing (probing); else log what is wrong.
 * => 0; EINVAL if there is none (no "CD001", no primary descriptor);
 *    EUCLEAN for a damaged primary descriptor; I/O errors.
 */
int	cd9660_vdset_read(struct cd9660_mount *imp, uint64_t session,
	    bool quiet, struct cd9660_vdset *vs);
/*
 * Find the sessions of the image: *STARTS gets up to CD9660_MAX_SESSIONS
 * first sectors in order, *NP their number (at least 1: the volume at
 * sector 0).
 */
int	cd9660_sessions(struct cd9660_mount *imp, uint64_t *starts,
	    uint32_t *np);

/* ---- cd9660_subr.c ---- */
/*
 * Read the 2048-byte sector holding device byte OFF (a busy buffer).
 * EUCLEAN (logged, naming WHAT) if it lies beyond the device.
 */
int	cd9660_bread(struct cd9660_mount *imp, uint64_t off, int nra,
	    const char *what, struct buf **bpp);
/* Copy LEN device bytes at OFF into BUF through the buffer cache. */
int	cd9660_devread(struct cd9660_mount *imp, uint64_t off, void *buf,
	    size_t len, const char *what);
/* Is [OFF, OFF+LEN) inside the device? */
bool	cd9660_range_ok(const struct cd9660_mount *imp, uint64_t off,
	    uint64_t len);
/*
 * Map byte OFF of a file's data (sections SECTS[0..N)) to a device byte
 * offset; *RUNP gets the bytes contiguous from there in that section.
 * EINVAL past the end.
 */
int	cd9660_sect_map(const struct cd9660_sect *sects, uint32_t n,
	    uint64_t off, uint64_t *devoffp, uint64_t *runp);
/* Read LEN bytes at OFF of the node's raw (on-disk) data. */
int	cd9660_rawread(struct cd9660_node *np, uint64_t off, void *buf,
	    size_t len);
/* Dates: 9.1.5 (7 bytes) and 8.4.26.1 (17 bytes); false if unset/bad. */
bool	cd9660_date7(const uint8_t *p, struct vfs_timespec *ts);
bool	cd9660_date17(const uint8_t *p, struct vfs_timespec *ts);
/*
 * Append the UTF-8 form of UCS-2/UTF-16BE NAME (LEN bytes) to OUT
 * (at most OUTMAX bytes, cut at a character boundary); returns the
 * length.  Unpaired surrogates and NUL become U+FFFD, '/' becomes '_'.
 */
size_t	cd9660_ucs2_to_utf8(const uint8_t *name, size_t len, char *out,
	    size_t outmax);

/* ---- cd9660_rrip.c ---- */
/*
 * Decode the system use area of record REC (LEN bytes, at device
 * offset RECOFF) into DE: SUSP entries, continuation areas, Rock Ridge.
 * ROOTDOT: REC is the root's "." record (SP is at offset 0, no skip).
 * => 0, EUCLEAN (logged) for a damaged area, I/O errors.
 */
int	cd9660_susp_decode(struct cd9660_mount *imp, const uint8_t *rec,
	    size_t len, uint64_t recoff, bool rootdot,
	    struct cd9660_dirent *de);
/*
 * At mount: does the root "." record REC carry SUSP (SP) and Rock Ridge?
 * *SKIPP gets SP's len_skp.
 */
int	cd9660_rrip_detect(struct cd9660_mount *imp, const uint8_t *rec,
	    size_t len, uint64_t recoff, bool *suspp, bool *rockp,
	    uint32_t *skipp);

/* ---- cd9660_dir.c ---- */
struct cd9660_dirent *cd9660_dirent_alloc(void);
void	cd9660_dirent_free(struct cd9660_dirent *de);
/* Copy the parts of SRC a hint needs into DST (sections included). */
int	cd9660_dirent_copy(struct cd9660_dirent *dst,
	    const struct cd9660_dirent *src);

/* A walk over one directory's records. */
struct cd9660_diriter {
	struct cd9660_mount *di_imp;
	uint64_t	di_data;	/* device offset of the records */
	uint64_t	di_size;	/* bytes */
	uint64_t	di_pos;		/* next record, directory offset */
	uint32_t	di_depth;	/* of the directory */
	uint64_t	di_secoff;	/* device offset of di_sec, or ~0 */
	uint8_t		di_sec[ISO_SECTOR_SIZE];
};
void	cd9660_diriter_init(struct cd9660_diriter *it,
	    struct cd9660_mount *imp, uint64_t data, uint64_t size,
	    uint32_t depth, uint64_t pos);
/*
 * The next entry (all sections of a multi-extent file, system use area
 * decoded, name translated).  Hidden from listings (de_dot/de_dotdot
 * are still returned): associated files, Rock Ridge relocated
 * directories (RE).  A damaged system use area does not stop the walk:
 * the entry comes back with de_error set (logged) and what could be
 * decoded.  => 0, ENOENT at the end, EUCLEAN (logged) for a damaged
 * directory, I/O errors.
 */
int	cd9660_dir_next(struct cd9660_diriter *it, struct cd9660_dirent *de);
/* Inode number and vnode type of entry DE (see the top of this file). */
ino64_t	cd9660_dirent_ino(const struct cd9660_mount *imp,
	    const struct cd9660_dirent *de);
enum vtype cd9660_dirent_vtype(const struct cd9660_mount *imp,
	    const struct cd9660_dirent *de);
/* Find NAME in directory DP (not "." or ".."): *DEP filled, or ENOENT. */
int	cd9660_dir_lookup(struct cd9660_node *dp, const char *name,
	    size_t len, struct cd9660_dirent *de);
int	cd9660_dir_readdir(struct cd9660_node *dp, uint64_t *cookie,
	    vfs_filldir_t fill, void *arg);
/* Count DP's subdirectories (for its link count). */
int	cd9660_dir_count_subdirs(struct cd9660_node *dp, uint32_t *np);
void	cd9660_dirindex_free(struct cd9660_dirindex *ix);

/* ---- cd9660_node.c ---- */
/*
 * Build the node for inode INO from HINT (the naming record, for a
 * directory also its depth and parent).  => 0, EUCLEAN, ENOMEM, I/O.
 */
int	cd9660_node_load(struct cd9660_mount *imp, ino64_t ino,
	    const struct cd9660_hint *hint, struct cd9660_node **npp);
void	cd9660_node_free(struct cd9660_node *np);
void	cd9660_node_getattr(const struct cd9660_node *np, struct vattr *va);
/*
 * Does node NP describe the object of entry DE (same type, mode, owner,
 * size and data)?  For hard links keyed by serial number or extent.
 */
bool	cd9660_node_matches(const struct cd9660_node *np,
	    const struct cd9660_dirent *de);
/*
 * Read the "." record of the directory at extent byte offset EXT (XAR
 * blocks first) and decode it into DE.  => EUCLEAN if it is not one.
 */
int	cd9660_read_dot(struct cd9660_mount *imp, uint64_t ext, uint32_t xar,
	    struct cd9660_dirent *de);

/* ---- cd9660_zisofs.c ---- */
/*
 * Set up zisofs decoding for regular file NP from its ZF entry in DE.
 * => 0 (n_zf set, n_size the uncompressed size), EUCLEAN for a bad ZF.
 */
int	cd9660_zisofs_init(struct cd9660_node *np,
	    const struct cd9660_dirent *de);
void	cd9660_zisofs_free(struct cd9660_node *np);
/* Read uncompressed bytes: as VOP_READ, within n_size. */
int	cd9660_zisofs_read(struct cd9660_node *np, struct uio *uio);

#endif /* CD9660_NODE_H */
