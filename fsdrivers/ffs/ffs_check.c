/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_check.c -- a read-only consistency checker for FFS, in the manner
 * of fsck_ffs -n, run over a (read-only) mount of the driver: it reads
 * through the same superblock validation, inode decoding, block mapping
 * and buffer cache, and changes nothing.
 *
 *   Pass 1  every allocated inode: type, size, link count, its blocks
 *           and fragments (range, no duplicates, none past the size,
 *           the fragment tail exactly as big as the size needs) and
 *           di_blocks against what it holds.
 *   Pass 2  every directory: every chunk and entry valid, "." and ".."
 *           first, entries naming allocated inodes of the type d_type
 *           says; references counted.
 *   Pass 3  every directory reachable from the root, ".." naming the
 *           directory that holds its name, no directory named twice.
 *   Pass 4  link counts against the references found; unreferenced
 *           inodes.
 *   Pass 5  each group's inode and fragment maps, its counts (cs_*),
 *           free fragment runs (cg_frsum), cluster map and sums, against
 *           what passes 1-4 found; the summary area and the superblock
 *           totals against the groups.
 *
 * Each problem is one line given to REPORT, counted in *NPROBLEMSP; a
 * category stops being itemised after FFS_CK_MAXLINES lines.  With
 * VFS_FSCK_VERBOSE the passes are announced and a summary is given.
 *
 * Exports ffs_check.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/check.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

#define FFS_CK_MAXLINES	50

/* Inode states. */
#define CK_FREE		0
#define CK_FILE		1
#define CK_DIR		2
#define CK_BAD		3	/* allocated, but not to be looked into */

struct ck_ino {
	uint8_t		ci_state;
	uint8_t		ci_dtype;	/* d_type its entries should say */
	int16_t		ci_nlink;	/* on disk */
	uint32_t	ci_found;	/* references found */
	uint32_t	ci_parent;	/* dirs: the one holding its name */
	uint32_t	ci_dotdot;	/* dirs: what its ".." says */
};

enum ck_cat {
	CAT_SB, CAT_INODE, CAT_BLOCK, CAT_DUP, CAT_DIR, CAT_CONN, CAT_LINK,
	CAT_CG, CAT_NCAT
};

struct ck {
	struct ffs_mount *ck_ump;
	void		(*ck_report)(void *arg, const char *line);
	void		*ck_arg;
	int		ck_flags;
	unsigned	ck_problems;
	unsigned	ck_lines[CAT_NCAT];
	uint8_t		*ck_used;	/* fragment bitmap: in use */
	size_t		ck_usedlen;
	struct ck_ino	*ck_ino;
	uint64_t	ck_nfiles, ck_ndirs, ck_nfrags;
	/* the inode being walked in pass 1 */
	uint64_t	ck_cur;
	uint64_t	ck_held;	/* fragments it holds */
	bool		ck_curbad;
};

static void __printflike(3, 4)
ck_problem(struct ck *ck, enum ck_cat cat, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	ck->ck_problems++;
	if (ck->ck_lines[cat]++ == FFS_CK_MAXLINES) {
		ck->ck_report(ck->ck_arg, "  (more problems of this kind "
		    "not listed)");
		return;
	}
	if (ck->ck_lines[cat] > FFS_CK_MAXLINES)
		return;
	va_start(ap, fmt);
	(void)kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ck->ck_report(ck->ck_arg, line);
}

static void __printflike(2, 3)
ck_say(struct ck *ck, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	(void)kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ck->ck_report(ck->ck_arg, line);
}

static bool
ck_isused(const struct ck *ck, int64_t f)
{
	return ((ck->ck_used[f >> 3] >> (f & 7)) & 1) != 0;
}

static void
ck_setused(struct ck *ck, int64_t f)
{
	ck->ck_used[f >> 3] |= (uint8_t)(1u << (f & 7));
}

/* ---- pass 1 ---- */

/* Claim N fragments at BN for the current inode (WHAT for messages). */
static bool
ck_claim(struct ck *ck, int64_t bn, uint32_t n, const char *what)
{
	struct ffs_mount *ump = ck->ck_ump;
	uint32_t i;

	if (!ffs_chkrange(ump, bn, n)) {
		ck_problem(ck, CAT_BLOCK, "inode %llu: bad %s address %lld "
		    "(%u fragments)", (unsigned long long)ck->ck_cur, what,
		    (long long)bn, n);
		ck->ck_curbad = true;
		return false;
	}
	for (i = 0; i < n; i++) {
		if (ck_isused(ck, bn + i))
			ck_problem(ck, CAT_DUP, "inode %llu: fragment %lld "
			    "(%s) is claimed twice",
			    (unsigned long long)ck->ck_cur,
			    (long long)(bn + i), what);
		else
			ck_setused(ck, bn + i);
	}
	ck->ck_held += n;
	return true;
}

