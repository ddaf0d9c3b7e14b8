/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bridge.h -- private header of the rumpfuse daemon: the FUSE low-level
 * bridge between /dev/fuse requests and the in-process kernel.
 *
 * Who does what:
 *   main.c      command line, daemonizing, kernel and FUSE life cycle
 *   malloc_tune.c  glibc malloc tunables (one exec of ourselves)
 *   opts.c      -o option splitting (FUSE / daemon / kernel)
 *   nodeid.c    FUSE node id <-> vnode table, lookup counts, open files
 *   ll_common.c per-request credentials, vattr -> struct stat, entries
 *   ll_ops.c    the fuse_lowlevel_ops table, init
 *   ll_entry.c  lookup, forget, create, mknod, mkdir, symlink, link,
 *               unlink, rmdir, rename
 *   ll_attr.c   getattr, setattr, access, statfs, readlink
 *   ll_dir.c    opendir, readdir, readdirplus, releasedir, fsyncdir
 *   ll_file.c   open, read, write_buf, flush, release, fsync,
 *               fallocate, lseek
 *   ll_xattr.c  setxattr, getxattr, listxattr, removexattr
 *   split_kops.c the kernel-call table rf_k, in-process flavour
 *   split_*.c   -o sandbox=split: protocol (split_proto.h), the front
 *               end's stubs (split_client.c), the child (split_server.c)
 *   sandbox.c   confinement (sandbox.h)
 *
 * The daemon enters the kernel only through vfs_pub.h, and the FUSE
 * operations only through the table rf_k (split_kops.h): the kernel in
 * this process, or, with -o sandbox=split, stubs that forward each call
 * to the kernel in a sandboxed child (split_proto.h).  Every FUSE
 * callback sets the caller's credential first (rf_req_begin()), so the
 * kernel checks permissions whether or not default_permissions is given.
 */
#ifndef RUMPFUSE_BRIDGE_H
#define RUMPFUSE_BRIDGE_H

/*
 * 3.12: the first API whose fuse_session_loop_mt() takes the opaque
 * fuse_loop_config of fuse_loop_cfg_create() (needed for max_threads).
 * Below 3.12 the same name maps to fuse_session_loop_mt_32(), which reads
 * its argument as the old two-field struct.  libfuse 3.14 supports it.
 */
#define FUSE_USE_VERSION 312	/* FUSE_MAKE_VERSION(3, 12) */

#include <fuse_lowlevel.h>
#include <glib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "vfs_pub.h"
#include "split_kops.h"

#ifndef RUMPFUSE_VERSION
#define RUMPFUSE_VERSION "unknown"
#endif

#define RF_KIB		1024ULL
#define RF_MIB		(1024ULL * 1024)
/* Largest FUSE request payload Linux accepts (256 pages). */
#define RF_MAX_WRITE_LIMIT	(1024U * 1024)
#define RF_MAX_WRITE_MIN	4096U
/* busy_poll=: the default with two CPUs or more, the most allowed (µs). */
#define RF_BUSY_POLL_DEF	50U
#define RF_BUSY_POLL_MAX	10000U
/* libfuse's default for max_threads; ours is at most this (main.c). */
#define RF_DEF_MAX_THREADS	10U

/* ---- options (opts.c) ---- */

/* -o readdirplus= */
enum { RF_RDPLUS_ALWAYS, RF_RDPLUS_AUTO, RF_RDPLUS_NO };
/* -o split_channel= (sandbox=split): split_fuse.h, split.h */
enum { RF_SPLIT_FUSE, RF_SPLIT_SOCKET };

struct rf_opts {
	/* command line */
	const char	*fstype;	/* -t; "auto" by default */
	const char	*source;	/* image, device, or "none" */
	char		*mountpoint;	/* absolute (realpath) */
	bool		 foreground;	/* -f */
	bool		 debug;		/* -d */
	bool		 single;	/* -s */

