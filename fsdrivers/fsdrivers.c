/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsdrivers.c -- the list of built-in filesystem drivers.  vfs_init()
 * calls fsdrivers_attach() once; each driver exports its vfsops here.
 */
#include "kern/kern.h"
#include "kern/mount.h"

extern const struct vfsops tmpfs_vfsops;

static const struct vfsops *const builtin[] = {
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
}