/*
 * Walk the indirect block BN at LEVEL (0 maps data), which covers the
 * logical blocks from FIRST on; NBLK is the file's block count.
 */
static void
ck_indir(struct ck *ck, int64_t bn, int level, int64_t first, int64_t nblk)
{
	struct ffs_mount *ump = ck->ck_ump;
	int64_t span = (int64_t)1 << (ump->um_nindirshift * (uint32_t)level);
	int64_t nb, lbn;
	struct buf *bp;
	uint32_t i;

	if (!ck_claim(ck, bn, ump->um_frag, "indirect block"))
		return;
	if (bread(ump->um_dev, FFS_FSBTODB(ump, bn), ump->um_bsize, &bp) != 0) {
		ck_problem(ck, CAT_BLOCK, "inode %llu: cannot read indirect "
		    "block %lld", (unsigned long long)ck->ck_cur,
		    (long long)bn);
		ck->ck_curbad = true;
		return;
	}
	for (i = 0; i < ump->um_nindir; i++) {
		if ((nb = ffs_indir_get(ump, bp->b_data, i)) == 0)
			continue;
		lbn = first + (int64_t)i * span;
		if (lbn >= nblk) {
			ck_problem(ck, CAT_BLOCK, "inode %llu: block %lld past "
			    "the end of the file (indirect block %lld entry "
			    "%u)", (unsigned long long)ck->ck_cur,
			    (long long)lbn, (long long)bn, i);
			continue;
		}
		if (level == 0)
			(void)ck_claim(ck, nb, ump->um_frag, "data block");
		else
			ck_indir(ck, nb, level - 1, lbn, nblk);
	}
	brelse(bp);
}

/* The blocks of a regular file, directory or long symlink IP. */
static void
ck_blocks(struct ck *ck, struct ffs_inode *ip)
{
	struct ffs_mount *ump = ck->ck_ump;
	int64_t nblk = (int64_t)howmany(ip->i_size, ump->um_bsize);
	int64_t first = FFS_NDADDR, total;
	uint32_t n;
	int64_t lbn;
	int level;

	for (lbn = 0; lbn < FFS_NDADDR; lbn++) {
		if (ip->i_db[lbn] == 0)
			continue;
		if (lbn >= nblk) {
			ck_problem(ck, CAT_BLOCK, "inode %llu: direct block "
			    "%lld past the end of the file (size %llu)",
			    (unsigned long long)ck->ck_cur, (long long)lbn,
			    (unsigned long long)ip->i_size);
			continue;
		}
		n = ffs_numfrags(ump, ffs_sblksize(ump, ip->i_size, lbn));
		(void)ck_claim(ck, ip->i_db[lbn], n, "data block");
	}
	for (level = 0; level < FFS_NIADDR; level++) {
		total = (int64_t)1 << (ump->um_nindirshift *
		    (uint32_t)(level + 1));
		if (ip->i_ib[level] != 0) {
			if (first >= nblk)
				ck_problem(ck, CAT_BLOCK, "inode %llu: "
				    "indirect tree %d past the end of the file",
				    (unsigned long long)ck->ck_cur, level);
			else
				ck_indir(ck, ip->i_ib[level], level, first,
				    nblk);
		}
		first += total;
	}
}