	/* daemon options (-o) */
	/* seconds; < 0 until rf_opts_cache_defaults() */
	double		 entry_timeout;
	double		 attr_timeout;
	double		 negative_timeout; /* 0: not cached */
	unsigned	 max_write;	/* bytes; default 1 MiB */
	unsigned	 max_readahead;	/* bytes; default 1 MiB */
	bool		 writeback_cache; /* default off */
	bool		 keep_cache;	/* default on */
	bool		 clone_fd;	/* default on */
	unsigned	 max_idle_threads; /* UINT32_MAX = max_threads */
	unsigned	 max_threads;	/* 0 = libfuse's (10) */
	uint64_t	 bufcache_bytes; /* 0 = kernel default */
	uint32_t	 lrumax;	/* 0 = kernel default */
	bool		 ro;		/* -o ro (last of ro/rw wins) */

	bool		 rw_given;	/* ro or rw was given */

	/*
	 * Sandbox (daemon/sandbox.h; parsed by opts.c, used by main.c).
	 * sandbox holds an enum rf_sandbox_mode; rf_opts_init's zeroing
	 * leaves 0 until opts.c sets its default.
	 */
	int		 sandbox;	/* sandbox=none|basic|split|auto */
	char		*user;		/* user=NAME, or NULL */
	uint64_t	 memlimit;	/* memlimit=SIZE; 0 = default */
	double		 split_timeout;	/* seconds; 0 = 30 */
	int		 split_channel;	/* RF_SPLIT_*; default FUSE */
	int		 cpu_latency;	/* µs while busy; -1 off; default 0 */
	int		 busy_poll;	/* µs; -1: RF_BUSY_POLL_DEF with 2 CPUs */
	int		 readdirplus;	/* RF_RDPLUS_*; default ALWAYS */

	/* FUSE-side options seen */
	bool		 multiuser;	/* allow_other or allow_root */
	int		 default_perms;	/* -1 auto (= multiuser), 0, 1 */
	bool		 have_fsname;
	bool		 have_subtype;
	unsigned	 max_read;	/* 0 = not given: rf_file_max_read */

	/* what the parser passes on */
	GPtrArray	*fuse_list;	/* FUSE mount options (g_strdup) */
	GString		*kern_o;	/* comma-separated, for vfs_mount() */
};

void	rf_opts_init(struct rf_opts *o);
void	rf_opts_fini(struct rf_opts *o);
/*
 * Split one -o argument into o.
 * => 0, or EINVAL with a message in err (the caller exits with usage).
 */
int	rf_opts_parse(struct rf_opts *o, const char *arg, char *err,
	    size_t errlen);
/*
 * malloc_tune.c: add glibc's malloc tunables for a fast-growing heap to
 * the environment and execute ARGV again (once); returns only if that
 * was done before, was the user's choice, or failed.  MEMLIMIT: bytes
 * of the sandbox's memory limit; 0 or RF_SANDBOX_MEMLIMIT_NONE: none.
 */
void	rf_malloc_tune(char **argv, uint64_t memlimit);
/* Does Linux check permissions itself (default_permissions)? */
bool	rf_opts_kernel_perms(const struct rf_opts *o);
/*
 * The cache timeouts not given, once the mount exists: RF_CACHE_LONG
 * for names, attributes and "no such file" when STABLE (only this mount
 * changes what it shows: the device is locked, and names match
 * case-sensitively or cannot change), else 1 s, 1 s and none.
 */
#define RF_CACHE_LONG	86400.0
void	rf_opts_cache_defaults(struct rf_opts *o, bool stable);
/*
 * Build the argument vector for fuse_session_new() from o (after the
 * mount is known, so fsname/subtype/ro defaults can be filled in; sets
 * the default max_read).
 * => 0 or ENOMEM; args must be freed with fuse_opt_free_args().
 */
int	rf_opts_fuse_args(struct rf_opts *o, const char *argv0,
	    bool kernel_rdonly, struct fuse_args *args);

/* ---- the node table (nodeid.c) ---- */

/*
 * One FUSE node: a vnode the kernel FUSE module knows by node id.  Node
 * ids other than FUSE_ROOT_ID are the address of the struct.
 *
 * Invariants (all under rf_bridge.nodes_lock):
 *  (1) a node is in the table iff nlookup > 0 or it is the root node;
 *  (2) a node holds exactly one vnode reference (n_vp) while in the
 *      table; it is dropped when nlookup reaches 0 (never for the root);
 *  (3) at most one node per vnode: the table is keyed by vnode pointer.
 */
