/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_dir.c -- directory contents: lookup, enumeration, adding,
 * removing and re-pointing entries, emptiness, new directories.
 *
 * A directory is a file of FFS_DIRBLKSIZ (512-byte) chunks; entries
 * never cross a chunk and the last entry of a chunk reaches its end.
 * Every chunk is validated before anything in it is used: record
 * lengths (multiples of 4, at least the entry's size, inside the
 * chunk), name lengths, names (no NUL or '/', NUL-terminated), inode
 * numbers inside the filesystem; a directory's size must be a multiple
 * of the chunk size and a directory has no holes.  A buffer whose
 * chunks were validated is marked (b_private = &ffs_dir_valid); only
 * this file writes directory buffers and it keeps them valid, and freed
 * blocks lose their buffers, so the mark stays true.
 *
 * Adding an entry takes the first chunk with room: free space inside
 * one entry's record is split off; if the room is there only in total,
 * the chunk is compacted first (live entries moved to its front); if no
 * chunk has room, a chunk is appended, growing the last fragment or
 * adding a block.  Removing an entry gives its space to the entry
 * before it (or, first in its chunk, clears its inode number); empty
 * chunks at the end are then cut off.
 *
 * Enumeration cookies are byte offsets of entries.
 *
 * Exports ffs_dir_lookup, ffs_dir_readdir, ffs_dir_enter, ffs_dir_remove,
 * ffs_dir_rewrite, ffs_dir_isempty, ffs_dir_init, ffs_dir_dotdot.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

static const int ffs_dir_valid;

static uint32_t
ffs_de_namlen(const struct ffs_mount *ump, const struct ffs_direct *ep)
{
	uint16_t v;

	if (!ump->um_olddir)
		return ep->d_namlen;
	memcpy(&v, &ep->d_type, sizeof(v));
	return FFS_RD16(ump, v);
}

static uint8_t
ffs_de_type(const struct ffs_mount *ump, const struct ffs_direct *ep)
{
	return ump->um_olddir ? FFS_DT_UNKNOWN : ep->d_type;
}

static enum vtype
ffs_dtype_vtype(uint8_t t)
{
	switch (t) {
	case FFS_DT_FIFO:
		return VFIFO;
	case FFS_DT_CHR:
		return VCHR;
	case FFS_DT_DIR:
		return VDIR;
	case FFS_DT_BLK:
		return VBLK;
	case FFS_DT_REG:
		return VREG;
	case FFS_DT_LNK:
		return VLNK;
	case FFS_DT_SOCK:
		return VSOCK;
	default:
		return VNON;
	}
}

/* Validate the chunk at CHUNK, at directory offset OFF of DP. */
static int
ffs_dirchunk_check(struct ffs_inode *dp, const uint8_t *chunk, uint64_t off)
{
	struct ffs_mount *ump = dp->i_ump;
	const struct ffs_direct *ep;
	uint32_t pos = 0, reclen, namlen, ino, i;
	const char *why;

	while (pos < FFS_DIRBLKSIZ) {
		ep = (const struct ffs_direct *)(chunk + pos);
		reclen = FFS_RD16(ump, ep->d_reclen);
		namlen = ffs_de_namlen(ump, ep);
		ino = FFS_RD32(ump, ep->d_ino);
		why = "record length";
		if (FFS_DIRBLKSIZ - pos < FFS_DIRHDR || reclen == 0 ||
		    (reclen & 3) != 0 || reclen > FFS_DIRBLKSIZ - pos)
			goto bad;
		why = "name length";
		if (namlen > FFS_MAXNAMLEN || reclen < FFS_DIRSIZ(namlen))
			goto bad;
		if (ino != 0) {
			why = "inode number";
			if (ino >= ump->um_ninodes)
				goto bad;
			why = "name";
			if (namlen == 0 || ep->d_name[namlen] != '\0')
				goto bad;
			for (i = 0; i < namlen; i++)
				if (ep->d_name[i] == '\0' ||
				    ep->d_name[i] == '/')
					goto bad;
		}
		pos += reclen;
	}
	return 0;
bad:
	return ffs_corrupt(ump, "directory inode %llu: bad %s in entry at "
	    "offset %llu", (unsigned long long)dp->i_number, why,
	    (unsigned long long)(off + pos));
}

/* Directory blocks of DP, and the directory bytes in block LBN. */
static int64_t
ffs_dir_nblocks(const struct ffs_inode *dp)
{
	return (int64_t)howmany(dp->i_size, dp->i_ump->um_bsize);
}

