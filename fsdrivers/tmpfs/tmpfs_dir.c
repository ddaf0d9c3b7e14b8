/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_dir.c -- tmpfs directory entries.
 *
 * A directory indexes its entries twice: by name in a hash table that
 * doubles as it fills (O(1) lookup at any size), and by cookie in a
 * sparse array (tmpfs_radix.c) that gives readdir its order.  Each entry
 * gets the next cookie of its directory when it is added, so cookies
 * increase in insertion order and are never reused: "." is cookie 0, ".."
 * cookie 1, entries start at 3.  Enumeration resumes at the first entry
 * whose cookie is >= the caller's, so entries added or removed during an
 * enumeration never make it skip or repeat the others.
 *
 * The caller holds the directory's vnode lock (shared for lookup and
 * readdir, exclusive to change it); link counts and times are its job.
 *
 * Exports tmpfs_dir_{lookup,enter,remove,destroy,readdir,size}.
 */
#include "kern/kern.h"

#include "tmpfs_node.h"

#define TMPFS_DHASH_MIN		16
#define TMPFS_DHASH_LOAD	2	/* entries per bucket before growing */

static uint32_t
tmpfs_name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 16777619u;
	}
	return h;
}

static size_t
tmpfs_dirent_size(size_t namelen)
{
	return offsetof(struct tmpfs_dirent, de_name) + namelen;
}

static void
tmpfs_dirent_free(struct tmpfs_mount *tm, void *p, void *arg __unused)
{
	struct tmpfs_dirent *de = p;

	tmpfs_mem_free(tm, de, tmpfs_dirent_size(de->de_namelen));
}

struct tmpfs_dirent *
tmpfs_dir_lookup(struct tmpfs_node *dn, const char *name, size_t len)
{
	struct tmpfs_dir *d = &dn->tn_u.tn_dir;
	struct tmpfs_dirent *de;
	uint32_t h;

	KASSERT(dn->tn_type == VDIR);
	if (d->td_hashsize == 0 || len > TMPFS_NAMEMAX)
		return NULL;
	h = tmpfs_name_hash(name, len);
	for (de = d->td_hash[h & (d->td_hashsize - 1)]; de != NULL;
	    de = de->de_hnext) {
		if (de->de_hash == h && de->de_namelen == len &&
		    memcmp(de->de_name, name, len) == 0)
			return de;
	}
	return NULL;
}

/*
 * Make room in the name hash for one more entry.  The first table must
 * be had; failing to grow a later one only lengthens the chains.
 */
static int
tmpfs_dir_hash_reserve(struct tmpfs_mount *tm, struct tmpfs_dir *d)
{
	struct tmpfs_dirent **nh, *de, *next;
	size_t nsize, i;
	int error;

	if (d->td_hashsize != 0 &&
	    d->td_count + 1 <= d->td_hashsize * TMPFS_DHASH_LOAD)
		return 0;
	nsize = d->td_hashsize == 0 ? TMPFS_DHASH_MIN : d->td_hashsize * 2;
	error = tmpfs_mem_alloc(tm, nsize * sizeof(*nh), true, (void **)&nh);
	if (error != 0)
		return d->td_hashsize == 0 ? error : 0;
	for (i = 0; i < d->td_hashsize; i++) {
		for (de = d->td_hash[i]; de != NULL; de = next) {
			next = de->de_hnext;
			de->de_hnext = nh[de->de_hash & (nsize - 1)];
			nh[de->de_hash & (nsize - 1)] = de;
		}
	}
	if (d->td_hash != NULL)
		tmpfs_mem_free(tm, d->td_hash,
		    d->td_hashsize * sizeof(*d->td_hash));
	d->td_hash = nh;
	d->td_hashsize = nsize;
	return 0;
}