#define RF_NODE_MAPS	16
struct rf_node {
	struct vnode	*n_vp;		/* const while in the table */
	uint64_t	 n_nlookup;	/* nodes_lock */
	uint64_t	 n_generation;	/* const */
	/*
	 * Page cache retention across opens (keep_cache): what the file
	 * looked like at the previous open, and n_datagen, bumped
	 * (atomically) by every write, truncate and fallocate done here.
	 */
	uint64_t	 n_datagen;	/* atomic */
	/*
	 * The file had no extended attribute when last opened, and none
	 * was set through us since (RF_VA_NOXATTR): the write path's
	 * "security.capability" query is answered here.
	 */
	bool		 n_noxattr;	/* atomic */
	uint64_t	 n_xattrgen;	/* atomic: bumped by set/remove */
	bool		 n_open_valid;	/* nodes_lock */
	uint64_t	 n_open_size;	/* nodes_lock */
	struct vfs_timespec n_open_mtime; /* nodes_lock */
	uint64_t	 n_open_datagen; /* nodes_lock */
	/*
	 * Clean runs the kernel mapped for splicing (rf_k's bmap), at most
	 * one per run end (a run reaches to the end of its extent; the one
	 * starting lowest is kept), each valid while n_datagen has the
	 * value it had before that bmap: a write, truncate or fallocate
	 * through us is the only way a clean run becomes dirty or moves.
	 */
	struct rf_map {
		uint64_t m_gen;		/* n_datagen it holds for */
		uint64_t m_off;		/* file offset */
		uint64_t m_len;		/* bytes; 0: unused */
		uint64_t m_devoff;	/* host offset in m_fd */
		int	 m_fd;
	}		 n_maps[RF_NODE_MAPS];	/* nodes_lock */
	unsigned	 n_maps_next;	/* nodes_lock: the next to replace */
};

/*
 * An open file or directory (fi->fh).  It holds its own vnode reference:
 * RELEASE may be handled after the FORGET that freed the node.
 */
struct rf_file {
	struct vnode	*f_vp;		/* const; referenced */
	int		 f_oflags;	/* const; open(2) flags as opened */
	struct rf_file	*f_next, **f_prevp; /* files_lock */
};

struct rf_bridge {
	struct rf_opts	*b_opts;
	struct mount	*b_mp;
	struct fuse_session *b_se;
	bool		 b_rdonly;	/* kernel mount is read-only */
	/*
	 * Linux opens directories without asking (ll_opendir answers ENOSYS:
	 * no OPENDIR or RELEASEDIR per directory listed; the listing is
	 * cached).  Only where that cannot bypass a permission check
	 * (ll_init); READDIR at offset 0 then checks read access itself.
	 */
	bool		 b_no_opendir;

	pthread_mutex_t	 nodes_lock;
	GHashTable	*nodes;		/* vnode * -> rf_node *; nodes_lock */
	struct rf_node	 root;		/* FUSE_ROOT_ID */
	uint64_t	 next_generation; /* nodes_lock */

	pthread_mutex_t	 files_lock;
	struct rf_file	*files;		/* open handles; files_lock */
};

/*
 * Set up the table with the root vnode ROOTVP (its reference is taken
 * over).  => 0 or ENOMEM.
 */
int	rf_nodes_init(struct rf_bridge *b, struct vnode *rootvp);
/*
 * Close every open handle and drop every node's vnode reference (the
 * FUSE connection is gone: no forget will come).  Frees the table.
 */
void	rf_nodes_fini(struct rf_bridge *b);
/* The node for a FUSE node id (the kernel guarantees it is live). */
struct rf_node *rf_node_get(struct rf_bridge *b, fuse_ino_t ino);
/* The vnode for a node id, borrowed: valid for the length of the request. */
struct vnode *rf_ino_vp(struct rf_bridge *b, fuse_ino_t ino);
/*
 * Account one FUSE lookup of VP and return its node and node id.
 * => Consumes the caller's reference on VP (kept by a new node, dropped
 *    if the vnode already had one).
 */
