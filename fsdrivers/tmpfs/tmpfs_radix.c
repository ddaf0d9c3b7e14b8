/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_radix.c -- a sparse array indexed by a 64-bit key, used for the
 * pages of a regular file (key: page index) and the entries of a
 * directory in readdir order (key: cookie).
 *
 * A tree of rt_height levels of 64-way nodes covers the keys below
 * 2^(6 * rt_height); the leaf level holds the values.  The tree grows a
 * level on top when a larger key is inserted and shrinks again when the
 * root's only child is slot 0.  A node whose count drops to 0 is freed at
 * once, so the walks below never wander through empty subtrees.  Interior
 * nodes are charged to the mount (tmpfs_mem_alloc).
 *
 * Exports tmpfs_radix_{lookup,insert,remove,next,next_absent,destroy}.
 */
#include "kern/kern.h"

#include "tmpfs_node.h"

/* Largest key a tree of HEIGHT levels holds. */
static uint64_t
radix_maxkey(unsigned height)
{
	if (height == 0)
		return 0;
	if (height * TMPFS_RADIX_SHIFT >= 64)
		return UINT64_MAX;
	return ((uint64_t)1 << (height * TMPFS_RADIX_SHIFT)) - 1;
}

static unsigned
radix_slot(uint64_t key, unsigned level)
{
	return (unsigned)(key >> ((level - 1) * TMPFS_RADIX_SHIFT)) &
	    (TMPFS_RADIX_FANOUT - 1);
}

static int
radix_node_alloc(struct tmpfs_mount *tm, struct tmpfs_rnode **rnp)
{
	return tmpfs_mem_alloc(tm, sizeof(struct tmpfs_rnode), true,
	    (void **)rnp);
}

static void
radix_node_free(struct tmpfs_mount *tm, struct tmpfs_rnode *rn)
{
	KASSERT(rn->rn_count == 0);
	tmpfs_mem_free(tm, rn, sizeof(*rn));
}

void *
tmpfs_radix_lookup(const struct tmpfs_radix *rt, uint64_t key)
{
	struct tmpfs_rnode *rn;
	unsigned level;

	if (rt->rt_height == 0 || key > radix_maxkey(rt->rt_height))
		return NULL;
	rn = rt->rt_root;
	for (level = rt->rt_height; level > 1; level--) {
		rn = rn->rn_slot[radix_slot(key, level)];
		if (rn == NULL)
			return NULL;
	}
	return rn->rn_slot[radix_slot(key, 1)];
}

/* Drop root levels that only hold slot 0. */
static void
radix_shrink(struct tmpfs_mount *tm, struct tmpfs_radix *rt)
{
	struct tmpfs_rnode *rn;

	while (rt->rt_height > 1 && rt->rt_root->rn_count == 1 &&
	    rt->rt_root->rn_slot[0] != NULL) {
		rn = rt->rt_root;
		rt->rt_root = rn->rn_slot[0];
		rt->rt_height--;
		rn->rn_slot[0] = NULL;
		rn->rn_count = 0;
		radix_node_free(tm, rn);
	}
}

/*
 * Walk the path of KEY as far as it exists; clear the value there (if
 * any), free the nodes left empty, bottom-up, and shrink the tree.
 * Returns the value removed.
 */
static void *
radix_unlink_path(struct tmpfs_mount *tm, struct tmpfs_radix *rt,
    uint64_t key)
{
	struct tmpfs_rnode *path[TMPFS_RADIX_MAXHEIGHT + 1];
	struct tmpfs_rnode *rn;
	unsigned level, slot;
	void *val = NULL;

	if (rt->rt_height == 0 || key > radix_maxkey(rt->rt_height))
		return NULL;
	rn = rt->rt_root;
	for (level = rt->rt_height; ; level--) {
		path[level] = rn;
		slot = radix_slot(key, level);
		if (level == 1) {
			val = rn->rn_slot[slot];
			if (val != NULL) {
				rn->rn_slot[slot] = NULL;
				rn->rn_count--;
			}
			break;
		}
		if (rn->rn_slot[slot] == NULL)
			break;
		rn = rn->rn_slot[slot];
	}
	/* path[level..height] exist; free the empty ones bottom-up */
	for (; level <= rt->rt_height; level++) {
		rn = path[level];
		if (rn->rn_count != 0)
			break;
		if (level == rt->rt_height) {
			radix_node_free(tm, rn);
			rt->rt_root = NULL;
			rt->rt_height = 0;
			return val;
		}
		slot = radix_slot(key, level + 1);
		KASSERT(path[level + 1]->rn_slot[slot] == rn);
		path[level + 1]->rn_slot[slot] = NULL;
		path[level + 1]->rn_count--;
		radix_node_free(tm, rn);
	}
	radix_shrink(tm, rt);
	return val;
}

