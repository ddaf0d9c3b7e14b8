/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_node.h -- the in-core state of the FAT driver: the mount
 * (geometry decoded and validated from the boot sector, the free-cluster
 * bitmap, mount options, the inode-number map) and the node (a copy of
 * one file's short directory entry plus its cluster map), and the
 * functions the driver's files export to one another.
 *
 * Files:
 *   msdosfs_vfsops.c  mount (BPB validation, FAT type, partitions,
 *                     options, dirty bit), unmount, statvfs, sync,
 *                     vnode loading, probe
 *   msdosfs_fat.c     the FAT: entries, both copies in step, the free
 *                     bitmap and count, allocation and freeing, FSInfo
 *   msdosfs_bmap.c    a file's cluster map (runs of the chain), growing
 *                     and shrinking chains, reads and writes of file data
 *   msdosfs_conv.c    names (UTF-8 <-> UTF-16, case folding, 8.3 names
 *                     and their generation, checksums) and DOS times
 *   msdosfs_dir.c     directory slots: scanning with long names, lookup,
 *                     readdir, adding and removing entries
 *   msdosfs_ino.c     inode numbers: the map from numbers to entries
 *   msdosfs_vnops.c   vnode operations but rename
 *   msdosfs_rename.c  rename
 *
 * Inode numbers.  FAT has none; a file is named by its short directory
 * entry, whose location changes on rename.  The vnode cache is keyed by
 * a number that must not change while the vnode lives, so the driver
 * keeps a map (msdosfs_ino.c): a file gets the "natural" number of its
 * entry's byte offset on the device ((offset >> 5) + MSDOSFS_INO_NATURAL)
 * the first time it is looked up, and keeps it when a rename moves the
 * entry; the map then says where that number's entry now is.  A number
 * still in use (a renamed file, an unlinked open file) is never given to
 * another entry: that one gets a synthetic number from a counter above
 * every natural one.  Numbers are therefore stable while the mount lives,
 * and across mounts for files that were not renamed.  See msdosfs_ino.c.
 *
 * Locking.
 *   - A node's fields are protected by its vnode lock (shared to read,
 *     exclusive to change) except where a field says otherwise.  The
 *     short entry on disk is rewritten from n_de under the exclusive
 *     lock of its own vnode; the other slots of a directory only under
 *     the directory's exclusive lock.
 *   - pm_fatlock (a mutex) protects the FAT buffers, the free bitmap,
 *     the free count and hint, and FSInfo.  It is taken after vnode
 *     locks and never held while a vnode lock is taken.  FAT buffers are
 *     busy only under it.
 *   - pm_inolock (a mutex) protects the inode-number map.  It is a leaf.
 *   - n_maplock (a mutex) serialises the lazy load of a node's cluster
 *     map under a shared vnode lock (after the load the map changes only
 *     under the exclusive vnode lock), and the access-date update a read
 *     makes under a shared lock.  Order: n_maplock before pm_fatlock (a
 *     map load walks the FAT under it).
 */
#ifndef MSDOSFS_NODE_H
#define MSDOSFS_NODE_H

#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "msdosfs_fs.h"

#define MSDOSFS_NAME		"msdos"

#define MSDOSFS_ROOTINO		1
#define MSDOSFS_INO_NATURAL	16	/* natural number of device offset 0 */
#define MSDOSFS_INO_SYNTH	((uint64_t)1 << 52)	/* first synthetic */

/* The largest file: 4 GiB - 1. */
#define MSDOSFS_MAXFILESIZE	0xffffffffULL
/* The largest directory: 65536 entries (the format's limit). */
#define MSDOSFS_MAXDIRSLOTS	65536

struct msdosfs_inomap;