static void
ck_inode(struct ck *ck, ino64_t ino, const void *raw)
{
	struct ffs_mount *ump = ck->ck_ump;
	struct ffs_inode di, *ip = &di;
	struct ck_ino *ci = &ck->ck_ino[ino];
	unsigned long long uino = (unsigned long long)ino;
	uint32_t type, i, n;
	uint64_t want;

	memset(ip, 0, sizeof(*ip));
	ip->i_ump = ump;
	ip->i_number = ino;
	ffs_dinode_unpack(ump, raw, ip);
	type = ip->i_mode & FFS_IFMT;
	ck->ck_cur = ino;
	ck->ck_held = 0;
	ck->ck_curbad = false;
	if (ffs_mode_vtype(ip->i_mode) == VNON) {
		ck_problem(ck, CAT_INODE, "inode %llu: unknown type (mode 0%o)",
		    uino, ip->i_mode);
		ci->ci_state = CK_BAD;
		return;
	}
	ci->ci_state = type == FFS_IFDIR ? CK_DIR : CK_FILE;
	ci->ci_dtype = ffs_mode_dtype(ip->i_mode);
	ci->ci_nlink = (int16_t)ip->i_nlink;
	ck->ck_nfiles++;
	if (type == FFS_IFDIR)
		ck->ck_ndirs++;
	if (ip->i_nlink < 0)
		ck_problem(ck, CAT_INODE, "inode %llu: link count %d", uino,
		    ip->i_nlink);
	if (ip->i_size > ump->um_maxfilesize)
		ck_problem(ck, CAT_INODE, "inode %llu: size %llu too large",
		    uino, (unsigned long long)ip->i_size);
	if (type == FFS_IFDIR && (ip->i_size == 0 ||
	    ip->i_size % FFS_DIRBLKSIZ != 0)) {
		ck_problem(ck, CAT_INODE, "directory inode %llu: size %llu is "
		    "not a positive multiple of %u", uino,
		    (unsigned long long)ip->i_size, FFS_DIRBLKSIZ);
		ci->ci_state = CK_BAD;
	}
	if (type == FFS_IFLNK && !ffs_is_shortlink(ip) &&
	    ip->i_size < ump->um_maxsymlinklen)
		ck_problem(ck, CAT_INODE, "symlink inode %llu: short target "
		    "kept in a block", uino);
	if (ip->i_size <= ump->um_maxfilesize &&
	    (type == FFS_IFREG || type == FFS_IFDIR ||
	    (type == FFS_IFLNK && !ffs_is_shortlink(ip))))
		ck_blocks(ck, ip);
	else if (type != FFS_IFCHR && type != FFS_IFBLK &&
	    type != FFS_IFLNK) {
		for (i = 0; i < FFS_NDADDR; i++)
			if (ip->i_db[i] != 0)
				break;
		if (i < FFS_NDADDR || ip->i_ib[0] != 0 || ip->i_ib[1] != 0 ||
		    ip->i_ib[2] != 0)
			ck_problem(ck, CAT_INODE, "inode %llu: special file "
			    "with block addresses", uino);
	}
	if (ump->um_ufs2 && ip->i_extsize > FFS_NXADDR * ump->um_bsize)
		ck_problem(ck, CAT_INODE, "inode %llu: xattr area of %u "
		    "bytes", uino, ip->i_extsize);
	else if (ump->um_ufs2) {
		for (i = 0; i < FFS_NXADDR; i++) {
			if (ip->i_extb[i] == 0)
				continue;
			if ((uint64_t)i >= howmany(ip->i_extsize,
			    ump->um_bsize)) {
				ck_problem(ck, CAT_BLOCK, "inode %llu: xattr "
				    "block %u past the area", uino, i);
				continue;
			}
			n = ffs_numfrags(ump, ffs_sblksize(ump, ip->i_extsize,
			    i));
			(void)ck_claim(ck, ip->i_extb[i], n, "xattr block");
		}
	}
	want = ck->ck_held << (ump->um_fshift - DEV_BSHIFT);
	if (!ck->ck_curbad && ip->i_blocks != want)
		ck_problem(ck, CAT_INODE, "inode %llu: block count %llu, holds "
		    "%llu", uino, (unsigned long long)ip->i_blocks,
		    (unsigned long long)want);
	if (ck->ck_curbad)
		ci->ci_state = CK_BAD;
	ck->ck_nfrags += ck->ck_held;
}

/* A free inode must be free all through: no mode, no blocks. */
static void
ck_free_inode(struct ck *ck, ino64_t ino, const void *raw)
{
	struct ffs_inode di;
	int i;

	memset(&di, 0, sizeof(di));
	di.i_ump = ck->ck_ump;
	ffs_dinode_unpack(ck->ck_ump, raw, &di);
	for (i = 0; i < FFS_NDADDR; i++)
		if (di.i_db[i] != 0)
			break;
	if (i < FFS_NDADDR || di.i_ib[0] || di.i_ib[1] || di.i_ib[2])
		ck_problem(ck, CAT_INODE, "free inode %llu: has block "
		    "addresses", (unsigned long long)ino);
}

