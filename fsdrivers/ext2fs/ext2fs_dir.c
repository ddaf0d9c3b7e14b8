/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_dir.c -- directories: validating directory blocks, readdir and
 * linear lookup, for block directories and inline_data directories.
 *
 * A directory is a sequence of blocks, each a chain of variable-length
 * records (inode, rec_len, name_len, file_type, name) that exactly covers
 * the block.  Before any entry of a block is used the whole block is
 * checked: every rec_len at least 12, a multiple of 4, large enough for
 * its name and inside the block; inode numbers inside the filesystem;
 * names non-empty without '/' or NUL; and, under metadata_csum, the
 * 12-byte checksum tail of a leaf block or the dx_tail of an htree index
 * block.  Hashed (dir_index) directories are read linearly too: the htree
 * root hides its index inside the slack of "..", and interior index
 * blocks look like one empty record spanning the block.
 *
 * A block that passed these checks is marked in its buffer (b_private =
 * &ext2fs_dir_ok_leaf or &ext2fs_dir_ok_dx, by the kind it was checked
 * as) and is not checked again while the buffer stays cached: a buffer
 * is created with b_private NULL, so a block (re)read from the device
 * is always checked; the write path only stores valid records and sets
 * the checksums before it releases a block; and freed blocks lose their
 * buffers (ext2fs_trans_forget).  Lookups thus do not recompute a
 * block's crc32c each time.
 *
 * Readdir cookies are byte offsets in the directory; a cookie that is
 * not the start of an entry resumes at the next entry.  The write path
 * (ext2fs_dir_write.c) keeps them meaningful while the directory
 * changes: an entry is added in the slack of a record or in a new last
 * block, a removed entry's space is merged into the record before it,
 * so an entry never moves to a lower offset and resuming never skips an
 * entry that stayed; only an htree leaf split moves entries (to a new
 * last block, so they may be seen twice, never missed).  Inline
 * directories (the parent inode number, then records in the rest of
 * i_block and in the "system.data" attribute) use the cookies the same
 * directory has once converted to a block: "." = 0, ".." = 12, and for
 * a record at offset OFF (>= 4) of i_block + system.data, OFF + 20 --
 * the conversion copies the records behind a 12-byte "." and ".." in
 * that order, so a cookie survives it.
 *
 * Also exports to the write path (ext2fs_write.h, "added by ext2-dir"):
 * ext2fs_dirent_namelen, ext2fs_dir_area, ext2fs_inline_dir_load.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

/* b_private marks of a checked directory buffer: see above. */
static const int ext2fs_dir_ok_leaf, ext2fs_dir_ok_dx;

#define EXT2_INLINE_DOTDOT_SIZE	4
/* Cookie of inline offset OFF: as in the block the directory becomes. */
#define EXT2_INLINE_COOKIE_BIAS						\
	(2 * EXT2_DIR_REC_LEN(2) - EXT2_INLINE_DOTDOT_SIZE)

uint32_t
ext2fs_rec_len(const struct ext2fs_mount *ump, e2le16_t v)
{
	uint32_t len = e2_le16(v);

	if (ump->um_bsize < 65536)
		return len;
	if (len == 65535 || len == 0)
		return 65536;
	return (len & 65532) | ((len & 3) << 16);
}

uint32_t
ext2fs_dirent_namelen(const struct ext2fs_mount *ump,
    const struct ext2_dirent *de)
{
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_FILETYPE))
		return de->name_len;
	return de->name_len | (uint32_t)de->file_type << 8;
}

/*
 * Check the chain of records in DATA[0, LEN): see the file comment.
 * WHERE names the block for the log line.
 */
