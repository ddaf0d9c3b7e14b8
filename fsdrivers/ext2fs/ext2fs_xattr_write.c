/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_xattr_write.c -- changing extended attributes and inline data.
 *
 * A change reads every attribute of the inode (the in-inode area after
 * i_extra_isize, then the external block) into a list, applies the
 * change to the list, decides where each attribute lives, and writes
 * both areas again:
 *  - an attribute that is set goes to the inode's extra space when it
 *    fits there, else to the external block (as Linux tries them);
 *    "system.data" (inline data) always lives in the inode;
 *  - in-inode entries keep their order; values are packed from the end
 *    of the inode down, addressed from the first entry;
 *  - block entries are sorted by (name index, name length, name), as the
 *    kernel's lookup expects; values are packed from the end of the
 *    block down; each entry carries its hash, the header the block hash
 *    and, with metadata_csum, the block checksum;
 *  - a block shared by several inodes (h_refcount > 1) is never changed
 *    in place: the inode gets a new copy and the old block loses one
 *    reference; a block left without entries is released (freed, or one
 *    reference dropped when shared);
 *  - values kept in a separate inode (ea_inode) are carried along as
 *    they are; changing or removing one is EOPNOTSUPP.
 *
 * The Linux names map to (index, suffix) as ext2fs_xattr.c reads them;
 * POSIX ACLs are converted from the Linux xattr form (version 2) to the
 * compact ext4 form (version 1).
 *
 * Inline data: the first 60 bytes in i_block, the rest in the value of
 * system.data, which exists (possibly empty) whenever INLINE_DATA_FL is
 * set.
 *
 * Locking: NP's vnode lock exclusive; every function takes its own
 * (nested) transaction handle.  A shared block is serialised by its
 * buffer (busy while its reference count changes).
 *
 * Exports: the "ext2fs_xattr_write.c" section of ext2fs_write.h.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define XW_NBLOCKS	8	/* handle size: inode, 2 xattr, bitmaps */

/* One attribute in core. */
struct xent {
	uint8_t		index;
	uint8_t		namelen;
	char		name[EXT2_NAME_LEN];
	uint8_t		*val;	/* kmem, vlen bytes; NULL: empty, inum */
	uint32_t	vlen;
	uint32_t	inum;	/* ea_inode value, carried as is */
	uint32_t	hash;	/* the entry hash of an ea_inode entry */
	bool		inblock;
};

/* All attributes of one inode. */
struct xset {
	struct xent	*e;
	size_t		n, cap;
	uint32_t	refcount;	/* of the block read, 0 if none */
	bool		block_changed;	/* rewrite the block's list */
};

static void
xset_free(struct xset *xs)
{
	size_t i;

	for (i = 0; i < xs->n; i++)
		if (xs->e[i].val != NULL)
			kmem_free(xs->e[i].val, xs->e[i].vlen);
	if (xs->e != NULL)
		kmem_free(xs->e, xs->cap * sizeof(*xs->e));
	memset(xs, 0, sizeof(*xs));
}

/* Append an entry (VAL copied); ENOMEM. */
static int
xset_add(struct xset *xs, int index, const char *name, size_t namelen,
    const void *val, size_t vlen, uint32_t inum, uint32_t hash, bool inblock)
{
	struct xent *ne, *x;
	size_t ncap;

	KASSERT(namelen <= EXT2_NAME_LEN);
	if (xs->n == xs->cap) {
		ncap = xs->cap ? xs->cap * 2 : 8;
		if ((ne = kmem_zalloc(ncap * sizeof(*ne))) == NULL)
			return ENOMEM;
		if (xs->n != 0)
			memcpy(ne, xs->e, xs->n * sizeof(*ne));
		if (xs->e != NULL)
			kmem_free(xs->e, xs->cap * sizeof(*xs->e));
		xs->e = ne;
		xs->cap = ncap;
	}
	x = &xs->e[xs->n];
	memset(x, 0, sizeof(*x));
	x->index = (uint8_t)index;
	x->namelen = (uint8_t)namelen;
	memcpy(x->name, name, namelen);
	x->vlen = (uint32_t)vlen;
	x->inum = inum;
	x->hash = hash;
	x->inblock = inblock;
	if (inum == 0 && vlen != 0) {
		if ((x->val = kmem_alloc(vlen)) == NULL)
			return ENOMEM;
		memcpy(x->val, val, vlen);
	}
	xs->n++;
	return 0;
}