static int
ck_pass1(struct ck *ck)
{
	struct ffs_mount *ump = ck->ck_ump;
	uint32_t c, i, inited, nblk;
	int64_t f, from, to;
	struct buf *bp, *ibp;
	ino64_t ino;
	int error;

	/* Group metadata and the summary area are in use. */
	for (c = 0; c < ump->um_ncg; c++) {
		from = c == 0 ? ffs_cgbase(ump, 0) : ffs_cgsblock(ump, c);
		to = ffs_cgdmin(ump, c);
		for (f = from; f < to; f++)
			ck_setused(ck, f);
	}
	nblk = ffs_numfrags(ump, ffs_fragroundup(ump, ump->um_cssize));
	for (f = ump->um_csaddr; f < ump->um_csaddr + nblk; f++)
		ck_setused(ck, f);

	for (c = 0; c < ump->um_ncg; c++) {
		inited = ump->um_ipg;
		if ((error = bread(ump->um_dev, FFS_FSBTODB(ump,
		    ffs_cgtod(ump, c)), ump->um_cgsize, &bp)) != 0)
			return error;
		if (ffs_cg_check(ump, c, bp->b_data) != 0) {
			ck_problem(ck, CAT_CG, "cylinder group %u: bad header "
			    "(see log); its inodes are not checked", c);
			brelse(bp);
			continue;
		}
		if (ump->um_ufs2)
			inited = FFS_RD32(ump, ((struct ffs_cg *)
			    bp->b_data)->cg_initediblk);
		brelse(bp);
		for (i = 0; i < inited; i += ump->um_inopb) {
			ino = (ino64_t)c * ump->um_ipg + i;
			if ((error = bread(ump->um_dev, FFS_FSBTODB(ump,
			    ffs_ino_to_fsba(ump, ino)), ump->um_bsize,
			    &ibp)) != 0)
				return error;
			for (; ino < (ino64_t)c * ump->um_ipg + i +
			    ump->um_inopb; ino++) {
				const uint8_t *raw = (const uint8_t *)
				    ibp->b_data + ffs_ino_to_fsbo(ump, ino);

				if (ino < FFS_ROOTINO)
					continue;
				if (ffs_dinode_isfree(ump, raw))
					ck_free_inode(ck, ino, raw);
				else
					ck_inode(ck, ino, raw);
			}
			brelse(ibp);
		}
	}
	return 0;
}

/* ---- pass 2 ---- */

static uint8_t
ck_namlen(const struct ffs_mount *ump, const struct ffs_direct *ep)
{
	uint16_t v;

	if (!ump->um_olddir)
		return ep->d_namlen;
	memcpy(&v, &ep->d_type, sizeof(v));
	v = FFS_RD16(ump, v);
	return v > 255 ? 255 : (uint8_t)v;
}

/* One entry of directory DINO, at byte OFF; INDEX counts from 0. */
static void
ck_entry(struct ck *ck, ino64_t dino, uint64_t off, unsigned index,
    const struct ffs_direct *ep, uint32_t namlen)
{
	struct ffs_mount *ump = ck->ck_ump;
	uint32_t ino = FFS_RD32(ump, ep->d_ino);
	unsigned long long ud = (unsigned long long)dino;
	bool dot = namlen == 1 && ep->d_name[0] == '.';
	bool dotdot = namlen == 2 && ep->d_name[0] == '.' &&
	    ep->d_name[1] == '.';
	struct ck_ino *ci;

	if (!ump->um_olddir && ep->d_type == FFS_DT_WHT && ino == FFS_WINO)
		return;
	if ((index == 0) != dot || (index == 1) != dotdot) {
		ck_problem(ck, CAT_DIR, "directory %llu offset %llu: \"%.*s\" "
		    "is entry %u (\".\" and \"..\" come first)", ud,
		    (unsigned long long)off, (int)namlen, ep->d_name, index);
	}
	if (ino < FFS_ROOTINO || ino >= ump->um_ninodes) {
		ck_problem(ck, CAT_DIR, "directory %llu: \"%.*s\" names bad "
		    "inode %u", ud, (int)namlen, ep->d_name, ino);
		return;
	}
	ci = &ck->ck_ino[ino];
	if (ci->ci_state == CK_FREE) {
		ck_problem(ck, CAT_DIR, "directory %llu: \"%.*s\" names free "
		    "inode %u", ud, (int)namlen, ep->d_name, ino);
		return;
	}
	ci->ci_found++;
	if (dot && ino != dino)
		ck_problem(ck, CAT_DIR, "directory %llu: \".\" names inode %u",
		    ud, ino);
	if (!ump->um_olddir && ci->ci_state != CK_BAD &&
	    ep->d_type != ci->ci_dtype)
		ck_problem(ck, CAT_DIR, "directory %llu: \"%.*s\" has type %u, "
		    "inode %u is of type %u", ud, (int)namlen, ep->d_name,
		    ep->d_type, ino, ci->ci_dtype);
	if (dotdot)
		ck->ck_ino[dino].ci_dotdot = ino;
	else if (!dot && ci->ci_state == CK_DIR) {
		if (ci->ci_parent != 0)
			ck_problem(ck, CAT_CONN, "directory %u is named in "
			    "both %u and %llu", ino, ci->ci_parent, ud);
		else
			ci->ci_parent = (uint32_t)dino;
	}
}