static int
ext2fs_dirents_check(const struct ext2fs_node *np, const uint8_t *data,
    size_t len, uint64_t where)
{
	struct ext2fs_mount *ump = np->n_ump;
	const struct ext2_dirent *de;
	uint32_t reclen, namelen, ino;
	const char *why;
	size_t off = 0;

	while (off < len) {
		why = "record header past the end";
		if (len - off < sizeof(*de))
			goto bad;
		de = (const struct ext2_dirent *)(data + off);
		reclen = ext2fs_rec_len(ump, de->rec_len);
		namelen = ext2fs_dirent_namelen(ump, de);
		ino = e2_le32(de->inode);
		why = "rec_len too small or unaligned";
		if (reclen < EXT2_DIR_REC_LEN(1) || (reclen & 3) != 0)
			goto bad;
		why = "rec_len smaller than the name";
		if (reclen < EXT2_DIR_REC_LEN(namelen))
			goto bad;
		why = "rec_len past the end of the block";
		if (reclen > len - off)
			goto bad;
		if (ino != 0) {
			why = "inode number out of range";
			if (ino > ump->um_ninodes)
				goto bad;
			why = "bad name";
			if (namelen == 0 || namelen > EXT2_NAME_LEN ||
			    memchr(de->name, '/', namelen) != NULL ||
			    memchr(de->name, '\0', namelen) != NULL)
				goto bad;
		}
		off += reclen;
	}
	return 0;
bad:
	return ext2fs_corrupt(ump,
	    "directory inode %llu: block %llu offset %zu: %s",
	    (unsigned long long)np->n_ino, (unsigned long long)where, off, why);
}

/* Is the directory hashed (and may we treat it so)? */
static bool
ext2fs_dir_is_htree(const struct ext2fs_node *np)
{
	return (np->n_flags & EXT2_INDEX_FL) &&
	    EXT2_HAS_COMPAT(np->n_ump, EXT2F_COMPAT_DIR_INDEX);
}

/*
 * => *BPP is NULL for a hole (empty blocks; *HOLEP, if not NULL, says
 *    how many), else busy.
 * => *DXP: an htree index block (root or interior); its records are only
 *    "." and ".." (root) or none.
 */
int
ext2fs_dir_getblk(struct ext2fs_node *np, uint64_t lblk, struct buf **bpp,
    bool *dxp, uint64_t *holep)
{
	struct ext2fs_mount *ump = np->n_ump;
	const struct ext2_dirent *de;
	uint64_t pblk, run;
	const uint8_t *data;
	struct buf *bp;
	size_t len = ump->um_bsize;
	uint32_t count_offset = 0;
	const int *mark;
	bool dx = false;
	int error;

	*bpp = NULL;
	*dxp = false;
	if (holep != NULL)
		*holep = 0;
	if ((error = ext2fs_bmap(np, lblk, &pblk, &run)) != 0)
		return error;
	if (pblk == 0) {
		if (holep != NULL)
			*holep = run;
		if (ext2fs_dir_is_htree(np))
			return ext2fs_corrupt(ump,
			    "directory inode %llu: hole at block %llu of a "
			    "hashed directory", (unsigned long long)np->n_ino,
			    (unsigned long long)lblk);
		return 0;
	}
	if ((error = ext2fs_bread(ump, pblk, 0, "directory", np->n_ino,
	    &bp)) != 0)
		return error;
	data = bp->b_data;
	de = (const struct ext2_dirent *)data;
	if (ext2fs_dir_is_htree(np)) {
		if (lblk == 0) {
			dx = true;
			/* ".", "..", then dx_root_info */
			count_offset = 2 * EXT2_DIR_REC_LEN(2) +
			    ((const struct ext2_dx_root_info *)(data +
			    2 * EXT2_DIR_REC_LEN(2)))->info_length;
		} else if (e2_le32(de->inode) == 0 &&
		    ext2fs_rec_len(ump, de->rec_len) == ump->um_bsize) {
			dx = true;
			count_offset = sizeof(struct ext2_dirent);
		}
	}
	mark = dx ? &ext2fs_dir_ok_dx : &ext2fs_dir_ok_leaf;
	if (bp->b_private == mark)
		goto out_ok;
	if (ump->um_metadata_csum) {
		if (dx && !ext2fs_dx_csum_ok(np, data, count_offset)) {
			error = ext2fs_corrupt(ump,
			    "directory inode %llu: htree block %llu checksum "
			    "mismatch", (unsigned long long)np->n_ino,
			    (unsigned long long)lblk);
			goto out_brelse;
		}
		if (!dx) {
			if (!ext2fs_dirent_csum_ok(np, data)) {
				error = ext2fs_corrupt(ump,
				    "directory inode %llu: block %llu checksum "
				    "mismatch", (unsigned long long)np->n_ino,
				    (unsigned long long)lblk);
				goto out_brelse;
			}
			len -= sizeof(struct ext2_dirent_tail);
		}
	}
	if ((error = ext2fs_dirents_check(np, data, len, lblk)) != 0)
		goto out_brelse;
	bp->b_private = (void *)(uintptr_t)mark;
out_ok:
	*bpp = bp;
	*dxp = dx;
	return 0;

out_brelse:
	brelse(bp);
	return error;
}