static uint32_t
ffs_dir_blklen(const struct ffs_inode *dp, int64_t lbn)
{
	uint64_t base = (uint64_t)lbn << dp->i_ump->um_bshift;

	return (uint32_t)MIN((uint64_t)dp->i_ump->um_bsize, dp->i_size - base);
}

/* Read directory block LBN of DP, every chunk validated. */
static int
ffs_dir_bread(struct ffs_inode *dp, int64_t lbn, struct buf **bpp)
{
	struct ffs_mount *ump = dp->i_ump;
	uint64_t base = (uint64_t)lbn << ump->um_bshift;
	uint32_t len, c;
	struct buf *bp;
	int64_t bn;
	int error;

	*bpp = NULL;
	if ((dp->i_size & (FFS_DIRBLKSIZ - 1)) != 0)
		return ffs_corrupt(ump, "directory inode %llu: size %llu is "
		    "not a multiple of %u", (unsigned long long)dp->i_number,
		    (unsigned long long)dp->i_size, FFS_DIRBLKSIZ);
	if ((error = ffs_bmap(dp, lbn, &bn, NULL)) != 0)
		return error;
	if (bn == 0)
		return ffs_corrupt(ump, "directory inode %llu: hole at block "
		    "%lld", (unsigned long long)dp->i_number, (long long)lbn);
	if ((error = ffs_bread(ump, bn, ffs_blksize(ump, dp, lbn), "directory",
	    dp->i_number, &bp)) != 0)
		return error;
	if (bp->b_private != &ffs_dir_valid) {
		len = ffs_dir_blklen(dp, lbn);
		for (c = 0; c < len; c += FFS_DIRBLKSIZ) {
			if ((error = ffs_dirchunk_check(dp,
			    (uint8_t *)bp->b_data + c, base + c)) != 0) {
				brelse(bp);
				return error;
			}
		}
		/* the mark covers the whole allocated block only */
		if (len == bp->b_bcount)
			bp->b_private = (void *)&ffs_dir_valid;
	}
	*bpp = bp;
	return 0;
}

static struct ffs_direct *
ffs_de_at(struct buf *bp, uint32_t off)
{
	return (struct ffs_direct *)((uint8_t *)bp->b_data + off);
}

int
ffs_dir_lookup(struct ffs_inode *dp, const char *name, size_t len,
    struct ffs_dirpos *pos)
{
	struct ffs_mount *ump = dp->i_ump;
	uint32_t blen, c, e, prev, reclen;
	const struct ffs_direct *ep;
	int64_t lbn, nblk = ffs_dir_nblocks(dp);
	uint64_t base;
	struct buf *bp;
	int error;

	for (lbn = 0; lbn < nblk; lbn++) {
		if ((error = ffs_dir_bread(dp, lbn, &bp)) != 0)
			return error;
		base = (uint64_t)lbn << ump->um_bshift;
		blen = ffs_dir_blklen(dp, lbn);
		for (c = 0; c < blen; c += FFS_DIRBLKSIZ) {
			for (e = prev = c; e < c + FFS_DIRBLKSIZ; e += reclen) {
				ep = ffs_de_at(bp, e);
				reclen = FFS_RD16(ump, ep->d_reclen);
				if (ep->d_ino != 0 &&
				    ffs_de_namlen(ump, ep) == len &&
				    memcmp(ep->d_name, name, len) == 0 &&
				    ffs_de_type(ump, ep) != FFS_DT_WHT) {
					pos->dp_off = base + e;
					pos->dp_prevoff = base + prev;
					pos->dp_ino = FFS_RD32(ump, ep->d_ino);
					pos->dp_type = ffs_de_type(ump, ep);
					brelse(bp);
					return 0;
				}
				prev = e;
			}
		}
		brelse(bp);
	}
	return ENOENT;
}

/* The type of the file at INO, read from its inode. */
static enum vtype
ffs_dir_type_from_inode(struct ffs_mount *ump, ino64_t ino)
{
	struct ffs_inode *ip;
	enum vtype vt;

	if (ffs_inode_load(ump, ino, &ip) != 0)
		return VNON;
	vt = ffs_mode_vtype(ip->i_mode);
	ffs_inode_free(ip);
	return vt;
}

