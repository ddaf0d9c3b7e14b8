/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_ino.c -- inode numbers for a filesystem that has none.
 *
 * A FAT file is its short directory entry, found by the entry's device
 * byte offset (its "location").  The vnode cache needs a number that
 * stays the same for as long as the vnode lives, but a rename moves the
 * entry, and the kernel cannot re-key a cached vnode.  So:
 *
 *   - The natural number of a location L is (L >> 5) +
 *     MSDOSFS_INO_NATURAL: deterministic, so a file that is never
 *     renamed has the same number in every mount.  The root is
 *     MSDOSFS_ROOTINO.
 *   - A record {number, location, slot, parent, flags} exists for every
 *     number in use: every loaded vnode, every directory ever looked up
 *     (a directory's ".." is found through its parent's number, which
 *     must outlive the parent's vnode), and every number that is not
 *     its location's natural one (a renamed file).  Records are found
 *     by number and by location (two hash tables).
 *   - Lookup of a location returns the record's number, or creates a
 *     record with the natural number -- or, if another record already
 *     holds that number (the file once there was renamed away and still
 *     has it, or was unlinked and is still open), with a synthetic
 *     number from a counter above every natural one.
 *   - Rename moves a record to the new location and keeps its number.
 *   - Unlink detaches the record from its location; the number stays
 *     reserved until the vnode is reclaimed.
 *   - Reclaim drops a file's record if it holds its location's natural
 *     number (it can be recomputed); other records stay.
 *
 * So a number names one file for the life of the mount, and memory
 * grows only with live vnodes, directories and renamed files.
 *
 * Locking: pm_inolock, a leaf mutex, protects everything here.
 *
 * Exports (msdosfs_node.h): msdosfs_ino_init, msdosfs_ino_fini,
 * msdosfs_ino_lookup, msdosfs_ino_info, msdosfs_ino_attach,
 * msdosfs_ino_detach, msdosfs_ino_move, msdosfs_ino_unlink,
 * msdosfs_ino_forget, msdosfs_ino_peek.
 */
#include "kern/kern.h"
#include "kern/lock.h"

#include "msdosfs_node.h"

#define R_DIR		0x1	/* a directory: kept for ".." */
#define R_LIVE		0x2	/* a vnode exists */
#define R_UNLINKED	0x4	/* no location any more */

struct inorec {
	struct inorec	*r_inonext;	/* hash chain by number */
	struct inorec	*r_locnext;	/* hash chain by location */
	uint64_t	r_ino;
	uint64_t	r_loc;		/* 0 when unlinked */
	uint64_t	r_parent;
	uint32_t	r_slot;
	uint32_t	r_flags;
};

struct msdosfs_inomap {
	struct inorec	**im_byino;
	struct inorec	**im_byloc;
	size_t		im_mask;	/* buckets - 1 */
	size_t		im_count;
	uint64_t	im_nextsyn;	/* next synthetic number */
};

#define IM_MINBUCKETS	256

static uint64_t
natural(uint64_t loc)
{
	return (loc >> DE_SHIFT) + MSDOSFS_INO_NATURAL;
}

static size_t
hashkey(uint64_t k, size_t mask)
{
	k ^= k >> 31;
	k *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(k >> 17) & mask;
}

int
msdosfs_ino_init(struct msdosfs_mount *pmp)
{
	struct msdosfs_inomap *im;
	int error;

	if ((im = kmem_zalloc(sizeof(*im))) == NULL)
		return ENOMEM;
	im->im_mask = IM_MINBUCKETS - 1;
	im->im_byino = kmem_zalloc(IM_MINBUCKETS * sizeof(struct inorec *));
	im->im_byloc = kmem_zalloc(IM_MINBUCKETS * sizeof(struct inorec *));
	if (im->im_byino == NULL || im->im_byloc == NULL) {
		error = ENOMEM;
		goto out_free;
	}
	im->im_nextsyn = MSDOSFS_INO_SYNTH;
	if ((error = mutex_init(&pmp->pm_inolock)) != 0)
		goto out_free;
	pmp->pm_inomap = im;
	return 0;
out_free:
	if (im->im_byino != NULL)
		kmem_free(im->im_byino, IM_MINBUCKETS * sizeof(*im->im_byino));
	if (im->im_byloc != NULL)
		kmem_free(im->im_byloc, IM_MINBUCKETS * sizeof(*im->im_byloc));
	kmem_free(im, sizeof(*im));
	return error;
}

void
msdosfs_ino_fini(struct msdosfs_mount *pmp)
{
	struct msdosfs_inomap *im = pmp->pm_inomap;
	struct inorec *r, *next;
	size_t i;

	if (im == NULL)
		return;
	for (i = 0; i <= im->im_mask; i++)
		for (r = im->im_byino[i]; r != NULL; r = next) {
			next = r->r_inonext;
			kmem_free(r, sizeof(*r));
		}
	kmem_free(im->im_byino, (im->im_mask + 1) * sizeof(struct inorec *));
	kmem_free(im->im_byloc, (im->im_mask + 1) * sizeof(struct inorec *));
	kmem_free(im, sizeof(*im));
	pmp->pm_inomap = NULL;
	mutex_destroy(&pmp->pm_inolock);
}

static struct inorec *
find_ino(struct msdosfs_inomap *im, uint64_t ino)
{
	struct inorec *r;

	for (r = im->im_byino[hashkey(ino, im->im_mask)]; r != NULL;
	    r = r->r_inonext)
		if (r->r_ino == ino)
			return r;
	return NULL;
}

static struct inorec *
find_loc(struct msdosfs_inomap *im, uint64_t loc)
{
	struct inorec *r;

	for (r = im->im_byloc[hashkey(loc, im->im_mask)]; r != NULL;
	    r = r->r_locnext)
		if (r->r_loc == loc)
			return r;
	return NULL;
}

static void
link_loc(struct msdosfs_inomap *im, struct inorec *r)
{
	struct inorec **bp = &im->im_byloc[hashkey(r->r_loc, im->im_mask)];

	r->r_locnext = *bp;
	*bp = r;
}

static void
unlink_loc(struct msdosfs_inomap *im, struct inorec *r)
{
	struct inorec **pp;

	for (pp = &im->im_byloc[hashkey(r->r_loc, im->im_mask)]; *pp != r;
	    pp = &(*pp)->r_locnext)
		KASSERT(*pp != NULL);
	*pp = r->r_locnext;
	r->r_locnext = NULL;
}

static void
link_ino(struct msdosfs_inomap *im, struct inorec *r)
{
	struct inorec **bp = &im->im_byino[hashkey(r->r_ino, im->im_mask)];

	r->r_inonext = *bp;
	*bp = r;
}

/* Double the tables when they are full; failure only costs speed. */
static void
maybe_grow(struct msdosfs_inomap *im)
{
	struct inorec **byino, **byloc, *r, *next;
	size_t nb = (im->im_mask + 1) * 2, i, omask = im->im_mask;

	if (im->im_count <= im->im_mask + 1 || nb > ((size_t)1 << 24))
		return;
	byino = kmem_zalloc(nb * sizeof(*byino));
	byloc = kmem_zalloc(nb * sizeof(*byloc));
	if (byino == NULL || byloc == NULL) {
		if (byino != NULL)
			kmem_free(byino, nb * sizeof(*byino));
		if (byloc != NULL)
			kmem_free(byloc, nb * sizeof(*byloc));
		return;
	}
	for (i = 0; i <= omask; i++)
		for (r = im->im_byino[i]; r != NULL; r = next) {
			next = r->r_inonext;
			r->r_inonext = byino[hashkey(r->r_ino, nb - 1)];
			byino[hashkey(r->r_ino, nb - 1)] = r;
			if (!(r->r_flags & R_UNLINKED)) {
				r->r_locnext = byloc[hashkey(r->r_loc, nb - 1)];
				byloc[hashkey(r->r_loc, nb - 1)] = r;
			}
		}
	kmem_free(im->im_byino, (omask + 1) * sizeof(*byino));
	kmem_free(im->im_byloc, (omask + 1) * sizeof(*byloc));
	im->im_byino = byino;
	im->im_byloc = byloc;
	im->im_mask = nb - 1;
}

static void
drop(struct msdosfs_inomap *im, struct inorec *r)
{
	struct inorec **pp;

	if (!(r->r_flags & R_UNLINKED))
		unlink_loc(im, r);
	for (pp = &im->im_byino[hashkey(r->r_ino, im->im_mask)]; *pp != r;
	    pp = &(*pp)->r_inonext)
		KASSERT(*pp != NULL);
	*pp = r->r_inonext;
	im->im_count--;
	kmem_free(r, sizeof(*r));
}

/* May record R go once its vnode is gone? */
static bool
transient(const struct inorec *r)
{
	if (r->r_flags & R_UNLINKED)
		return true;
	return !(r->r_flags & R_DIR) && r->r_ino == natural(r->r_loc);
}

/* A new record for LOC (no record has it), number chosen here. */
static int
create(struct msdosfs_inomap *im, uint64_t loc, uint32_t slot,
    uint64_t parent, bool isdir, struct inorec **rp)
{
	struct inorec *r;
	uint64_t ino = natural(loc);

	if (find_ino(im, ino) != NULL)
		ino = im->im_nextsyn++;
	if ((r = kmem_zalloc(sizeof(*r))) == NULL)
		return ENOMEM;
	r->r_ino = ino;
	r->r_loc = loc;
	r->r_slot = slot;
	r->r_parent = parent;
	r->r_flags = isdir ? R_DIR : 0;
	link_ino(im, r);
	link_loc(im, r);
	im->im_count++;
	maybe_grow(im);
	*rp = r;
	return 0;
}

/*
 * The number of the entry at LOC (slot SLOT of directory PARENT),
 * created if it has none.
 * => ENOMEM.
 */
int
msdosfs_ino_lookup(struct msdosfs_mount *pmp, uint64_t loc, uint32_t slot,
    uint64_t parent, bool isdir, uint64_t *inop)
{
	struct msdosfs_inomap *im = pmp->pm_inomap;
	struct inorec *r;
	int error = 0;

	KASSERT(loc != 0);
	mutex_enter(&pmp->pm_inolock);
	if ((r = find_loc(im, loc)) == NULL)
		error = create(im, loc, slot, parent, isdir, &r);
	else {
		r->r_slot = slot;
		r->r_parent = parent;
		if (isdir)
			r->r_flags |= R_DIR;
	}
	if (error == 0)
		*inop = r->r_ino;
	mutex_exit(&pmp->pm_inolock);
	return error;
}

/*
 * Where number INO's entry is, for loading its vnode without a hint.
 * => ESTALE if the number is unknown or its file was unlinked.
 */
int
msdosfs_ino_info(struct msdosfs_mount *pmp, uint64_t ino,
    struct msdosfs_hint *h, bool *isdirp)
{
	struct inorec *r;
	int error = 0;

	mutex_enter(&pmp->pm_inolock);
	r = find_ino(pmp->pm_inomap, ino);
	if (r == NULL || (r->r_flags & R_UNLINKED))
		error = ESTALE;
	else {
		h->h_loc = r->r_loc;
		h->h_slot = r->r_slot;
		h->h_parent = r->r_parent;
		*isdirp = (r->r_flags & R_DIR) != 0;
	}
	mutex_exit(&pmp->pm_inolock);
	return error;
}

/*
 * A vnode for INO is being loaded from the entry H describes: make sure
 * the record exists (a reclaim may have dropped it since the lookup) and
 * mark it live.
 * => EEXIST if H's location belongs to another number (the entry moved
 *    under a stale hint); ENOMEM.
 */
int
msdosfs_ino_attach(struct msdosfs_mount *pmp, uint64_t ino,
    const struct msdosfs_hint *h, bool isdir)
{
	struct msdosfs_inomap *im = pmp->pm_inomap;
	struct inorec *r, *rl;
	int error = 0;

	mutex_enter(&pmp->pm_inolock);
	r = find_ino(im, ino);
	rl = find_loc(im, h->h_loc);
	if (r == NULL && rl == NULL) {
		if ((r = kmem_zalloc(sizeof(*r))) == NULL) {
			error = ENOMEM;
			goto out;
		}
		r->r_ino = ino;
		r->r_loc = h->h_loc;
		link_ino(im, r);
		link_loc(im, r);
		im->im_count++;
		maybe_grow(im);
	} else if (r == NULL || r != rl) {
		error = EEXIST;
		goto out;
	}
	r->r_slot = h->h_slot;
	r->r_parent = h->h_parent;
	r->r_flags |= R_LIVE | (isdir ? R_DIR : 0);
out:
	mutex_exit(&pmp->pm_inolock);
	return error;
}

/* INO's vnode is gone: drop the record if it can be recomputed. */
void
msdosfs_ino_detach(struct msdosfs_mount *pmp, uint64_t ino)
{
	struct msdosfs_inomap *im = pmp->pm_inomap;
	struct inorec *r;

	mutex_enter(&pmp->pm_inolock);
	if ((r = find_ino(im, ino)) != NULL) {
		r->r_flags &= ~R_LIVE;
		if (transient(r))
			drop(im, r);
	}
	mutex_exit(&pmp->pm_inolock);
}

/* INO's entry moved to LOC (slot SLOT of PARENT); LOC has no record. */
void
msdosfs_ino_move(struct msdosfs_mount *pmp, uint64_t ino, uint64_t loc,
    uint32_t slot, uint64_t parent)
{
	struct msdosfs_inomap *im = pmp->pm_inomap;
	struct inorec *r;

	mutex_enter(&pmp->pm_inolock);
	r = find_ino(im, ino);
	KASSERT(r != NULL && !(r->r_flags & R_UNLINKED));
	KASSERT(find_loc(im, loc) == NULL);
	unlink_loc(im, r);
	r->r_loc = loc;
	r->r_slot = slot;
	r->r_parent = parent;
	link_loc(im, r);
	mutex_exit(&pmp->pm_inolock);
}

/* INO's entry is gone; the number stays reserved while its vnode lives. */
void
msdosfs_ino_unlink(struct msdosfs_mount *pmp, uint64_t ino)
{
	struct msdosfs_inomap *im = pmp->pm_inomap;
	struct inorec *r;

	mutex_enter(&pmp->pm_inolock);
	if ((r = find_ino(im, ino)) != NULL && !(r->r_flags & R_UNLINKED)) {
		unlink_loc(im, r);
		r->r_loc = 0;
		r->r_flags |= R_UNLINKED;
		if (!(r->r_flags & R_LIVE))
			drop(im, r);
	}
	mutex_exit(&pmp->pm_inolock);
}

/* A lookup's vcache_get of INO failed: drop its record if nothing uses it. */
void
msdosfs_ino_forget(struct msdosfs_mount *pmp, uint64_t ino)
{
	struct msdosfs_inomap *im = pmp->pm_inomap;
	struct inorec *r;

	mutex_enter(&pmp->pm_inolock);
	if ((r = find_ino(im, ino)) != NULL && !(r->r_flags & R_LIVE) &&
	    transient(r))
		drop(im, r);
	mutex_exit(&pmp->pm_inolock);
}

/*
 * The number readdir shows for the entry at LOC: its record's, else its
 * natural number -- which needs no record -- unless that is taken, in
 * which case the entry gets its (synthetic, kept) record now.
 * => ENOMEM.
 */
int
msdosfs_ino_peek(struct msdosfs_mount *pmp, uint64_t loc, uint32_t slot,
    uint64_t parent, bool isdir, uint64_t *inop)
{
	struct msdosfs_inomap *im = pmp->pm_inomap;
	struct inorec *r;
	int error = 0;

	mutex_enter(&pmp->pm_inolock);
	if ((r = find_loc(im, loc)) != NULL)
		*inop = r->r_ino;
	else if (find_ino(im, natural(loc)) == NULL)
		*inop = natural(loc);
	else if ((error = create(im, loc, slot, parent, isdir, &r)) == 0)
		*inop = r->r_ino;
	mutex_exit(&pmp->pm_inolock);
	return error;
}