struct rf_node *rf_node_lookup(struct rf_bridge *b, struct vnode *vp,
	    fuse_ino_t *inop);
/*
 * Drop NLOOKUP lookups of NODE; at zero the node leaves the table and its
 * vnode reference is dropped (may block: not called with locks held).
 */
void	rf_node_forget(struct rf_bridge *b, struct rf_node *node,
	    uint64_t nlookup);
/* A write, truncate or fallocate changed the data of NODE. */
void	rf_node_datachanged(struct rf_node *node);
/*
 * Called after a successful open of NODE whose attributes are now VA:
 * => true if the kernel page cache may be kept (same size and mtime as at
 *    the previous open and no data change through us since).
 */
bool	rf_node_open_keepcache(struct rf_bridge *b, struct rf_node *node,
	    const struct vattr *va);
/*
 * The mapping of NODE's byte OFF for splicing, as rf_k->bmap gives it,
 * from the node's cache of runs (n_maps) or, failing that, from the
 * kernel (then remembered).  => 0, or bmap's error.
 */
int	rf_node_bmap(struct rf_bridge *b, struct rf_node *node, uint64_t off,
	    int *hostfdp, uint64_t *devoffp, uint64_t *runp);
/*
 * Remember that NODE's bytes [OFF, OFF + RUN) lie at DEVOFF in FD, as a
 * bmap made while n_datagen was GEN said.
 */
void	rf_node_map_put(struct rf_bridge *b, struct rf_node *node,
	    uint64_t gen, uint64_t off, int fd, uint64_t devoff, uint64_t run);

/*
 * Open handles.  The handle owns the reference the open took for the
 * open file (rf_kops: open and create), which the close before
 * rf_file_free gives back; rf_file_free unlinks and frees the handle.
 */
struct rf_file *rf_file_new(struct rf_bridge *b, struct vnode *vp,
	    int oflags);
void	rf_file_free(struct rf_bridge *b, struct rf_file *f);
static inline struct rf_file *
rf_file_of(struct fuse_file_info *fi)
{

	return (struct rf_file *)(uintptr_t)fi->fh;
}

/* ---- per-request helpers (ll_common.c) ---- */

/* The caller's credential, as the kernel wants it. */
#define RF_NGROUPS	64
struct rf_cred {
	uint32_t	 c_uid;
	uint32_t	 c_gid;
	uint32_t	 c_ngroups;
	uint32_t	 c_groups[RF_NGROUPS];
	uint32_t	 c_umask;
};

/*
 * Start a request: the bridge, with the caller's credential installed in
 * the kernel for this thread.  C, if not NULL, receives the credential
 * (to re-install it after a root-only step, see rf_cred_apply()).
 */
struct rf_bridge *rf_req_begin(fuse_req_t req, struct rf_cred *c);
void	rf_cred_apply(const struct rf_cred *c);

/*
 * CPU wake-up latency while requests arrive (cpulat.c).  start: open
 * /dev/cpu_dma_latency (before the sandbox) and ask for BUSY_US
 * microseconds whenever requests flow; a negative BUSY_US, or no root,
 * does nothing.  busy: a request arrived (rf_req_begin() calls it).
 */
void	rf_cpulat_start(int busy_us);
void	rf_cpulat_busy(void);
void	rf_cpulat_stop(void);

/* vattr -> struct stat. */
void	rf_vattr_to_stat(const struct vattr *va, struct stat *st);
/* S_IF* bits for a vnode type. */
uint32_t rf_vtype_to_mode(enum vtype vt);
/*
 * Fill E for VP: attributes (VA, or got from the kernel if VA is NULL),
 * a FUSE lookup count, timeouts.
 * => Consumes the reference on VP, also on error.
 */
int	rf_entry_fill(struct rf_bridge *b, struct vnode *vp,
	    const struct vattr *va, struct fuse_entry_param *e,
	    struct rf_node **nodep);
/*
 * Reply E (filled by rf_entry_fill for NODE); if the reply does not reach
 * the kernel, the lookup count is given back.
 */
void	rf_reply_entry(struct rf_bridge *b, fuse_req_t req,
	    const struct fuse_entry_param *e, struct rf_node *node);