int
tmpfs_radix_insert(struct tmpfs_mount *tm, struct tmpfs_radix *rt,
    uint64_t key, void *val)
{
	struct tmpfs_rnode *rn, *child;
	unsigned level, slot, need;
	int error;

	KASSERT(val != NULL);
	for (need = 1; key > radix_maxkey(need); need++)
		continue;
	if (rt->rt_height == 0) {
		if ((error = radix_node_alloc(tm, &rt->rt_root)) != 0)
			return error;
		rt->rt_height = need;
	}
	while (rt->rt_height < need) {
		if ((error = radix_node_alloc(tm, &rn)) != 0) {
			radix_shrink(tm, rt);	/* drop the levels added */
			return error;
		}
		rn->rn_slot[0] = rt->rt_root;
		rn->rn_count = 1;
		rt->rt_root = rn;
		rt->rt_height++;
	}
	rn = rt->rt_root;
	for (level = rt->rt_height; level > 1; level--) {
		slot = radix_slot(key, level);
		child = rn->rn_slot[slot];
		if (child == NULL) {
			if ((error = radix_node_alloc(tm, &child)) != 0)
				goto out_undo;
			rn->rn_slot[slot] = child;
			rn->rn_count++;
		}
		rn = child;
	}
	slot = radix_slot(key, 1);
	KASSERT(rn->rn_slot[slot] == NULL);
	rn->rn_slot[slot] = val;
	rn->rn_count++;
	return 0;

out_undo:
	/* free the empty nodes added on KEY's path, then surplus levels */
	(void)radix_unlink_path(tm, rt, key);
	return error;
}

void *
tmpfs_radix_remove(struct tmpfs_mount *tm, struct tmpfs_radix *rt,
    uint64_t key)
{
	return radix_unlink_path(tm, rt, key);
}

/* First value at a key >= KEY within RN (covering keys from BASE). */
static void *
radix_next_rec(const struct tmpfs_rnode *rn, unsigned level, uint64_t base,
    uint64_t key, uint64_t *foundp)
{
	unsigned shift = (level - 1) * TMPFS_RADIX_SHIFT;
	unsigned i;
	uint64_t cbase;
	void *v;

	i = key > base ? (unsigned)((key - base) >> shift) : 0;
	for (; i < TMPFS_RADIX_FANOUT; i++) {
		if (rn->rn_slot[i] == NULL)
			continue;
		cbase = base + ((uint64_t)i << shift);
		if (level == 1) {
			*foundp = cbase;
			return rn->rn_slot[i];
		}
		v = radix_next_rec(rn->rn_slot[i], level - 1, cbase,
		    MAX(key, cbase), foundp);
		if (v != NULL)
			return v;
	}
	return NULL;
}

void *
tmpfs_radix_next(const struct tmpfs_radix *rt, uint64_t key,
    uint64_t *foundp)
{
	if (rt->rt_height == 0 || key > radix_maxkey(rt->rt_height))
		return NULL;
	return radix_next_rec(rt->rt_root, rt->rt_height, 0, key, foundp);
}

/* First absent key >= KEY within RN (covering keys from BASE). */
static bool
radix_absent_rec(const struct tmpfs_rnode *rn, unsigned level, uint64_t base,
    uint64_t key, uint64_t *foundp)
{
	unsigned shift = (level - 1) * TMPFS_RADIX_SHIFT;
	unsigned i;
	uint64_t cbase;

	if (level == 1 && rn->rn_count == TMPFS_RADIX_FANOUT)
		return false;
	i = key > base ? (unsigned)((key - base) >> shift) : 0;
	for (; i < TMPFS_RADIX_FANOUT; i++) {
		cbase = base + ((uint64_t)i << shift);
		if (rn->rn_slot[i] == NULL) {
			*foundp = MAX(key, cbase);
			return true;
		}
		if (level > 1 && radix_absent_rec(rn->rn_slot[i], level - 1,
		    cbase, MAX(key, cbase), foundp))
			return true;
	}
	return false;
}

uint64_t
tmpfs_radix_next_absent(const struct tmpfs_radix *rt, uint64_t key)
{
	uint64_t found;

	if (rt->rt_height == 0 || key > radix_maxkey(rt->rt_height))
		return key;
	if (radix_absent_rec(rt->rt_root, rt->rt_height, 0, key, &found))
		return found;
	if (radix_maxkey(rt->rt_height) == UINT64_MAX)
		return UINT64_MAX;
	return radix_maxkey(rt->rt_height) + 1;
}

static void
radix_destroy_rec(struct tmpfs_mount *tm, struct tmpfs_rnode *rn,
    unsigned level, void (*fn)(struct tmpfs_mount *, void *, void *),
    void *arg)
{
	unsigned i;

	for (i = 0; i < TMPFS_RADIX_FANOUT; i++) {
		if (rn->rn_slot[i] == NULL)
			continue;
		if (level > 1)
			radix_destroy_rec(tm, rn->rn_slot[i], level - 1, fn,
			    arg);
		else if (fn != NULL)
			fn(tm, rn->rn_slot[i], arg);
		rn->rn_slot[i] = NULL;
	}
	rn->rn_count = 0;
	radix_node_free(tm, rn);
}

void
tmpfs_radix_destroy(struct tmpfs_mount *tm, struct tmpfs_radix *rt,
    void (*fn)(struct tmpfs_mount *, void *, void *), void *arg)
{
	if (rt->rt_height != 0)
		radix_destroy_rec(tm, rt->rt_root, rt->rt_height, fn, arg);
	rt->rt_root = NULL;
	rt->rt_height = 0;
}
