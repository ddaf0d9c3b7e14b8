/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nodeid.c -- the FUSE node table: which vnode a FUSE node id names, how
 * many lookups the kernel FUSE module holds on it, and the open handles.
 *
 * Design.  The kernel FUSE module names inodes by a 64-bit node id that
 * the daemon chooses in every entry reply (lookup, mknod, mkdir, symlink,
 * link, create, readdirplus) and counts those replies ("nlookup"); when it
 * evicts the inode it sends FORGET with the count.  Here:
 *
 *   - FUSE_ROOT_ID is the root vnode; every other node id is the address
 *     of a struct rf_node.  The kernel only sends node ids it holds a
 *     lookup on, and it holds the inode for the length of every request,
 *     so a node id in a request always names a live node.
 *   - Nodes are kept in a hash table keyed by vnode pointer, so a vnode
 *     seen through two names or twice gets the same node id (the kernel
 *     requires that for hard links).
 *   - A node holds exactly one vnode reference, whatever its nlookup.
 *     The reference is dropped when nlookup reaches zero; the root's only
 *     at rf_nodes_fini().
 *   - An open handle (struct rf_file) holds a vnode reference of its own
 *     (the one rf_k's open takes, given back by its close): the kernel
 *     queues RELEASE asynchronously and the FORGET of the same inode may
 *     be handled first, by another thread.
 *   - The kernel forgets nothing at unmount, so rf_nodes_fini() releases
 *     every node, and closes the handles whose release never came.
 *
 * Memory.  With a sandbox the process runs under a memory limit
 * (RLIMIT_DATA) that the kernel's caches and tmpfs contents can use up;
 * the kernel then fails with ENOMEM, and so must this table, never
 * abort.  Nothing here uses GLib's allocators (they abort, and a
 * GHashTable allocates when it grows and when it shrinks): the table is
 * chained through the node structures themselves, so adding a node
 * needs only the node; a failed resize of the bucket array just leaves
 * longer chains.  rf_node_lookup() returns NULL when no node can be
 * allocated (rf_entry_fill() then answers ENOMEM).
 *
 * The table lives in this file (nt), for the one bridge of the process:
 * struct rf_bridge's GHashTable pointer is left NULL.
 *
 * Locking: nodes_lock protects the table, every n_nlookup and the open
 * cache fields; files_lock the list of open handles.  No kernel call is
 * made with either held (vfs_pub_vrele may block).
 *
 * Exports: rf_nodes_init, rf_nodes_fini, rf_node_get, rf_ino_vp,
 * rf_node_lookup, rf_node_forget, rf_node_datachanged,
 * rf_node_open_keepcache, rf_node_bmap, rf_node_map_put, rf_file_new,
 * rf_file_free.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bridge.h"

/* Buckets: at least this many, always a power of two. */
#define NT_MIN		256

/* A node other than the root, as allocated: its node id is its address. */
struct nt_ent {
	struct rf_node	 e_node;	/* first */
	struct nt_ent	*e_next;	/* hash chain; nodes_lock */
};

/* The node table, but for the root (b->root); all under nodes_lock. */
static struct {
	struct rf_bridge *owner;	/* the one bridge using it */
	struct nt_ent	**buckets;
	size_t		 nbuckets;	/* a power of two */
	size_t		 count;		/* nodes in the table */
} nt;

/* The bucket array when not even NT_MIN buckets could be had. */
static struct nt_ent *nt_one_bucket;

static struct nt_ent *
nt_of(struct rf_node *node)
{

	return (struct nt_ent *)(void *)node;
}

static size_t
nt_hash(const struct vnode *vp, size_t n)
{
	uint64_t x = (uint64_t)(uintptr_t)vp;

	x *= 0x9e3779b97f4a7c15ULL;	/* Fibonacci hashing */
	return (size_t)(x >> 32) & (n - 1);
}

