/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_dir_write.c -- changing directories: add, remove and repoint
 * entries, fill a new directory, and tell whether one is empty, for
 * linear block directories and inline_data directories.  Hashed
 * (dir_index) directories insert through ext2fs_htree_write.c; removal
 * and repointing work on them like on any block directory, leaving the
 * index alone.
 *
 * Records (see ext2fs_dir.c for the format and its validation):
 *  - an entry is added in the first record with room for it after its
 *    own name (the record is cut in two), or in an unused record large
 *    enough; else a block is appended: one record spanning it, plus the
 *    12-byte checksum tail under metadata_csum -- except that a full
 *    directory of one block is indexed (dir_index), as Linux does;
 *  - a removed entry's space is merged into the record before it in the
 *    block; the first record of a block just gets inode 0.  Empty blocks
 *    stay.  So no entry ever moves, and readdir cookies (byte offsets)
 *    stay good across changes.
 * Inline directories: the parent inode number (4 bytes) and a record
 * chain in i_block, continued by a second chain in "system.data".  An
 * entry that fits nowhere grows system.data; when the inode is full the
 * directory becomes a block directory: ".", ".." and both chains, in
 * that order, in a new block 0.
 *
 * Every changed block goes through ext2fs_trans_dirty; the directory's
 * size, mtime and ctime change with it and ext2fs_node_update writes it.
 * The caller holds the directory's vnode lock exclusive; each function
 * opens a (nested) transaction handle of its own.
 *
 * Exports the directory half of ext2fs_write.h and, to
 * ext2fs_htree_write.c, the record helpers of its "added by ext2-dir"
 * block.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/kconst.h"
#include "kern/vnode.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define EXT2_INLINE_DOTDOT_SIZE	4
#define EXT2_DIR_TRANS_BLOCKS	24	/* blocks, index, maps */

static void
st32(void *p, uint32_t v)
{
	e2le32_t le = e2_mkle32(v);

	memcpy(p, &le, sizeof(le));
}

void
ext2fs_rec_len_set(const struct ext2fs_mount *ump, e2le16_t *v, uint32_t len)
{
	uint32_t e = len;

	KASSERT(len >= 8 && (len & 3) == 0 && len <= ump->um_bsize);
	if (ump->um_bsize >= 65536)
		e = len >= 65536 ? 65535 : ((len & 65532) | ((len >> 16) & 3));
	v->b[0] = (uint8_t)e;
	v->b[1] = (uint8_t)(e >> 8);
}

uint8_t
ext2fs_mode_ftype(const struct ext2fs_mount *ump, uint32_t mode)
{
	if (!EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_FILETYPE))
		return EXT2_FT_UNKNOWN;
	switch (mode & S_IFMT) {
	case S_IFREG:
		return EXT2_FT_REG_FILE;
	case S_IFDIR:
		return EXT2_FT_DIR;
	case S_IFCHR:
		return EXT2_FT_CHRDEV;
	case S_IFBLK:
		return EXT2_FT_BLKDEV;
	case S_IFIFO:
		return EXT2_FT_FIFO;
	case S_IFSOCK:
		return EXT2_FT_SOCK;
	case S_IFLNK:
		return EXT2_FT_SYMLINK;
	default:
		return EXT2_FT_UNKNOWN;
	}
}

/* Write a whole record at DE: RECLEN bytes, NAME padded with zeros. */
static void
dirent_put(const struct ext2fs_mount *ump, struct ext2_dirent *de,
    ino64_t ino, uint32_t reclen, const char *name, size_t len,
    uint8_t ftype)
{
	de->inode = e2_mkle32((uint32_t)ino);
	ext2fs_rec_len_set(ump, &de->rec_len, reclen);
	de->name_len = (uint8_t)len;
	de->file_type = EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_FILETYPE) ?
	    ftype : 0;
	memcpy(de->name, name, len);
	memset(de->name + len, 0, EXT2_DIR_REC_LEN(len) - 8 - len);
}