/* Per-mount state: mnt_data. */
struct msdosfs_mount {
	/* immutable after mount */
	struct mount	*pm_mp;
	struct blkdev	*pm_dev;
	uint64_t	pm_off;		/* volume start in the device, bytes */
	uint32_t	pm_bps;		/* bytes per sector */
	uint32_t	pm_spc;		/* sectors per cluster */
	uint32_t	pm_clsize;	/* bytes per cluster */
	uint32_t	pm_clshift;	/* log2(pm_clsize) */
	uint32_t	pm_nfats;
	uint32_t	pm_fatbits;	/* 12, 16 or 32 */
	uint32_t	pm_fatmask;	/* FAT12_MASK ... */
	uint32_t	pm_ncl;		/* data clusters */
	uint32_t	pm_maxcl;	/* highest valid cluster: pm_ncl + 1 */
	uint64_t	pm_fatoff;	/* first FAT, device bytes */
	uint64_t	pm_fatsize;	/* one FAT, bytes */
	uint32_t	pm_fatblk;	/* FAT buffer size, bytes */
	uint64_t	pm_rootoff;	/* FAT12/16 root directory, bytes */
	uint32_t	pm_rootslots;	/* its entries (0 on FAT32) */
	uint64_t	pm_dataoff;	/* cluster 2, device bytes */
	uint32_t	pm_rootcl;	/* FAT32 root directory cluster */
	uint32_t	pm_fsinfo;	/* FSInfo sector, 0: none */
	uint32_t	pm_activefat;	/* the FAT used when not mirroring */
	bool		pm_mirror;	/* write every FAT copy */
	bool		pm_rdonly;
	bool		pm_wasdirty;	/* dirty when mounted: leave it so */
	uint32_t	pm_volid;
	/* options, immutable */
	uint32_t	pm_uid, pm_gid;
	uint32_t	pm_fmask, pm_dmask;
	bool		pm_quiet;
	int32_t		pm_tzoff;	/* seconds east of UTC */
	const uint16_t	*pm_cp;		/* code page of short names */

	/* protected by pm_fatlock */
	kmutex_t	pm_fatlock;
	uint64_t	*pm_inuse;	/* bit per cluster: in use */
	uint32_t	pm_nfree;	/* free clusters */
	uint32_t	pm_nxtfree;	/* where to look first */
	bool		pm_fsinfo_dirty;

	/* protected by pm_inolock */
	kmutex_t	pm_inolock;
	struct msdosfs_inomap *pm_inomap;

	/* the root's times (it has no entry); root vnode lock */
	struct vfs_timespec pm_roottime;
};

#define VFSTOMSDOSFS(mp)	((struct msdosfs_mount *)(mp)->mnt_data)

/* One run of a file's cluster chain. */
struct msdosfs_extent {
	uint32_t	x_fcl;		/* first file cluster (index) */
	uint32_t	x_dcl;		/* first device cluster */
	uint32_t	x_len;		/* clusters */
};

/* Per-file state: v_data. */
struct msdosfs_node {
	/* immutable */
	struct vnode	*n_vnode;
	struct msdosfs_mount *n_pmp;
	uint64_t	n_ino;
	bool		n_isroot;	/* the root directory */
	bool		n_fixedroot;	/* FAT12/16 root: no cluster chain */

	/* vnode lock */
	uint64_t	n_dirloc;	/* device offset of the short entry; 0:
					   none (root, unlinked) */
	uint32_t	n_dirslot;	/* its slot index in the parent */
	uint64_t	n_parent;	/* parent directory's inode number */
	struct msdos_dirent n_de;	/* the short entry, as on disk;
					   de_adate also under n_maplock */
	uint32_t	n_startcl;	/* first cluster, 0: none */
	uint32_t	n_size;		/* file size, bytes (0 for dirs) */
	uint32_t	n_nlink;	/* 1, or 2 + subdirectories */
	bool		n_unlinked;	/* removed: chain freed on inactive */
	struct vfs_timespec n_atime;	/* precise, while cached; these
					   two also under n_maplock */
	bool		n_atime_set;	/* n_atime is valid */
	struct vfs_timespec n_ctime;	/* status change: in core only */