static void
xset_del(struct xset *xs, size_t i)
{
	if (xs->e[i].val != NULL)
		kmem_free(xs->e[i].val, xs->e[i].vlen);
	memmove(&xs->e[i], &xs->e[i + 1], (xs->n - i - 1) * sizeof(*xs->e));
	xs->n--;
}

static bool
xset_find(const struct xset *xs, int index, const char *name, size_t namelen,
    size_t *kp)
{
	size_t i;

	for (i = 0; i < xs->n; i++)
		if (xs->e[i].index == index && xs->e[i].namelen == namelen &&
		    memcmp(xs->e[i].name, name, namelen) == 0) {
			*kp = i;
			return true;
		}
	return false;
}

/* Bytes of the value area an entry takes. */
static size_t
xent_vsize(const struct xent *x)
{
	return x->inum != 0 ? 0 : roundup((size_t)x->vlen, 4);
}

/* ---- reading the two areas ---- */

/*
 * Parse the entries at FIRST (AREA bytes), values at VBASE + offs with
 * VMIN <= offs and offs + size <= VLEN, into XS.
 */
static int
xparse(struct ext2fs_node *np, struct xset *xs, const uint8_t *first,
    size_t area, const uint8_t *vbase, size_t vmin, size_t vlen,
    bool inblock)
{
	const struct ext2_xattr_entry *e;
	size_t off = 0, elen;
	uint32_t voff, size, inum;
	int error;

	for (;;) {
		if (area - off < 4)
			goto bad;
		if (e2_ld32(first + off) == 0)
			return 0;
		if (area - off < sizeof(*e))
			goto bad;
		e = (const struct ext2_xattr_entry *)(first + off);
		elen = EXT2_XATTR_LEN(e->e_name_len);
		if (elen > area - off)
			goto bad;
		size = e2_le32(e->e_value_size);
		inum = e2_le32(e->e_value_inum);
		voff = e2_le16(e->e_value_offs);
		if (inum != 0) {
			if (!EXT2_HAS_INCOMPAT(np->n_ump,
			    EXT2F_INCOMPAT_EA_INODE))
				goto bad;
		} else if (size != 0 && (voff < vmin || voff > vlen ||
		    size > vlen - voff))
			goto bad;
		error = xset_add(xs, e->e_name_index, e->e_name,
		    e->e_name_len, vbase + voff, size, inum,
		    e2_le32(e->e_hash), inblock);
		if (error)
			return error;
		off += elen;
	}
bad:
	return ext2fs_corrupt(np->n_ump, "inode %llu: bad %s xattr entry at "
	    "%zu", (unsigned long long)np->n_ino, inblock ? "block" :
	    "in-inode", off);
}

/* Start of the in-inode area (its magic), or 0 when there is none. */
static size_t
ibody_start(const struct ext2fs_node *np)
{
	size_t start = EXT2_GOOD_OLD_INODE_SIZE + np->n_extra_isize;

	if (np->n_ump->um_isize <= EXT2_GOOD_OLD_INODE_SIZE ||
	    start + 8 > np->n_ump->um_isize)
		return 0;
	return start;
}

/* Check an external block's header and checksum. */
static int
xblock_check(struct ext2fs_node *np, uint64_t blkno, const uint8_t *blk)
{
	const struct ext2_xattr_header *h = (const void *)blk;

	if (e2_le32(h->h_magic) != EXT2_XATTR_MAGIC ||
	    e2_le32(h->h_blocks) != 1 || e2_le32(h->h_refcount) == 0)
		return ext2fs_corrupt(np->n_ump, "inode %llu: xattr block "
		    "%llu: bad header", (unsigned long long)np->n_ino,
		    (unsigned long long)blkno);
	if (np->n_ump->um_metadata_csum &&
	    !ext2fs_xattr_csum_ok(np->n_ump, blkno, blk))
		return ext2fs_corrupt(np->n_ump, "inode %llu: xattr block "
		    "%llu: checksum mismatch", (unsigned long long)np->n_ino,
		    (unsigned long long)blkno);
	return 0;
}

