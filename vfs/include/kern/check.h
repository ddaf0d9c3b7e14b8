/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check.h -- the registry of filesystem checkers: a driver that can check
 * its filesystem's consistency registers a function here (from
 * fsdrivers_attach), and vfs_fsck() (vfs_pub.h) mounts an image
 * read-only and runs the checker registered for its type.  Implemented
 * in vfs/vfs_check.c.
 */
#ifndef KERN_CHECK_H
#define KERN_CHECK_H

#include "kern/kern.h"

struct mount;

/* vfs_fsck flags (the same values as in vfs_pub.h). */
#ifndef VFS_FSCK_VERBOSE
#define VFS_FSCK_VERBOSE	0x1	/* announce passes, give a summary */
#endif

/*
 * A checker: examine MP (mounted read-only), change nothing, give each
 * problem found as one line to REPORT and count them in *NPROBLEMSP.
 * Returns 0 when the check ran (whatever it found), else an errno
 * (ENOMEM, EIO, ...) for a check that could not run to the end.
 */
typedef int	(*vfs_checker_t)(struct mount *mp, int flags,
		    void (*report)(void *arg, const char *line), void *arg,
		    unsigned *nproblemsp);

/*
 * Register FN as the checker for the filesystem type named FSTYPE (its
 * vfs_name).  Only during vfs_init (fsdrivers_attach), before any
 * vfs_fsck.  EEXIST if another is registered, ENOSPC if the table is
 * full; registering the same again (a second vfs_init) is fine.
 */
int	vfs_register_checker(const char *fstype, vfs_checker_t fn);

#endif /* KERN_CHECK_H */
