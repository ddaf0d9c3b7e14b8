/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsdrivers.c -- the list of built-in filesystem drivers.  vfs_init()
 * calls fsdrivers_attach() once.  fsdrivers/meson.build defines
 * HAVE_FS_<NAME> for every driver directory that is built.
 */
#include "kern/kern.h"
#include "kern/check.h"
#include "kern/mount.h"

extern const struct vfsops tmpfs_vfsops;
extern const struct vfsops ext2fs_vfsops;
extern const struct vfsops ffs_vfsops;
extern const struct vfsops msdosfs_vfsops;
extern const struct vfsops cd9660_vfsops;
int	ffs_check(struct mount *, int, void (*)(void *, const char *), void *,
	    unsigned *);

/* Probe order for "auto": the most specific superblocks first. */
static const struct vfsops *const builtin[] = {
#ifdef HAVE_FS_EXT2FS
	&ext2fs_vfsops,
#endif
#ifdef HAVE_FS_FFS
	&ffs_vfsops,
#endif
#ifdef HAVE_FS_CD9660
	&cd9660_vfsops,
#endif
#ifdef HAVE_FS_MSDOSFS
	&msdosfs_vfsops,
#endif
	&tmpfs_vfsops,
};

void
fsdrivers_attach(void)
{
	size_t i;

	for (i = 0; i < __arraycount(builtin); i++)
		if (vfs_register(builtin[i]) != 0)
			panic("cannot register filesystem %s",
			    builtin[i]->vfs_name);
#ifdef HAVE_FS_FFS
	if (vfs_register_checker("ffs", ffs_check) != 0)
		panic("cannot register the ffs checker");
#endif
}
