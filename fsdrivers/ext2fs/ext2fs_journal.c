/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_journal.c -- replaying an ext3/ext4 (jbd2) journal: into memory
 * for a read-only mount, in place for a read-write one.
 *
 * The journal is a ring of blocks in the journal inode: block 0 is the
 * journal superblock (big-endian, like every jbd2 structure), the log
 * runs from s_first to s_maxlen and wraps.  A transaction is a sequence
 * of descriptor blocks (each a list of tags naming the filesystem blocks
 * whose new contents follow it in the log), revoke blocks (filesystem
 * blocks whose earlier journalled contents must not be replayed), and a
 * commit block.  Every block carries the magic and its transaction id.
 *
 * Replay is one forward pass from s_start/s_sequence.  The writes and
 * revokes of a transaction are staged and applied to the replay map when
 * its commit block is found: first the writes (the map records, per
 * filesystem block, where its newest contents are in the log), then the
 * revokes (which drop the block from the map: a revoke in transaction R
 * cancels writes from transactions <= R, and later writes come back in
 * with later transactions).  The first block that is not the next one of
 * the expected transaction ends the log; the uncommitted tail is dropped.
 * This gives exactly jbd2's rule: replay write (B, T) unless some revoke
 * (B, R) has R >= T.
 *
 * Checks: journal superblock fields and features, its checksum (v2/v3);
 * descriptor and revoke block tails, commit block checksums (v2/v3, and
 * the crc32 over descriptor and data blocks of version 1), and the
 * per-block tag checksums (v2: 16 bits, v3: 32 bits, both seeded with the
 * journal UUID and the transaction id); tags inside their block; target
 * blocks inside the filesystem; revoke counts inside their block.  Any
 * failure inside the committed part of the log is EUCLEAN naming the
 * transaction: a corrupt journal is an error, never a guess.  A
 * descriptor with a bad checksum is accepted as a torn tail only when no
 * valid commit block of its transaction follows.
 *
 * The read-only mount must not write the image, so the replayed contents
 * go into the buffer cache as pinned buffers (getblk, fill, bpin,
 * bdwrite): pinned buffers are never written back, readers of those
 * blocks see the replayed contents, and the splice path sees them as
 * dirty and reads through the cache instead.  ext2fs_journal_release()
 * invalidates them at unmount.
 *
 * A read-write mount (um_ronly false) replays for real: the same pinned
 * buffers are unpinned and written in place, flushed, then the journal
 * superblock says the log is empty (s_start 0, s_sequence after the last
 * replayed transaction), flushed, then needs_recovery is cleared in the
 * superblock (jcheckpoint).  A crash at any point replays the same log
 * again.  The journal writer (ext2fs_trans.c) takes over from there.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "kern/blkdev.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define JBD2_INCOMPAT_KNOWN						\
	(JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT |	\
	 JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT |				\
	 JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3 |\
	 JBD2_FEATURE_INCOMPAT_FAST_COMMIT)

/* Where the newest journalled copy of one filesystem block is. */
struct jmap_ent {
	struct jmap_ent	*next;
	uint64_t	blk;		/* filesystem block */
	uint32_t	jpos;		/* journal block with the data */
	uint32_t	tid;		/* for the tag checksum */
	uint32_t	csum;		/* the tag's checksum */
	bool		escaped;
};

/* A staged write or revoke of the transaction being read. */
struct jstage {
	uint64_t	blk;
	uint32_t	jpos;
	uint32_t	csum;
	bool		escaped;
	bool		revoke;
};

struct jctx {
	struct ext2fs_mount *ump;
	struct ext2fs_node *jnp;	/* the journal inode */
	uint32_t	bsize;
	uint32_t	first, last;	/* the log: [first, last) */
	uint32_t	incompat;
	bool		csum, v3, is64;
	bool		v1;		/* COMPAT_CHECKSUM: crc32 */
	uint32_t	v1sum;		/* crc32_be of the transaction */
	bool		v1seen;		/* a v1 checksum was seen */
	uint32_t	seed;		/* crc32c of the journal UUID */
	size_t		tagbytes;
	/* the replay map */
	struct jmap_ent	**hash;
	size_t		nhash;		/* power of two */
	size_t		nent;
	/* staged entries of the current transaction */
	struct jstage	*stage;
	size_t		nstage, maxstage;
	uint8_t		*tmp;		/* one block */
};

