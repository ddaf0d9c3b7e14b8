/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_internal.h -- interfaces private to the kernel (the vfs/ sources)
 * and its unit tests: nothing here is for drivers (they use the kern/
 * headers) or for host code (it uses vfs_pub.h).
 *
 *  - the mount table, seen from the syscall layer: resolve an absolute
 *    path to the mount that covers it (vfs_mount.c);
 *  - mount-target normalisation (vfs_mount.c);
 *  - mount-option parsing (vfs_opts.c);
 *  - start-up and tear-down of the vnode cache (vfs_vnode.c).
 */
#ifndef VFS_INTERNAL_H
#define VFS_INTERNAL_H

#include "kern/kern.h"
#include "kern/mount.h"

/* ---- mount table (vfs_mount.c) ---- */

/*
 * Find the mount that covers the absolute path ABSPATH: the mount whose
 * target is the longest component-wise prefix of ABSPATH ("/mnt" covers
 * "/mnt" and "/mnt/a", not "/mntx"; "/" covers everything not covered by
 * a longer target).
 *
 * => ABSPATH must begin with '/'.  Repeated slashes are tolerated; "."
 *    and ".." components are NOT interpreted here (they are compared
 *    literally, so "/mnt/../x" resolves in "/mnt" with remainder "../x";
 *    the lookup code then keeps ".." at the mount's root, as vfs_pub.h
 *    specifies).
 * => On success *MPP is the mount with one mount reference (mnt_refcnt)
 *    taken, and *RESTP points INTO ABSPATH at the rest of the path after
 *    the target, with leading slashes skipped: "" when ABSPATH names the
 *    mount's root itself ("/mnt", "/mnt/"), "a/b" for "/mnt/a/b".
 * => The reference keeps the mount (and its root) from being unmounted:
 *    vfs_unmount fails with EBUSY while any is held.  Give it back with
 *    vfs_mount_rele() when the operation is over (hold it for the length
 *    of one syscall, or for as long as a file descriptor is open on the
 *    mount).
 * => ENOENT if no mount covers ABSPATH (nothing mounted at "/" or any
 *    prefix), EINVAL if ABSPATH is not absolute.  Mounts being unmounted
 *    are skipped.
 */
int	vfs_mount_resolve(const char *abspath, struct mount **mpp,
	    const char **restp);
/* Drop a reference taken by vfs_mount_resolve() or vfs_mount_ref(). */
void	vfs_mount_rele(struct mount *mp);
/*
 * Take another mount reference on MP; the caller holds one already (from
 * vfs_mount_resolve, or a referenced vnode of MP).
 */
void	vfs_mount_ref(struct mount *mp);

/* Set up / tear down the mount table (vfs_init, vfs_shutdown). */
int	vfs_mountlist_init(void);
void	vfs_mountlist_fini(void);
/*
 * Unmount every mount, newest first; one that refuses (EBUSY, sync
 * error) is unmounted by force, with a log line.
 */
void	vfs_unmount_all(void);

/*
 * Normalise a mount target: absolute, single slashes, no trailing slash
 * except for "/" itself.  EINVAL for a relative path, an empty one, or
 * one with "." or ".." components; ENAMETOOLONG if it does not fit in
 * BUFLEN bytes (NUL included) or exceeds PATH_MAX.
 */
int	vfs_target_normalise(const char *target, char *buf, size_t buflen);

/* ---- mount options (vfs_opts.c) ---- */

/*
 * Parse the comma-separated OPTIONS (NULL or "" for none) of a mount of
 * type MP->mnt_op.  Generic options ("ro", "rw", "noatime", "atime",
 * "relatime", "sync", "async", "force", "nodev", "dev", "nosuid",
 * "suid") update the MNT_* bits in *FLAGSP (the caller's starting
 * value, later options win); *RWEXPLICITP tells whether "rw" was asked
 * for explicitly (and not overridden by a later "ro").  Driver options
 * are checked against mnt_op->vfs_opts and stored in mnt_opts/mnt_nopts.
 * Empty items are ignored.  With MP->mnt_op NULL only the generic
 * options are handled and the rest skipped (the "auto" pre-scan).
 * => EINVAL with vfs_mount_error() set on an unknown option or a
 *    FLAG/VALUE mismatch; ENOMEM.  On error mnt_opts is freed.
 */
int	vfs_opts_parse(struct mount *mp, const char *options,
	    uint32_t *flagsp, bool *rwexplicitp);
/* Free mnt_opts (any state vfs_opts_parse left it in). */
void	vfs_opts_free(struct mount *mp);

/* ---- vnode cache (vfs_vnode.c) ---- */

/* Set up the cache with an LRU bound (0 = default 8192).  ENOMEM. */
int	vcache_init(unsigned lrumax);
/*
 * Stop the vdrain thread and free the cache; every mount must be gone.
 * (If dead vnodes are still referenced the cache is kept, and a later
 * vcache_init restarts it.)
 */
void	vcache_fini(void);
/*
 * Set or clear MP->mnt_unmounting (written under the vcache mutex and
 * with an atomic store; readers without that mutex use an atomic load).
 */
void	vcache_mount_unmounting(struct mount *mp, bool on);

/* ---- registry (vfs_register.c) ---- */

/*
 * Call FN(ops, ARG) on each registered filesystem in registration order;
 * stops at the first non-zero return, which is returned.
 */
int	vfs_fstype_iterate(int (*fn)(const struct vfsops *ops, void *arg),
	    void *arg);
/* Forget every registration (vfs_shutdown). */
void	vfs_register_fini(void);

#endif /* VFS_INTERNAL_H */
