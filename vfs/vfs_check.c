/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_check.c -- filesystem checkers: the registry (kern/check.h) and
 * vfs_fsck() (vfs_pub.h), which mounts an image read-only at a private
 * mount point, runs the checker registered for the type that mounted,
 * and unmounts.
 *
 * The registry is a small fixed table written only while vfs_init runs
 * (single-threaded) and read-only afterwards, so it needs no lock.
 *
 * Exports vfs_register_checker, vfs_fsck.
 */
#include "kern/kern.h"
#include "kern/check.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "vfs_pub.h"

#define VFS_NCHECKERS	8

static struct {
	const char	*name;
	vfs_checker_t	fn;
} vfs_checkers[VFS_NCHECKERS];

static unsigned vfs_fsck_seq;	/* atomic: private mount point names */

int
vfs_register_checker(const char *fstype, vfs_checker_t fn)
{
	size_t i;

	for (i = 0; i < VFS_NCHECKERS; i++) {
		if (vfs_checkers[i].name == NULL) {
			vfs_checkers[i].name = fstype;
			vfs_checkers[i].fn = fn;
			return 0;
		}
		if (strcmp(vfs_checkers[i].name, fstype) == 0)
			return vfs_checkers[i].fn == fn ? 0 : EEXIST;
	}
	return ENOSPC;
}

static vfs_checker_t
vfs_checker_lookup(const char *fstype)
{
	size_t i;

	for (i = 0; i < VFS_NCHECKERS && vfs_checkers[i].name != NULL; i++)
		if (strcmp(vfs_checkers[i].name, fstype) == 0)
			return vfs_checkers[i].fn;
	return NULL;
}

static void __printflike(3, 4)
vfs_fsck_say(void (*report)(void *, const char *), void *arg,
    const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	(void)kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	report(arg, line);
}

/*
 * See vfs_pub.h.
 * => 0 when the check ran (*NPROBLEMS says what it found); EOPNOTSUPP
 *    if the type has no checker; the mount's error (with a line given to
 *    REPORT) if SOURCE cannot be mounted read-only.
 */
int
vfs_fsck(const char *fstype, const char *source, int flags,
    void (*report)(void *arg, const char *line), void *arg,
    unsigned *nproblems)
{
	char target[64], errbuf[256];
	struct mount *mp;
	vfs_checker_t fn;
	int error, e;

	*nproblems = 0;
	(void)ksnprintf(target, sizeof(target), "/.fsck-%u",
	    atomic_inc_uint(&vfs_fsck_seq));
	errbuf[0] = '\0';
	error = vfs_mount(fstype, source, target, "ro", &mp, errbuf,
	    sizeof(errbuf));
	if (error != 0) {
		vfs_fsck_say(report, arg, "cannot check %s: %s", source,
		    errbuf[0] != '\0' ? errbuf : "mount failed");
		return error;
	}
	if ((fn = vfs_checker_lookup(vfs_mount_fstype(mp))) == NULL) {
		vfs_fsck_say(report, arg, "no checker for %s filesystems",
		    vfs_mount_fstype(mp));
		error = EOPNOTSUPP;
	} else
		error = fn(mp, flags, report, arg, nproblems);
	if ((e = vfs_unmount(mp, 0)) != 0 && error == 0)
		error = e;
	return error;
}