/* ---- journal block access ---- */

static int
jread(struct jctx *jc, uint32_t jpos, struct buf **bpp)
{
	uint64_t pblk, run;
	int error;

	*bpp = NULL;
	if ((error = ext2fs_bmap(jc->jnp, jpos, &pblk, &run)) != 0)
		return error;
	if (pblk == 0)
		return ext2fs_corrupt(jc->ump, "journal: hole at block %u",
		    jpos);
	return ext2fs_bread(jc->ump, pblk, 0, "journal", jc->jnp->n_ino, bpp);
}

static uint32_t
jnext(const struct jctx *jc, uint32_t pos)
{
	return pos + 1 >= jc->last ? jc->first : pos + 1;
}

/* Checksum of BLK with the 4 bytes at OFF taken as zero. */
static uint32_t
jcsum_zeroed(const struct jctx *jc, const uint8_t *blk, size_t off)
{
	static const uint8_t zero[4];
	uint32_t crc;

	crc = ext2fs_crc32c(jc->seed, blk, off);
	crc = ext2fs_crc32c(crc, zero, 4);
	return ext2fs_crc32c(crc, blk + off + 4, jc->bsize - off - 4);
}

static bool
jtail_ok(const struct jctx *jc, const uint8_t *blk)
{
	size_t off = jc->bsize - 4;

	return !jc->csum || jcsum_zeroed(jc, blk, off) ==
	    e2_be32(*(const e2be32_t *)(blk + off));
}

static bool
jcommit_ok(const struct jctx *jc, const uint8_t *blk)
{
	size_t off = offsetof(struct jbd2_commit, h_chksum);

	return !jc->csum || jcsum_zeroed(jc, blk, off) ==
	    e2_be32(*(const e2be32_t *)(blk + off));
}

/* ---- the replay map ---- */

static size_t
jhash(const struct jctx *jc, uint64_t blk)
{
	return (size_t)((blk * 0x9E3779B97F4A7C15ULL) >> 40) & (jc->nhash - 1);
}

static struct jmap_ent **
jmap_find(struct jctx *jc, uint64_t blk)
{
	struct jmap_ent **pp;

	for (pp = &jc->hash[jhash(jc, blk)]; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->blk == blk)
			break;
	return pp;
}

static int
jmap_set(struct jctx *jc, const struct jstage *st, uint32_t tid)
{
	struct jmap_ent **pp = jmap_find(jc, st->blk), *e = *pp;

	if (e == NULL) {
		if ((e = kmem_zalloc(sizeof(*e))) == NULL)
			return ENOMEM;
		e->blk = st->blk;
		*pp = e;
		jc->nent++;
	}
	e->jpos = st->jpos;
	e->tid = tid;
	e->csum = st->csum;
	e->escaped = st->escaped;
	return 0;
}

static void
jmap_drop(struct jctx *jc, uint64_t blk)
{
	struct jmap_ent **pp = jmap_find(jc, blk), *e = *pp;

	if (e != NULL) {
		*pp = e->next;
		kmem_free(e, sizeof(*e));
		jc->nent--;
	}
}

static int
jstage_add(struct jctx *jc, const struct jstage *st)
{
	struct jstage *n;
	size_t max;

	if (jc->nstage == jc->maxstage) {
		max = jc->maxstage ? 2 * jc->maxstage : 64;
		if ((n = kmem_alloc(max * sizeof(*n))) == NULL)
			return ENOMEM;
		if (jc->nstage != 0)
			memcpy(n, jc->stage, jc->nstage * sizeof(*n));
		if (jc->stage != NULL)
			kmem_free(jc->stage, jc->maxstage * sizeof(*n));
		jc->stage = n;
		jc->maxstage = max;
	}
	jc->stage[jc->nstage++] = *st;
	return 0;
}

