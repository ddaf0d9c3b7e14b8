/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_register.c -- the filesystem-type registry: which drivers exist,
 * under which names.
 *
 * Exports (mount.h): vfs_register, vfs_lookup_fstype, vfs_noprobe;
 * (vfs_internal.h) vfs_fstype_iterate, vfs_register_fini.
 *
 * The registry is a fixed array, appended to by vfs_register() and never
 * shrunk except by vfs_register_fini() at shutdown.  Writers serialise
 * on a spin lock (registration is rare and short); readers load the
 * count with acquire semantics and then read the entries below it,
 * which are never changed once published, so lookups take no lock.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/kern.h"
#include "kern/mount.h"
#include "vfs_internal.h"

#define VFS_MAXTYPES	32
#define VFS_NAMEMAX	32

/* Entries below vfs_ntypes are immutable once published. */
static const struct vfsops *vfs_types[VFS_MAXTYPES];
static unsigned	vfs_ntypes;	/* atomic; written under vfs_reglock */
static bool	vfs_reglock;

static void
reg_lock(void)
{

	while (__atomic_test_and_set(&vfs_reglock, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&vfs_reglock, __ATOMIC_RELAXED))
			;
}

static void
reg_unlock(void)
{

	__atomic_clear(&vfs_reglock, __ATOMIC_RELEASE);
}

/* Does OPS answer to NAME (its name or an alias)? */
static bool
ops_has_name(const struct vfsops *ops, const char *name)
{
	const char *const *a;

	if (strcmp(ops->vfs_name, name) == 0)
		return true;
	if (ops->vfs_aliases != NULL)
		for (a = ops->vfs_aliases; *a != NULL; a++)
			if (strcmp(*a, name) == 0)
				return true;
	return false;
}

static bool
name_valid(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strnlen(name, VFS_NAMEMAX + 1);
	if (len == 0 || len > VFS_NAMEMAX)
		return false;
	return strcmp(name, "auto") != 0 && strchr(name, ',') == NULL;
}

/* Is any name of OPS taken by a registered filesystem?  reg_lock held. */
static bool
ops_clash(const struct vfsops *ops)
{
	const char *const *a;
	unsigned i;

	for (i = 0; i < vfs_ntypes; i++) {
		if (ops_has_name(vfs_types[i], ops->vfs_name))
			return true;
		if (ops->vfs_aliases != NULL)
			for (a = ops->vfs_aliases; *a != NULL; a++)
				if (ops_has_name(vfs_types[i], *a))
					return true;
	}
	return false;
}

/*
 * Register the filesystem type OPS (which must stay valid for as long as
 * the kernel runs).
 * => EINVAL: no name, a bad name or alias ("auto" is reserved), or an
 *    empty vfsops slot.  EEXIST: the name or an alias is taken.
 *    ENOSPC: the registry is full.
 */
int
vfs_register(const struct vfsops *ops)
{
	const char *const *a;
	int error = 0;

	if (ops == NULL || !name_valid(ops->vfs_name))
		return EINVAL;
	if (ops->vfs_aliases != NULL)
		for (a = ops->vfs_aliases; *a != NULL; a++)
			if (!name_valid(*a))
				return EINVAL;
	if (ops->vfs_mount == NULL || ops->vfs_unmount == NULL ||
	    ops->vfs_root == NULL || ops->vfs_statvfs == NULL ||
	    ops->vfs_sync == NULL || ops->vfs_loadvnode == NULL ||
	    ops->vfs_probe == NULL) {
		klog(KLOG_ERR, "vfs_register: %s: empty vfsops slot",
		    ops->vfs_name);
		return EINVAL;
	}
	reg_lock();
	if (ops_clash(ops))
		error = EEXIST;
	else if (vfs_ntypes >= VFS_MAXTYPES)
		error = ENOSPC;
	else {
		vfs_types[vfs_ntypes] = ops;
		__atomic_store_n(&vfs_ntypes, vfs_ntypes + 1,
		    __ATOMIC_RELEASE);
	}
	reg_unlock();
	return error;
}

/* The filesystem type called NAME (a name or an alias), or NULL. */
const struct vfsops *
vfs_lookup_fstype(const char *name)
{
	unsigned i, n;

	if (name == NULL)
		return NULL;
	n = __atomic_load_n(&vfs_ntypes, __ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++)
		if (ops_has_name(vfs_types[i], name))
			return vfs_types[i];
	return NULL;
}

/* Call FN on each registered type in registration order; see header. */
int
vfs_fstype_iterate(int (*fn)(const struct vfsops *ops, void *arg), void *arg)
{
	unsigned i, n;
	int error;

	n = __atomic_load_n(&vfs_ntypes, __ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++)
		if ((error = fn(vfs_types[i], arg)) != 0)
			return error;
	return 0;
}

/* Forget every registration (shutdown; nothing may be mounted). */
void
vfs_register_fini(void)
{

	reg_lock();
	__atomic_store_n(&vfs_ntypes, 0, __ATOMIC_RELEASE);
	memset(vfs_types, 0, sizeof(vfs_types));
	reg_unlock();
}

/* A vfs_probe for filesystems that cannot be recognised: always "no". */
int
vfs_noprobe(struct blkdev *dev __unused)
{

	return EINVAL;
}
