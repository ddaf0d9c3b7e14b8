/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * genfs.c -- generic vnode operations shared by drivers: the named
 * stubs a driver puts in the slots it does not implement (genfs_erofs_*,
 * genfs_eopnotsupp_*, genfs_nullop_*, genfs_einval_readlink), a
 * SEEK_DATA/SEEK_HOLE implementation over VOP_BMAP (genfs_seek), the
 * "." / ".." name checks, and dead_vnodeops, the table a vnode gets when
 * a forced unmount reclaims it while it is still referenced.
 *
 * Exports (vnode.h): every genfs_* function and dead_vnodeops.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/vnode.h"

/* ---- stubs for read-only filesystems: EROFS ---- */

int
genfs_erofs_create(struct vnode *dvp __unused, const char *name __unused,
    size_t len __unused, const struct vattr *va __unused,
    struct vnode **vpp __unused)
{

	return EROFS;
}

int
genfs_erofs_symlink(struct vnode *dvp __unused, const char *name __unused,
    size_t len __unused, const struct vattr *va __unused,
    const char *target __unused, struct vnode **vpp __unused)
{

	return EROFS;
}

int
genfs_erofs_link(struct vnode *dvp __unused, struct vnode *vp __unused,
    const char *name __unused, size_t len __unused)
{

	return EROFS;
}

int
genfs_erofs_rename(struct vnode *fdvp __unused, struct vnode *fvp __unused,
    const char *fname __unused, size_t flen __unused,
    struct vnode *tdvp __unused, struct vnode *tvp __unused,
    const char *tname __unused, size_t tlen __unused,
    unsigned flags __unused)
{

	return EROFS;
}

int
genfs_erofs_setattr(struct vnode *vp __unused,
    const struct vattr *va __unused)
{

	return EROFS;
}

int
genfs_erofs_write(struct vnode *vp __unused, struct uio *uio __unused,
    int ioflag __unused)
{

	return EROFS;
}

int
genfs_erofs_setxattr(struct vnode *vp __unused, const char *name __unused,
    const void *val __unused, size_t len __unused, int flags __unused)
{

	return EROFS;
}

int
genfs_erofs_removexattr(struct vnode *vp __unused,
    const char *name __unused)
{

	return EROFS;
}

int
genfs_erofs_fallocate(struct vnode *vp __unused, int mode __unused,
    uint64_t off __unused, uint64_t len __unused)
{

	return EROFS;
}

/* ---- nothing to do: 0 ---- */

int
genfs_nullop_open(struct vnode *vp __unused, int oflags __unused)
{

	return 0;
}

int
genfs_nullop_fsync(struct vnode *vp __unused, int flags __unused)
{

	return 0;
}

/* ---- not applicable / not supported ---- */

int
genfs_einval_readlink(struct vnode *vp __unused, struct uio *uio __unused)
{

	return EINVAL;
}

int
genfs_eopnotsupp_bmap(struct vnode *vp __unused, uint64_t off __unused,
    uint64_t *devoffp __unused, uint64_t *runp __unused)
{

	return EOPNOTSUPP;
}

int
genfs_eopnotsupp_getxattr(struct vnode *vp __unused,
    const char *name __unused, void *buf __unused, size_t size __unused,
    size_t *lenp __unused)
{

	return EOPNOTSUPP;
}

int
genfs_eopnotsupp_setxattr(struct vnode *vp __unused,
    const char *name __unused, const void *val __unused,
    size_t len __unused, int flags __unused)
{

	return EOPNOTSUPP;
}

int
genfs_eopnotsupp_listxattr(struct vnode *vp __unused, char *buf __unused,
    size_t size __unused, size_t *lenp __unused)
{

	return EOPNOTSUPP;
}

int
genfs_eopnotsupp_removexattr(struct vnode *vp __unused,
    const char *name __unused)
{

	return EOPNOTSUPP;
}

int
genfs_eopnotsupp_fallocate(struct vnode *vp __unused, int mode __unused,
    uint64_t off __unused, uint64_t len __unused)
{

	return EOPNOTSUPP;
}

/* ---- SEEK_DATA / SEEK_HOLE ---- */

/*
 * Find the next data (SEEK_DATA) or hole (SEEK_HOLE) at or after OFF.
 * => vp locked (shared or exclusive).
 * => ENXIO when OFF is at or past the end of the file, or (SEEK_DATA)
 *    when only holes follow; the end of the file counts as a hole.
 * => Without a working VOP_BMAP (EOPNOTSUPP) the whole file is data.
 * => EINVAL for another WHENCE; errors of VOP_GETATTR / VOP_BMAP.
 */
int
genfs_seek(struct vnode *vp, uint64_t off, int whence, uint64_t *resultp)
{
	struct vattr va;
	uint64_t size, devoff, run, step;
	int error;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return EINVAL;
	memset(&va, 0, sizeof(va));
	if ((error = VOP_GETATTR(vp, &va)) != 0)
		return error;
	size = va.va_size;
	if (off >= size)
		return ENXIO;
	step = va.va_blocksize != 0 ? va.va_blocksize : DEV_BSIZE;
	while (off < size) {
		error = VOP_BMAP(vp, off, &devoff, &run);
		if (error == EOPNOTSUPP) {
			/* No map: everything up to EOF is data. */
			*resultp = whence == SEEK_DATA ? off : size;
			return 0;
		}
		if (error != 0)
			return error;
		if ((devoff == VOP_BMAP_HOLE) == (whence == SEEK_HOLE)) {
			*resultp = off;
			return 0;
		}
		if (run == 0) {
			/* No length reported: skip to the next block. */
			run = step - off % step;
		}
		if (run > size - off)
			break;
		off += run;
	}
	if (whence == SEEK_DATA)
		return ENXIO;
	*resultp = size;
	return 0;
}