	/*
	 * The cluster map: loaded lazily under n_maplock (n_mapvalid read
	 * with acquire ordering), then changed under the exclusive vnode
	 * lock only.
	 */
	kmutex_t	n_maplock;
	bool		n_mapvalid;
	struct msdosfs_extent *n_map;
	uint32_t	n_mapn, n_mapcap;
	uint32_t	n_ncl;		/* clusters in the chain */
};

#define VTOMSDOSFS(vp)	((struct msdosfs_node *)(vp)->v_data)

/* The hint msdosfs lookups pass to vcache_get for vfs_loadvnode. */
struct msdosfs_hint {
	uint64_t	h_loc;		/* device offset of the short entry */
	uint32_t	h_slot;		/* its slot in the parent */
	uint64_t	h_parent;	/* the parent's inode number */
};

extern const struct vnodeops msdosfs_vnodeops;

/* ---- msdosfs_vfsops.c ---- */
int	msdosfs_corrupt(struct msdosfs_mount *pmp, const char *fmt, ...)
	    __printflike(2, 3);
void	msdosfs_node_destroy(struct msdosfs_node *np);

/* ---- msdosfs_fat.c ---- */
bool	msdosfs_cl_valid(const struct msdosfs_mount *pmp, uint32_t cl);
/* Device byte offset of cluster CL (valid). */
static inline uint64_t
msdosfs_cl_off(const struct msdosfs_mount *pmp, uint32_t cl)
{
	return pmp->pm_dataoff +
	    ((uint64_t)(cl - CLUST_FIRST) << pmp->pm_clshift);
}
/* Is V (a FAT value) an end-of-chain mark? */
static inline bool
msdosfs_fat_iseoc(const struct msdosfs_mount *pmp, uint32_t v)
{
	return v >= (pmp->pm_fatmask - CLUST_EOC_OFF);
}
int	msdosfs_fat_init(struct msdosfs_mount *pmp);
void	msdosfs_fat_fini(struct msdosfs_mount *pmp);
int	msdosfs_fat_get(struct msdosfs_mount *pmp, uint32_t cl,
	    uint32_t *valp);
/*
 * Walk the chain from START (valid), calling FN for each run of
 * consecutive clusters; EUCLEAN for a bad link or a loop.
 */
int	msdosfs_fat_walk(struct msdosfs_mount *pmp, uint32_t start,
	    int (*fn)(void *arg, uint32_t cl, uint32_t len), void *arg,
	    const char *what);
/* A run of free clusters taken by msdosfs_fat_alloc. */
struct msdosfs_run {
	uint32_t	r_cl;
	uint32_t	r_len;
};
struct msdosfs_runlist {
	struct msdosfs_run *rl_runs;
	uint32_t	rl_n, rl_cap;
};
int	msdosfs_fat_alloc(struct msdosfs_mount *pmp, uint32_t lastcl,
	    uint32_t want, bool exact, struct msdosfs_runlist *rl,
	    uint32_t *gotp);
void	msdosfs_runlist_free(struct msdosfs_runlist *rl);
int	msdosfs_fat_free_chain(struct msdosfs_mount *pmp, uint32_t first,
	    uint32_t prevcl);
int	msdosfs_fat_setclean(struct msdosfs_mount *pmp, bool clean);
int	msdosfs_fat_isclean(struct msdosfs_mount *pmp, bool *cleanp);
int	msdosfs_fsinfo_write(struct msdosfs_mount *pmp);
uint32_t msdosfs_fat_nfree(struct msdosfs_mount *pmp);

/* ---- msdosfs_bmap.c ---- */
int	msdosfs_map_ensure(struct msdosfs_node *np);
void	msdosfs_map_free(struct msdosfs_node *np);
int	msdosfs_map_lookup(struct msdosfs_node *np, uint32_t fcl,
	    uint32_t *dclp, uint32_t *runp);