/* The commit block of TID was found: writes first, then revokes. */
static int
jstage_commit(struct jctx *jc, uint32_t tid)
{
	size_t i;
	int error;

	for (i = 0; i < jc->nstage; i++)
		if (!jc->stage[i].revoke &&
		    (error = jmap_set(jc, &jc->stage[i], tid)) != 0)
			return error;
	for (i = 0; i < jc->nstage; i++)
		if (jc->stage[i].revoke)
			jmap_drop(jc, jc->stage[i].blk);
	jc->nstage = 0;
	return 0;
}

/* ---- the journal superblock ---- */

static int
jsb_load(struct jctx *jc, uint32_t *startp, uint32_t *seqp)
{
	struct ext2fs_mount *ump = jc->ump;
	static const uint8_t zero[4];
	const struct jbd2_super *js;
	uint32_t type, maxlen, compat, crc;
	struct buf *bp;
	int error;

	if ((error = jread(jc, 0, &bp)) != 0)
		return error;
	js = bp->b_data;
	type = e2_be32(js->s_header.h_blocktype);
	error = EUCLEAN;
	if (e2_be32(js->s_header.h_magic) != JBD2_MAGIC ||
	    (type != JBD2_SUPERBLOCK_V1 && type != JBD2_SUPERBLOCK_V2)) {
		ext2fs_corrupt(ump, "journal: bad superblock magic or type");
		goto out;
	}
	maxlen = e2_be32(js->s_maxlen);
	jc->first = e2_be32(js->s_first);
	*startp = e2_be32(js->s_start);
	*seqp = e2_be32(js->s_sequence);
	if (e2_be32(js->s_blocksize) != jc->bsize ||
	    maxlen > (jc->jnp->n_size >> ump->um_bshift) || maxlen < 2 ||
	    jc->first == 0 || jc->first >= maxlen ||
	    (*startp != 0 && (*startp < jc->first || *startp >= maxlen))) {
		ext2fs_corrupt(ump, "journal: bad superblock geometry "
		    "(block size %u, length %u, first %u, start %u)",
		    e2_be32(js->s_blocksize), maxlen, jc->first, *startp);
		goto out;
	}
	jc->last = maxlen;
	jc->incompat = 0;
	compat = 0;
	if (type == JBD2_SUPERBLOCK_V2) {
		jc->incompat = e2_be32(js->s_feature_incompat);
		compat = e2_be32(js->s_feature_compat);
	}
	if (jc->incompat & ~(uint32_t)JBD2_INCOMPAT_KNOWN) {
		vfs_mount_error(ump->um_mp, "ext2fs: unknown journal features "
		    "0x%x", jc->incompat & ~(uint32_t)JBD2_INCOMPAT_KNOWN);
		error = EINVAL;
		goto out;
	}
	if (jc->incompat & JBD2_FEATURE_INCOMPAT_FAST_COMMIT) {
		vfs_mount_error(ump->um_mp, "ext2fs: unsupported feature "
		    "fast_commit (journal replay)");
		error = EINVAL;
		goto out;
	}
	jc->v3 = (jc->incompat & JBD2_FEATURE_INCOMPAT_CSUM_V3) != 0;
	jc->v1 = (compat & JBD2_FEATURE_COMPAT_CHECKSUM) != 0;
	jc->csum = jc->v3 || (jc->incompat & JBD2_FEATURE_INCOMPAT_CSUM_V2);
	jc->is64 = (jc->incompat & JBD2_FEATURE_INCOMPAT_64BIT) != 0;
	if (jc->csum) {
		if ((jc->incompat & JBD2_FEATURE_INCOMPAT_CSUM_V3) &&
		    (jc->incompat & JBD2_FEATURE_INCOMPAT_CSUM_V2)) {
			ext2fs_corrupt(ump, "journal: both checksum v2 and v3");
			goto out;
		}
		if ((compat & JBD2_FEATURE_COMPAT_CHECKSUM) ||
		    js->s_checksum_type != JBD2_CRC32C_CHKSUM) {
			ext2fs_corrupt(ump, "journal: bad checksum type");
			goto out;
		}
		/* crc32c(~0) of the 1024-byte superblock, s_checksum zero */
		crc = ext2fs_crc32c(~0U, js, offsetof(struct jbd2_super,
		    s_checksum));
		crc = ext2fs_crc32c(crc, zero, 4);
		crc = ext2fs_crc32c(crc, js->s_users, sizeof(*js) -
		    offsetof(struct jbd2_super, s_users));
		if (crc != e2_be32(js->s_checksum)) {
			ext2fs_corrupt(ump, "journal: superblock checksum "
			    "mismatch");
			goto out;
		}
		jc->seed = ext2fs_crc32c(~0U, js->s_uuid, sizeof(js->s_uuid));
	}
	if (jc->v3)
		jc->tagbytes = sizeof(struct jbd2_tag3);
	else {
		jc->tagbytes = sizeof(struct jbd2_tag) + (jc->csum ? 2 : 0);
		if (!jc->is64)
			jc->tagbytes -= 4;
	}
	error = 0;
out:
	brelse(bp);
	return error;
}