bool
ext2fs_dirblk_insert(const struct ext2fs_node *dnp, uint8_t *data,
    size_t area, const char *name, size_t len, ino64_t ino, uint8_t ftype)
{
	const struct ext2fs_mount *ump = dnp->n_ump;
	uint32_t need = EXT2_DIR_REC_LEN(len), reclen, used;
	struct ext2_dirent *de;
	size_t off = 0;

	while (off + sizeof(*de) <= area) {
		de = (struct ext2_dirent *)(data + off);
		reclen = ext2fs_rec_len(ump, de->rec_len);
		if (reclen < EXT2_DIR_REC_LEN(1) || reclen > area - off)
			return false;	/* validated by the reader */
		used = e2_le32(de->inode) == 0 ? 0 :
		    EXT2_DIR_REC_LEN(ext2fs_dirent_namelen(ump, de));
		if (reclen >= used && reclen - used >= need) {
			if (used != 0) {
				ext2fs_rec_len_set(ump, &de->rec_len, used);
				de = (struct ext2_dirent *)(data + off + used);
			}
			dirent_put(ump, de, ino, reclen - used, name, len,
			    ftype);
			return true;
		}
		off += reclen;
	}
	return false;
}

void
ext2fs_dirblk_tail(const struct ext2fs_node *dnp, uint8_t *blk)
{
	const struct ext2fs_mount *ump = dnp->n_ump;
	struct ext2_dirent_tail *t;

	if (!ump->um_metadata_csum)
		return;
	t = (struct ext2_dirent_tail *)(blk + ump->um_bsize - sizeof(*t));
	memset(t, 0, sizeof(*t));
	ext2fs_rec_len_set(ump, &t->det_rec_len, sizeof(*t));
	t->det_reserved_ft = EXT2_FT_DIR_CSUM;
	ext2fs_dirent_csum_set(dnp, blk);
}

/* Is the directory's size a whole number of blocks? */
static int
dir_checksize(struct ext2fs_node *dnp)
{
	if (dnp->n_size == 0 ||
	    (dnp->n_size & (dnp->n_ump->um_bsize - 1)) != 0)
		return ext2fs_corrupt(dnp->n_ump,
		    "directory inode %llu: bad size %llu",
		    (unsigned long long)dnp->n_ino,
		    (unsigned long long)dnp->n_size);
	return 0;
}

static bool
dir_is_htree(const struct ext2fs_node *dnp)
{
	return (dnp->n_flags & EXT2_INDEX_FL) &&
	    EXT2_HAS_COMPAT(dnp->n_ump, EXT2F_COMPAT_DIR_INDEX);
}

int
ext2fs_dir_appendblk(struct ext2fs_node *dnp, uint64_t *lblkp,
    struct buf **bpp)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	uint64_t lblk, pblk, run;
	struct ext2_dirent *de;
	struct buf *bp;
	bool isnew;
	int error;

	*bpp = NULL;
	lblk = dnp->n_size >> ump->um_bshift;
	/* Without largedir a directory stays below 2 GiB, as in Linux. */
	if (lblk + 1 > ext2fs_max_lblocks(dnp) ||
	    (!EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_LARGEDIR) &&
	    ((lblk + 1) << ump->um_bshift) > 0x7fffffffULL))
		return EFBIG;
	if ((error = ext2fs_balloc(dnp, lblk, 1, &pblk, &run, &isnew)) != 0)
		return error;
	if ((error = getblk(ump->um_dev, EXT2_FSBTODB(ump, pblk),
	    ump->um_bsize, &bp)) != 0) {
		(void)ext2fs_bfree_range(dnp, lblk, UINT64_MAX);
		return error;
	}
	memset(bp->b_data, 0, ump->um_bsize);
	de = bp->b_data;
	ext2fs_rec_len_set(ump, &de->rec_len, ext2fs_dir_area(dnp, false));
	ext2fs_dirblk_tail(dnp, bp->b_data);
	dnp->n_size += ump->um_bsize;
	*lblkp = lblk;
	*bpp = bp;
	return 0;
}