int	msdosfs_chain_grow(struct msdosfs_node *np, uint32_t want, bool exact,
	    uint32_t *gotp);
int	msdosfs_chain_shrink(struct msdosfs_node *np, uint32_t keep);
int	msdosfs_zero_range(struct msdosfs_node *np, uint64_t from,
	    uint64_t to);
int	msdosfs_data_read(struct msdosfs_node *np, struct uio *uio);
int	msdosfs_data_write(struct msdosfs_node *np, struct uio *uio,
	    int ioflag);
int	msdosfs_truncate(struct msdosfs_node *np, uint64_t size);
int	msdosfs_allocate(struct msdosfs_node *np, uint64_t off, uint64_t len,
	    bool keepsize);
int	msdosfs_node_bmap(struct msdosfs_node *np, uint64_t off,
	    uint64_t *devoffp, uint64_t *runp);

/* ---- msdosfs_conv.c ---- */
int	msdosfs_utf8_to_utf16(const char *s, size_t len, uint16_t *u,
	    size_t *ulenp);
size_t	msdosfs_utf16_to_utf8(const uint16_t *u, size_t ulen, char *s,
	    size_t size);
size_t	msdosfs_name_striplen(const uint16_t *u, size_t ulen);
int	msdosfs_name_check(const uint16_t *u, size_t ulen);
uint16_t msdosfs_upcase(uint16_t c);
bool	msdosfs_name_eq(const uint16_t *a, size_t alen, const uint16_t *b,
	    size_t blen);
uint8_t	msdosfs_lfn_cksum(const uint8_t name[11]);
extern const uint16_t msdosfs_cp437[128], msdosfs_cp850[128];
void	msdosfs_short_to_utf16(const uint8_t name[11], uint8_t ntres,
	    const uint16_t *cp, uint16_t *u, size_t *ulenp);
/* What a long name needs (msdosfs_short_basis). */
#define SN_EXACT	0	/* fits 8.3 with the case flags: no long name */
#define SN_FITS		1	/* 8.3 once upper-cased: long name, no tail
				   unless taken */
#define SN_LOSSY	2	/* long name and a ~N tail */
int	msdosfs_short_basis(const uint16_t *u, size_t ulen,
	    const uint16_t *cp, uint8_t basis[11], uint8_t *ntresp);
bool	msdosfs_short_tail(const uint8_t basis[11], uint32_t n,
	    uint8_t out[11]);
int	msdosfs_short_tailnum(const uint8_t basis[11], const uint8_t name[11],
	    uint32_t *np);
void	msdosfs_dos2unix(uint16_t date, uint16_t time, uint8_t cs,
	    int32_t tzoff, struct vfs_timespec *ts);
void	msdosfs_unix2dos(const struct vfs_timespec *ts, int32_t tzoff,
	    uint16_t *datep, uint16_t *timep, uint8_t *csp);

/* ---- msdosfs_dir.c ---- */
/* One directory entry as a scan sees it. */
struct msdosfs_dirscan {
	uint32_t	ds_slot;	/* slot of the short entry */
	uint32_t	ds_first;	/* first slot (long name) */
	uint64_t	ds_loc;		/* device offset of the short entry */
	struct msdos_dirent ds_de;
	uint16_t	ds_name[LFN_MAXLEN];	/* long, or decoded short */
	size_t		ds_namelen;
	bool		ds_haslfn;
};
/* Iteration callback: 0 go on, MSDOSFS_SCAN_STOP stop, else an error. */
#define MSDOSFS_SCAN_STOP	(-1)
int	msdosfs_dir_scan(struct msdosfs_node *dnp, uint32_t start,
	    int (*fn)(void *arg, const struct msdosfs_dirscan *ds),
	    void *arg);
uint32_t msdosfs_dir_nslots(struct msdosfs_node *dnp);
int	msdosfs_dir_lookup(struct msdosfs_node *dnp, const char *name,
	    size_t len, struct msdosfs_dirscan *ds);