/* ---- walking the log ---- */

struct jtag {
	uint64_t	blk;
	uint32_t	flags;
	uint32_t	csum;
};

/*
 * Decode the tags of descriptor BLK into OUT (at most MAXOUT; OUT may be
 * NULL).  Returns the number of tags (= data blocks that follow), or -1
 * if the last tag runs past the block.
 */
static long
jtags(const struct jctx *jc, const uint8_t *blk, struct jtag *out,
    size_t maxout)
{
	size_t off = sizeof(struct jbd2_header);
	size_t end = jc->bsize - (jc->csum ? 4 : 0);
	const uint8_t *t;
	long n = 0;
	struct jtag tag;

	while (off + jc->tagbytes <= end) {
		t = blk + off;
		tag.blk = e2_be32(*(const e2be32_t *)t);
		if (jc->v3) {
			tag.flags = e2_be32(*(const e2be32_t *)(t + 4));
			if (jc->is64)
				tag.blk |= (uint64_t)e2_be32(*(const e2be32_t *)
				    (t + 8)) << 32;
			tag.csum = e2_be32(*(const e2be32_t *)(t + 12));
		} else {
			tag.csum = e2_be16(*(const e2be16_t *)(t + 4));
			tag.flags = e2_be16(*(const e2be16_t *)(t + 6));
			if (jc->is64)
				tag.blk |= (uint64_t)e2_be32(*(const e2be32_t *)
				    (t + 8)) << 32;
		}
		off += jc->tagbytes;
		if (!(tag.flags & JBD2_FLAG_SAME_UUID))
			off += 16;
		if (out != NULL && (size_t)n < maxout)
			out[n] = tag;
		n++;
		if (tag.flags & JBD2_FLAG_LAST_TAG)
			return off <= end ? n : -1;
	}
	return n;
}

/*
 * A descriptor of TID at POS failed its checksum.  If a valid commit
 * block of TID follows its (claimed) data blocks, the journal is corrupt;
 * otherwise it is a torn tail and the log ends here.
 */
static int
jcheck_torn(struct jctx *jc, const uint8_t *blk, uint32_t pos, uint32_t tid)
{
	const struct jbd2_header *h;
	long ntags = jtags(jc, blk, NULL, 0), i;
	struct buf *bp;
	int error;
	bool corrupt;

	if (ntags < 0 || (uint64_t)ntags >= jc->last - jc->first)
		return 0;
	for (i = 0; i <= ntags; i++)
		pos = jnext(jc, pos);
	if ((error = jread(jc, pos, &bp)) != 0)
		return error;
	h = bp->b_data;
	corrupt = e2_be32(h->h_magic) == JBD2_MAGIC &&
	    e2_be32(h->h_blocktype) == JBD2_COMMIT_BLOCK &&
	    e2_be32(h->h_sequence) == tid && jcommit_ok(jc, bp->b_data);
	brelse(bp);
	if (corrupt)
		return ext2fs_corrupt(jc->ump, "journal: descriptor block of "
		    "transaction %u has a bad checksum", tid);
	return 0;
}

