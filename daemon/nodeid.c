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
 *   - An open handle (struct rf_file) holds a vnode reference of its own:
 *     the kernel queues RELEASE asynchronously and the FORGET of the same
 *     inode may be handled first, by another thread.
 *   - The kernel forgets nothing at unmount, so rf_nodes_fini() releases
 *     every node, and closes the handles whose release never came.
 *
 * Locking: nodes_lock protects the table, every n_nlookup and the open
 * cache fields; files_lock the list of open handles.  No kernel call is
 * made with either held (vfs_pub_vrele may block).
 *
 * Exports: rf_nodes_init, rf_nodes_fini, rf_node_get, rf_ino_vp,
 * rf_node_lookup, rf_node_forget, rf_node_datachanged,
 * rf_node_open_keepcache, rf_file_new, rf_file_free.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bridge.h"

int
rf_nodes_init(struct rf_bridge *b, struct vnode *rootvp)
{

	pthread_mutex_init(&b->nodes_lock, NULL);
	pthread_mutex_init(&b->files_lock, NULL);
	b->nodes = g_hash_table_new(g_direct_hash, g_direct_equal);
	memset(&b->root, 0, sizeof(b->root));
	b->root.n_vp = rootvp;
	b->root.n_nlookup = 1;
	b->next_generation = 1;
	b->files = NULL;
	g_hash_table_insert(b->nodes, rootvp, &b->root);
	return 0;
}

void
rf_nodes_fini(struct rf_bridge *b)
{
	struct rf_file *f;
	GHashTableIter it;
	gpointer key, val;
	GPtrArray *drop;
	struct rf_node *node;
	unsigned i, nfiles = 0;

	/* Handles whose release never came (killed with files open). */
	pthread_mutex_lock(&b->files_lock);
	while ((f = b->files) != NULL) {
		b->files = f->f_next;
		if (f->f_next != NULL)
			f->f_next->f_prevp = &b->files;
		pthread_mutex_unlock(&b->files_lock);
		(void)rf_k->close(f->f_vp, f->f_oflags);
		rf_k->vrele(f->f_vp);
		free(f);
		nfiles++;
		pthread_mutex_lock(&b->files_lock);
	}
	pthread_mutex_unlock(&b->files_lock);
	if (nfiles > 0 && rf_debug)
		rf_log(LOG_DEBUG, "closed %u handle(s) left open", nfiles);

	drop = g_ptr_array_new();
	pthread_mutex_lock(&b->nodes_lock);
	g_hash_table_iter_init(&it, b->nodes);
	while (g_hash_table_iter_next(&it, &key, &val))
		if (val != &b->root)
			g_ptr_array_add(drop, val);
	g_hash_table_remove_all(b->nodes);
	pthread_mutex_unlock(&b->nodes_lock);

	for (i = 0; i < drop->len; i++) {
		node = g_ptr_array_index(drop, i);
		rf_k->vrele(node->n_vp);
		free(node);
	}
	if (rf_debug)
		rf_log(LOG_DEBUG, "released %u node(s) and the root",
		    drop->len);
	g_ptr_array_free(drop, TRUE);
	if (b->root.n_vp != NULL) {
		rf_k->vrele(b->root.n_vp);
		b->root.n_vp = NULL;
	}
	g_hash_table_destroy(b->nodes);
	b->nodes = NULL;
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

struct rf_node *
rf_node_lookup(struct rf_bridge *b, struct vnode *vp, fuse_ino_t *inop)
{
	struct rf_node *node, *fresh;
	bool dup;

	/* Allocate outside the lock; usually the node is new. */
	fresh = calloc(1, sizeof(*fresh));
	if (fresh == NULL)
		abort();	/* as g_malloc would; not recoverable here */

	pthread_mutex_lock(&b->nodes_lock);
	node = g_hash_table_lookup(b->nodes, vp);
	if (node != NULL) {
		node->n_nlookup++;
		dup = true;
	} else {
		node = fresh;
		fresh = NULL;
		node->n_vp = vp;
		node->n_nlookup = 1;
		node->n_generation = b->next_generation++;
		g_hash_table_insert(b->nodes, vp, node);
		dup = false;
	}
	pthread_mutex_unlock(&b->nodes_lock);

	free(fresh);
	if (dup)
		rf_k->vrele(vp);	/* the node keeps its own */
	*inop = node == &b->root ? FUSE_ROOT_ID :
	    (fuse_ino_t)(uintptr_t)node;
	return node;
}

void
rf_node_forget(struct rf_bridge *b, struct rf_node *node, uint64_t nlookup)
{
	struct vnode *vp = NULL;

	pthread_mutex_lock(&b->nodes_lock);
	if (nlookup > node->n_nlookup) {
		rf_log(LOG_WARNING, "forget %llu > nlookup %llu",
		    (unsigned long long)nlookup,
		    (unsigned long long)node->n_nlookup);
		nlookup = node->n_nlookup;
	}
	node->n_nlookup -= nlookup;
	if (node->n_nlookup == 0 && node != &b->root) {
		g_hash_table_remove(b->nodes, node->n_vp);
		vp = node->n_vp;
	}
	pthread_mutex_unlock(&b->nodes_lock);

	if (vp != NULL) {
		rf_k->vrele(vp);
		free(node);
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

struct rf_file *
rf_file_new(struct rf_bridge *b, struct vnode *vp, int oflags)
{
	struct rf_file *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	rf_k->vref(vp);
	f->f_vp = vp;
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
	rf_k->vrele(f->f_vp);
	free(f);
}