static int
xset_load(struct ext2fs_node *np, struct xset *xs)
{
	struct ext2fs_mount *ump = np->n_ump;
	size_t start = ibody_start(np), area;
	struct buf *bp;
	int error;

	memset(xs, 0, sizeof(*xs));
	if (start != 0 && e2_ld32(np->n_raw + start) == EXT2_XATTR_MAGIC) {
		area = ump->um_isize - start - 4;
		error = xparse(np, xs, np->n_raw + start + 4, area,
		    np->n_raw + start + 4, 0, area, false);
		if (error)
			goto out_free;
	}
	if (np->n_file_acl == 0)
		return 0;
	if ((error = ext2fs_bread(ump, np->n_file_acl, 0, "xattr", np->n_ino,
	    &bp)) != 0)
		goto out_free;
	error = xblock_check(np, np->n_file_acl, bp->b_data);
	if (error == 0) {
		xs->refcount = e2_le32(((struct ext2_xattr_header *)
		    bp->b_data)->h_refcount);
		error = xparse(np, xs, (uint8_t *)bp->b_data +
		    sizeof(struct ext2_xattr_header), ump->um_bsize -
		    sizeof(struct ext2_xattr_header), bp->b_data,
		    sizeof(struct ext2_xattr_header), ump->um_bsize, true);
	}
	brelse(bp);
	if (error == 0)
		return 0;
out_free:
	xset_free(xs);
	return error;
}

/* ---- sizes and placement ---- */

/* Bytes the entries (and values) in the inode (or block) need. */
static size_t
xset_need(const struct xset *xs, bool inblock)
{
	size_t i, n = 4;	/* the terminating zero word */

	for (i = 0; i < xs->n; i++)
		if (xs->e[i].inblock == inblock)
			n += EXT2_XATTR_LEN(xs->e[i].namelen) +
			    xent_vsize(&xs->e[i]);
	return n;
}

/* Room for entries in the inode after its magic (0: no in-inode area). */
static size_t
ibody_room(const struct ext2fs_node *np)
{
	size_t start = ibody_start(np);

	return start == 0 ? 0 : np->n_ump->um_isize - start - 4;
}

static size_t
block_room(const struct ext2fs_node *np)
{
	return np->n_ump->um_bsize - sizeof(struct ext2_xattr_header);
}

/* ---- hashes ---- */

static uint32_t
xent_hash(const char *name, size_t namelen, const uint8_t *val, size_t vlen)
{
	uint32_t hash = 0, w;
	uint8_t pad[4];
	size_t i;

	for (i = 0; i < namelen; i++)
		hash = (hash << 5) ^ (hash >> 27) ^ (uint8_t)name[i];
	for (i = 0; i < vlen; i += 4) {
		if (vlen - i >= 4)
			w = e2_ld32(val + i);
		else {
			memset(pad, 0, sizeof(pad));
			memcpy(pad, val + i, vlen - i);
			w = e2_ld32(pad);
		}
		hash = (hash << 16) ^ (hash >> 16) ^ w;
	}
	return hash;
}

/* ---- writing ---- */

static void
st16(e2le16_t *p, uint32_t v)
{
	p->b[0] = (uint8_t)v;
	p->b[1] = (uint8_t)(v >> 8);
}

/*
 * Lay the entries of XS living in the inode (or block: INBLOCK) out at
 * FIRST; values from the end of the area (VBASE + VEND) down, their
 * offsets counted from VBASE.  Returns the block hash (0 if an entry
 * hash is 0).
 */
static uint32_t
xlayout(const struct xset *xs, bool inblock, uint8_t *first, uint8_t *vbase,
    size_t vend)
{
	struct ext2_xattr_entry *e;
	const struct xent *x;
	uint32_t bhash = 0, h;
	size_t i, off = 0, vpos = vend;
	bool zero = false;

	for (i = 0; i < xs->n; i++) {
		x = &xs->e[i];
		if (x->inblock != inblock)
			continue;
		e = (struct ext2_xattr_entry *)(first + off);
		e->e_name_len = x->namelen;
		e->e_name_index = x->index;
		e->e_value_size = e2_mkle32(x->vlen);
		e->e_value_inum = e2_mkle32(x->inum);
		st16(&e->e_value_offs, 0);
		memcpy(e->e_name, x->name, x->namelen);
		if (x->inum != 0)
			h = x->hash;
		else {
			/* an empty value points into the value area too */
			vpos -= xent_vsize(x);
			if (x->vlen != 0)
				memcpy(vbase + vpos, x->val, x->vlen);
			st16(&e->e_value_offs, (uint32_t)vpos);
			h = xent_hash(x->name, x->namelen, x->val, x->vlen);
		}
		e->e_hash = e2_mkle32(h);
		if (h == 0)
			zero = true;
		bhash = (bhash << 16) ^ (bhash >> 16) ^ h;
		off += EXT2_XATTR_LEN(x->namelen);
	}
	return zero ? 0 : bhash;
}