static int
jrevoke_stage(struct jctx *jc, const uint8_t *blk, uint32_t tid)
{
	const struct jbd2_revoke_header *rh = (const void *)blk;
	size_t count = e2_be32(rh->r_count);
	size_t off = sizeof(struct jbd2_revoke_header);
	size_t rlen = jc->is64 ? 8 : 4;
	struct jstage st;
	int error;

	if (count < off || count > jc->bsize - (jc->csum ? 4 : 0) ||
	    (count - off) % rlen != 0)
		return ext2fs_corrupt(jc->ump, "journal: revoke block of "
		    "transaction %u: bad count %zu", tid, count);
	memset(&st, 0, sizeof(st));
	st.revoke = true;
	for (; off < count; off += rlen) {
		st.blk = jc->is64 ? e2_be64(*(const e2be64_t *)(blk + off)) :
		    e2_be32(*(const e2be32_t *)(blk + off));
		if ((error = jstage_add(jc, &st)) != 0)
			return error;
	}
	return 0;
}

/* Version 1 checksums: add journal block POS to the running crc32. */
static int
jv1_add(struct jctx *jc, uint32_t pos)
{
	struct buf *bp;
	int error;

	if ((error = jread(jc, pos, &bp)) != 0)
		return error;
	jc->v1sum = ext2fs_crc32_be(jc->v1sum, bp->b_data, jc->bsize);
	brelse(bp);
	return 0;
}

/*
 * Version 1 commit check: the crc32 of the transaction's descriptor and
 * data blocks, or no checksum at all in a journal that never had one.
 */
static bool
jv1_commit_ok(struct jctx *jc, const uint8_t *blk)
{
	const struct jbd2_commit *c = (const struct jbd2_commit *)blk;
	uint32_t found = e2_be32(c->h_chksum[0]);
	bool ok = true;

	if (!jc->v1)
		return true;
	if (c->h_chksum_type == 1 && c->h_chksum_size == 4 &&
	    found == jc->v1sum)
		jc->v1seen = true;
	else if (!(c->h_chksum_type == 0 && c->h_chksum_size == 0 &&
	    found == 0 && !jc->v1seen))
		ok = false;
	jc->v1sum = ~0U;
	return ok;
}

static int
jdesc_stage(struct jctx *jc, const uint8_t *blk, uint32_t *posp, uint32_t tid)
{
	struct jtag *tags;
	struct jstage st;
	long ntags, i;
	size_t maxtags = jc->bsize / 8 + 1;
	int error = 0;

	if ((tags = kmem_alloc(maxtags * sizeof(*tags))) == NULL)
		return ENOMEM;
	ntags = jtags(jc, blk, tags, maxtags);
	if (ntags < 0 || (size_t)ntags > maxtags) {
		error = ext2fs_corrupt(jc->ump, "journal: descriptor block of "
		    "transaction %u: bad tags", tid);
		goto out;
	}
	memset(&st, 0, sizeof(st));
	if (jc->v1)
		jc->v1sum = ext2fs_crc32_be(jc->v1sum, blk, jc->bsize);
	for (i = 0; i < ntags; i++) {
		*posp = jnext(jc, *posp);
		if (jc->v1 && (error = jv1_add(jc, *posp)) != 0)
			goto out;
		if (tags[i].blk >= jc->ump->um_nblocks) {
			error = ext2fs_corrupt(jc->ump, "journal: transaction "
			    "%u writes block %llu beyond the filesystem", tid,
			    (unsigned long long)tags[i].blk);
			goto out;
		}
		st.blk = tags[i].blk;
		st.jpos = *posp;
		st.csum = tags[i].csum;
		st.escaped = (tags[i].flags & JBD2_FLAG_ESCAPE) != 0;
		if ((error = jstage_add(jc, &st)) != 0)
			goto out;
	}
out:
	kmem_free(tags, maxtags * sizeof(*tags));
	return error;
}

