/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_mount.c -- the mount table, mounting and unmounting.
 *
 * Exports (vfs_pub.h): vfs_mount, vfs_mount_mem, vfs_unmount,
 * vfs_mount_lookup, vfs_mount_rdonly, vfs_mount_nocase, vfs_mount_locked,
 * vfs_mount_fstype, vfs_sync,
 * vfs_mount_membuf; (mount.h) vfs_mount_error; (vfs_internal.h)
 * vfs_mount_resolve, vfs_mount_ref, vfs_mount_rele, vfs_target_normalise,
 * vfs_mountlist_init, vfs_mountlist_fini, vfs_unmount_all.
 * Options are parsed in vfs_opts.c, the registry is vfs_register.c, the
 * vnodes of a mount are vfs_vnode.c's.  Partitions (part=) and the probe
 * rules of "auto" are vfs_part.c's: before the driver sees the device,
 * part= narrows it to the partition's window (vfs_blkdev.c refuses any
 * transfer outside it), so drivers never know about partition tables.
 * The image is locked while mounted (blkdev_open_lock: exclusive for
 * read-write, shared for read-only) unless lock=none / nolock.
 *
 * Life of a struct mount:
 *   - vfs_mount builds it (target, source, options, device), calls the
 *     driver's vfs_mount and, on success, enters it in the table;
 *   - while in the table it can be found by vfs_mount_lookup and
 *     vfs_mount_resolve; the latter takes a mount reference (mnt_refcnt)
 *     that makes a normal unmount fail with EBUSY;
 *   - vfs_unmount syncs, reclaims the vnodes (vflush), detaches the
 *     driver, closes the device and takes it out of the table.  If
 *     references remain (a forced unmount: resolve references, or DEAD
 *     vnodes, each of which holds one) the struct stays allocated on the
 *     zombie list, its mnt_op switched to dead_vfsops, until the last
 *     vfs_mount_rele frees it.
 *
 * Locks:
 *   mnt_oplock   serialises mount, unmount and vfs_sync(NULL) with one
 *                another (held across driver calls and I/O; nothing that
 *                runs inside those takes it);
 *   mnt_tablock  protects mnt_table, mnt_zombies, mnt_next and
 *                mnt_refcnt; a leaf lock (only kmem is called under it).
 * Order: mnt_oplock -> vnode locks -> vcache mutex -> mnt_tablock.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"
#include "vfs_pub.h"
#include "vfs_internal.h"
#include "vfs_part.h"
#include "rumpuser.h"

static kmutex_t	mnt_oplock;
static kmutex_t	mnt_tablock;
static struct mount *mnt_table;		/* mnt_tablock; in mount order */
static struct mount *mnt_zombies;	/* mnt_tablock */
static uint64_t	mnt_fsidgen;		/* mnt_oplock */
static bool	mnt_inited;		/* vfs_init/vfs_shutdown only */

/* ---- what a detached mount answers ---- */

static int
dead_vfs_mount(struct mount *mp __unused)
{

	return EIO;
}

static int
dead_vfs_unmount(struct mount *mp __unused, int flags __unused)
{

	return 0;
}

static int
dead_vfs_root(struct mount *mp __unused, struct vnode **vpp)
{

	*vpp = NULL;
	return EIO;
}

static int
dead_vfs_statvfs(struct mount *mp __unused, struct vfs_statvfs *sv __unused)
{

	return EIO;
}

static int
dead_vfs_sync(struct mount *mp __unused, bool wait __unused)
{

	return 0;
}

static int
dead_vfs_loadvnode(struct mount *mp __unused, struct vnode *vp __unused,
    ino64_t ino __unused, void *hint __unused)
{

	return EIO;
}

static const struct vfsops dead_vfsops = {
	.vfs_name = "dead",
	.vfs_aliases = NULL,
	.vfs_opts = NULL,
	.vfs_needdev = false,
	.vfs_mount = dead_vfs_mount,
	.vfs_unmount = dead_vfs_unmount,
	.vfs_root = dead_vfs_root,
	.vfs_statvfs = dead_vfs_statvfs,
	.vfs_sync = dead_vfs_sync,
	.vfs_loadvnode = dead_vfs_loadvnode,
	.vfs_probe = vfs_noprobe,
};

/* ---- helpers ---- */