int
tmpfs_dir_enter(struct tmpfs_mount *tm, struct tmpfs_node *dn,
    const char *name, size_t len, struct tmpfs_node *tn)
{
	struct tmpfs_dir *d = &dn->tn_u.tn_dir;
	struct tmpfs_dirent *de;
	size_t slot;
	int error;

	KASSERT(dn->tn_type == VDIR);
	KASSERT(len > 0 && len <= TMPFS_NAMEMAX);
	if ((error = tmpfs_dir_hash_reserve(tm, d)) != 0)
		return error;
	if ((error = tmpfs_mem_alloc(tm, tmpfs_dirent_size(len), false,
	    (void **)&de)) != 0)
		return error;
	de->de_node = tn;
	de->de_cookie = d->td_nextcookie;
	de->de_hash = tmpfs_name_hash(name, len);
	de->de_namelen = (uint16_t)len;
	memcpy(de->de_name, name, len);
	if ((error = tmpfs_radix_insert(tm, &d->td_bycookie, de->de_cookie,
	    de)) != 0) {
		tmpfs_dirent_free(tm, de, NULL);
		return error;
	}
	d->td_nextcookie++;
	slot = de->de_hash & (d->td_hashsize - 1);
	de->de_hnext = d->td_hash[slot];
	d->td_hash[slot] = de;
	d->td_count++;
	return 0;
}

void
tmpfs_dir_remove(struct tmpfs_mount *tm, struct tmpfs_node *dn,
    struct tmpfs_dirent *de)
{
	struct tmpfs_dir *d = &dn->tn_u.tn_dir;
	struct tmpfs_dirent **dep;
	void *p;

	KASSERT(d->td_count > 0);
	for (dep = &d->td_hash[de->de_hash & (d->td_hashsize - 1)];
	    *dep != de; dep = &(*dep)->de_hnext)
		KASSERT(*dep != NULL);
	*dep = de->de_hnext;
	p = tmpfs_radix_remove(tm, &d->td_bycookie, de->de_cookie);
	KASSERT(p == de);
	d->td_count--;
	tmpfs_dirent_free(tm, de, NULL);
}

void
tmpfs_dir_destroy(struct tmpfs_mount *tm, struct tmpfs_node *dn)
{
	struct tmpfs_dir *d = &dn->tn_u.tn_dir;

	tmpfs_radix_destroy(tm, &d->td_bycookie, tmpfs_dirent_free, NULL);
	if (d->td_hash != NULL)
		tmpfs_mem_free(tm, d->td_hash,
		    d->td_hashsize * sizeof(*d->td_hash));
	d->td_hash = NULL;
	d->td_hashsize = 0;
	d->td_count = 0;
}

int
tmpfs_dir_readdir(struct tmpfs_mount *tm, struct tmpfs_node *dn,
    uint64_t *cookiep, vfs_filldir_t fill, void *arg)
{
	struct tmpfs_dir *d = &dn->tn_u.tn_dir;
	struct tmpfs_dirent *de;
	struct tmpfs_node *tn;
	uint64_t c = *cookiep, found;
	ino64_t pino;

	KASSERT(dn->tn_type == VDIR);
	if (c == 0) {
		if (fill(arg, ".", 1, dn->tn_ino, VDIR, 1) != 0)
			return 0;
		*cookiep = c = 1;
	}
	if (c == 1) {
		pino = dn->tn_ino;	/* the root, or a removed directory */
		if (dn != tm->tm_root && d->td_parent != NULL)
			pino = d->td_parent->tn_ino;
		if (fill(arg, "..", 2, pino, VDIR, 2) != 0)
			return 0;
		*cookiep = c = 2;
	}
	while ((de = tmpfs_radix_next(&d->td_bycookie, c, &found)) != NULL) {
		KASSERT(found == de->de_cookie);
		tn = de->de_node;
		if (fill(arg, de->de_name, de->de_namelen, tn->tn_ino,
		    tn->tn_type, de->de_cookie + 1) != 0) {
			*cookiep = de->de_cookie;
			return 0;
		}
		*cookiep = c = de->de_cookie + 1;
	}
	return 0;
}

uint64_t
tmpfs_dir_size(const struct tmpfs_node *dn)
{
	return (dn->tn_u.tn_dir.td_count + 2) * TMPFS_BOGO_DIRENT;
}