/* The directory changed: mtime and ctime now, and write the inode. */
static int
dir_touch(struct ext2fs_node *dnp)
{
	struct vfs_timespec ts;

	ext2fs_now(&ts);
	ext2fs_node_settime(dnp, EXT2FS_MTIME | EXT2FS_CTIME, &ts);
	return ext2fs_node_update(dnp);
}

/* A name the directory may hold (not "." or ".." unless DOTS). */
static int
dir_name_check(const char *name, size_t len, bool dots)
{
	if (len == 0)
		return EINVAL;
	if (len > EXT2_NAME_LEN)
		return ENAMETOOLONG;
	if (memchr(name, '/', len) != NULL || memchr(name, '\0', len) != NULL)
		return EINVAL;
	if (!dots && (genfs_name_is_dot(name, len) ||
	    genfs_name_is_dotdot(name, len)))
		return EINVAL;
	return 0;
}

static void
dir_assert_locked(const struct ext2fs_node *dnp)
{
	KASSERT(dnp->n_vnode == NULL || VOP_XLOCKED(dnp->n_vnode));
	KASSERT(!dnp->n_ump->um_ronly);
}

/* ---- linear block directories ---- */

/*
 * Add in the first block with room, else append a block; MAYINDEX: a
 * full one-block directory is indexed instead (if dir_index).
 */
static int
dir_linear_add(struct ext2fs_node *dnp, const char *name, size_t len,
    ino64_t ino, uint8_t ftype, bool mayindex)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	uint64_t lblk, nblks, hole;
	struct buf *bp;
	bool dx, ok;
	int error;

	nblks = dnp->n_size >> ump->um_bshift;
	for (lblk = 0; lblk < nblks; lblk++) {
		if ((error = ext2fs_dir_getblk(dnp, lblk, &bp, &dx,
		    &hole)) != 0)
			return error;
		if (bp == NULL) {
			lblk += hole - 1;
			continue;
		}
		if (!dx && ext2fs_dirblk_insert(dnp, bp->b_data,
		    ext2fs_dir_area(dnp, false), name, len, ino, ftype)) {
			ext2fs_dirblk_tail(dnp, bp->b_data);
			ext2fs_trans_dirty(ump, bp);
			return 0;
		}
		brelse(bp);
	}
	/* A full one-block directory gets an index, as with Linux. */
	if (mayindex && nblks == 1 &&
	    EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_DIR_INDEX) &&
	    !(dnp->n_flags & EXT2_INDEX_FL)) {
		error = ext2fs_htree_index_dir(dnp);
		if (error == 0)
			error = ext2fs_htree_add(dnp, name, len, ino, ftype);
		if (error != EAGAIN)
			return error;
		/* not indexed after all: append */
	}
	if ((error = ext2fs_dir_appendblk(dnp, &lblk, &bp)) != 0)
		return error;
	ok = ext2fs_dirblk_insert(dnp, bp->b_data, ext2fs_dir_area(dnp, false),
	    name, len, ino, ftype);
	KASSERT(ok);	/* an empty block holds any name */
	ext2fs_dirblk_tail(dnp, bp->b_data);
	ext2fs_trans_dirty(ump, bp);
	return 0;
}

/*
 * Find NAME in block directory DNP: *BPP busy (the block holding it),
 * *OFFP its record's offset, *PREVP the previous record's in the block
 * (or SIZE_MAX), *DXP whether the block is an htree index block (only
 * "." and ".." live there).  ENOENT if absent.
 */
