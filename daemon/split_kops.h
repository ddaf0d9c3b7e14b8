/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_kops.h -- the one indirection between the FUSE front end and the
 * kernel.  The ll_*.c files and nodeid.c call the kernel only through
 * rf_k, a table with the signatures of the vfs_pub_* functions they use:
 *
 *   rf_kops_local  (split_kops.c) the kernel in this process: the
 *                  vfs_pub_* functions of the same names, composed where
 *                  a slot does more than one of them;
 *   rf_kops_split  (split_client.c) client stubs that send the call to
 *                  the kernel in the sandboxed child and wait for the
 *                  answer (see split_proto.h).
 *
 * rf_k is set once by main.c before the FUSE session starts and never
 * changes afterwards.  In split mode the `struct vnode *` and
 * `struct mount *` values the table hands out are the child's pointers
 * carried as opaque 64-bit cookies: the front end compares and hashes
 * them but never dereferences them (it never did).
 */
#ifndef RF_SPLIT_KOPS_H
#define RF_SPLIT_KOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfs_pub.h"

/*
 * The slots have the signatures and contracts of the vfs_pub_* functions
 * of the same names, with these differences, which let one call (one
 * round trip in split mode) do what a FUSE request needs:
 *
 *  - lookup, create, mknod, mkdir, symlink, link and open take VA: when
 *    not NULL, on success it receives the attributes of the vnode found,
 *    made, linked or opened, as getattr would give them right after;
 *  - an open file holds a reference of its own: open takes one more
 *    reference on VP for it and close, which always ends the open
 *    whatever it returns, gives that reference back;
 *  - create with OFLAGS >= 0 also opens the new file as
 *    vfs_pub_open_created(vp, OFLAGS) does, and *VPP then carries two
 *    references, the caller's and the open file's; if that open fails,
 *    the file stays created, its vnode is released and the error
 *    returned;
 *  - setattr with ATTRS not NULL also fills ATTRS, on success, with the
 *    attributes after the change, as getattr would give them;
 *  - lookupv looks up N names in DVP at once: for each, ERRORS[i] is its
 *    error, and on success VPS[i] a referenced vnode and, when VAS is
 *    not NULL, VAS[i] its attributes.  => 0, or an error for the whole
 *    call (then no vnode was returned);
 *  - create, and open for writing, of a regular file set RF_VA_NOXATTR in
 *    VA->va_mask when the file has no extended attribute at all (or
 *    the filesystem none), so the front end can answer the
 *    "security.capability" query Linux makes before every write;
 *  - open with MAP not NULL also maps the start of a regular file as
 *    bmap(vp, 0) would (km_run 0 if it cannot): a small file is then
 *    read without another call;
 *  - vref and vrele cannot fail; in split mode they, and close (which
 *    does nothing in any driver but end the open), do not wait.
 */
#define RF_VA_NOXATTR	0x80000000U
/* Where a file's bytes from offset 0 lie for splicing (open's MAP). */
struct rf_kmap {
	int		km_fd;		/* host descriptor */
	uint64_t	km_devoff;	/* offset in it */
	uint64_t	km_run;		/* bytes; 0: nothing mapped */
};

