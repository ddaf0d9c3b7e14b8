/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_init.c -- bringing the kernel up and down.
 *
 * Exports (vfs_pub.h): vfs_init, vfs_shutdown.
 *
 * Start-up order: hypercalls, buffer cache (with its flusher), vnode
 * cache (with its vdrain thread), mount table, built-in drivers.
 * Shutdown undoes it in reverse, after unmounting everything, so that a
 * clean run leaves nothing allocated (LeakSanitizer checks the tests).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "vfs_pub.h"
#include "vfs_internal.h"
#include "rumpuser.h"

#define BUFCACHE_DEFAULT	(64ULL << 20)

static bool	vfs_inited;	/* vfs_init/vfs_shutdown; not concurrent */

/*
 * Bring the kernel up; idempotent (a second call while up returns 0 and
 * changes nothing).
 * => 0, or the error of the failing step (everything before is undone).
 */
int
vfs_init(const struct vfs_config *cfg)
{
	uint64_t bytes = BUFCACHE_DEFAULT;
	unsigned lrumax = 0;
	int error;

	if (vfs_inited)
		return 0;
	if ((error = hyp_init()) != 0)
		return error;
	if (cfg != NULL) {
		if (cfg->bufcache_bytes != 0)
			bytes = cfg->bufcache_bytes;
		lrumax = cfg->vnode_lru_max;
		hyp_mem_limit(cfg->mem_limit);
	}
	if ((error = bufcache_init(bytes)) != 0)
		return error;
	if ((error = vcache_init(lrumax)) != 0)
		goto out_bufcache;
	if ((error = vfs_mountlist_init()) != 0)
		goto out_vcache;
	fsdrivers_attach();
	vfs_inited = true;
	return 0;

out_vcache:
	vcache_fini();
out_bufcache:
	bufcache_shutdown();
	return error;
}

/* Unmount everything (by force if need be), stop the kernel's threads. */
void
vfs_shutdown(void)
{

	if (!vfs_inited)
		return;
	vfs_unmount_all();
	vfs_mountlist_fini();
	vcache_fini();
	bufcache_shutdown();
	vfs_register_fini();
	vfs_inited = false;
}