/* Record why a mount failed (first line only is shown). */
void
vfs_mount_error(struct mount *mp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)kvsnprintf(mp->mnt_errbuf, sizeof(mp->mnt_errbuf), fmt, ap);
	va_end(ap);
}

/* Normalise a mount target; see vfs_internal.h. */
int
vfs_target_normalise(const char *target, char *buf, size_t buflen)
{
	const char *p, *comp;
	size_t out, clen;

	if (target == NULL || target[0] != '/' || buflen < 2)
		return target == NULL || target[0] != '/' ? EINVAL :
		    ENAMETOOLONG;
	if (buflen > PATH_MAX)
		buflen = PATH_MAX;
	out = 0;
	buf[out++] = '/';
	for (p = target; *p != '\0';) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		for (comp = p; *p != '\0' && *p != '/'; p++)
			continue;
		clen = (size_t)(p - comp);
		if ((clen == 1 && comp[0] == '.') ||
		    (clen == 2 && comp[0] == '.' && comp[1] == '.'))
			return EINVAL;
		if (clen > NAME_MAX)
			return ENAMETOOLONG;
		if (out + (out > 1) + clen + 1 > buflen)
			return ENAMETOOLONG;
		if (out > 1)
			buf[out++] = '/';
		memcpy(buf + out, comp, clen);
		out += clen;
	}
	buf[out] = '\0';
	return 0;
}

/* The mount in the table at normalised TARGET, or NULL.  mnt_tablock held. */
static struct mount *
table_find(const char *target)
{
	struct mount *mp;

	KASSERT(mutex_owned(&mnt_tablock));
	for (mp = mnt_table; mp != NULL; mp = mp->mnt_next)
		if (strcmp(mp->mnt_target, target) == 0)
			return mp;
	return NULL;
}

static bool
table_contains(const struct mount *mp)
{
	const struct mount *m;

	KASSERT(mutex_owned(&mnt_tablock));
	for (m = mnt_table; m != NULL; m = m->mnt_next)
		if (m == mp)
			return true;
	return false;
}

static void
list_remove(struct mount **headp, struct mount *mp)
{
	struct mount **pp;

	for (pp = headp; *pp != NULL; pp = &(*pp)->mnt_next) {
		if (*pp == mp) {
			*pp = mp->mnt_next;
			mp->mnt_next = NULL;
			return;
		}
	}
	panic("mount %p not on its list", (void *)mp);
}

/* Free a mount that nothing refers to any more. */
static void
mount_free(struct mount *mp)
{

	KASSERT(mp->mnt_refcnt == 0 && mp->mnt_vnodes == NULL);
	vfs_opts_free(mp);
	kmem_strfree(mp->mnt_target);
	kmem_strfree(mp->mnt_source);
	mutex_destroy(&mp->mnt_renamelock);
	kmem_free(mp, sizeof(*mp));
}

/*
 * The mount is no longer in the table (or never was): free it now, or,
 * if references remain, when the last goes (vfs_mount_rele).
 */