int
ffs_dir_readdir(struct ffs_inode *dp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	struct ffs_mount *ump = dp->i_ump;
	uint64_t off = *cookie, base, here, next;
	uint32_t blen, c, e, reclen, ino;
	const struct ffs_direct *ep;
	int64_t lbn, nblk = ffs_dir_nblocks(dp);
	enum vtype vt;
	struct buf *bp;
	int error;

	if (off >= dp->i_size)
		return 0;
	for (lbn = ffs_lblkno(ump, off); lbn < nblk; lbn++) {
		if ((error = ffs_dir_bread(dp, lbn, &bp)) != 0)
			return error;
		base = (uint64_t)lbn << ump->um_bshift;
		blen = ffs_dir_blklen(dp, lbn);
		c = 0;
		if (off > base)
			c = (uint32_t)(off - base) & ~(FFS_DIRBLKSIZ - 1);
		for (; c < blen; c += FFS_DIRBLKSIZ) {
			for (e = c; e < c + FFS_DIRBLKSIZ; e += reclen) {
				ep = ffs_de_at(bp, e);
				reclen = FFS_RD16(ump, ep->d_reclen);
				here = base + e;
				next = here + reclen;
				if (here < off)
					continue;
				ino = FFS_RD32(ump, ep->d_ino);
				if (ino == 0 ||
				    ffs_de_type(ump, ep) == FFS_DT_WHT) {
					*cookie = next;
					continue;
				}
				vt = ffs_dtype_vtype(ffs_de_type(ump, ep));
				if (vt == VNON)
					vt = ffs_dir_type_from_inode(ump, ino);
				if (fill(arg, ep->d_name,
				    ffs_de_namlen(ump, ep), ino, vt,
				    next) != 0) {
					*cookie = here;
					brelse(bp);
					return 0;
				}
				*cookie = next;
			}
		}
		brelse(bp);
	}
	return 0;
}

/* Write an entry at EP. */
static void
ffs_de_fill(struct ffs_mount *ump, struct ffs_direct *ep, ino64_t ino,
    uint32_t reclen, uint32_t mode, const char *name, size_t len)
{
	FFS_WR32(ump, ep->d_ino, (uint32_t)ino);
	FFS_WR16(ump, ep->d_reclen, reclen);
	ep->d_type = ffs_mode_dtype(mode);
	ep->d_namlen = (uint8_t)len;
	memcpy(ep->d_name, name, len);
	memset(ep->d_name + len, 0, FFS_DIRSIZ(len) - FFS_DIRHDR - len);
}

/*
 * Move the live entries of the chunk at C of BP to its front, the last
 * one taking the rest of the chunk.  Returns the offset of that last
 * entry.
 */
static uint32_t
ffs_dirchunk_compact(struct ffs_mount *ump, struct buf *bp, uint32_t c)
{
	uint32_t e, reclen, size, to = c, last = c;
	struct ffs_direct *ep;

	for (e = c; e < c + FFS_DIRBLKSIZ; e += reclen) {
		ep = ffs_de_at(bp, e);
		reclen = FFS_RD16(ump, ep->d_reclen);
		if (ep->d_ino == 0)
			continue;
		size = FFS_DIRSIZ(ffs_de_namlen(ump, ep));
		if (to != e)
			memmove(ffs_de_at(bp, to), ep, size);
		FFS_WR16(ump, ffs_de_at(bp, to)->d_reclen, size);
		last = to;
		to += size;
	}
	ep = ffs_de_at(bp, last);
	FFS_WR16(ump, ep->d_reclen, c + FFS_DIRBLKSIZ - last);
	return last;
}

/*
 * Put NAME into the chunk at C of BP if it has room.  => true if done.
 */
static bool
ffs_dirchunk_enter(struct ffs_mount *ump, struct buf *bp, uint32_t c,
    const char *name, size_t len, ino64_t ino, uint32_t mode)
{
	uint32_t need = FFS_DIRSIZ(len), e, reclen, used, total = 0;
	struct ffs_direct *ep;

	for (e = c; e < c + FFS_DIRBLKSIZ; e += reclen) {
		ep = ffs_de_at(bp, e);
		reclen = FFS_RD16(ump, ep->d_reclen);
		used = ep->d_ino != 0 ? FFS_DIRSIZ(ffs_de_namlen(ump, ep)) : 0;
		if (reclen - used >= need)
			goto found;
		total += reclen - used;
	}
	if (total < need)
		return false;
	e = ffs_dirchunk_compact(ump, bp, c);
	ep = ffs_de_at(bp, e);
	reclen = FFS_RD16(ump, ep->d_reclen);
	used = ep->d_ino != 0 ? FFS_DIRSIZ(ffs_de_namlen(ump, ep)) : 0;
	KASSERT(reclen - used >= need);
found:
	if (used == 0) {
		ffs_de_fill(ump, ep, ino, reclen, mode, name, len);
		return true;
	}
	FFS_WR16(ump, ep->d_reclen, used);
	ffs_de_fill(ump, ffs_de_at(bp, e + used), ino, reclen - used, mode,
	    name, len);
	return true;
}