/* Check one chunk; false if it is bad (then it is not looked into). */
static bool
ck_chunk(struct ck *ck, ino64_t dino, const uint8_t *chunk, uint64_t off,
    unsigned *indexp)
{
	struct ffs_mount *ump = ck->ck_ump;
	const struct ffs_direct *ep;
	uint32_t pos, reclen, namlen, i;

	/* structure first, so that nothing is counted from a bad chunk */
	for (pos = 0; pos < FFS_DIRBLKSIZ; pos += reclen) {
		ep = (const struct ffs_direct *)(chunk + pos);
		reclen = FFS_RD16(ump, ep->d_reclen);
		namlen = ck_namlen(ump, ep);
		if (reclen == 0 || (reclen & 3) != 0 ||
		    reclen > FFS_DIRBLKSIZ - pos ||
		    reclen < FFS_DIRSIZ(namlen))
			goto bad;
		if (ep->d_ino == 0)
			continue;
		if (namlen == 0 || ep->d_name[namlen] != '\0')
			goto bad;
		for (i = 0; i < namlen; i++)
			if (ep->d_name[i] == '\0' || ep->d_name[i] == '/')
				goto bad;
	}
	for (pos = 0; pos < FFS_DIRBLKSIZ; pos += reclen) {
		ep = (const struct ffs_direct *)(chunk + pos);
		reclen = FFS_RD16(ump, ep->d_reclen);
		if (ep->d_ino != 0)
			ck_entry(ck, dino, off + pos, (*indexp)++, ep,
			    ck_namlen(ump, ep));
		else if (off == 0 && pos == 0)
			(*indexp)++;	/* a cleared "." still is entry 0 */
	}
	return true;
bad:
	ck_problem(ck, CAT_DIR, "directory %llu: bad entry at offset %llu",
	    (unsigned long long)dino, (unsigned long long)(off + pos));
	return false;
}

static int
ck_dir(struct ck *ck, ino64_t dino)
{
	struct ffs_mount *ump = ck->ck_ump;
	struct ffs_inode di;
	unsigned index = 0;
	uint32_t size, c, len;
	int64_t lbn, bn, nblk;
	struct buf *bp, *ibp;
	int error;

	/* the inode again, for its block map */
	if ((error = bread(ump->um_dev, FFS_FSBTODB(ump,
	    ffs_ino_to_fsba(ump, dino)), ump->um_bsize, &ibp)) != 0)
		return error;
	memset(&di, 0, sizeof(di));
	di.i_ump = ump;
	di.i_number = dino;
	ffs_dinode_unpack(ump, (const uint8_t *)ibp->b_data +
	    ffs_ino_to_fsbo(ump, dino), &di);
	brelse(ibp);
	nblk = (int64_t)howmany(di.i_size, ump->um_bsize);
	for (lbn = 0; lbn < nblk; lbn++) {
		if (ffs_bmap(&di, lbn, &bn, NULL) != 0)
			return 0;	/* reported in pass 1 */
		if (bn == 0) {
			ck_problem(ck, CAT_DIR, "directory %llu: hole at block "
			    "%lld", (unsigned long long)dino, (long long)lbn);
			continue;
		}
		size = ffs_sblksize(ump, di.i_size, lbn);
		if ((error = bread(ump->um_dev, FFS_FSBTODB(ump, bn), size,
		    &bp)) != 0)
			return error;
		len = (uint32_t)MIN((uint64_t)size, di.i_size -
		    ((uint64_t)lbn << ump->um_bshift));
		for (c = 0; c + FFS_DIRBLKSIZ <= len; c += FFS_DIRBLKSIZ)
			(void)ck_chunk(ck, dino,
			    (const uint8_t *)bp->b_data + c,
			    ((uint64_t)lbn << ump->um_bshift) + c, &index);
		brelse(bp);
	}
	if (index < 2)
		ck_problem(ck, CAT_DIR, "directory %llu: no \".\" or \"..\"",
		    (unsigned long long)dino);
	return 0;
}

/* ---- passes 3 and 4 ---- */

static void
ck_pass3(struct ck *ck)
{
	struct ffs_mount *ump = ck->ck_ump;
	struct ck_ino *ci;
	uint64_t ino, cur, steps;

	for (ino = FFS_ROOTINO; ino < ump->um_ninodes; ino++) {
		ci = &ck->ck_ino[ino];
		if (ci->ci_state != CK_DIR)
			continue;
		if (ino == FFS_ROOTINO) {
			if (ci->ci_dotdot != FFS_ROOTINO)
				ck_problem(ck, CAT_CONN, "root directory: "
				    "\"..\" names %u", ci->ci_dotdot);
			if (ci->ci_parent != 0)
				ck_problem(ck, CAT_CONN, "root directory is "
				    "named in directory %u", ci->ci_parent);
			continue;
		}
		if (ci->ci_parent == 0) {
			ck_problem(ck, CAT_CONN, "directory %llu is not named "
			    "in any directory",
			    (unsigned long long)ino);
			continue;
		}
		if (ci->ci_dotdot != ci->ci_parent)
			ck_problem(ck, CAT_CONN, "directory %llu: \"..\" names "
			    "%u, but it is named in %u",
			    (unsigned long long)ino, ci->ci_dotdot,
			    ci->ci_parent);
		for (cur = ino, steps = 0; cur != FFS_ROOTINO && cur != 0 &&
		    steps < ump->um_ninodes; steps++)
			cur = ck->ck_ino[cur].ci_parent;
		if (cur != FFS_ROOTINO)
			ck_problem(ck, CAT_CONN, "directory %llu cannot be "
			    "reached from the root",
			    (unsigned long long)ino);
	}
}