/* Length of the record area of a block (without the checksum tail). */
size_t
ext2fs_dir_area(const struct ext2fs_node *np, bool dx)
{
	if (np->n_ump->um_metadata_csum && !dx)
		return np->n_ump->um_bsize - sizeof(struct ext2_dirent_tail);
	return np->n_ump->um_bsize;
}

bool
ext2fs_dir_search_block(const struct ext2fs_node *np, const uint8_t *data,
    size_t len, const char *name, size_t namelen, uint32_t *inop)
{
	const struct ext2_dirent *de;
	size_t off = 0;

	/* validated: the chain exactly covers [0, len) */
	while (off < len) {
		de = (const struct ext2_dirent *)(data + off);
		if (e2_le32(de->inode) != 0 &&
		    ext2fs_dirent_namelen(np->n_ump, de) == namelen &&
		    memcmp(de->name, name, namelen) == 0) {
			*inop = e2_le32(de->inode);
			return true;
		}
		off += ext2fs_rec_len(np->n_ump, de->rec_len);
	}
	return false;
}

static enum vtype
ext2fs_ft_vtype(uint8_t ft)
{
	static const enum vtype tab[EXT2_FT_MAX] = {
		[EXT2_FT_UNKNOWN] = VNON, [EXT2_FT_REG_FILE] = VREG,
		[EXT2_FT_DIR] = VDIR, [EXT2_FT_CHRDEV] = VCHR,
		[EXT2_FT_BLKDEV] = VBLK, [EXT2_FT_FIFO] = VFIFO,
		[EXT2_FT_SOCK] = VSOCK, [EXT2_FT_SYMLINK] = VLNK,
	};

	return ft < EXT2_FT_MAX ? tab[ft] : VNON;
}

static int
ext2fs_dirent_vtype(struct ext2fs_node *np, const struct ext2_dirent *de,
    enum vtype *vtp)
{
	uint32_t mode;
	int error;

	if (EXT2_HAS_INCOMPAT(np->n_ump, EXT2F_INCOMPAT_FILETYPE)) {
		*vtp = ext2fs_ft_vtype(de->file_type);
		return 0;
	}
	error = ext2fs_inode_mode(np->n_ump, e2_le32(de->inode), &mode);
	if (error == ENOENT || error == ESTALE)
		return ext2fs_corrupt(np->n_ump,
		    "directory inode %llu: entry for free inode %u",
		    (unsigned long long)np->n_ino, e2_le32(de->inode));
	if (error == 0)
		*vtp = ext2fs_mode_vtype(mode);
	return error;
}

/*
 * Enumerate the records of DATA[0, LEN) (validated) whose directory
 * offset is BASE + their offset, starting at the first record at or
 * after *COOKIE.  Returns 1 when FILL asked to stop.
 */