static int
dir_locate(struct ext2fs_node *dnp, const char *name, size_t len,
    struct buf **bpp, bool *dxp, size_t *offp, size_t *prevp)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	uint64_t lblk, first = 0, nblks, hole;
	const struct ext2_dirent *de;
	size_t off, prev, area;
	uint32_t ino;
	struct buf *bp;
	int error;

	*bpp = NULL;
	if ((error = dir_checksize(dnp)) != 0)
		return error;
	nblks = dnp->n_size >> ump->um_bshift;
	if (genfs_name_is_dot(name, len) || genfs_name_is_dotdot(name, len))
		nblks = 1;
	else if (dir_is_htree(dnp)) {
		error = ext2fs_htree_lookup_blk(dnp, name, len, &ino, &first);
		if (error == ENOENT)
			return error;
		if (error != 0 && error != EAGAIN)
			return error;
		if (error == EAGAIN)
			first = 0;
	}
	for (lblk = first; lblk < nblks; lblk++) {
		if ((error = ext2fs_dir_getblk(dnp, lblk, &bp, dxp,
		    &hole)) != 0)
			return error;
		if (bp == NULL) {
			lblk += hole - 1;
			continue;
		}
		area = ext2fs_dir_area(dnp, *dxp);
		for (off = 0, prev = SIZE_MAX; off < area;
		    prev = off, off += ext2fs_rec_len(ump, de->rec_len)) {
			de = (const struct ext2_dirent *)
			    ((uint8_t *)bp->b_data + off);
			if (e2_le32(de->inode) != 0 &&
			    ext2fs_dirent_namelen(ump, de) == len &&
			    memcmp(de->name, name, len) == 0) {
				*bpp = bp;
				*offp = off;
				*prevp = prev;
				return 0;
			}
		}
		brelse(bp);
	}
	return ENOENT;
}

/* Put changed directory block BP (index block when DX) in the journal. */
static void
dir_blk_dirty(struct ext2fs_node *dnp, struct buf *bp, bool dx)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	const struct ext2_dx_root_info *info;
	uint8_t *data = bp->b_data;

	if (!dx)
		ext2fs_dirblk_tail(dnp, data);
	else if (ump->um_metadata_csum) {
		/* index blocks hold changes only in "." and ".." (block 0) */
		info = (const struct ext2_dx_root_info *)(data +
		    2 * EXT2_DIR_REC_LEN(2));
		ext2fs_dx_csum_set(dnp, data,
		    2 * EXT2_DIR_REC_LEN(2) + info->info_length);
	}
	ext2fs_trans_dirty(ump, bp);
}

/* ---- inline directories ---- */

/* The two record chains of an inline directory of LEN bytes. */
static void
inline_chains(size_t len, size_t start[2], size_t end[2])
{
	start[0] = EXT2_INLINE_DOTDOT_SIZE;
	end[0] = EXT2_IBLOCK_BYTES;
	start[1] = EXT2_IBLOCK_BYTES;
	end[1] = len > EXT2_IBLOCK_BYTES ? len : EXT2_IBLOCK_BYTES;
}

/* As dir_locate, in inline contents BUF (validated). */
static bool
inline_locate(const struct ext2fs_node *dnp, const uint8_t *buf, size_t len,
    const char *name, size_t namelen, size_t *offp, size_t *prevp)
{
	const struct ext2_dirent *de;
	size_t start[2], end[2], off, prev;
	int c;

	inline_chains(len, start, end);
	for (c = 0; c < 2; c++) {
		for (off = start[c], prev = SIZE_MAX; off < end[c]; prev = off,
		    off += ext2fs_rec_len(dnp->n_ump, de->rec_len)) {
			de = (const struct ext2_dirent *)(buf + off);
			if (e2_le32(de->inode) != 0 &&
			    ext2fs_dirent_namelen(dnp->n_ump, de) == namelen &&
			    memcmp(de->name, name, namelen) == 0) {
				*offp = off;
				*prevp = prev;
				return true;
			}
		}
	}
	return false;
}

/* Store BUF (LEN bytes) as DNP's inline contents; size follows. */
static int
inline_store(struct ext2fs_node *dnp, const uint8_t *buf, size_t len)
{
	int error;

	if ((error = ext2fs_inline_set(dnp, buf, len)) == 0)
		dnp->n_size = len;
	return error;
}