/* The link pointing at VP's entry, or at the NULL ending its chain. */
static struct nt_ent **
nt_find(struct vnode *vp)
{
	struct nt_ent **ep;

	ep = &nt.buckets[nt_hash(vp, nt.nbuckets)];
	while (*ep != NULL && (*ep)->e_node.n_vp != vp)
		ep = &(*ep)->e_next;
	return ep;
}

/*
 * Rehash into N buckets (a power of two).  Without memory for them the
 * table stays as it is: longer chains, nothing lost.
 */
static void
nt_resize(size_t n)
{
	struct nt_ent **nb, *e, *next;
	size_t i, k;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < nt.nbuckets; i++)
		for (e = nt.buckets[i]; e != NULL; e = next) {
			next = e->e_next;
			k = nt_hash(e->e_node.n_vp, n);
			e->e_next = nb[k];
			nb[k] = e;
		}
	if (nt.buckets != &nt_one_bucket)
		free(nt.buckets);
	nt.buckets = nb;
	nt.nbuckets = n;
}

int
rf_nodes_init(struct rf_bridge *b, struct vnode *rootvp)
{
	int error = 0;

	pthread_mutex_init(&b->nodes_lock, NULL);
	pthread_mutex_init(&b->files_lock, NULL);
	b->nodes = NULL;		/* the table is nt */
	memset(&b->root, 0, sizeof(b->root));
	b->root.n_vp = rootvp;
	b->root.n_nlookup = 1;
	b->next_generation = 1;
	b->files = NULL;
	if (nt.owner != NULL)
		rf_log(LOG_ERR, "node table already in use");
	nt.owner = b;
	nt.count = 0;
	if ((nt.buckets = calloc(NT_MIN, sizeof(*nt.buckets))) != NULL)
		nt.nbuckets = NT_MIN;
	else {
		/* Still usable: one chain. */
		nt_one_bucket = NULL;
		nt.buckets = &nt_one_bucket;
		nt.nbuckets = 1;
		error = ENOMEM;
	}
	return error;
}

void
rf_nodes_fini(struct rf_bridge *b)
{
	struct rf_file *f;
	struct nt_ent *list = NULL, *e, *next;
	unsigned nfiles = 0, nnodes = 0;
	size_t i;

	/* Handles whose release never came (killed with files open). */
	pthread_mutex_lock(&b->files_lock);
	while ((f = b->files) != NULL) {
		b->files = f->f_next;
		if (f->f_next != NULL)
			f->f_next->f_prevp = &b->files;
		pthread_mutex_unlock(&b->files_lock);
		(void)rf_k->close(f->f_vp, f->f_oflags); /* and its ref */
		free(f);
		nfiles++;
		pthread_mutex_lock(&b->files_lock);
	}
	pthread_mutex_unlock(&b->files_lock);
	if (nfiles > 0 && rf_debug)
		rf_log(LOG_DEBUG, "closed %u handle(s) left open", nfiles);

	/* Unlink every node (no allocation), then release outside. */
	pthread_mutex_lock(&b->nodes_lock);
	for (i = 0; i < nt.nbuckets; i++) {
		for (e = nt.buckets[i]; e != NULL; e = next) {
			next = e->e_next;
			e->e_next = list;
			list = e;
		}
		nt.buckets[i] = NULL;
	}
	nt.count = 0;
	pthread_mutex_unlock(&b->nodes_lock);

	for (e = list; e != NULL; e = next) {
		next = e->e_next;
		rf_k->vrele(e->e_node.n_vp);
		free(e);
		nnodes++;
	}
	if (rf_debug)
		rf_log(LOG_DEBUG, "released %u node(s) and the root", nnodes);
	if (b->root.n_vp != NULL) {
		rf_k->vrele(b->root.n_vp);
		b->root.n_vp = NULL;
	}
	if (nt.buckets != &nt_one_bucket)
		free(nt.buckets);
	nt.buckets = NULL;
	nt.nbuckets = 0;
	nt.owner = NULL;
	pthread_mutex_destroy(&b->nodes_lock);
	pthread_mutex_destroy(&b->files_lock);
}