/* Block entries sort by (index, name length, name). */
static int
xent_cmp(const struct xent *a, const struct xent *b)
{
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	if (a->namelen != b->namelen)
		return a->namelen < b->namelen ? -1 : 1;
	return memcmp(a->name, b->name, a->namelen);
}

static void
xset_sort_block(struct xset *xs)
{
	struct xent t;
	size_t i, j;

	for (i = 1; i < xs->n; i++) {
		t = xs->e[i];
		for (j = i; j > 0 && xent_cmp(&xs->e[j - 1], &t) > 0; j--)
			xs->e[j] = xs->e[j - 1];
		xs->e[j] = t;
	}
}

/* Rewrite the in-inode area of n_raw from XS. */
static void
ibody_write(struct ext2fs_node *np, const struct xset *xs)
{
	size_t start = ibody_start(np), i, area;
	bool any = false;

	if (start == 0)
		return;
	for (i = 0; i < xs->n; i++)
		if (!xs->e[i].inblock)
			any = true;
	memset(np->n_raw + start, 0, np->n_ump->um_isize - start);
	if (!any)
		return;
	memcpy(np->n_raw + start, (e2le32_t[]){ e2_mkle32(EXT2_XATTR_MAGIC) },
	    4);
	area = np->n_ump->um_isize - start - 4;
	(void)xlayout(xs, false, np->n_raw + start + 4, np->n_raw + start + 4,
	    area);
}

/*
 * Drop one reference to xattr block BLKNO: free it when it was the
 * last one.  Caller holds a handle.
 */
static int
xblock_release(struct ext2fs_node *np, uint64_t blkno)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext2_xattr_header *h;
	struct buf *bp;
	uint32_t ref;
	int error;

	if ((error = ext2fs_bread(ump, blkno, 0, "xattr", np->n_ino, &bp)) !=
	    0)
		return error;
	if ((error = xblock_check(np, blkno, bp->b_data)) != 0) {
		brelse(bp);
		return error;
	}
	h = bp->b_data;
	ref = e2_le32(h->h_refcount);
	if (ref <= 1) {
		brelse(bp);
		return ext2fs_blkfree(ump, blkno, 1, true);
	}
	h->h_refcount = e2_mkle32(ref - 1);
	ext2fs_xattr_csum_set(ump, blkno, bp->b_data);
	ext2fs_trans_dirty(ump, bp);
	return 0;
}

static bool
caller_reserved(void)
{
	return kauth_cred_isroot(kauth_cred_get());
}

/*
 * Write the block's entries of XS: in place when NP owns the block
 * alone, else into a new block (the old one losing a reference); release
 * the block when no entry is left in it.
 */