static int
ext2fs_dir_fill(struct ext2fs_node *np, const uint8_t *data, size_t len,
    uint64_t base, uint64_t *cookie, vfs_filldir_t fill, void *arg,
    int *stopp)
{
	const struct ext2_dirent *de;
	uint32_t reclen;
	size_t off = 0;
	enum vtype vt = VNON;
	int error;

	*stopp = 0;
	while (off < len) {
		de = (const struct ext2_dirent *)(data + off);
		reclen = ext2fs_rec_len(np->n_ump, de->rec_len);
		if (base + off >= *cookie && e2_le32(de->inode) != 0) {
			if ((error = ext2fs_dirent_vtype(np, de, &vt)) != 0)
				return error;
			if (fill(arg, de->name, ext2fs_dirent_namelen(np->n_ump,
			    de), e2_le32(de->inode), vt,
			    base + off + reclen) != 0) {
				*cookie = base + off;
				*stopp = 1;
				return 0;
			}
		}
		off += reclen;
		if (base + off > *cookie)
			*cookie = base + off;
	}
	return 0;
}

/* ---- inline directories ---- */

int
ext2fs_inline_dir_load(struct ext2fs_node *np, uint8_t **bufp, size_t *lenp)
{
	int error;

	if ((error = ext2fs_inline_get(np, bufp, lenp)) != 0)
		return error;
	error = ext2fs_dirents_check(np, *bufp + EXT2_INLINE_DOTDOT_SIZE,
	    EXT2_IBLOCK_BYTES - EXT2_INLINE_DOTDOT_SIZE, 0);
	if (error == 0 && *lenp > EXT2_IBLOCK_BYTES)
		error = ext2fs_dirents_check(np, *bufp + EXT2_IBLOCK_BYTES,
		    *lenp - EXT2_IBLOCK_BYTES, 1);
	if (error == 0 && e2_ld32(*bufp) > np->n_ump->um_ninodes)
		error = ext2fs_corrupt(np->n_ump,
		    "directory inode %llu: bad inline parent %u",
		    (unsigned long long)np->n_ino, e2_ld32(*bufp));
	if (error) {
		kmem_free(*bufp, *lenp);
		*bufp = NULL;
	}
	return error;
}

static int
ext2fs_inline_readdir(struct ext2fs_node *np, uint64_t *cookie,
    vfs_filldir_t fill, void *arg)
{
	uint8_t *buf;
	size_t len;
	int error, stop;

	if ((error = ext2fs_inline_dir_load(np, &buf, &len)) != 0)
		return error;
	if (*cookie == 0) {
		if (fill(arg, ".", 1, np->n_ino, VDIR,
		    EXT2_DIR_REC_LEN(1)) != 0)
			goto out;
		*cookie = EXT2_DIR_REC_LEN(1);
	}
	if (*cookie <= EXT2_DIR_REC_LEN(1)) {
		if (fill(arg, "..", 2, e2_ld32(buf), VDIR,
		    2 * EXT2_DIR_REC_LEN(2)) != 0)
			goto out;
		*cookie = 2 * EXT2_DIR_REC_LEN(2);
	}
	error = ext2fs_dir_fill(np, buf + EXT2_INLINE_DOTDOT_SIZE,
	    EXT2_IBLOCK_BYTES - EXT2_INLINE_DOTDOT_SIZE,
	    EXT2_INLINE_DOTDOT_SIZE + EXT2_INLINE_COOKIE_BIAS, cookie, fill,
	    arg, &stop);
	if (error || stop)
		goto out;
	if (len > EXT2_IBLOCK_BYTES)
		error = ext2fs_dir_fill(np, buf + EXT2_IBLOCK_BYTES,
		    len - EXT2_IBLOCK_BYTES,
		    EXT2_IBLOCK_BYTES + EXT2_INLINE_COOKIE_BIAS, cookie, fill,
		    arg, &stop);
	if (error == 0 && !stop && *cookie < len + EXT2_INLINE_COOKIE_BIAS)
		*cookie = len + EXT2_INLINE_COOKIE_BIAS;
out:
	kmem_free(buf, len);
	return error;
}