/* ---- logging (main.c) ---- */
void	rf_log(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
extern bool rf_debug;

/* ---- the operations ---- */
extern const struct fuse_lowlevel_ops rf_ll_ops;

/* ll_entry.c */
void	ll_lookup(fuse_req_t, fuse_ino_t, const char *);
void	ll_forget(fuse_req_t, fuse_ino_t, uint64_t);
void	ll_forget_multi(fuse_req_t, size_t, struct fuse_forget_data *);
void	ll_mknod(fuse_req_t, fuse_ino_t, const char *, mode_t, dev_t);
void	ll_mkdir(fuse_req_t, fuse_ino_t, const char *, mode_t);
void	ll_symlink(fuse_req_t, const char *, fuse_ino_t, const char *);
void	ll_link(fuse_req_t, fuse_ino_t, fuse_ino_t, const char *);
void	ll_unlink(fuse_req_t, fuse_ino_t, const char *);
void	ll_rmdir(fuse_req_t, fuse_ino_t, const char *);
void	ll_rename(fuse_req_t, fuse_ino_t, const char *, fuse_ino_t,
	    const char *, unsigned int);
void	ll_create(fuse_req_t, fuse_ino_t, const char *, mode_t,
	    struct fuse_file_info *);

/* ll_attr.c */
void	ll_getattr(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	ll_setattr(fuse_req_t, fuse_ino_t, struct stat *, int,
	    struct fuse_file_info *);
void	ll_access(fuse_req_t, fuse_ino_t, int);
void	ll_statfs(fuse_req_t, fuse_ino_t);
void	ll_readlink(fuse_req_t, fuse_ino_t);

/* ll_dir.c */
void	ll_opendir(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	ll_readdir(fuse_req_t, fuse_ino_t, size_t, off_t,
	    struct fuse_file_info *);
void	ll_readdirplus(fuse_req_t, fuse_ino_t, size_t, off_t,
	    struct fuse_file_info *);
void	ll_releasedir(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	ll_fsyncdir(fuse_req_t, fuse_ino_t, int, struct fuse_file_info *);

/* ll_file.c */
void	ll_open(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	ll_read(fuse_req_t, fuse_ino_t, size_t, off_t,
	    struct fuse_file_info *);
void	ll_write_buf(fuse_req_t, fuse_ino_t, struct fuse_bufvec *, off_t,
	    struct fuse_file_info *);
void	ll_flush(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	ll_release(fuse_req_t, fuse_ino_t, struct fuse_file_info *);
void	ll_fsync(fuse_req_t, fuse_ino_t, int, struct fuse_file_info *);
void	ll_fallocate(fuse_req_t, fuse_ino_t, int, off_t, off_t,
	    struct fuse_file_info *);
void	ll_lseek(fuse_req_t, fuse_ino_t, off_t, int,
	    struct fuse_file_info *);
/*
 * Shared with ll_entry.c (create).  After the open (OFLAGS) of VP
 * succeeded, with VA its attributes then: allocate the handle and fill
 * fi (fh, keep_cache, noflush).  NODE is VP's node, for keep_cache; NULL
 * (a file just created) keeps nothing.
 * => 0, or ENOMEM (the caller closes).
 */
int	rf_file_setup(struct rf_bridge *b, struct rf_node *node,
	    struct vnode *vp, int oflags, const struct vattr *va,
	    struct fuse_file_info *fi);
/* The open reply did not reach the kernel: close and free fi->fh. */
void	rf_file_abort(struct rf_bridge *b, struct fuse_file_info *fi);
/*
 * The default max_read for MAX_WRITE: the largest power of two up to it
 * whose read reply fits the pipe libfuse splices it through.
 */
unsigned rf_file_max_read(unsigned max_write);

/* ll_xattr.c */
void	ll_setxattr(fuse_req_t, fuse_ino_t, const char *, const char *,
	    size_t, int);
void	ll_getxattr(fuse_req_t, fuse_ino_t, const char *, size_t);
void	ll_listxattr(fuse_req_t, fuse_ino_t, size_t);
void	ll_removexattr(fuse_req_t, fuse_ino_t, const char *);

#endif /* RUMPFUSE_BRIDGE_H */