static void
ck_pass4(struct ck *ck)
{
	struct ffs_mount *ump = ck->ck_ump;
	struct ck_ino *ci;
	uint64_t ino;

	for (ino = FFS_ROOTINO; ino < ump->um_ninodes; ino++) {
		ci = &ck->ck_ino[ino];
		if (ci->ci_state == CK_FREE)
			continue;
		if (ci->ci_found == 0)
			ck_problem(ck, CAT_LINK, "inode %llu (link count %d) "
			    "is not named anywhere", (unsigned long long)ino,
			    ci->ci_nlink);
		else if ((uint32_t)ci->ci_nlink != ci->ci_found)
			ck_problem(ck, CAT_LINK, "inode %llu: link count %d, "
			    "named %u times", (unsigned long long)ino,
			    ci->ci_nlink, ci->ci_found);
	}
}

/* ---- pass 5 ---- */

static void
ck_cmp(struct ck *ck, uint32_t c, const char *what, int64_t have,
    int64_t want)
{
	if (have == want)
		return;
	if (c == UINT32_MAX)
		ck_problem(ck, CAT_SB, "%s is %lld, should be %lld", what,
		    (long long)have, (long long)want);
	else
		ck_problem(ck, CAT_CG, "cylinder group %u: %s is %lld, should "
		    "be %lld", c, what, (long long)have, (long long)want);
}

static void
ck_group(struct ck *ck, uint32_t c, struct ffs_cg *cg,
    struct ffs_csum_total *tot)
{
	struct ffs_mount *ump = ck->ck_ump;
	uint32_t ndblk = ffs_cg_nfrags(ump, c), frag = ump->um_frag;
	uint32_t i, b, bits, want, full = (1u << frag) - 1, nbad, run;
	uint32_t max = ump->um_contigsumsize;
	uint32_t nblks = ndblk >> ump->um_fragshift;
	int32_t frsum[FFS_MAXFRAG], csum[FFS_MAXCONTIG + 1];
	int64_t nbfree = 0, nffree = 0, nifree = 0, ndir = 0;
	const uint8_t *imap = ffs_cg_inosused(ump, cg);
	const uint8_t *fmap = ffs_cg_blksfree(ump, cg);
	int64_t base = ffs_cgbase(ump, c);
	ino64_t ino;
	const struct ck_ino *ci;
	bool isfree;

	/* inodes */
	for (i = 0, nbad = 0; i < ump->um_ipg; i++) {
		ino = (ino64_t)c * ump->um_ipg + i;
		ci = &ck->ck_ino[ino];
		isfree = ino >= FFS_ROOTINO && ci->ci_state == CK_FREE;
		if (isfree)
			nifree++;
		if (ci->ci_state == CK_DIR ||
		    (ci->ci_state == CK_BAD && ci->ci_dtype == FFS_DT_DIR))
			ndir++;
		if (ffs_isset(imap, i) == isfree) {
			if (nbad++ < 5)
				ck_problem(ck, CAT_CG, "cylinder group %u: "
				    "inode %llu marked %s in the map", c,
				    (unsigned long long)ino,
				    isfree ? "used" : "free");
		}
	}
	if (nbad > 5)
		ck_problem(ck, CAT_CG, "cylinder group %u: %u inodes wrong in "
		    "the map in all", c, nbad);

	/* fragments */
	memset(frsum, 0, sizeof(frsum));
	for (i = 0, nbad = 0; i < ndblk; i++) {
		isfree = !ck_isused(ck, base + i);
		if (ffs_isset(fmap, i) != isfree && nbad++ < 5)
			ck_problem(ck, CAT_CG, "cylinder group %u: fragment "
			    "%lld marked %s in the map", c,
			    (long long)(base + i), isfree ? "used" : "free");
	}
	if (nbad > 5)
		ck_problem(ck, CAT_CG, "cylinder group %u: %u fragments wrong "
		    "in the map in all", c, nbad);
	for (b = 0; b < ndblk; b += frag) {
		for (i = 0, bits = 0; i < frag && b + i < ndblk; i++)
			if (!ck_isused(ck, base + b + i))
				bits |= 1u << i;
		if (bits == full) {
			nbfree++;
			continue;
		}
		nffree += __builtin_popcount(bits);
		for (i = 0, run = 0; i <= frag; i++) {
			if (i < frag && (bits & (1u << i))) {
				run++;
				continue;
			}
			if (run > 0 && run < frag)
				frsum[run]++;
			run = 0;
		}
	}
	for (i = 1; i < frag; i++) {
		if (FFS_RDS32(ump, cg->cg_frsum[i]) != frsum[i])
			ck_problem(ck, CAT_CG, "cylinder group %u: %d free "
			    "runs of %u fragments counted, %d found", c,
			    FFS_RDS32(ump, cg->cg_frsum[i]), i, frsum[i]);
	}