struct rf_node *
rf_node_get(struct rf_bridge *b, fuse_ino_t ino)
{

	if (ino == FUSE_ROOT_ID)
		return &b->root;
	return (struct rf_node *)(uintptr_t)ino;
}

struct vnode *
rf_ino_vp(struct rf_bridge *b, fuse_ino_t ino)
{

	return rf_node_get(b, ino)->n_vp;
}

/*
 * As bridge.h says, and: => NULL if the vnode has no node yet and none
 * can be allocated (ENOMEM); VP's reference is consumed all the same.
 */
struct rf_node *
rf_node_lookup(struct rf_bridge *b, struct vnode *vp, fuse_ino_t *inop)
{
	struct nt_ent *fresh, **ep;
	struct rf_node *node;
	bool dup = true;

	/* Allocate outside the lock; usually the node is new. */
	fresh = calloc(1, sizeof(*fresh));

	pthread_mutex_lock(&b->nodes_lock);
	if (vp == b->root.n_vp)
		node = &b->root;
	else if (*(ep = nt_find(vp)) != NULL)
		node = &(*ep)->e_node;
	else if (fresh != NULL) {
		node = &fresh->e_node;
		node->n_vp = vp;
		node->n_nlookup = 0;
		node->n_generation = b->next_generation++;
		fresh->e_next = NULL;
		*ep = fresh;
		fresh = NULL;
		dup = false;
		if (++nt.count > nt.nbuckets)
			nt_resize(nt.nbuckets * 2);
	} else
		node = NULL;
	if (node != NULL)
		node->n_nlookup++;
	pthread_mutex_unlock(&b->nodes_lock);

	free(fresh);
	if (dup)
		rf_k->vrele(vp);	/* the node keeps its own, or none */
	if (node == NULL) {
		*inop = 0;
		return NULL;
	}
	*inop = node == &b->root ? FUSE_ROOT_ID :
	    (fuse_ino_t)(uintptr_t)node;
	return node;
}

void
rf_node_forget(struct rf_bridge *b, struct rf_node *node, uint64_t nlookup)
{
	struct vnode *vp = NULL;
	struct nt_ent **ep;

	pthread_mutex_lock(&b->nodes_lock);
	if (nlookup > node->n_nlookup) {
		rf_log(LOG_WARNING, "forget %llu > nlookup %llu",
		    (unsigned long long)nlookup,
		    (unsigned long long)node->n_nlookup);
		nlookup = node->n_nlookup;
	}
	node->n_nlookup -= nlookup;
	if (node->n_nlookup == 0 && node != &b->root) {
		ep = nt_find(node->n_vp);
		if (*ep == nt_of(node)) {
			*ep = nt_of(node)->e_next;
			vp = node->n_vp;
			/* Shrinking is optional: it may fail harmlessly. */
			if (--nt.count * 8 < nt.nbuckets &&
			    nt.nbuckets > NT_MIN)
				nt_resize(nt.nbuckets / 2);
		} else
			rf_log(LOG_ERR, "forget: node %p not in the table",
			    (void *)node);
	}
	pthread_mutex_unlock(&b->nodes_lock);

	if (vp != NULL) {
		rf_k->vrele(vp);
		free(nt_of(node));
	}
}

void
rf_node_datachanged(struct rf_node *node)
{

	__atomic_add_fetch(&node->n_datagen, 1, __ATOMIC_RELEASE);
}