/* Prepare DNP's i_block for a block map (inline data just dropped). */
static void
dir_iblock_reset(struct ext2fs_node *dnp)
{
	struct ext2_dinode *di = (struct ext2_dinode *)dnp->n_raw;

	memset(di->i_block, 0, EXT2_IBLOCK_BYTES);
	dnp->n_flags &= ~EXT2_INLINE_DATA_FL;
	if (EXT2_HAS_INCOMPAT(dnp->n_ump, EXT2F_INCOMPAT_EXTENTS)) {
		dnp->n_flags |= EXT2_EXTENTS_FL;
		ext2fs_ext_init_root(dnp);
	} else
		dnp->n_flags &= ~EXT2_EXTENTS_FL;
}

/*
 * Turn inline directory DNP (contents BUF, LEN bytes) into a block
 * directory: block 0 holds ".", ".." and both record chains.  On
 * failure the inline contents are put back.
 */
static int
inline_convert(struct ext2fs_node *dnp, const uint8_t *buf, size_t len)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	size_t area = ext2fs_dir_area(dnp, false), base, off, last;
	uint32_t oldflags = dnp->n_flags, reclen;
	struct ext2_dirent *de;
	struct buf *bp;
	uint64_t lblk;
	uint8_t *data;
	int error;

	base = 2 * EXT2_DIR_REC_LEN(2);
	if (base + len - EXT2_INLINE_DOTDOT_SIZE > area)
		return ENOSPC;	/* inline area larger than a block */
	if ((error = ext2fs_inline_clear(dnp)) != 0)
		return error;
	dir_iblock_reset(dnp);
	dnp->n_size = 0;
	if ((error = ext2fs_dir_appendblk(dnp, &lblk, &bp)) != 0)
		goto out_restore;
	KASSERT(lblk == 0);
	data = bp->b_data;
	dirent_put(ump, (struct ext2_dirent *)data, dnp->n_ino,
	    EXT2_DIR_REC_LEN(1), ".", 1, EXT2_FT_DIR);
	dirent_put(ump, (struct ext2_dirent *)(data + EXT2_DIR_REC_LEN(1)),
	    e2_ld32(buf), EXT2_DIR_REC_LEN(2), "..", 2, EXT2_FT_DIR);
	memcpy(data + base, buf + EXT2_INLINE_DOTDOT_SIZE,
	    len - EXT2_INLINE_DOTDOT_SIZE);
	/* the last copied record takes the rest of the block */
	for (off = last = base; off < base + len - EXT2_INLINE_DOTDOT_SIZE;
	    off += reclen) {
		de = (struct ext2_dirent *)(data + off);
		reclen = ext2fs_rec_len(ump, de->rec_len);
		last = off;
	}
	de = (struct ext2_dirent *)(data + last);
	ext2fs_rec_len_set(ump, &de->rec_len, area - last);
	ext2fs_dirblk_tail(dnp, data);
	ext2fs_trans_dirty(ump, bp);
	return 0;

out_restore:
	dnp->n_flags = oldflags;
	memset(((struct ext2_dinode *)dnp->n_raw)->i_block, 0,
	    EXT2_IBLOCK_BYTES);
	(void)inline_store(dnp, buf, len);
	return error;
}