static int
ext2fs_inline_lookup(struct ext2fs_node *np, const char *name, size_t len,
    uint32_t *inop)
{
	uint8_t *buf;
	size_t buflen;
	int error;

	if ((error = ext2fs_inline_dir_load(np, &buf, &buflen)) != 0)
		return error;
	error = ENOENT;
	if (genfs_name_is_dotdot(name, len)) {
		*inop = e2_ld32(buf);
		error = 0;
	} else if (ext2fs_dir_search_block(np, buf + EXT2_INLINE_DOTDOT_SIZE,
	    EXT2_IBLOCK_BYTES - EXT2_INLINE_DOTDOT_SIZE, name, len, inop) ||
	    (buflen > EXT2_IBLOCK_BYTES && ext2fs_dir_search_block(np,
	    buf + EXT2_IBLOCK_BYTES, buflen - EXT2_IBLOCK_BYTES, name, len,
	    inop)))
		error = 0;
	kmem_free(buf, buflen);
	return error;
}

/* ---- block directories ---- */

static int
ext2fs_dir_checksize(struct ext2fs_node *np)
{
	if (np->n_size == 0 || (np->n_size & (np->n_ump->um_bsize - 1)) != 0)
		return ext2fs_corrupt(np->n_ump,
		    "directory inode %llu: bad size %llu",
		    (unsigned long long)np->n_ino,
		    (unsigned long long)np->n_size);
	return 0;
}

int
ext2fs_dir_readdir(struct ext2fs_node *np, uint64_t *cookie,
    vfs_filldir_t fill, void *arg)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t lblk, hole;
	struct buf *bp;
	int error, stop;
	bool dx;

	if (np->n_flags & EXT2_INLINE_DATA_FL)
		return ext2fs_inline_readdir(np, cookie, fill, arg);
	if ((error = ext2fs_dir_checksize(np)) != 0)
		return error;
	while (*cookie < np->n_size) {
		lblk = *cookie >> ump->um_bshift;
		if ((error = ext2fs_dir_getblk(np, lblk, &bp, &dx,
		    &hole)) != 0)
			return error;
		if (bp == NULL) {
			*cookie = MIN((lblk + hole) << ump->um_bshift,
			    np->n_size);
			continue;
		}
		error = ext2fs_dir_fill(np, bp->b_data, ext2fs_dir_area(np, dx),
		    lblk << ump->um_bshift, cookie, fill, arg, &stop);
		brelse(bp);
		if (error || stop)
			return error;
		*cookie = (lblk + 1) << ump->um_bshift;
	}
	return 0;
}

int
ext2fs_dir_lookup(struct ext2fs_node *np, const char *name, size_t len,
    uint32_t *inop)
{
	uint64_t lblk, nblks, hole;
	struct buf *bp;
	bool dx, found;
	int error;

	if (np->n_flags & EXT2_INLINE_DATA_FL)
		return ext2fs_inline_lookup(np, name, len, inop);
	if ((error = ext2fs_dir_checksize(np)) != 0)
		return error;
	nblks = np->n_size >> np->n_ump->um_bshift;
	if (genfs_name_is_dot(name, len) || genfs_name_is_dotdot(name, len))
		nblks = 1;	/* always in the first block, never hashed */
	else if (ext2fs_dir_is_htree(np)) {
		error = ext2fs_htree_lookup(np, name, len, inop);
		if (error != EAGAIN)
			return error;
	}
	for (lblk = 0; lblk < nblks; lblk++) {
		if ((error = ext2fs_dir_getblk(np, lblk, &bp, &dx,
		    &hole)) != 0)
			return error;
		if (bp == NULL) {
			lblk += hole - 1;	/* hole >= 1 */
			continue;
		}
		found = ext2fs_dir_search_block(np, bp->b_data,
		    ext2fs_dir_area(np, dx), name, len, inop);
		brelse(bp);
		if (found)
			return 0;
	}
	return ENOENT;
}