struct rf_kops {
	void	(*setcred)(uint32_t uid, uint32_t gid, uint32_t ngroups,
		    const uint32_t *groups);
	void	(*setcred_root)(void);
	void	(*vref)(struct vnode *vp);
	void	(*vrele)(struct vnode *vp);
	int	(*lookup)(struct vnode *dvp, const char *name,
		    struct vnode **vpp, struct vattr *va);
	int	(*lookupv)(struct vnode *dvp, size_t n,
		    const char *const *names, struct vnode **vps,
		    struct vattr *vas, int *errors);
	int	(*getattr)(struct vnode *vp, struct vattr *va);
	int	(*setattr)(struct vnode *vp, struct vattr *va,
		    struct vattr *attrs);
	int	(*access)(struct vnode *vp, int mode);
	int	(*create)(struct vnode *dvp, const char *name, uint32_t mode,
		    int oflags, struct vnode **vpp, struct vattr *va);
	int	(*mknod)(struct vnode *dvp, const char *name, uint32_t mode,
		    uint64_t rdev, struct vnode **vpp, struct vattr *va);
	int	(*mkdir)(struct vnode *dvp, const char *name, uint32_t mode,
		    struct vnode **vpp, struct vattr *va);
	int	(*symlink)(struct vnode *dvp, const char *name,
		    const char *target, struct vnode **vpp, struct vattr *va);
	int	(*link)(struct vnode *vp, struct vnode *dvp,
		    const char *name, struct vattr *va);
	int	(*unlink)(struct vnode *dvp, const char *name);
	int	(*rmdir)(struct vnode *dvp, const char *name);
	int	(*rename)(struct vnode *fdvp, const char *fname,
		    struct vnode *tdvp, const char *tname, unsigned flags);
	int	(*open)(struct vnode *vp, int oflags, struct vattr *va,
		    struct rf_kmap *map);
	int	(*close)(struct vnode *vp, int oflags);
	int	(*read)(struct vnode *vp, void *buf, size_t len,
		    uint64_t off, size_t *donep);
	int	(*write)(struct vnode *vp, const void *buf, size_t len,
		    uint64_t off, int ioflags, size_t *donep);
	int	(*fsync)(struct vnode *vp, bool datasync);
	int	(*fallocate)(struct vnode *vp, int mode, uint64_t off,
		    uint64_t len);
	int	(*seek)(struct vnode *vp, uint64_t off, int whence,
		    uint64_t *resultp);
	int	(*readdir)(struct vnode *dvp, uint64_t *cookie,
		    vfs_filldir_t fill, void *arg);
	int	(*readlink)(struct vnode *vp, char *buf, size_t buflen,
		    size_t *lenp);
	int	(*statvfs)(struct mount *mp, struct vfs_statvfs *sv);
	int	(*getxattr)(struct vnode *vp, const char *name, void *buf,
		    size_t size, size_t *lenp);
	int	(*setxattr)(struct vnode *vp, const char *name,
		    const void *val, size_t len, int flags);
	int	(*listxattr)(struct vnode *vp, char *buf, size_t size,
		    size_t *lenp);
	int	(*removexattr)(struct vnode *vp, const char *name);
	int	(*bmap)(struct vnode *vp, uint64_t off, int *hostfdp,
		    uint64_t *devoffp, uint64_t *runp);
};

extern const struct rf_kops rf_kops_local;
extern const struct rf_kops rf_kops_split;

/*
 * The composed calls of rf_kops_local, which split_serve.c also uses to
 * run them in the child: (vfs_pub_* and vfs_pub_getattr, ...) with the
 * contracts above.
 */
int	rf_kl_lookup(struct vnode *dvp, const char *name,
	    struct vnode **vpp, struct vattr *va);
int	rf_kl_lookupv(struct vnode *dvp, size_t n, const char *const *names,
	    struct vnode **vps, struct vattr *vas, int *errors);
int	rf_kl_create(struct vnode *dvp, const char *name, uint32_t mode,
	    int oflags, struct vnode **vpp, struct vattr *va);
int	rf_kl_mknod(struct vnode *dvp, const char *name, uint32_t mode,
	    uint64_t rdev, struct vnode **vpp, struct vattr *va);
int	rf_kl_mkdir(struct vnode *dvp, const char *name, uint32_t mode,
	    struct vnode **vpp, struct vattr *va);
int	rf_kl_symlink(struct vnode *dvp, const char *name, const char *target,
	    struct vnode **vpp, struct vattr *va);
int	rf_kl_link(struct vnode *vp, struct vnode *dvp, const char *name,
	    struct vattr *va);
int	rf_kl_setattr(struct vnode *vp, struct vattr *va,
	    struct vattr *attrs);
int	rf_kl_open(struct vnode *vp, int oflags, struct vattr *va,
	    struct rf_kmap *map);
int	rf_kl_close(struct vnode *vp, int oflags);
/* The table in use: &rf_kops_local unless main.c chose split mode. */
extern const struct rf_kops *rf_k;

#endif /* RF_SPLIT_KOPS_H */