static int
inline_add(struct ext2fs_node *dnp, const char *name, size_t namelen,
    ino64_t ino, uint8_t ftype)
{
	size_t len, newlen, start[2], end[2], need;
	uint8_t *buf, *nbuf;
	int error, c;

	if ((error = ext2fs_inline_dir_load(dnp, &buf, &len)) != 0)
		return error;
	inline_chains(len, start, end);
	for (c = 0; c < 2; c++)
		if (end[c] > start[c] && ext2fs_dirblk_insert(dnp,
		    buf + start[c], end[c] - start[c], name, namelen, ino,
		    ftype)) {
			error = inline_store(dnp, buf, len);
			goto out;
		}
	/* Grow system.data by one record, if the inode has room. */
	need = EXT2_DIR_REC_LEN(namelen);
	newlen = MAX(len, (size_t)EXT2_IBLOCK_BYTES) + need;
	if (newlen <= ext2fs_inline_max(dnp)) {
		if ((nbuf = kmem_zalloc(newlen)) == NULL) {
			error = ENOMEM;
			goto out;
		}
		memcpy(nbuf, buf, len);
		dirent_put(dnp->n_ump, (struct ext2_dirent *)(nbuf + newlen -
		    need), ino, need, name, namelen, ftype);
		error = inline_store(dnp, nbuf, newlen);
		kmem_free(nbuf, newlen);
		if (error != ENOSPC)
			goto out;
	}
	/* Full: become a block directory, then add there. */
	if ((error = inline_convert(dnp, buf, len)) == 0)
		error = dir_linear_add(dnp, name, namelen, ino, ftype, true);
out:
	kmem_free(buf, len);
	return error;
}

/*
 * Remove (INO 0) or repoint NAME in inline directory DNP.  ".." (only
 * repointed) is the leading parent number.
 */
static int
inline_change(struct ext2fs_node *dnp, const char *name, size_t namelen,
    bool remove, ino64_t ino, uint8_t ftype)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	struct ext2_dirent *de, *pde;
	size_t len, off, prev;
	uint8_t *buf;
	int error;

	if ((error = ext2fs_inline_dir_load(dnp, &buf, &len)) != 0)
		return error;
	if (genfs_name_is_dotdot(name, namelen) && !remove) {
		st32(buf, (uint32_t)ino);
	} else if (genfs_name_is_dot(name, namelen) ||
	    genfs_name_is_dotdot(name, namelen)) {
		error = EINVAL;
		goto out;
	} else if (!inline_locate(dnp, buf, len, name, namelen, &off,
	    &prev)) {
		error = ENOENT;
		goto out;
	} else {
		de = (struct ext2_dirent *)(buf + off);
		if (!remove) {
			de->inode = e2_mkle32((uint32_t)ino);
			if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_FILETYPE))
				de->file_type = ftype;
		} else if (prev != SIZE_MAX) {
			pde = (struct ext2_dirent *)(buf + prev);
			ext2fs_rec_len_set(ump, &pde->rec_len,
			    ext2fs_rec_len(ump, pde->rec_len) +
			    ext2fs_rec_len(ump, de->rec_len));
		} else
			de->inode = e2_mkle32(0);
	}
	error = inline_store(dnp, buf, len);
out:
	kmem_free(buf, len);
	return error;
}

/* ---- the interface ---- */

/*
 * => DNP locked exclusive, a directory; NAME not present (not checked).
 * => EINVAL for a bad name or inode number, ENAMETOOLONG, ENOSPC, EFBIG
 *    (the directory cannot grow), EUCLEAN, EIO.
 */
int
ext2fs_dir_add(struct ext2fs_node *dnp, const char *name, size_t len,
    ino64_t ino, uint32_t mode)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	uint8_t ftype = ext2fs_mode_ftype(ump, mode);
	int error;

	dir_assert_locked(dnp);
	if ((error = dir_name_check(name, len, false)) != 0)
		return error;
	if (ino == 0 || ino > ump->um_ninodes)
		return EINVAL;
	if ((error = ext2fs_trans_begin(ump, EXT2_DIR_TRANS_BLOCKS)) != 0)
		return error;
	if (dnp->n_flags & EXT2_INLINE_DATA_FL)
		error = inline_add(dnp, name, len, ino, ftype);
	else if ((error = dir_checksize(dnp)) == 0) {
		error = EAGAIN;
		if (dir_is_htree(dnp))
			error = ext2fs_htree_add(dnp, name, len, ino, ftype);
		if (error == EAGAIN)	/* linear, or the index gave up */
			error = dir_linear_add(dnp, name, len, ino, ftype,
			    !dir_is_htree(dnp));
	}
	if (error == 0)
		error = dir_touch(dnp);
	ext2fs_trans_end(ump);
	return error;
}