int
ffs_dir_enter(struct ffs_inode *dp, const char *name, size_t len,
    ino64_t ino, uint32_t mode)
{
	struct ffs_mount *ump = dp->i_ump;
	int64_t lbn, nblk = ffs_dir_nblocks(dp);
	uint64_t off;
	uint32_t blen, c, boff;
	struct buf *bp;
	int error;

	KASSERT(len > 0 && len <= FFS_MAXNAMLEN && !ump->um_olddir);
	for (lbn = 0; lbn < nblk; lbn++) {
		if ((error = ffs_dir_bread(dp, lbn, &bp)) != 0)
			return error;
		blen = ffs_dir_blklen(dp, lbn);
		for (c = 0; c < blen; c += FFS_DIRBLKSIZ) {
			if (ffs_dirchunk_enter(ump, bp, c, name, len, ino,
			    mode)) {
				bdwrite(bp);
				return 0;
			}
		}
		brelse(bp);
	}

	/* No room: a new chunk at the end. */
	off = dp->i_size;
	if (off + FFS_DIRBLKSIZ > ump->um_maxfilesize)
		return EFBIG;
	lbn = ffs_lblkno(ump, off);
	boff = ffs_blkoff(ump, off);
	if ((error = ffs_balloc(dp, lbn, boff + FFS_DIRBLKSIZ,
	    off + FFS_DIRBLKSIZ, &bp)) != 0)
		return error;
	ffs_de_fill(ump, ffs_de_at(bp, boff), ino, FFS_DIRBLKSIZ, mode, name,
	    len);
	bp->b_private = NULL;	/* validate again, whole */
	dp->i_size = off + FFS_DIRBLKSIZ;
	bdwrite(bp);
	return 0;
}

/* Cut empty chunks off the end of DP (never the first). */
static int
ffs_dir_shrink(struct ffs_inode *dp)
{
	struct ffs_mount *ump = dp->i_ump;
	uint64_t size = dp->i_size, off;
	const struct ffs_direct *ep;
	struct buf *bp;
	int64_t lbn;
	int error;

	while (size > FFS_DIRBLKSIZ) {
		off = size - FFS_DIRBLKSIZ;
		lbn = ffs_lblkno(ump, off);
		if ((error = ffs_dir_bread(dp, lbn, &bp)) != 0)
			return error;
		ep = ffs_de_at(bp, ffs_blkoff(ump, off));
		if (ep->d_ino != 0 ||
		    FFS_RD16(ump, ep->d_reclen) != FFS_DIRBLKSIZ) {
			brelse(bp);
			break;
		}
		brelse(bp);
		size = off;
	}
	if (size == dp->i_size)
		return 0;
	return ffs_truncate(dp, size);
}

int
ffs_dir_remove(struct ffs_inode *dp, const struct ffs_dirpos *pos)
{
	struct ffs_mount *ump = dp->i_ump;
	int64_t lbn = ffs_lblkno(ump, pos->dp_off);
	uint64_t base = (uint64_t)lbn << ump->um_bshift;
	uint32_t e = (uint32_t)(pos->dp_off - base);
	uint32_t p = (uint32_t)(pos->dp_prevoff - base);
	struct ffs_direct *ep, *pep;
	struct buf *bp;
	int error;

	KASSERT(ffs_lblkno(ump, pos->dp_prevoff) == lbn);
	if ((error = ffs_dir_bread(dp, lbn, &bp)) != 0)
		return error;
	ep = ffs_de_at(bp, e);
	pep = ffs_de_at(bp, p);
	if (FFS_RD32(ump, ep->d_ino) != pos->dp_ino ||
	    (p != e && p + FFS_RD16(ump, pep->d_reclen) != e)) {
		brelse(bp);
		return ffs_corrupt(ump, "directory inode %llu changed under "
		    "a remove at offset %llu", (unsigned long long)dp->i_number,
		    (unsigned long long)pos->dp_off);
	}
	if (p == e)
		ep->d_ino = 0;
	else
		FFS_WR16(ump, pep->d_reclen, FFS_RD16(ump, pep->d_reclen) +
		    FFS_RD16(ump, ep->d_reclen));
	bdwrite(bp);
	if (pos->dp_off + FFS_DIRBLKSIZ >= dp->i_size)
		return ffs_dir_shrink(dp);
	return 0;
}