/* ---- names ---- */

bool
genfs_name_is_dot(const char *name, size_t len)
{

	return len == 1 && name[0] == '.';
}

bool
genfs_name_is_dotdot(const char *name, size_t len)
{

	return len == 2 && name[0] == '.' && name[1] == '.';
}

/* ---- dead vnodes: every operation fails with EIO ---- */

static int
dead_lookup(struct vnode *dvp __unused, const char *name __unused,
    size_t len __unused, struct vnode **vpp __unused)
{

	return EIO;
}

static int
dead_create(struct vnode *dvp __unused, const char *name __unused,
    size_t len __unused, const struct vattr *va __unused,
    struct vnode **vpp __unused)
{

	return EIO;
}

static int
dead_symlink(struct vnode *dvp __unused, const char *name __unused,
    size_t len __unused, const struct vattr *va __unused,
    const char *target __unused, struct vnode **vpp __unused)
{

	return EIO;
}

static int
dead_link(struct vnode *dvp __unused, struct vnode *vp __unused,
    const char *name __unused, size_t len __unused)
{

	return EIO;
}

static int
dead_rename(struct vnode *fdvp __unused, struct vnode *fvp __unused,
    const char *fname __unused, size_t flen __unused,
    struct vnode *tdvp __unused, struct vnode *tvp __unused,
    const char *tname __unused, size_t tlen __unused,
    unsigned flags __unused)
{

	return EIO;
}

static int
dead_open(struct vnode *vp __unused, int oflags __unused)
{

	return EIO;
}

static int
dead_getattr(struct vnode *vp __unused, struct vattr *va __unused)
{

	return EIO;
}

static int
dead_setattr(struct vnode *vp __unused, const struct vattr *va __unused)
{

	return EIO;
}

static int
dead_rw(struct vnode *vp __unused, struct uio *uio __unused,
    int ioflag __unused)
{

	return EIO;
}

static int
dead_fsync(struct vnode *vp __unused, int flags __unused)
{

	return EIO;
}

static int
dead_readdir(struct vnode *vp __unused, uint64_t *cookie __unused,
    vfs_filldir_t fill __unused, void *arg __unused)
{

	return EIO;
}

static int
dead_readlink(struct vnode *vp __unused, struct uio *uio __unused)
{

	return EIO;
}

static int
dead_inactive(struct vnode *vp __unused, bool *recyclep)
{

	*recyclep = true;
	return 0;
}

static int
dead_reclaim(struct vnode *vp __unused)
{

	return 0;
}

static int
dead_bmap(struct vnode *vp __unused, uint64_t off __unused,
    uint64_t *devoffp __unused, uint64_t *runp __unused)
{

	return EIO;
}

static int
dead_getxattr(struct vnode *vp __unused, const char *name __unused,
    void *buf __unused, size_t size __unused, size_t *lenp __unused)
{

	return EIO;
}

static int
dead_setxattr(struct vnode *vp __unused, const char *name __unused,
    const void *val __unused, size_t len __unused, int flags __unused)
{

	return EIO;
}

static int
dead_listxattr(struct vnode *vp __unused, char *buf __unused,
    size_t size __unused, size_t *lenp __unused)
{

	return EIO;
}

static int
dead_removexattr(struct vnode *vp __unused, const char *name __unused)
{

	return EIO;
}

static int
dead_fallocate(struct vnode *vp __unused, int mode __unused,
    uint64_t off __unused, uint64_t len __unused)
{

	return EIO;
}

static int
dead_seek(struct vnode *vp __unused, uint64_t off __unused,
    int whence __unused, uint64_t *resultp __unused)
{

	return EIO;
}

const struct vnodeops dead_vnodeops = {
	/* any lock -> same: EIO */
	.vop_lookup = dead_lookup,
	.vop_create = dead_create,
	.vop_mknod = dead_create,
	.vop_mkdir = dead_create,
	.vop_symlink = dead_symlink,
	.vop_link = dead_link,
	.vop_remove = dead_link,
	.vop_rmdir = dead_link,
	.vop_rename = dead_rename,
	.vop_open = dead_open,
	.vop_close = dead_open,
	.vop_getattr = dead_getattr,
	.vop_setattr = dead_setattr,
	.vop_read = dead_rw,
	.vop_write = dead_rw,
	.vop_fsync = dead_fsync,
	.vop_readdir = dead_readdir,
	.vop_readlink = dead_readlink,
	/* vp excl -> same: nothing left to do; always recycle */
	.vop_inactive = dead_inactive,
	.vop_reclaim = dead_reclaim,
	/* any lock -> same: EIO */
	.vop_bmap = dead_bmap,
	.vop_getxattr = dead_getxattr,
	.vop_setxattr = dead_setxattr,
	.vop_listxattr = dead_listxattr,
	.vop_removexattr = dead_removexattr,
	.vop_fallocate = dead_fallocate,
	.vop_seek = dead_seek,
};