static void
mount_release(struct mount *mp)
{
	bool dofree;

	mutex_enter(&mnt_tablock);
	dofree = mp->mnt_refcnt == 0;
	if (!dofree) {
		mp->mnt_next = mnt_zombies;
		mnt_zombies = mp;
	}
	mutex_exit(&mnt_tablock);
	if (dofree)
		mount_free(mp);
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- references ---- */

void
vfs_mount_ref(struct mount *mp)
{

	mutex_enter(&mnt_tablock);
	mp->mnt_refcnt++;
	mutex_exit(&mnt_tablock);
}

void
vfs_mount_rele(struct mount *mp)
{
	struct mount *m;
	bool dofree = false;

	mutex_enter(&mnt_tablock);
	KASSERT(mp->mnt_refcnt > 0);
	if (--mp->mnt_refcnt == 0) {
		for (m = mnt_zombies; m != NULL; m = m->mnt_next)
			if (m == mp)
				break;
		if (m != NULL) {
			list_remove(&mnt_zombies, mp);
			dofree = true;
		}
	}
	mutex_exit(&mnt_tablock);
	if (dofree)
		mount_free(mp);
}

/*
 * If TARGET (normalised) is a component-wise prefix of PATH, return the
 * number of its components and set *RESTP past it; else -1.
 */
static int
prefix_match(const char *target, const char *path, const char **restp)
{
	const char *t = target, *p = path;
	size_t clen;
	int ncomp = 0;

	for (;;) {
		while (*t == '/')
			t++;
		while (*p == '/')
			p++;
		if (*t == '\0')
			break;
		for (clen = 0; t[clen] != '\0' && t[clen] != '/'; clen++)
			continue;
		if (strncmp(t, p, clen) != 0 ||
		    (p[clen] != '\0' && p[clen] != '/'))
			return -1;
		t += clen;
		p += clen;
		ncomp++;
	}
	*restp = p;
	return ncomp;
}

/* See vfs_internal.h. */
int
vfs_mount_resolve(const char *abspath, struct mount **mpp,
    const char **restp)
{
	struct mount *mp, *best = NULL;
	const char *rest, *bestrest = NULL;
	int n, bestn = -1;

	*mpp = NULL;
	*restp = NULL;
	if (abspath == NULL || abspath[0] != '/')
		return EINVAL;
	if (!mnt_inited)
		return ENOENT;
	mutex_enter(&mnt_tablock);
	for (mp = mnt_table; mp != NULL; mp = mp->mnt_next) {
		if (__atomic_load_n(&mp->mnt_unmounting, __ATOMIC_ACQUIRE))
			continue;
		n = prefix_match(mp->mnt_target, abspath, &rest);
		if (n > bestn) {
			bestn = n;
			best = mp;
			bestrest = rest;
		}
	}
	if (best != NULL)
		best->mnt_refcnt++;
	mutex_exit(&mnt_tablock);
	if (best == NULL)
		return ENOENT;
	*mpp = best;
	*restp = bestrest;
	return 0;
}

/* ---- mounting ---- */

/*
 * Find the filesystem on MP's device ("auto"); WHOLE: the window is the
 * whole device (no part=).  The rules are vfs_part.c's.
 */
static int
mount_probe(struct mount *mp, bool whole, const struct vfsops **opsp)
{
	struct probe_result pr;
	char msg[256];
	int error;

	part_probe(mp->mnt_dev, NULL, whole &&
	    part_whole_has_table(mp->mnt_dev), &pr);
	if ((error = part_probe_pick(&pr, opsp, msg, sizeof(msg))) == 0)
		return 0;
	if (pr.pr_nfound == 0 && whole &&
	    part_explain(mp->mnt_dev, mp->mnt_source, msg, sizeof(msg)))
		vfs_mount_error(mp, "%s", msg);
	else if (pr.pr_nfound == 0)
		vfs_mount_error(mp, "no filesystem recognised on %s%s "
		    "(tried: %s)", mp->mnt_source, whole ? "" : " partition",
		    pr.pr_triedlen > 0 ? pr.pr_tried : "none");
	else	/* "ambiguous: A, B; use -t TYPE on SOURCE" */
		vfs_mount_error(mp, "%s on %s", msg, mp->mnt_source);
	return error;
}

struct mount_args {
	const char	*ma_fstype;
	const char	*ma_source;	/* NULL for a memory device */
	const void	*ma_image;
	size_t		ma_imagelen;
	uint64_t	ma_size;
	const char	*ma_target;
	const char	*ma_options;
};

/*
 * Open MP's device, read-only if *FLAGSP says so.  A read-only device
 * makes the mount read-only unless "rw" was explicit (EROFS).
 */
static int
mount_opendev(struct mount *mp, const struct mount_args *ma,
    uint32_t *flagsp, bool rwexplicit, bool lock)
{
	struct blkdev *dev = NULL;
	bool rdonly = (*flagsp & MNT_RDONLY) != 0;
	int error;

	for (;;) {
		if (ma->ma_source == NULL)
			error = blkdev_open_mem(ma->ma_image, ma->ma_imagelen,
			    ma->ma_size, rdonly, &dev);
		else
			error = blkdev_open_lock(ma->ma_source, rdonly, lock,
			    &dev);
		if (error == 0 && !rdonly && dev->bd_rdonly) {
			blkdev_close(dev);
			dev = NULL;
			error = EROFS;
		}
		if (error != EROFS || rdonly)
			break;
		if (rwexplicit) {
			vfs_mount_error(mp, "%s is read-only",
			    mp->mnt_source);
			return EROFS;
		}
		klog(KLOG_INFO, "%s is read-only; mounting it read-only",
		    mp->mnt_source);
		rdonly = true;
		*flagsp |= MNT_RDONLY;
	}
	if (error == EBUSY && lock) {
		vfs_mount_error(mp, "%s is in use by another mount (it is "
		    "locked; -o nolock overrides)", mp->mnt_source);
		return error;
	}
	if (error != 0) {
		vfs_mount_error(mp, "cannot open %s: %s",
		    mp->mnt_source, kstrerror(error));
		return error;
	}
	mp->mnt_dev = dev;
	return 0;
}

/* Undo what mount_common built, after a failure. */
static void
mount_abort(struct mount *mp, bool driver_failed)
{

	if (driver_failed) {
		/* The driver should have left nothing; be safe. */
		(void)vflush(mp, NULL, true);
	}
	if (mp->mnt_dev != NULL) {
		if (binvalall(mp->mnt_dev, vfs_isrdonly(mp)) != 0)
			(void)binvalall(mp->mnt_dev, true);
		blkdev_close(mp->mnt_dev);
		mp->mnt_dev = NULL;
	}
	mp->mnt_op = &dead_vfsops;
	mount_release(mp);
}

static int
mount_common(const struct mount_args *ma, struct mount **mpp, char *errbuf,
    size_t errlen)
{
	struct mount *mp;
	const struct vfsops *ops = NULL;
	const char *src;
	struct kopts ko;
	char *tbuf;
	uint32_t flags = 0;
	bool rwexplicit, isauto, driver_failed = false;
	int error;

	if (mpp != NULL)
		*mpp = NULL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (!mnt_inited)
		return ENXIO;
	if ((mp = kmem_zalloc(sizeof(*mp))) == NULL)
		return ENOMEM;
	if ((tbuf = kmem_alloc(PATH_MAX)) == NULL) {
		kmem_free(mp, sizeof(*mp));
		return ENOMEM;
	}
	if ((error = mutex_init(&mp->mnt_renamelock)) != 0) {
		kmem_free(tbuf, PATH_MAX);
		kmem_free(mp, sizeof(*mp));
		return error;
	}
	mp->mnt_op = &dead_vfsops;
	mp->mnt_namemax = NAME_MAX;
	mp->mnt_maxfilesize = INT64_MAX;
	mp->mnt_linkmax = LINK_MAX_DEFAULT;

	mutex_enter(&mnt_oplock);
	if (ma->ma_source == NULL)
		src = "memory";
	else if (ma->ma_source[0] == '\0')
		src = "none";
	else
		src = ma->ma_source;
	mp->mnt_source = kmem_strndup(src, PATH_MAX);
	if (mp->mnt_source == NULL) {
		error = ENOMEM;
		goto out;
	}
	if ((error = vfs_target_normalise(ma->ma_target, tbuf,
	    PATH_MAX)) != 0) {
		vfs_mount_error(mp, "bad mount point '%s'",
		    ma->ma_target != NULL ? ma->ma_target : "(null)");
		goto out;
	}
	mutex_enter(&mnt_tablock);
	if (table_find(tbuf) != NULL)
		error = EBUSY;
	mutex_exit(&mnt_tablock);
	if (error != 0) {
		vfs_mount_error(mp, "%s is already a mount point", tbuf);
		goto out;
	}
	if ((mp->mnt_target = kmem_strndup(tbuf, PATH_MAX)) == NULL) {
		error = ENOMEM;
		goto out;
	}

	isauto = ma->ma_fstype == NULL || strcmp(ma->ma_fstype, "auto") == 0;
	if (!isauto && (ops = vfs_lookup_fstype(ma->ma_fstype)) == NULL) {
		vfs_mount_error(mp, "unknown filesystem type '%s'",
		    ma->ma_fstype);
		error = ENODEV;
		goto out;
	}
	/* For "auto", a first pass over the generic options only. */
	mp->mnt_op = ops;
	if ((error = vfs_opts_parse(mp, ma->ma_options, &flags,
	    &rwexplicit)) != 0)
		goto out;
	/* The kernel's own: part=, lock (vfs_part.h). */
	if ((error = vfs_opts_kernel(ma->ma_options, &ko, mp->mnt_errbuf,
	    sizeof(mp->mnt_errbuf))) != 0)
		goto out;

	if (isauto || ops->vfs_needdev) {
		if (ma->ma_source != NULL && ma->ma_source[0] == '\0') {
			vfs_mount_error(mp, "no device or image given");
			error = EINVAL;
			goto out;
		}
		if ((error = mount_opendev(mp, ma, &flags, rwexplicit,
		    ko.ko_lock != KOPT_LOCK_NONE)) != 0)
			goto out;
	} else if (ko.ko_part[0] != '\0') {
		vfs_mount_error(mp, "part= needs a filesystem on a device");
		error = EINVAL;
		goto out;
	}
	if (ko.ko_part[0] != '\0') {
		if ((error = part_select(mp->mnt_dev, ko.ko_part, tbuf,
		    PATH_MAX)) != 0) {
			vfs_mount_error(mp, "part=%s on %s: %s", ko.ko_part,
			    mp->mnt_source, tbuf);
			goto out;
		}
	}
	if (isauto) {
		if ((error = mount_probe(mp, ko.ko_part[0] == '\0',
		    &ops)) != 0)
			goto out;
		mp->mnt_op = ops;
		flags &= MNT_RDONLY;	/* keep a read-only device's choice */
		if ((error = vfs_opts_parse(mp, ma->ma_options, &flags,
		    &rwexplicit)) != 0)
			goto out;
	}
	mp->mnt_op = ops;
	if (rwexplicit)
		flags |= MNT_RWEXPLICIT;
	/* A memory device or none: nobody else can reach it either. */
	if (ko.ko_lock != KOPT_LOCK_NONE || mp->mnt_dev == NULL ||
	    ma->ma_source == NULL)
		flags |= MNT_LOCKED;
	mp->mnt_flags = flags;
	mp->mnt_fsid = fnv1a(mp->mnt_source) ^
	    (++mnt_fsidgen * 0x9e3779b97f4a7c15ULL);

	if ((error = ops->vfs_mount(mp)) != 0) {
		driver_failed = true;
		if (mp->mnt_errbuf[0] == '\0')
			vfs_mount_error(mp, "%s: cannot mount %s: %s",
			    ops->vfs_name, mp->mnt_source, kstrerror(error));
		goto out;
	}

	mutex_enter(&mnt_tablock);
	KASSERT(table_find(mp->mnt_target) == NULL);
	{
		struct mount **pp;

		for (pp = &mnt_table; *pp != NULL; pp = &(*pp)->mnt_next)
			continue;
		*pp = mp;
		mp->mnt_next = NULL;
	}
	mutex_exit(&mnt_tablock);
	mutex_exit(&mnt_oplock);
	kmem_free(tbuf, PATH_MAX);
	klog(KLOG_INFO, "mounted %s (%s%s) on %s", mp->mnt_source,
	    ops->vfs_name, vfs_isrdonly(mp) ? ", read-only" : "",
	    mp->mnt_target);
	if (mpp != NULL)
		*mpp = mp;
	return 0;

out:
	if (mp->mnt_errbuf[0] == '\0')
		vfs_mount_error(mp, "mount failed: %s", kstrerror(error));
	klog(KLOG_INFO, "mount %s on %s: %s",
	    mp->mnt_source != NULL ? mp->mnt_source : "?",
	    ma->ma_target != NULL ? ma->ma_target : "(null)",
	    mp->mnt_errbuf);
	if (errbuf != NULL && errlen > 0)
		(void)ksnprintf(errbuf, errlen, "%s", mp->mnt_errbuf);
	mount_abort(mp, driver_failed);
	mutex_exit(&mnt_oplock);
	kmem_free(tbuf, PATH_MAX);
	return error;
}

/* See vfs_pub.h. */
int
vfs_mount(const char *fstype, const char *source, const char *target,
    const char *options, struct mount **mpp, char *errbuf, size_t errlen)
{
	struct mount_args ma = {
		.ma_fstype = fstype,
		.ma_source = source != NULL ? source : "",
		.ma_target = target,
		.ma_options = options,
	};

	return mount_common(&ma, mpp, errbuf, errlen);
}

/* See vfs_pub.h. */
int
vfs_mount_mem(const char *fstype, const void *image, size_t imagelen,
    uint64_t size, const char *target, const char *options,
    struct mount **mpp, char *errbuf, size_t errlen)
{
	struct mount_args ma = {
		.ma_fstype = fstype,
		.ma_source = NULL,
		.ma_image = image,
		.ma_imagelen = imagelen,
		.ma_size = size,
		.ma_target = target,
		.ma_options = options,
	};

	if (imagelen > size) {
		if (errbuf != NULL && errlen > 0)
			(void)ksnprintf(errbuf, errlen, "image larger than "
			    "the device");
		return EINVAL;
	}
	return mount_common(&ma, mpp, errbuf, errlen);
}

/* ---- unmounting ---- */

/*
 * Unmount MP; see vfs_pub.h.
 * => EINVAL if MP is not mounted.  EBUSY if mount references (open
 *    files of the syscall layer) or referenced vnodes remain, unless
 *    FORCE.  Without FORCE a sync or driver error fails the unmount and
 *    leaves the filesystem mounted.
 */
int
vfs_unmount(struct mount *mp, int flags)
{
	bool force = (flags & VFS_UMOUNT_FORCE) != 0;
	bool busy, found;
	int error = 0, e2;

	if (!mnt_inited)
		return EINVAL;
	mutex_enter(&mnt_oplock);
	mutex_enter(&mnt_tablock);
	found = table_contains(mp);
	mutex_exit(&mnt_tablock);
	if (!found) {
		mutex_exit(&mnt_oplock);
		return EINVAL;
	}
	vcache_mount_unmounting(mp, true);
	mutex_enter(&mnt_tablock);
	busy = mp->mnt_refcnt > 0;
	mutex_exit(&mnt_tablock);
	if (busy && !force) {
		error = EBUSY;
		goto out_undo;
	}

	error = mp->mnt_op->vfs_sync(mp, true);
	if (error == 0 && mp->mnt_dev != NULL && !vfs_isrdonly(mp))
		error = bsync(mp->mnt_dev);
	if (error != 0) {
		klog(KLOG_WARN, "unmount %s: sync failed: error %d",
		    mp->mnt_target, error);
		if (!force)
			goto out_undo;
	}
	if ((error = vflush(mp, NULL, force)) != 0)
		goto out_undo;
	if ((error = mp->mnt_op->vfs_unmount(mp, flags)) != 0) {
		klog(KLOG_WARN, "unmount %s: %s: error %d", mp->mnt_target,
		    mp->mnt_op->vfs_name, error);
		if (!force)
			goto out_undo;
	}
	if (mp->mnt_dev != NULL) {
		if (!vfs_isrdonly(mp) && (e2 = bsync(mp->mnt_dev)) != 0)
			klog(KLOG_WARN, "unmount %s: write-back failed: "
			    "error %d", mp->mnt_target, e2);
		if ((e2 = binvalall(mp->mnt_dev, false)) != 0) {
			klog(KLOG_WARN, "unmount %s: dropping buffers: "
			    "error %d", mp->mnt_target, e2);
			(void)binvalall(mp->mnt_dev, true);
		}
		blkdev_close(mp->mnt_dev);
		mp->mnt_dev = NULL;
	}
	mp->mnt_data = NULL;
	mp->mnt_op = &dead_vfsops;
	mutex_enter(&mnt_tablock);
	list_remove(&mnt_table, mp);
	mutex_exit(&mnt_tablock);
	klog(KLOG_INFO, "unmounted %s", mp->mnt_target);
	mount_release(mp);
	mutex_exit(&mnt_oplock);
	return 0;

out_undo:
	vcache_mount_unmounting(mp, false);
	mutex_exit(&mnt_oplock);
	return error;
}

/*
 * Unmount everything, newest first; a mount that refuses is unmounted
 * by force (logged).  For vfs_shutdown.
 */
void
vfs_unmount_all(void)
{
	struct mount *mp, *last;
	int error;

	if (!mnt_inited)
		return;
	for (;;) {
		mutex_enter(&mnt_tablock);
		for (last = NULL, mp = mnt_table; mp != NULL;
		    mp = mp->mnt_next)
			last = mp;
		mutex_exit(&mnt_tablock);
		if (last == NULL)
			break;
		if ((error = vfs_unmount(last, 0)) == 0)
			continue;
		klog(KLOG_WARN, "unmount %s: error %d; forcing it",
		    last->mnt_target, error);
		if ((error = vfs_unmount(last, VFS_UMOUNT_FORCE)) != 0) {
			klog(KLOG_ERR, "forced unmount %s: error %d",
			    last->mnt_target, error);
			break;
		}
	}
}

/* ---- queries ---- */

/* The mount at TARGET (normalised first), or ENOENT.  No reference. */
int
vfs_mount_lookup(const char *target, struct mount **mpp)
{
	char *tbuf;
	int error;

	*mpp = NULL;
	if (!mnt_inited)
		return ENOENT;
	if ((tbuf = kmem_alloc(PATH_MAX)) == NULL)
		return ENOMEM;
	if ((error = vfs_target_normalise(target, tbuf, PATH_MAX)) == 0) {
		mutex_enter(&mnt_tablock);
		if ((*mpp = table_find(tbuf)) == NULL)
			error = ENOENT;
		mutex_exit(&mnt_tablock);
	}
	kmem_free(tbuf, PATH_MAX);
	return error;
}

bool
vfs_mount_rdonly(struct mount *mp)
{

	return vfs_isrdonly(mp);
}

bool
vfs_mount_nocase(struct mount *mp)
{

	return (mp->mnt_flags & MNT_NOCASE) != 0;
}

bool
vfs_mount_locked(struct mount *mp)
{

	return (mp->mnt_flags & MNT_LOCKED) != 0;
}

const char *
vfs_mount_fstype(struct mount *mp)
{

	return mp->mnt_op->vfs_name;
}

/* ---- sync ---- */

static int
sync_one(struct mount *mp)
{
	int error, e2;

	error = mp->mnt_op->vfs_sync(mp, true);
	if (mp->mnt_dev != NULL && !vfs_isrdonly(mp)) {
		e2 = bsync(mp->mnt_dev);
		if (error == 0)
			error = e2;
	}
	return error;
}

/*
 * Push MP's changes to its device and flush it; every mount if MP is
 * NULL.  Returns the first error (all mounts are tried).
 */
int
vfs_sync(struct mount *mp)
{
	int error = 0, e;

	if (mp != NULL)
		return sync_one(mp);
	if (!mnt_inited)
		return 0;
	mutex_enter(&mnt_oplock);
	for (mp = mnt_table; mp != NULL; mp = mp->mnt_next) {
		/* The table cannot change while we hold mnt_oplock. */
		if ((e = sync_one(mp)) != 0 && error == 0)
			error = e;
	}
	mutex_exit(&mnt_oplock);
	return error;
}

/*
 * The contents of the memory device of a mount made by vfs_mount_mem
 * (no sync is done: call vfs_sync first).  EINVAL for another mount.
 */
int
vfs_mount_membuf(struct mount *mp, void **bufp, uint64_t *sizep)
{
	uint64_t size;
	uint32_t secsize;
	void *buf;

	*bufp = NULL;
	*sizep = 0;
	if (mp->mnt_dev == NULL ||
	    (buf = hyp_bdev_membuf(mp->mnt_dev->bd_hyp)) == NULL)
		return EINVAL;
	hyp_bdev_getsize(mp->mnt_dev->bd_hyp, &size, &secsize);
	*bufp = buf;
	*sizep = size;
	return 0;
}

/* ---- start and stop ---- */

int
vfs_mountlist_init(void)
{
	int error;

	if (mnt_inited)
		return 0;
	if ((error = mutex_init(&mnt_oplock)) != 0)
		return error;
	if ((error = mutex_init(&mnt_tablock)) != 0) {
		mutex_destroy(&mnt_oplock);
		return error;
	}
	mnt_table = NULL;
	mnt_inited = true;
	return 0;
}

/*
 * After vfs_unmount_all.  Zombie mounts (still referenced after a
 * forced unmount) keep the table lock alive: they are reported and the
 * locks are kept.
 */
void
vfs_mountlist_fini(void)
{
	bool left;

	if (!mnt_inited)
		return;
	mutex_enter(&mnt_tablock);
	left = mnt_table != NULL || mnt_zombies != NULL;
	mutex_exit(&mnt_tablock);
	if (left) {
		klog(KLOG_WARN, "mounts still referenced at shutdown");
		return;
	}
	mutex_destroy(&mnt_tablock);
	mutex_destroy(&mnt_oplock);
	mnt_inited = false;
}