	/* clusters */
	if (max > 0) {
		const uint8_t *cmap = ffs_cg_clustersfree(ump, cg);
		const int32_t *sum = ffs_cg_clustersum(ump, cg);

		memset(csum, 0, sizeof(csum));
		for (b = 0, run = 0, nbad = 0; b <= nblks; b++) {
			isfree = false;
			if (b < nblks) {
				for (i = 0, want = 0; i < frag; i++)
					if (!ck_isused(ck, base +
					    (int64_t)b * frag + i))
						want++;
				isfree = want == frag;
				if (ffs_isset(cmap, b) != isfree &&
				    nbad++ < 5)
					ck_problem(ck, CAT_CG, "cylinder group "
					    "%u: block %u marked %s in the "
					    "cluster map", c, b,
					    isfree ? "used" : "free");
			}
			if (isfree) {
				run++;
				continue;
			}
			if (run > 0)
				csum[MIN(run, max)]++;
			run = 0;
		}
		for (i = 1; i <= max; i++)
			if (FFS_RDS32(ump, sum[i]) != csum[i])
				ck_problem(ck, CAT_CG, "cylinder group %u: %d "
				    "free clusters of %u blocks counted, %d "
				    "found", c, FFS_RDS32(ump, sum[i]), i,
				    csum[i]);
	}

	ck_cmp(ck, c, "free block count", FFS_RDS32(ump, cg->cg_cs.cs_nbfree),
	    nbfree);
	ck_cmp(ck, c, "free fragment count",
	    FFS_RDS32(ump, cg->cg_cs.cs_nffree), nffree);
	ck_cmp(ck, c, "free inode count", FFS_RDS32(ump, cg->cg_cs.cs_nifree),
	    nifree);
	ck_cmp(ck, c, "directory count", FFS_RDS32(ump, cg->cg_cs.cs_ndir),
	    ndir);
	ck_cmp(ck, c, "summary: free blocks", ump->um_cs[c].cs_nbfree, nbfree);
	ck_cmp(ck, c, "summary: free fragments", ump->um_cs[c].cs_nffree,
	    nffree);
	ck_cmp(ck, c, "summary: free inodes", ump->um_cs[c].cs_nifree, nifree);
	ck_cmp(ck, c, "summary: directories", ump->um_cs[c].cs_ndir, ndir);
	tot->cs_nbfree += nbfree;
	tot->cs_nffree += nffree;
	tot->cs_nifree += nifree;
	tot->cs_ndir += ndir;
}

static int
ck_pass5(struct ck *ck, struct ffs_csum_total *tot)
{
	struct ffs_mount *ump = ck->ck_ump;
	const struct ffs_super *fs = (const struct ffs_super *)ump->um_sbraw;
	struct buf *bp;
	uint32_t c;
	int error;

	memset(tot, 0, sizeof(*tot));
	for (c = 0; c < ump->um_ncg; c++) {
		if ((error = bread(ump->um_dev, FFS_FSBTODB(ump,
		    ffs_cgtod(ump, c)), ump->um_cgsize, &bp)) != 0)
			return error;
		if (ffs_cg_check(ump, c, bp->b_data) == 0)
			ck_group(ck, c, bp->b_data, tot);
		brelse(bp);
	}
	if (ump->um_ufs2 || (fs->fs_old_flags & FFS_FLAGS_UPDATED)) {
		ck_cmp(ck, UINT32_MAX, "superblock: free blocks (all groups)",
		    FFS_RDS64(ump, fs->fs_cstotal.cs_nbfree), tot->cs_nbfree);
		ck_cmp(ck, UINT32_MAX,
		    "superblock: free fragments (all groups)",
		    FFS_RDS64(ump, fs->fs_cstotal.cs_nffree), tot->cs_nffree);
		ck_cmp(ck, UINT32_MAX, "superblock: free inodes (all groups)",
		    FFS_RDS64(ump, fs->fs_cstotal.cs_nifree), tot->cs_nifree);
		ck_cmp(ck, UINT32_MAX, "superblock: directories (all groups)",
		    FFS_RDS64(ump, fs->fs_cstotal.cs_ndir), tot->cs_ndir);
	}
	if (!ump->um_ufs2) {
		ck_cmp(ck, UINT32_MAX,
		    "superblock: old free blocks (all groups)",
		    FFS_RDS32(ump, fs->fs_old_cstotal.cs_nbfree),
		    tot->cs_nbfree);
		ck_cmp(ck, UINT32_MAX,
		    "superblock: old free inodes (all groups)",
		    FFS_RDS32(ump, fs->fs_old_cstotal.cs_nifree),
		    tot->cs_nifree);
	}
	return 0;
}