bool
rf_node_open_keepcache(struct rf_bridge *b, struct rf_node *node,
    const struct vattr *va)
{
	uint64_t gen;
	bool keep;

	gen = __atomic_load_n(&node->n_datagen, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&b->nodes_lock);
	keep = node->n_open_valid &&
	    node->n_open_size == va->va_size &&
	    node->n_open_mtime.tv_sec == va->va_mtime.tv_sec &&
	    node->n_open_mtime.tv_nsec == va->va_mtime.tv_nsec &&
	    node->n_open_datagen == gen;
	node->n_open_valid = true;
	node->n_open_size = va->va_size;
	node->n_open_mtime = va->va_mtime;
	node->n_open_datagen = gen;
	pthread_mutex_unlock(&b->nodes_lock);
	return keep && b->b_opts->keep_cache;
}

void
rf_node_map_put(struct rf_bridge *b, struct rf_node *node, uint64_t gen,
    uint64_t off, int fd, uint64_t devoff, uint64_t run)
{
	struct rf_map *m;
	unsigned i;

	if (run == 0 || fd < 0)
		return;
	pthread_mutex_lock(&b->nodes_lock);
	/*
	 * The same run (same end) is kept once: from the lower start if
	 * both are current, else from this one.
	 */
	for (i = 0; i < RF_NODE_MAPS; i++) {
		m = &node->n_maps[i];
		if (m->m_len != 0 && m->m_fd == fd &&
		    m->m_off + m->m_len == off + run &&
		    m->m_devoff + m->m_len == devoff + run)
			break;
	}
	if (i < RF_NODE_MAPS && m->m_gen == gen && m->m_off <= off) {
		pthread_mutex_unlock(&b->nodes_lock);
		return;			/* already known, and wider */
	}
	if (i == RF_NODE_MAPS) {
		m = &node->n_maps[node->n_maps_next];
		node->n_maps_next = (node->n_maps_next + 1) % RF_NODE_MAPS;
	}
	m->m_gen = gen;
	m->m_off = off;
	m->m_len = run;
	m->m_devoff = devoff;
	m->m_fd = fd;
	pthread_mutex_unlock(&b->nodes_lock);
}

int
rf_node_bmap(struct rf_bridge *b, struct rf_node *node, uint64_t off,
    int *hostfdp, uint64_t *devoffp, uint64_t *runp)
{
	struct rf_map *m;
	uint64_t gen, devoff, run;
	unsigned i;
	int fd, error;

	gen = __atomic_load_n(&node->n_datagen, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&b->nodes_lock);
	for (i = 0; i < RF_NODE_MAPS; i++) {
		m = &node->n_maps[i];
		if (m->m_len != 0 && m->m_gen == gen && off >= m->m_off &&
		    off - m->m_off < m->m_len) {
			*hostfdp = m->m_fd;
			*devoffp = m->m_devoff + (off - m->m_off);
			*runp = m->m_len - (off - m->m_off);
			pthread_mutex_unlock(&b->nodes_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&b->nodes_lock);

	/* GEN was read before: a write meanwhile leaves the entry stale. */
	if ((error = rf_k->bmap(node->n_vp, off, &fd, &devoff, &run)) != 0)
		return error;
	rf_node_map_put(b, node, gen, off, fd, devoff, run);
	*hostfdp = fd;
	*devoffp = devoff;
	*runp = run;
	return 0;
}

struct rf_file *
rf_file_new(struct rf_bridge *b, struct vnode *vp, int oflags)
{
	struct rf_file *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->f_vp = vp;		/* the open's reference */
	f->f_oflags = oflags;
	pthread_mutex_lock(&b->files_lock);
	f->f_next = b->files;
	if (f->f_next != NULL)
		f->f_next->f_prevp = &f->f_next;
	f->f_prevp = &b->files;
	b->files = f;
	pthread_mutex_unlock(&b->files_lock);
	return f;
}

void
rf_file_free(struct rf_bridge *b, struct rf_file *f)
{

	pthread_mutex_lock(&b->files_lock);
	*f->f_prevp = f->f_next;
	if (f->f_next != NULL)
		f->f_next->f_prevp = f->f_prevp;
	pthread_mutex_unlock(&b->files_lock);
	free(f);		/* the close released f_vp */
}