/*
 * => DNP locked exclusive.  ENOENT if NAME is absent; EINVAL for "." and
 *    "..".  The index of an htree directory is left as it is.
 */
int
ext2fs_dir_remove(struct ext2fs_node *dnp, const char *name, size_t len)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	struct ext2_dirent *de, *pde;
	size_t off, prev;
	struct buf *bp;
	uint8_t *data;
	bool dx;
	int error;

	dir_assert_locked(dnp);
	if ((error = dir_name_check(name, len, false)) != 0)
		return error;
	if ((error = ext2fs_trans_begin(ump, 4)) != 0)
		return error;
	if (dnp->n_flags & EXT2_INLINE_DATA_FL) {
		error = inline_change(dnp, name, len, true, 0, 0);
		goto out;
	}
	if ((error = dir_locate(dnp, name, len, &bp, &dx, &off, &prev)) != 0)
		goto out;
	data = bp->b_data;
	de = (struct ext2_dirent *)(data + off);
	if (prev != SIZE_MAX) {
		pde = (struct ext2_dirent *)(data + prev);
		ext2fs_rec_len_set(ump, &pde->rec_len,
		    ext2fs_rec_len(ump, pde->rec_len) +
		    ext2fs_rec_len(ump, de->rec_len));
	} else
		de->inode = e2_mkle32(0);
	dir_blk_dirty(dnp, bp, dx);
out:
	if (error == 0)
		error = dir_touch(dnp);
	ext2fs_trans_end(ump);
	return error;
}

/*
 * => DNP locked exclusive.  NAME may be ".." (a moved directory's new
 *    parent), not ".".  ENOENT if absent.
 */
int
ext2fs_dir_set(struct ext2fs_node *dnp, const char *name, size_t len,
    ino64_t ino, uint32_t mode)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	uint8_t ftype = ext2fs_mode_ftype(ump, mode);
	struct ext2_dirent *de;
	size_t off, prev;
	struct buf *bp;
	bool dx;
	int error;

	dir_assert_locked(dnp);
	if ((error = dir_name_check(name, len, true)) != 0)
		return error;
	if (genfs_name_is_dot(name, len) || ino == 0 || ino > ump->um_ninodes)
		return EINVAL;
	if ((error = ext2fs_trans_begin(ump, 4)) != 0)
		return error;
	if (dnp->n_flags & EXT2_INLINE_DATA_FL) {
		error = inline_change(dnp, name, len, false, ino, ftype);
		goto out;
	}
	if ((error = dir_locate(dnp, name, len, &bp, &dx, &off, &prev)) != 0)
		goto out;
	de = (struct ext2_dirent *)((uint8_t *)bp->b_data + off);
	de->inode = e2_mkle32((uint32_t)ino);
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_FILETYPE))
		de->file_type = ftype;
	dir_blk_dirty(dnp, bp, dx);
out:
	if (error == 0)
		error = dir_touch(dnp);
	ext2fs_trans_end(ump);
	return error;
}

/*
 * => NP new (or locked exclusive), a directory with no contents yet.
 * => Inline on an inline_data filesystem when the inode has room for
 *    system.data; else one block.
 */