int
ffs_dir_rewrite(struct ffs_inode *dp, const struct ffs_dirpos *pos,
    ino64_t ino, uint32_t mode)
{
	struct ffs_mount *ump = dp->i_ump;
	int64_t lbn = ffs_lblkno(ump, pos->dp_off);
	struct ffs_direct *ep;
	struct buf *bp;
	int error;

	if ((error = ffs_dir_bread(dp, lbn, &bp)) != 0)
		return error;
	ep = ffs_de_at(bp, ffs_blkoff(ump, pos->dp_off));
	if (FFS_RD32(ump, ep->d_ino) != pos->dp_ino) {
		brelse(bp);
		return ffs_corrupt(ump, "directory inode %llu changed under "
		    "a rename at offset %llu", (unsigned long long)dp->i_number,
		    (unsigned long long)pos->dp_off);
	}
	FFS_WR32(ump, ep->d_ino, (uint32_t)ino);
	if (!ump->um_olddir)
		ep->d_type = ffs_mode_dtype(mode);
	bdwrite(bp);
	return 0;
}

int
ffs_dir_isempty(struct ffs_inode *dp, bool *emptyp)
{
	struct ffs_mount *ump = dp->i_ump;
	uint32_t blen, e, reclen, namlen;
	const struct ffs_direct *ep;
	int64_t lbn, nblk = ffs_dir_nblocks(dp);
	struct buf *bp;
	int error;

	*emptyp = true;
	for (lbn = 0; lbn < nblk && *emptyp; lbn++) {
		if ((error = ffs_dir_bread(dp, lbn, &bp)) != 0)
			return error;
		blen = ffs_dir_blklen(dp, lbn);
		for (e = 0; e < blen; e += reclen) {
			ep = ffs_de_at(bp, e);
			reclen = FFS_RD16(ump, ep->d_reclen);
			if (ep->d_ino == 0 ||
			    ffs_de_type(ump, ep) == FFS_DT_WHT)
				continue;
			namlen = ffs_de_namlen(ump, ep);
			if ((namlen == 1 && ep->d_name[0] == '.') ||
			    (namlen == 2 && ep->d_name[0] == '.' &&
			    ep->d_name[1] == '.'))
				continue;
			*emptyp = false;
			break;
		}
		brelse(bp);
	}
	return 0;
}

int
ffs_dir_init(struct ffs_inode *ip, ino64_t pino)
{
	struct ffs_mount *ump = ip->i_ump;
	struct buf *bp;
	uint32_t dsize = FFS_DIRSIZ(1);
	int error;

	KASSERT(ip->i_size == 0);
	if ((error = ffs_balloc(ip, 0, FFS_DIRBLKSIZ, FFS_DIRBLKSIZ, &bp)) != 0)
		return error;
	ffs_de_fill(ump, ffs_de_at(bp, 0), ip->i_number, dsize, FFS_IFDIR,
	    ".", 1);
	ffs_de_fill(ump, ffs_de_at(bp, dsize), pino, FFS_DIRBLKSIZ - dsize,
	    FFS_IFDIR, "..", 2);
	bp->b_private = NULL;
	ip->i_size = FFS_DIRBLKSIZ;
	bdwrite(bp);
	return 0;
}

int
ffs_dir_dotdot(struct ffs_inode *dp, struct ffs_dirpos *pos)
{
	struct ffs_mount *ump = dp->i_ump;
	const struct ffs_direct *ep;
	uint32_t reclen;
	struct buf *bp;
	int error;

	if (dp->i_size < FFS_DIRBLKSIZ)
		return ffs_corrupt(ump, "directory inode %llu: empty",
		    (unsigned long long)dp->i_number);
	if ((error = ffs_dir_bread(dp, 0, &bp)) != 0)
		return error;
	ep = ffs_de_at(bp, 0);
	reclen = FFS_RD16(ump, ep->d_reclen);
	if (ffs_de_namlen(ump, ep) != 1 || ep->d_name[0] != '.' ||
	    reclen >= FFS_DIRBLKSIZ)
		goto bad;
	ep = ffs_de_at(bp, reclen);
	if (ffs_de_namlen(ump, ep) != 2 || ep->d_name[0] != '.' ||
	    ep->d_name[1] != '.' || ep->d_ino == 0)
		goto bad;
	pos->dp_off = reclen;
	pos->dp_prevoff = 0;
	pos->dp_ino = FFS_RD32(ump, ep->d_ino);
	pos->dp_type = ffs_de_type(ump, ep);
	brelse(bp);
	return 0;
bad:
	brelse(bp);
	return ffs_corrupt(ump, "directory inode %llu: no \".\" and \"..\" "
	    "at its start", (unsigned long long)dp->i_number);
}