static bool
ffs_bigendian(const struct ffs_mount *ump)
{
	bool host_be = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

	return ump->um_swap ? !host_be : host_be;
}

int
ffs_check(struct mount *mp, int flags,
    void (*report)(void *arg, const char *line), void *arg,
    unsigned *nproblemsp)
{
	struct ffs_mount *ump = VFSTOFFS(mp);
	const struct ffs_super *fs = (const struct ffs_super *)ump->um_sbraw;
	struct ffs_csum_total tot;
	struct ck ck;
	uint64_t ino, nino;
	int error = 0;

	*nproblemsp = 0;
	memset(&ck, 0, sizeof(ck));
	ck.ck_ump = ump;
	ck.ck_report = report;
	ck.ck_arg = arg;
	ck.ck_flags = flags;
	ck.ck_usedlen = (size_t)howmany(ump->um_size, 8);
	nino = ump->um_ninodes;
	if (ck.ck_usedlen > ((size_t)1 << 30) || nino > ((uint64_t)1 << 28))
		return ENOMEM;
	if ((ck.ck_used = kmem_zalloc(ck.ck_usedlen)) == NULL ||
	    (ck.ck_ino = kmem_zalloc((size_t)nino * sizeof(*ck.ck_ino))) ==
	    NULL) {
		error = ENOMEM;
		goto out;
	}
	if (flags & VFS_FSCK_VERBOSE)
		ck_say(&ck, "%s: UFS%d, %s-endian, block %u, fragment %u, "
		    "%u groups, superblock at %llu", mp->mnt_source,
		    ump->um_ufs2 ? 2 : 1, ffs_bigendian(ump) ? "big" : "little",
		    ump->um_bsize, ump->um_fsize, ump->um_ncg,
		    (unsigned long long)ump->um_sblockloc);
	if (!(fs->fs_clean & FFS_ISCLEAN))
		ck_problem(&ck, CAT_SB, "superblock: not marked clean");

	if (flags & VFS_FSCK_VERBOSE)
		ck_say(&ck, "** Phase 1 - Check Blocks and Sizes");
	if ((error = ck_pass1(&ck)) != 0)
		goto out;
	if (ck.ck_ino[FFS_ROOTINO].ci_state != CK_DIR)
		ck_problem(&ck, CAT_CONN, "root inode is not a directory");

	if (flags & VFS_FSCK_VERBOSE)
		ck_say(&ck, "** Phase 2 - Check Pathnames");
	for (ino = FFS_ROOTINO; ino < nino; ino++)
		if (ck.ck_ino[ino].ci_state == CK_DIR &&
		    (error = ck_dir(&ck, ino)) != 0)
			goto out;
	if (flags & VFS_FSCK_VERBOSE)
		ck_say(&ck, "** Phase 3 - Check Connectivity");
	ck_pass3(&ck);
	if (flags & VFS_FSCK_VERBOSE)
		ck_say(&ck, "** Phase 4 - Check Reference Counts");
	ck_pass4(&ck);
	if (flags & VFS_FSCK_VERBOSE)
		ck_say(&ck, "** Phase 5 - Check Cyl groups");
	if ((error = ck_pass5(&ck, &tot)) != 0)
		goto out;
	if (flags & VFS_FSCK_VERBOSE)
		ck_say(&ck, "%llu files (%llu directories), %llu used, %llu "
		    "free (%llu frags, %llu blocks)",
		    (unsigned long long)ck.ck_nfiles,
		    (unsigned long long)ck.ck_ndirs,
		    (unsigned long long)ck.ck_nfrags,
		    (unsigned long long)((tot.cs_nbfree << ump->um_fragshift) +
		    tot.cs_nffree), (unsigned long long)tot.cs_nffree,
		    (unsigned long long)tot.cs_nbfree);
out:
	if (ck.ck_used != NULL)
		kmem_free(ck.ck_used, ck.ck_usedlen);
	if (ck.ck_ino != NULL)
		kmem_free(ck.ck_ino, (size_t)nino * sizeof(*ck.ck_ino));
	*nproblemsp = ck.ck_problems;
	return error;
}