static int
xblock_write(struct ext2fs_node *np, struct xset *xs)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext2_xattr_header *h;
	uint64_t blkno = 0, got, old = np->n_file_acl;
	struct buf *bp;
	uint32_t bhash;
	bool any = false, fresh = false;
	size_t i;
	int error;

	for (i = 0; i < xs->n; i++)
		if (xs->e[i].inblock)
			any = true;
	if (!any) {
		if (old == 0)
			return 0;
		if ((error = xblock_release(np, old)) != 0)
			return error;
		np->n_file_acl = 0;
		np->n_bytes -= MIN(np->n_bytes, (uint64_t)ump->um_bsize);
		return 0;
	}
	if (old != 0 && xs->refcount == 1) {
		blkno = old;
		if ((error = ext2fs_bread(ump, blkno, 0, "xattr", np->n_ino,
		    &bp)) != 0)
			return error;
	} else {
		error = ext2fs_blkalloc(ump, ext2fs_group_first_block(ump,
		    (uint32_t)((np->n_ino - 1) / ump->um_ipg)), 1,
		    caller_reserved(), &blkno, &got);
		if (error)
			return error;
		if ((error = getblk(ump->um_dev, EXT2_FSBTODB(ump, blkno),
		    ump->um_bsize, &bp)) != 0) {
			(void)ext2fs_blkfree(ump, blkno, 1, true);
			return error;
		}
		fresh = true;
	}
	xset_sort_block(xs);
	memset(bp->b_data, 0, ump->um_bsize);
	h = bp->b_data;
	h->h_magic = e2_mkle32(EXT2_XATTR_MAGIC);
	h->h_refcount = e2_mkle32(1);
	h->h_blocks = e2_mkle32(1);
	bhash = xlayout(xs, true, (uint8_t *)bp->b_data + sizeof(*h),
	    bp->b_data, ump->um_bsize);
	h->h_hash = e2_mkle32(bhash);
	ext2fs_xattr_csum_set(ump, blkno, bp->b_data);
	ext2fs_trans_dirty(ump, bp);
	if (!fresh)
		return 0;
	if (old != 0 && (error = xblock_release(np, old)) != 0) {
		(void)ext2fs_blkfree(ump, blkno, 1, true);
		return error;
	}
	if (old == 0)
		np->n_bytes += ump->um_bsize;
	np->n_file_acl = blkno;
	xs->refcount = 1;
	return 0;
}

/* The first attribute written sets the ext_attr feature, as Linux does. */
static int
xattr_feature(struct ext2fs_mount *ump)
{
	uint32_t compat;

	mutex_enter(&ump->um_lock);
	if (EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_EXT_ATTR)) {
		mutex_exit(&ump->um_lock);
		return 0;
	}
	compat = e2_le32(ump->um_sb.s_feature_compat) | EXT2F_COMPAT_EXT_ATTR;
	ump->um_sb.s_feature_compat = e2_mkle32(compat);
	ump->um_compat |= EXT2F_COMPAT_EXT_ATTR;
	mutex_exit(&ump->um_lock);
	return ext2fs_sb_dirty(ump);
}

/*
 * Apply one change: set (VAL != NULL or REMOVE false) or remove (REMOVE)
 * attribute (INDEX, NAME) with XATTR_CREATE/REPLACE FLAGS.  IBODY_ONLY:
 * the attribute must live in the inode (system.data).
 */
static int
xattr_change(struct ext2fs_node *np, int index, const char *name,
    size_t namelen, const void *val, size_t len, int flags, bool remove,
    bool ibody_only)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct xset xs;
	uint8_t *saved = NULL;
	uint64_t acl, bytes;
	size_t k = 0;
	bool found, was_block = false;
	int error;

	if (namelen > EXT2_NAME_LEN)
		return ERANGE;
	if (!remove && len > XATTR_SIZE_MAX)
		return E2BIG;
	if ((error = ext2fs_trans_begin(ump, XW_NBLOCKS)) != 0)
		return error;
	if ((error = xset_load(np, &xs)) != 0)
		goto out;
	found = xset_find(&xs, index, name, namelen, &k);
	if ((remove || (flags & XATTR_REPLACE)) && !found) {
		error = ENODATA;
		goto out_free;
	}
	if ((flags & XATTR_CREATE) && found) {
		error = EEXIST;
		goto out_free;
	}
	if (found) {
		if (xs.e[k].inum != 0) {
			error = EOPNOTSUPP;
			goto out_free;
		}
		was_block = xs.e[k].inblock;
		xset_del(&xs, k);
	}
	if (was_block)
		xs.block_changed = true;
	if (!remove) {
		if ((error = xset_add(&xs, index, name, namelen, val, len, 0,
		    0, false)) != 0)
			goto out_free;
		if (xset_need(&xs, false) > ibody_room(np)) {
			if (ibody_only) {
				error = ENOSPC;
				goto out_free;
			}
			xs.e[xs.n - 1].inblock = true;
			xs.block_changed = true;
			if (xset_need(&xs, true) > block_room(np)) {
				/* As Linux's ext4: ENOSPC, also for a
				   value no block could hold. */
				error = ENOSPC;
				goto out_free;
			}
		}
	}
	/* on failure the in-core inode goes back to what it was */
	if ((saved = kmem_alloc(ump->um_isize)) == NULL) {
		error = ENOMEM;
		goto out_free;
	}
	memcpy(saved, np->n_raw, ump->um_isize);
	acl = np->n_file_acl;
	bytes = np->n_bytes;
	ibody_write(np, &xs);
	if (xs.block_changed && (error = xblock_write(np, &xs)) != 0) {
		memcpy(np->n_raw, saved, ump->um_isize);
		np->n_file_acl = acl;
		np->n_bytes = bytes;
		goto out_free;
	}
	if ((error = ext2fs_node_update(np)) != 0)
		goto out_free;
	if (!remove)
		error = xattr_feature(ump);