/*
 * Walk the log from START/SEQ, building the replay map.  *NEXTP: the id
 * after the last committed transaction.
 */
static int
jwalk(struct jctx *jc, uint32_t start, uint32_t seq, uint32_t *nextp)
{
	const struct jbd2_header *h;
	uint32_t pos = start, tid = seq, type;
	uint64_t steps, maxsteps = 2ULL * (jc->last - jc->first) + 2;
	struct buf *bp;
	int error = 0;

	for (steps = 0; steps < maxsteps; steps++) {
		if (jc->nstage > (size_t)(jc->last - jc->first) *
		    (jc->bsize / 4))
			return ext2fs_corrupt(jc->ump, "journal: transaction "
			    "%u is larger than the journal", tid);
		if ((error = jread(jc, pos, &bp)) != 0)
			return error;
		h = bp->b_data;
		if (e2_be32(h->h_magic) != JBD2_MAGIC ||
		    e2_be32(h->h_sequence) != tid) {
			brelse(bp);
			break;
		}
		type = e2_be32(h->h_blocktype);
		if (type == JBD2_DESCRIPTOR_BLOCK) {
			if (!jtail_ok(jc, bp->b_data)) {
				error = jcheck_torn(jc, bp->b_data, pos, tid);
				brelse(bp);
				break;
			}
			error = jdesc_stage(jc, bp->b_data, &pos, tid);
		} else if (type == JBD2_REVOKE_BLOCK) {
			if (!jtail_ok(jc, bp->b_data))
				error = ext2fs_corrupt(jc->ump, "journal: "
				    "revoke block of transaction %u has a bad "
				    "checksum", tid);
			else
				error = jrevoke_stage(jc, bp->b_data, tid);
		} else if (type == JBD2_COMMIT_BLOCK) {
			if (!jcommit_ok(jc, bp->b_data) ||
			    !jv1_commit_ok(jc, bp->b_data)) {
				brelse(bp);
				if (jc->incompat &
				    JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT)
					break;	/* a torn async commit */
				return ext2fs_corrupt(jc->ump, "journal: "
				    "commit block of transaction %u has a "
				    "bad checksum", tid);
			}
			error = jstage_commit(jc, tid);
			tid++;
		} else {
			brelse(bp);
			break;	/* not a log block: the end */
		}
		brelse(bp);
		if (error)
			return error;
		pos = jnext(jc, pos);
	}
	if (steps == maxsteps)
		return ext2fs_corrupt(jc->ump, "journal: log does not end");
	jc->nstage = 0;		/* the uncommitted tail */
	klog(KLOG_INFO, "ext2fs: %s: journal: replaying transactions %u..%u "
	    "(%zu blocks)%s", jc->ump->um_mp->mnt_source, seq,
	    tid - 1, jc->nent, jc->ump->um_ronly ? " in memory" : "");
	*nextp = tid;
	return error;
}