int	msdosfs_dir_readdir(struct msdosfs_node *dnp, uint64_t *cookie,
	    vfs_filldir_t fill, void *arg);
int	msdosfs_dir_isempty(struct msdosfs_node *dnp, bool *emptyp);
int	msdosfs_dir_count_subdirs(struct msdosfs_node *dnp, uint32_t *np);
/* A new entry: the name converted, the short entry to write. */
struct msdosfs_newent {
	uint16_t	ne_name[LFN_MAXLEN];
	size_t		ne_namelen;
	int		ne_kind;	/* SN_* */
	struct msdos_dirent ne_de;	/* name and case flags filled in */
	uint32_t	ne_slot;	/* out: slot of the short entry */
	uint64_t	ne_loc;		/* out: its device offset */
};
int	msdosfs_dir_prepname(struct msdosfs_mount *pmp, const char *name,
	    size_t len, struct msdosfs_newent *ne);
int	msdosfs_dir_enter(struct msdosfs_node *dnp, struct msdosfs_newent *ne,
	    const struct msdos_dirent *tmpl);
int	msdosfs_dir_remove(struct msdosfs_node *dnp, uint32_t slot);
int	msdosfs_dir_init(struct msdosfs_node *pdnp, uint32_t cl,
	    const struct msdos_dirent *tmpl);
int	msdosfs_dir_setdotdot(struct msdosfs_node *np, uint32_t parentcl);
int	msdosfs_de_read(struct msdosfs_mount *pmp, uint64_t loc,
	    struct msdos_dirent *de);
int	msdosfs_de_write(struct msdosfs_mount *pmp, uint64_t loc,
	    const struct msdos_dirent *de);
int	msdosfs_dirblk(struct msdosfs_mount *pmp, uint64_t loc, daddr_t *blknop,
	    uint32_t *sizep);

/* ---- msdosfs_ino.c ---- */
int	msdosfs_ino_init(struct msdosfs_mount *pmp);
void	msdosfs_ino_fini(struct msdosfs_mount *pmp);
int	msdosfs_ino_lookup(struct msdosfs_mount *pmp, uint64_t loc,
	    uint32_t slot, uint64_t parent, bool isdir, uint64_t *inop);
int	msdosfs_ino_info(struct msdosfs_mount *pmp, uint64_t ino,
	    struct msdosfs_hint *h, bool *isdirp);
int	msdosfs_ino_attach(struct msdosfs_mount *pmp, uint64_t ino,
	    const struct msdosfs_hint *h, bool isdir);
void	msdosfs_ino_detach(struct msdosfs_mount *pmp, uint64_t ino);
void	msdosfs_ino_move(struct msdosfs_mount *pmp, uint64_t ino,
	    uint64_t loc, uint32_t slot, uint64_t parent);
void	msdosfs_ino_unlink(struct msdosfs_mount *pmp, uint64_t ino);
void	msdosfs_ino_forget(struct msdosfs_mount *pmp, uint64_t ino);
int	msdosfs_ino_peek(struct msdosfs_mount *pmp, uint64_t loc,
	    uint32_t slot, uint64_t parent, bool isdir, uint64_t *inop);

/* ---- msdosfs_vnops.c ---- */
int	msdosfs_node_update(struct msdosfs_node *np);
void	msdosfs_node_touch(struct msdosfs_node *np, bool mtime, bool archive);
uint32_t msdosfs_node_dircl(const struct msdosfs_node *dnp);

/* ---- msdosfs_rename.c ---- */
int	msdosfs_rename(struct vnode *fdvp, struct vnode *fvp,
	    const char *fname, size_t flen, struct vnode *tdvp,
	    struct vnode *tvp, const char *tname, size_t tlen,
	    unsigned flags);

#endif /* MSDOSFS_NODE_H */