out_free:
	if (saved != NULL)
		kmem_free(saved, ump->um_isize);
	xset_free(&xs);
out:
	ext2fs_trans_end(ump);
	return error;
}

/* ---- Linux names ---- */

/*
 * Convert a POSIX ACL from the Linux xattr form into ext4's into a new
 * kmem buffer *OUTP of *OUTLENP bytes.  EINVAL for a malformed one.
 */
static int
xattr_acl_to_disk(const uint8_t *in, size_t inlen, uint8_t **outp,
    size_t *outlenp)
{
	size_t off, n = 4, cnt;
	uint16_t tag;
	uint8_t *out;

	*outp = NULL;
	if (inlen < 4 || (inlen - 4) % 8 != 0 ||
	    e2_ld32(in) != LINUX_ACL_XATTR_VERSION)
		return EINVAL;
	cnt = (inlen - 4) / 8;
	if ((out = kmem_alloc(4 + cnt * 8)) == NULL)
		return ENOMEM;
	memcpy(out, (e2le32_t[]){ e2_mkle32(EXT2_ACL_VERSION) }, 4);
	for (off = 4; off < inlen; off += 8) {
		tag = (uint16_t)(in[off] | in[off + 1] << 8);
		memcpy(out + n, in + off, 4);	/* tag, perm */
		switch (tag) {
		case ACL_USER_OBJ:
		case ACL_GROUP_OBJ:
		case ACL_MASK:
		case ACL_OTHER:
			n += 4;
			break;
		case ACL_USER:
		case ACL_GROUP:
			memcpy(out + n + 4, in + off + 4, 4);
			n += 8;
			break;
		default:
			kmem_free(out, 4 + cnt * 8);
			return EINVAL;
		}
	}
	/* the buffer is as large as the input: the caller frees that size */
	*outp = out;
	*outlenp = n;
	return 0;
}

/* => NP's vnode lock exclusive.  EOPNOTSUPP for an unknown namespace. */
int
ext2fs_xattr_set(struct ext2fs_node *np, const char *name, const void *val,
    size_t len, int flags)
{
	const char *suffix;
	uint8_t *acl = NULL;
	size_t acllen = 0, aclsize = 0;
	int index, error;

	if (!ext2fs_xattr_parse_name(name, &index, &suffix))
		return EOPNOTSUPP;
	if (index == EXT2_XATTR_INDEX_POSIX_ACL_ACCESS ||
	    index == EXT2_XATTR_INDEX_POSIX_ACL_DEFAULT) {
		if ((error = xattr_acl_to_disk(val, len, &acl, &acllen)) != 0)
			return error;
		aclsize = len;
		val = acl;
		len = acllen;
	}
	error = xattr_change(np, index, suffix, strlen(suffix), val, len,
	    flags, false, false);
	if (acl != NULL)
		kmem_free(acl, aclsize);
	return error;
}

int
ext2fs_xattr_remove(struct ext2fs_node *np, const char *name)
{
	const char *suffix;
	int index;

	if (!ext2fs_xattr_parse_name(name, &index, &suffix))
		return EOPNOTSUPP;
	return xattr_change(np, index, suffix, strlen(suffix), NULL, 0, 0,
	    true, false);
}

int
ext2fs_xattr_set_raw(struct ext2fs_node *np, int index, const char *name,
    size_t namelen, const void *val, size_t len)
{
	return xattr_change(np, index, name, namelen, val, len, 0, false,
	    index == EXT2_XATTR_INDEX_SYSTEM && namelen == 4 &&
	    memcmp(name, "data", 4) == 0);
}