/* Put the replayed blocks into the buffer cache, pinned. */
static int
jinstall(struct jctx *jc)
{
	struct ext2fs_mount *ump = jc->ump;
	struct jmap_ent *e;
	e2be32_t seq;
	struct buf *bp;
	uint32_t crc;
	size_t i;
	int error;

	if (jc->nent == 0)
		return 0;
	if ((ump->um_replayed = kmem_alloc(jc->nent *
	    sizeof(*ump->um_replayed))) == NULL)
		return ENOMEM;
	ump->um_replayed_cap = jc->nent;
	for (i = 0; i < jc->nhash; i++) {
		for (e = jc->hash[i]; e != NULL; e = e->next) {
			if ((error = jread(jc, e->jpos, &bp)) != 0)
				return error;
			memcpy(jc->tmp, bp->b_data, jc->bsize);
			brelse(bp);
			if (jc->csum) {
				seq = e2_mkbe32(e->tid);
				crc = ext2fs_crc32c(jc->seed, &seq, 4);
				crc = ext2fs_crc32c(crc, jc->tmp, jc->bsize);
				if (!jc->v3)
					crc &= 0xffff;
				if (crc != e->csum)
					return ext2fs_corrupt(ump, "journal: "
					    "transaction %u: block %llu has a "
					    "bad checksum", e->tid,
					    (unsigned long long)e->blk);
			}
			if (e->escaped)
				memcpy(jc->tmp, (e2be32_t[]){
				    e2_mkbe32(JBD2_MAGIC) }, 4);
			if ((error = getblk(ump->um_dev, EXT2_FSBTODB(ump,
			    e->blk), jc->bsize, &bp)) != 0)
				return error;
			memcpy(bp->b_data, jc->tmp, jc->bsize);
			bpin(bp);
			bdwrite(bp);
			ump->um_replayed[ump->um_nreplayed++] = e->blk;
		}
	}
	return 0;
}

/*
 * Read-write mounts: clear needs_recovery in the superblock in place
 * (the replayed copy when the superblock was in the journal).
 */
static int
jsb_clear_recover(struct jctx *jc)
{
	struct ext2fs_mount *ump = jc->ump;
	struct ext2_super *sb;
	struct buf *bp;
	int error;

	if ((error = ext2fs_bread(ump, EXT2_SBOFF >> ump->um_bshift, 0,
	    "superblock", 0, &bp)) != 0)
		return error;
	sb = (struct ext2_super *)((uint8_t *)bp->b_data +
	    (EXT2_SBOFF & (ump->um_bsize - 1)));
	sb->s_feature_incompat = e2_mkle32(e2_le32(sb->s_feature_incompat) &
	    ~(uint32_t)EXT2F_INCOMPAT_RECOVER);
	if (e2_le32(sb->s_feature_ro_compat) & EXT2F_ROCOMPAT_METADATA_CSUM)
		ext2fs_sb_csum_set(sb);
	if ((error = bwrite(bp)) != 0)
		return error;
	return blkdev_flush(ump->um_dev);
}

/*
 * Read-write mounts: the replayed blocks (pinned by jinstall) go to
 * their places, then the journal is emptied (s_start 0, s_sequence NEXT)
 * and needs_recovery cleared, each step durable before the next.  A
 * crash in between replays the same log again.
 */
static int
jcheckpoint(struct jctx *jc, uint32_t next)
{
	struct ext2fs_mount *ump = jc->ump;
	struct jbd2_super *js;
	static const uint8_t zero[4];
	struct buf *bp;
	uint32_t crc;
	size_t i;
	int error;

	for (i = 0; i < ump->um_nreplayed; i++)
		bunpin(ump->um_dev, EXT2_FSBTODB(ump, ump->um_replayed[i]));
	if ((error = bsync(ump->um_dev)) != 0)
		return error;
	if ((error = jread(jc, 0, &bp)) != 0)
		return error;
	js = bp->b_data;
	js->s_start = e2_mkbe32(0);
	js->s_sequence = e2_mkbe32(next);
	if (jc->csum) {
		crc = ext2fs_crc32c(~0U, js, offsetof(struct jbd2_super,
		    s_checksum));
		crc = ext2fs_crc32c(crc, zero, 4);
		crc = ext2fs_crc32c(crc, js->s_users, sizeof(*js) -
		    offsetof(struct jbd2_super, s_users));
		js->s_checksum = e2_mkbe32(crc);
	}
	if ((error = bwrite(bp)) != 0)
		return error;
	if ((error = blkdev_flush(ump->um_dev)) != 0)
		return error;
	if ((error = jsb_clear_recover(jc)) != 0)
		return error;
	/* Written: nothing left to drop at unmount. */
	if (ump->um_replayed != NULL)
		kmem_free(ump->um_replayed, ump->um_replayed_cap *
		    sizeof(*ump->um_replayed));
	ump->um_replayed = NULL;
	ump->um_nreplayed = ump->um_replayed_cap = 0;
	klog(KLOG_INFO, "ext2fs: %s: journal replayed and emptied",
	    ump->um_mp->mnt_source);
	return 0;
}