int
ext2fs_dir_init(struct ext2fs_node *np, ino64_t parent)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint8_t ibuf[EXT2_IBLOCK_BYTES];
	uint32_t oldflags = np->n_flags;
	struct ext2_dirent *de;
	struct buf *bp;
	uint64_t lblk;
	int error;

	dir_assert_locked(np);
	KASSERT(np->n_size == 0);
	if (parent == 0 || parent > ump->um_ninodes)
		return EINVAL;
	if ((error = ext2fs_trans_begin(ump, 8)) != 0)
		return error;
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_INLINE_DATA)) {
		memset(ibuf, 0, sizeof(ibuf));
		st32(ibuf, (uint32_t)parent);
		de = (struct ext2_dirent *)(ibuf + EXT2_INLINE_DOTDOT_SIZE);
		ext2fs_rec_len_set(ump, &de->rec_len,
		    EXT2_IBLOCK_BYTES - EXT2_INLINE_DOTDOT_SIZE);
		memset(((struct ext2_dinode *)np->n_raw)->i_block, 0,
		    EXT2_IBLOCK_BYTES);
		np->n_flags = (np->n_flags & ~EXT2_EXTENTS_FL) |
		    EXT2_INLINE_DATA_FL;
		if ((error = inline_store(np, ibuf, sizeof(ibuf))) == 0)
			goto out;
		/* No room for system.data: a block directory after all. */
		np->n_flags = oldflags;
		dir_iblock_reset(np);
		np->n_size = 0;
		if (error != ENOSPC)
			goto out;
	}
	if ((error = ext2fs_dir_appendblk(np, &lblk, &bp)) != 0)
		goto out;
	dirent_put(ump, bp->b_data, np->n_ino, EXT2_DIR_REC_LEN(1), ".", 1,
	    ext2fs_mode_ftype(ump, S_IFDIR));
	dirent_put(ump, (struct ext2_dirent *)((uint8_t *)bp->b_data +
	    EXT2_DIR_REC_LEN(1)), parent, ext2fs_dir_area(np, false) -
	    EXT2_DIR_REC_LEN(1), "..", 2, ext2fs_mode_ftype(ump, S_IFDIR));
	ext2fs_dirblk_tail(np, bp->b_data);
	ext2fs_trans_dirty(ump, bp);
out:
	if (error == 0)
		error = ext2fs_node_update(np);
	ext2fs_trans_end(ump);
	return error;
}

/* Does the chain DATA[0, LEN) hold an entry other than "." and ".."? */
static bool
dir_chain_used(const struct ext2fs_mount *ump, const uint8_t *data,
    size_t len)
{
	const struct ext2_dirent *de;
	uint32_t nl;
	size_t off;

	for (off = 0; off < len; off += ext2fs_rec_len(ump, de->rec_len)) {
		de = (const struct ext2_dirent *)(data + off);
		nl = ext2fs_dirent_namelen(ump, de);
		if (e2_le32(de->inode) != 0 &&
		    !genfs_name_is_dot(de->name, nl) &&
		    !genfs_name_is_dotdot(de->name, nl))
			return true;
	}
	return false;
}

/* => NP locked (shared is enough). */
int
ext2fs_dir_isempty(struct ext2fs_node *np, bool *emptyp)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t lblk, nblks, hole;
	size_t len, start[2], end[2];
	struct buf *bp;
	uint8_t *buf;
	bool dx, used;
	int error, c;

	*emptyp = false;
	if (np->n_flags & EXT2_INLINE_DATA_FL) {
		if ((error = ext2fs_inline_dir_load(np, &buf, &len)) != 0)
			return error;
		inline_chains(len, start, end);
		used = false;
		for (c = 0; c < 2 && !used; c++)
			used = dir_chain_used(ump, buf + start[c],
			    end[c] - start[c]);
		kmem_free(buf, len);
		*emptyp = !used;
		return 0;
	}
	if ((error = dir_checksize(np)) != 0)
		return error;
	nblks = np->n_size >> ump->um_bshift;
	for (lblk = 0; lblk < nblks; lblk++) {
		if ((error = ext2fs_dir_getblk(np, lblk, &bp, &dx,
		    &hole)) != 0)
			return error;
		if (bp == NULL) {
			lblk += hole - 1;
			continue;
		}
		used = dir_chain_used(ump, bp->b_data,
		    ext2fs_dir_area(np, dx));
		brelse(bp);
		if (used)
			return 0;
	}
	*emptyp = true;
	return 0;
}