int
ext2fs_xattr_remove_raw(struct ext2fs_node *np, int index, const char *name,
    size_t namelen)
{
	return xattr_change(np, index, name, namelen, NULL, 0, 0, true,
	    false);
}

/*
 * => Caller holds a handle; NP is being released: its n_file_acl and
 *    n_bytes change, the caller writes the inode.
 */
int
ext2fs_xattr_free_all(struct ext2fs_node *np)
{
	int error;

	if (np->n_file_acl == 0)
		return 0;
	if ((error = xblock_release(np, np->n_file_acl)) != 0)
		return error;
	np->n_file_acl = 0;
	np->n_bytes -= MIN(np->n_bytes, (uint64_t)np->n_ump->um_bsize);
	return 0;
}

/* ---- inline data ---- */

size_t
ext2fs_inline_max(struct ext2fs_node *np)
{
	size_t room = ibody_room(np), other = 0, i;
	struct xset xs;

	if (!EXT2_HAS_INCOMPAT(np->n_ump, EXT2F_INCOMPAT_INLINE_DATA) ||
	    room == 0)
		return 0;
	if (xset_load(np, &xs) != 0)
		return 0;
	for (i = 0; i < xs.n; i++)
		if (!xs.e[i].inblock && !(xs.e[i].index ==
		    EXT2_XATTR_INDEX_SYSTEM && xs.e[i].namelen == 4 &&
		    memcmp(xs.e[i].name, "data", 4) == 0))
			other += EXT2_XATTR_LEN(xs.e[i].namelen) +
			    xent_vsize(&xs.e[i]);
	xset_free(&xs);
	other += 4 + EXT2_XATTR_LEN(4);
	if (other > room)
		return 0;
	return EXT2_IBLOCK_BYTES + ((room - other) & ~(size_t)3);
}

/*
 * => NP's vnode lock exclusive; the caller sets n_size.  ENOSPC when LEN
 *    exceeds ext2fs_inline_max().
 */
int
ext2fs_inline_set(struct ext2fs_node *np, const void *buf, size_t len)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext2_dinode *di = (struct ext2_dinode *)np->n_raw;
	uint8_t save[EXT2_IBLOCK_BYTES];
	uint32_t saveflags = np->n_flags;
	size_t head = MIN(len, (size_t)EXT2_IBLOCK_BYTES);
	int error;

	if (len > ext2fs_inline_max(np))
		return ENOSPC;
	if ((error = ext2fs_trans_begin(ump, XW_NBLOCKS)) != 0)
		return error;
	memcpy(save, di->i_block, sizeof(save));
	memset(di->i_block, 0, EXT2_IBLOCK_BYTES);
	memcpy(di->i_block, buf, head);
	np->n_flags |= EXT2_INLINE_DATA_FL;
	np->n_flags &= ~(uint32_t)EXT2_EXTENTS_FL;
	error = xattr_change(np, EXT2_XATTR_INDEX_SYSTEM, "data", 4,
	    (const uint8_t *)buf + head, len - head, 0, false, true);
	if (error) {
		memcpy(di->i_block, save, sizeof(save));
		np->n_flags = saveflags;
	}
	ext2fs_trans_end(ump);
	return error;
}

/* => NP's vnode lock exclusive.  i_block is zeroed for the new mapping. */
int
ext2fs_inline_clear(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext2_dinode *di = (struct ext2_dinode *)np->n_raw;
	int error;

	if ((error = ext2fs_trans_begin(ump, XW_NBLOCKS)) != 0)
		return error;
	error = xattr_change(np, EXT2_XATTR_INDEX_SYSTEM, "data", 4, NULL, 0,
	    0, true, false);
	if (error == ENODATA)
		error = 0;
	if (error == 0) {
		memset(di->i_block, 0, EXT2_IBLOCK_BYTES);
		np->n_flags &= ~(uint32_t)EXT2_INLINE_DATA_FL;
		np->n_bytes = np->n_file_acl != 0 ? ump->um_bsize : 0;
		error = ext2fs_node_update(np);
	}
	ext2fs_trans_end(ump);
	return error;
}