static void
jctx_free(struct jctx *jc)
{
	struct jmap_ent *e, *n;
	size_t i;

	if (jc->hash != NULL) {
		for (i = 0; i < jc->nhash; i++)
			for (e = jc->hash[i]; e != NULL; e = n) {
				n = e->next;
				kmem_free(e, sizeof(*e));
			}
		kmem_free(jc->hash, jc->nhash * sizeof(*jc->hash));
	}
	if (jc->stage != NULL)
		kmem_free(jc->stage, jc->maxstage * sizeof(*jc->stage));
	if (jc->tmp != NULL)
		kmem_free(jc->tmp, jc->bsize);
	if (jc->jnp != NULL)
		ext2fs_node_free(jc->jnp);
}

int
ext2fs_journal_replay(struct ext2fs_mount *ump)
{
	struct jctx jc;
	uint32_t ino = e2_le32(ump->um_sb.s_journal_inum), start, seq, next = 0;
	int error;

	memset(&jc, 0, sizeof(jc));
	jc.ump = ump;
	jc.bsize = ump->um_bsize;
	if (ino == 0) {
		vfs_mount_error(ump->um_mp, "ext2fs: needs recovery from an "
		    "external journal, which is not supported");
		return EINVAL;
	}
	error = ext2fs_node_load(ump, ino, &jc.jnp);
	if (error == ENOENT || error == ESTALE)
		error = ext2fs_corrupt(ump, "journal inode %u is free", ino);
	if (error)
		goto out;
	if ((jc.jnp->n_mode & S_IFMT) != S_IFREG ||
	    (jc.jnp->n_flags & EXT2_INLINE_DATA_FL)) {
		error = ext2fs_corrupt(ump, "journal inode %u: not a regular "
		    "file", ino);
		goto out;
	}
	if ((error = jsb_load(&jc, &start, &seq)) != 0)
		goto out;
	if (start == 0) {
		/* Clean journal: only the flag is left to clear. */
		if (!ump->um_ronly)
			error = jsb_clear_recover(&jc);
		goto out;
	}
	for (jc.nhash = 64; jc.nhash < (jc.last - jc.first) / 4 &&
	    jc.nhash < 65536; jc.nhash <<= 1)
		continue;
	if ((jc.hash = kmem_zalloc(jc.nhash * sizeof(*jc.hash))) == NULL ||
	    (jc.tmp = kmem_alloc(jc.bsize)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	jc.v1sum = ~0U;
	if ((error = jwalk(&jc, start, seq, &next)) != 0)
		goto out;
	if ((error = jinstall(&jc)) != 0)
		goto out;
	if (!ump->um_ronly)
		error = jcheckpoint(&jc, next);
out:
	if (error == EUCLEAN)
		vfs_mount_error(ump->um_mp, "ext2fs: the journal is corrupt "
		    "(see log); mount with norecovery to skip it");
	jctx_free(&jc);
	if (error)
		ext2fs_journal_release(ump);
	return error;
}

void
ext2fs_journal_release(struct ext2fs_mount *ump)
{
	struct buf *bp;
	size_t i;

	for (i = 0; i < ump->um_nreplayed; i++)
		if (getblk(ump->um_dev, EXT2_FSBTODB(ump, ump->um_replayed[i]),
		    ump->um_bsize, &bp) == 0)
			binval(bp);
	if (ump->um_replayed != NULL)
		kmem_free(ump->um_replayed, ump->um_replayed_cap *
		    sizeof(*ump->um_replayed));
	ump->um_replayed = NULL;
	ump->um_nreplayed = ump->um_replayed_cap = 0;
}
