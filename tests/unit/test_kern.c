/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_kern.c -- unit tests of the kernel's basic services and of the
 * mount layer, below the public API: kernel snprintf, kmem, credentials,
 * locks (owner tracking, timed waits), uio, genfs_seek, the registry,
 * mount options (generic, driver, errors, sizes), mount-target
 * normalisation, the mount table and vfs_mount_resolve, "auto"
 * probing, and mounts under injected allocation failures.
 *
 * Two small filesystems are defined here: "fakefs" (no device, options
 * "size", "mode", "flag1") and "probefs" / "probefs2" (need a device,
 * recognised by a magic string at byte 0).  Output is TAP through
 * cunit_tap_run().
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"
#include "vfs_pub.h"
#include "rumpuser.h"
#include "../../vfs/vfs_internal.h"
#include "cunit_tap.h"

/* <stdlib.h> clashes with kern.h (daddr_t); these two are all we need. */
extern int	setenv(const char *, const char *, int);
extern int	unsetenv(const char *);

/* ---- fakefs: no device, a few options, vnodes for genfs_seek ---- */

#define SEEK_BLK	4096ULL
#define SEEK_SIZE	(10 * SEEK_BLK + 100)

static int fake_mountdata;
static unsigned fake_nmounted;	/* atomic */
static bool fake_bmap_norun;	/* bmap reports run 0 */

static int
fake_mount(struct mount *mp)
{

	mp->mnt_data = &fake_mountdata;
	atomic_inc_uint(&fake_nmounted);
	return 0;
}

static int
fake_unmount(struct mount *mp, int flags __unused)
{

	mp->mnt_data = NULL;
	atomic_dec_uint(&fake_nmounted);
	return 0;
}

static int
fake_root(struct mount *mp, struct vnode **vpp)
{

	return vcache_get(mp, 1, NULL, vpp);
}

static int
fake_statvfs(struct mount *mp __unused, struct vfs_statvfs *sv)
{

	memset(sv, 0, sizeof(*sv));
	return 0;
}

static int
fake_sync(struct mount *mp __unused, bool wait __unused)
{

	return 0;
}

static int
fake_lookup(struct vnode *dvp __unused, const char *name __unused,
    size_t len __unused, struct vnode **vpp __unused)
{

	return ENOENT;
}

static int
fake_getattr(struct vnode *vp, struct vattr *va)
{

	memset(va, 0, sizeof(*va));
	va->va_mask = VA_ALL;
	va->va_type = vp->v_type;
	va->va_fileid = vp->v_ino;
	va->va_size = SEEK_SIZE;
	va->va_blocksize = SEEK_BLK;
	return 0;
}

static int
fake_read(struct vnode *vp __unused, struct uio *uio __unused,
    int ioflag __unused)
{

	return 0;
}

static int
fake_readdir(struct vnode *vp __unused, uint64_t *cookie __unused,
    vfs_filldir_t fill __unused, void *arg __unused)
{

	return 0;
}

static int
fake_inactive(struct vnode *vp __unused, bool *recyclep)
{

	*recyclep = false;
	return 0;
}

static int
fake_reclaim(struct vnode *vp)
{

	vp->v_data = NULL;
	return 0;
}

/* Blocks 0, 1 and 5 hold data; the rest of the file is a hole. */
static bool
blk_is_data(uint64_t b)
{

	return b == 0 || b == 1 || b == 5;
}

static int
fake_bmap(struct vnode *vp __unused, uint64_t off, uint64_t *devoffp,
    uint64_t *runp)
{
	uint64_t b = off / SEEK_BLK, e;
	bool data = blk_is_data(b);

	for (e = b + 1; e * SEEK_BLK < SEEK_SIZE && blk_is_data(e) == data;
	    e++)
		continue;
	*devoffp = data ? 1000000 + off : VOP_BMAP_HOLE;
	*runp = fake_bmap_norun ? 0 : e * SEEK_BLK - off;
	return 0;
}

#define FAKE_VNODEOPS(bmapfn) {						\
	.vop_lookup = fake_lookup,					\
	.vop_create = genfs_erofs_create,				\
	.vop_mknod = genfs_erofs_mknod,					\
	.vop_mkdir = genfs_erofs_mkdir,					\
	.vop_symlink = genfs_erofs_symlink,				\
	.vop_link = genfs_erofs_link,					\
	.vop_remove = genfs_erofs_remove,				\
	.vop_rmdir = genfs_erofs_rmdir,					\
	.vop_rename = genfs_erofs_rename,				\
	.vop_open = genfs_nullop_open,					\
	.vop_close = genfs_nullop_open,					\
	.vop_getattr = fake_getattr,					\
	.vop_setattr = genfs_erofs_setattr,				\
	.vop_read = fake_read,						\
	.vop_write = genfs_erofs_write,					\
	.vop_fsync = genfs_nullop_fsync,				\
	.vop_readdir = fake_readdir,					\
	.vop_readlink = genfs_einval_readlink,				\
	.vop_inactive = fake_inactive,					\
	.vop_reclaim = fake_reclaim,					\
	.vop_bmap = bmapfn,						\
	.vop_getxattr = genfs_eopnotsupp_getxattr,			\
	.vop_setxattr = genfs_eopnotsupp_setxattr,			\
	.vop_listxattr = genfs_eopnotsupp_listxattr,			\
	.vop_removexattr = genfs_eopnotsupp_removexattr,		\
	.vop_fallocate = genfs_eopnotsupp_fallocate,			\
	.vop_seek = genfs_seek,						\
}

static const struct vnodeops fake_bmap_vnodeops = FAKE_VNODEOPS(fake_bmap);
static const struct vnodeops fake_nobmap_vnodeops =
    FAKE_VNODEOPS(genfs_eopnotsupp_bmap);

/* ino 2: a file with a block map; anything else: no block map. */
static int
fake_loadvnode(struct mount *mp __unused, struct vnode *vp, ino64_t ino,
    void *hint __unused)
{

	vp->v_type = ino == 1 ? VDIR : VREG;
	vp->v_op = ino == 2 ? &fake_bmap_vnodeops : &fake_nobmap_vnodeops;
	vp->v_data = &fake_mountdata;
	return 0;
}

static const struct vfs_optdesc fake_opts[] = {
	{ "size", VFS_OPT_VALUE, "size of the thing" },
	{ "mode", VFS_OPT_VALUE, "mode of the root" },
	{ "flag1", VFS_OPT_FLAG, "a flag" },
	{ NULL, 0, NULL },
};

static const char *const fake_aliases[] = { "fakealias", NULL };

static const struct vfsops fake_vfsops = {
	.vfs_name = "fakefs",
	.vfs_aliases = fake_aliases,
	.vfs_opts = fake_opts,
	.vfs_needdev = false,
	.vfs_mount = fake_mount,
	.vfs_unmount = fake_unmount,
	.vfs_root = fake_root,
	.vfs_statvfs = fake_statvfs,
	.vfs_sync = fake_sync,
	.vfs_loadvnode = fake_loadvnode,
	.vfs_probe = vfs_noprobe,
};

/* ---- probefs, probefs2: need a device with a magic at byte 0 ---- */

static int
probe_magic(struct blkdev *dev, const char *magic)
{
	char buf[8];
	int error;

	if ((error = blkdev_read(dev, buf, sizeof(buf), 0)) != 0)
		return error;
	return memcmp(buf, magic, strlen(magic)) == 0 ? 0 : EINVAL;
}

static int
probefs_probe(struct blkdev *dev)
{

	if (probe_magic(dev, "PROBE") == 0 || probe_magic(dev, "BOTH") == 0)
		return 0;
	return EINVAL;
}

static int
probefs2_probe(struct blkdev *dev)
{

	if (probe_magic(dev, "PRB2") == 0 || probe_magic(dev, "BOTH") == 0)
		return 0;
	return EINVAL;
}

static int
probefs_mount(struct mount *mp)
{

	if (mp->mnt_op->vfs_probe(mp->mnt_dev) != 0) {
		vfs_mount_error(mp, "%s: bad magic", mp->mnt_op->vfs_name);
		return EINVAL;
	}
	mp->mnt_data = &fake_mountdata;
	return 0;
}

static const struct vfsops probefs_vfsops = {
	.vfs_name = "probefs",
	.vfs_opts = fake_opts,
	.vfs_needdev = true,
	.vfs_mount = probefs_mount,
	.vfs_unmount = fake_unmount,
	.vfs_root = fake_root,
	.vfs_statvfs = fake_statvfs,
	.vfs_sync = fake_sync,
	.vfs_loadvnode = fake_loadvnode,
	.vfs_probe = probefs_probe,
};

static const struct vfsops probefs2_vfsops = {
	.vfs_name = "probefs2",
	.vfs_opts = NULL,
	.vfs_needdev = true,
	.vfs_mount = probefs_mount,
	.vfs_unmount = fake_unmount,
	.vfs_root = fake_root,
	.vfs_statvfs = fake_statvfs,
	.vfs_sync = fake_sync,
	.vfs_loadvnode = fake_loadvnode,
	.vfs_probe = probefs2_probe,
};

/* ---- kernel basics ---- */

static void
test_ksnprintf(void)
{
	char buf[16];

	CU_ASSERT_EQUAL(ksnprintf(buf, sizeof(buf), "%d-%s-%llu", -5, "ab",
	    (unsigned long long)1234567890123ULL), 19);
	CU_ASSERT_STRING_EQUAL(buf, "-5-ab-123456789");
	CU_ASSERT_EQUAL(ksnprintf(buf, sizeof(buf), "%x", 255), 2);
	CU_ASSERT_STRING_EQUAL(buf, "ff");
	CU_ASSERT_EQUAL(ksnprintf(NULL, 0, "%s", "hello"), 5);
}

static void
test_kmem(void)
{
	char *s;
	unsigned char *p;
	size_t i;

	s = kmem_strndup("hello world", 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "hello");
	kmem_strfree(s);
	s = kmem_strndup("ab", 100);
	CU_ASSERT_STRING_EQUAL(s, "ab");
	kmem_strfree(s);
	p = kmem_zalloc(1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (i = 0; i < 1000; i++)
		if (p[i] != 0)
			break;
	CU_ASSERT_EQUAL(i, 1000);
	kmem_free(p, 1000);
	CU_ASSERT_EQUAL(vfs_corrupt(NULL, "test %d", 1), EUCLEAN);
	CU_ASSERT(karc4random() != karc4random() ||
	    karc4random() != karc4random());
	CU_ASSERT(getmonotime_ns() > 0);
	CU_ASSERT_EQUAL(VTTOIF(VDIR), S_IFDIR);
	CU_ASSERT_EQUAL(IFTOVT(S_IFLNK | 0777), VLNK);
	CU_ASSERT_EQUAL(IFTOVT(S_IFSOCK), VSOCK);
	CU_ASSERT_EQUAL(IFTOVT(0), VNON);
}

static void
test_cred(void)
{
	uint32_t groups[] = { 10, 20, 30 };
	kauth_cred_t cr;

	cr = kauth_cred_get();
	CU_ASSERT(kauth_cred_isroot(cr));
	vfs_pub_setcred(1000, 100, 3, groups);
	cr = kauth_cred_get();
	CU_ASSERT(!kauth_cred_isroot(cr));
	CU_ASSERT_EQUAL(cr->cr_uid, 1000);
	CU_ASSERT(kauth_cred_groupmember(cr, 100));
	CU_ASSERT(kauth_cred_groupmember(cr, 20));
	CU_ASSERT(!kauth_cred_groupmember(cr, 40));
	vfs_pub_setcred_root();
	CU_ASSERT(kauth_cred_isroot(kauth_cred_get()));
	CU_ASSERT(!kauth_cred_groupmember(kauth_cred_get(), 20));
}

/* ---- locks ---- */

struct lock_arg {
	kmutex_t	*mtx;
	krwlock_t	*rw;
	kcondvar_t	*cv;
	/* what the other thread saw */
	bool		 owned_seen;	/* mutex_owned() */
	bool		 held_seen;	/* rw_lock_held() */
	bool		 wheld_seen;	/* rw_write_held() */
	bool		 try_w;		/* rw_tryenter(WRITER) result */
	bool		 try_r;		/* rw_tryenter(READER) result */
	bool		 flag;		/* protected by mtx */
};

static void
lock_peek_thread(void *v)
{
	struct lock_arg *la = v;

	la->owned_seen = mutex_owned(la->mtx);
	la->held_seen = rw_lock_held(la->rw);
	la->wheld_seen = rw_write_held(la->rw);
	la->try_w = rw_tryenter(la->rw, RW_WRITER);
	if (la->try_w)
		rw_exit(la->rw);
	la->try_r = rw_tryenter(la->rw, RW_READER);
	if (la->try_r)
		rw_exit(la->rw);
}

static void
signal_thread(void *v)
{
	struct lock_arg *la = v;

	kpause_ms(20);
	mutex_enter(la->mtx);
	la->flag = true;
	cv_broadcast(la->cv);
	mutex_exit(la->mtx);
}

static void
run_peek(struct lock_arg *la)
{
	struct kthread *kt;

	CU_ASSERT_EQUAL_FATAL(kthread_create(lock_peek_thread, la, "peek",
	    &kt), 0);
	kthread_join(kt);
}

static void
test_locks(void)
{
	kmutex_t mtx;
	krwlock_t rw;
	kcondvar_t cv;
	struct lock_arg la;
	struct kthread *kt;
	uint64_t t0, t1;

	CU_ASSERT_EQUAL_FATAL(mutex_init(&mtx), 0);
	CU_ASSERT_EQUAL_FATAL(rw_init(&rw), 0);
	CU_ASSERT_EQUAL_FATAL(cv_init(&cv), 0);
	memset(&la, 0, sizeof(la));
	la.mtx = &mtx;
	la.rw = &rw;
	la.cv = &cv;

	/* Mutex: owned by us only. */
	CU_ASSERT(!mutex_owned(&mtx));
	mutex_enter(&mtx);
	CU_ASSERT(mutex_owned(&mtx));
	run_peek(&la);
	CU_ASSERT(!la.owned_seen);
	mutex_exit(&mtx);
	CU_ASSERT(!mutex_owned(&mtx));
	CU_ASSERT(mutex_tryenter(&mtx));
	CU_ASSERT(mutex_owned(&mtx));
	mutex_exit(&mtx);

	/* Writer: held, by us; others can take nothing. */
	rw_enter(&rw, RW_WRITER);
	CU_ASSERT(rw_write_held(&rw));
	CU_ASSERT(rw_lock_held(&rw));
	run_peek(&la);
	CU_ASSERT(la.held_seen);
	CU_ASSERT(!la.wheld_seen);
	CU_ASSERT(!la.try_w);
	CU_ASSERT(!la.try_r);
	rw_exit(&rw);
	CU_ASSERT(!rw_lock_held(&rw));

	/* Reader: held, not write-held; others may read, not write. */
	rw_enter(&rw, RW_READER);
	CU_ASSERT(rw_lock_held(&rw));
	CU_ASSERT(!rw_write_held(&rw));
	run_peek(&la);
	CU_ASSERT(la.held_seen);
	CU_ASSERT(!la.try_w);
	CU_ASSERT(la.try_r);
	rw_exit(&rw);
	CU_ASSERT(!rw_lock_held(&rw));
	CU_ASSERT(rw_tryenter(&rw, RW_WRITER));
	CU_ASSERT(rw_write_held(&rw));
	rw_exit(&rw);

	/* Timed wait: times out, mutex owned again afterwards. */
	mutex_enter(&mtx);
	t0 = getmonotime_ns();
	CU_ASSERT_EQUAL(cv_timedwait_ms(&cv, &mtx, 50), EWOULDBLOCK);
	t1 = getmonotime_ns();
	CU_ASSERT(t1 - t0 >= 45ULL * 1000000);
	CU_ASSERT(mutex_owned(&mtx));
	mutex_exit(&mtx);

	/* Timed wait woken by a signal; the waiter is not the owner while
	 * it sleeps (the signaller could take the mutex). */
	CU_ASSERT_EQUAL_FATAL(kthread_create(signal_thread, &la, "sig",
	    &kt), 0);
	mutex_enter(&mtx);
	while (!la.flag)
		if (cv_timedwait_ms(&cv, &mtx, 5000) == EWOULDBLOCK)
			break;
	CU_ASSERT(la.flag);
	CU_ASSERT(mutex_owned(&mtx));
	mutex_exit(&mtx);
	kthread_join(kt);

	/* cv_wait with a signaller. */
	la.flag = false;
	CU_ASSERT_EQUAL_FATAL(kthread_create(signal_thread, &la, "sig",
	    &kt), 0);
	mutex_enter(&mtx);
	while (!la.flag)
		cv_wait(&cv, &mtx);
	CU_ASSERT(mutex_owned(&mtx));
	mutex_exit(&mtx);
	kthread_join(kt);

	cv_destroy(&cv);
	rw_destroy(&rw);
	mutex_destroy(&mtx);
}

/* ---- uio ---- */

static void
test_uio(void)
{
	char a[3], b[1], c[5], src[16], dst[16];
	struct kiovec iov[4];
	struct uio uio;
	size_t i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (char)('a' + i);

	/* READ over 3 + 0 + 5 + 1 bytes, in two moves. */
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(c, 0, sizeof(c));
	iov[0] = (struct kiovec){ a, sizeof(a) };
	iov[1] = (struct kiovec){ NULL, 0 };
	iov[2] = (struct kiovec){ c, sizeof(c) };
	iov[3] = (struct kiovec){ b, sizeof(b) };
	uio.uio_iov = iov;
	uio.uio_iovcnt = 4;
	uio.uio_offset = 100;
	uio.uio_resid = 9;
	uio.uio_rw = UIO_READ;
	uiomove(src, 4, &uio);
	CU_ASSERT_EQUAL(uio.uio_resid, 5);
	CU_ASSERT_EQUAL(uio.uio_offset, 104);
	CU_ASSERT(memcmp(a, "abc", 3) == 0);
	CU_ASSERT_EQUAL(c[0], 'd');
	/* More than resid: only resid moves. */
	uiomove(src + 4, 10, &uio);
	CU_ASSERT_EQUAL(uio.uio_resid, 0);
	CU_ASSERT_EQUAL(uio.uio_offset, 109);
	CU_ASSERT(memcmp(c, "defgh", 5) == 0);
	CU_ASSERT_EQUAL(b[0], 'i');
	uiomove(src, 3, &uio);		/* nothing left: no-op */
	CU_ASSERT_EQUAL(uio.uio_offset, 109);

	/* WRITE: gather from the vectors. */
	iov[0] = (struct kiovec){ a, sizeof(a) };
	iov[1] = (struct kiovec){ c, sizeof(c) };
	uio.uio_iov = iov;
	uio.uio_iovcnt = 2;
	uio.uio_offset = 0;
	uio.uio_resid = 8;
	uio.uio_rw = UIO_WRITE;
	memset(dst, 0, sizeof(dst));
	uiomove(dst, 2, &uio);
	uiomove(dst + 2, 6, &uio);
	CU_ASSERT(memcmp(dst, "abcdefgh", 8) == 0);
	CU_ASSERT_EQUAL(uio.uio_resid, 0);
	CU_ASSERT_EQUAL(uio.uio_offset, 8);

	/* uiozero and uio_setup. */
	memset(dst, 'x', sizeof(dst));
	uio_setup(&uio, iov, dst, 10, 50, UIO_READ);
	CU_ASSERT_EQUAL(uio.uio_iovcnt, 1);
	uiozero(4, &uio);
	uiomove(src, 6, &uio);
	CU_ASSERT(memcmp(dst, "\0\0\0\0abcdefx", 11) == 0);
	CU_ASSERT_EQUAL(uio.uio_offset, 60);
	CU_ASSERT_EQUAL(uio.uio_resid, 0);
}

/* ---- genfs ---- */

static void
test_genfs_seek(void)
{
	struct mount *mp;
	struct vnode *vp, *vp3;
	uint64_t r;
	char err[256];
	int pass;

	CU_ASSERT_EQUAL_FATAL(vfs_mount("fakefs", NULL, "/seek", NULL, &mp,
	    err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 2, NULL, &vp), 0);
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 3, NULL, &vp3), 0);
	for (pass = 0; pass < 2; pass++) {
		fake_bmap_norun = pass == 1;
		vn_lock(vp, RW_READER);
		CU_ASSERT(VOP_SEEK(vp, 0, SEEK_DATA, &r) == 0 && r == 0);
		CU_ASSERT(VOP_SEEK(vp, 100, SEEK_DATA, &r) == 0 && r == 100);
		CU_ASSERT(VOP_SEEK(vp, 0, SEEK_HOLE, &r) == 0 &&
		    r == 2 * SEEK_BLK);
		CU_ASSERT(VOP_SEEK(vp, 2 * SEEK_BLK, SEEK_DATA, &r) == 0 &&
		    r == 5 * SEEK_BLK);
		CU_ASSERT(VOP_SEEK(vp, 9000, SEEK_DATA, &r) == 0 &&
		    r == 5 * SEEK_BLK);
		CU_ASSERT(VOP_SEEK(vp, 9000, SEEK_HOLE, &r) == 0 &&
		    r == 9000);
		CU_ASSERT(VOP_SEEK(vp, 5 * SEEK_BLK + 7, SEEK_HOLE, &r) == 0 &&
		    r == 6 * SEEK_BLK);
		CU_ASSERT_EQUAL(VOP_SEEK(vp, 6 * SEEK_BLK, SEEK_DATA, &r),
		    ENXIO);
		CU_ASSERT(VOP_SEEK(vp, SEEK_SIZE - 1, SEEK_HOLE, &r) == 0 &&
		    r == SEEK_SIZE - 1);
		CU_ASSERT_EQUAL(VOP_SEEK(vp, SEEK_SIZE, SEEK_DATA, &r), ENXIO);
		CU_ASSERT_EQUAL(VOP_SEEK(vp, SEEK_SIZE, SEEK_HOLE, &r), ENXIO);
		CU_ASSERT_EQUAL(VOP_SEEK(vp, 0, SEEK_SET, &r), EINVAL);
		vn_unlock(vp);
	}
	fake_bmap_norun = false;
	/* Without a block map the whole file is data. */
	vn_lock(vp3, RW_READER);
	CU_ASSERT(VOP_SEEK(vp3, 5, SEEK_DATA, &r) == 0 && r == 5);
	CU_ASSERT(VOP_SEEK(vp3, 5, SEEK_HOLE, &r) == 0 && r == SEEK_SIZE);
	CU_ASSERT_EQUAL(VOP_SEEK(vp3, SEEK_SIZE, SEEK_DATA, &r), ENXIO);
	CU_ASSERT_EQUAL(VOP_SEEK(vp3, SEEK_SIZE + 5, SEEK_HOLE, &r), ENXIO);
	vn_unlock(vp3);
	CU_ASSERT(genfs_name_is_dot(".", 1));
	CU_ASSERT(!genfs_name_is_dot("..", 2));
	CU_ASSERT(genfs_name_is_dotdot("..", 2));
	CU_ASSERT(!genfs_name_is_dotdot(".a", 2));
	vrele(vp);
	vrele(vp3);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

/* ---- registry ---- */

static void
test_register(void)
{
	static const char *const clash[] = { "fakealias", NULL };
	static const char *const clash2[] = { "fakefs", NULL };
	struct vfsops ops;

	CU_ASSERT_PTR_EQUAL(vfs_lookup_fstype("fakefs"), &fake_vfsops);
	CU_ASSERT_PTR_EQUAL(vfs_lookup_fstype("fakealias"), &fake_vfsops);
	CU_ASSERT_PTR_NULL(vfs_lookup_fstype("FAKEFS"));
	CU_ASSERT_PTR_NULL(vfs_lookup_fstype("nosuchfs"));
	CU_ASSERT_EQUAL(vfs_register(&fake_vfsops), EEXIST);

	ops = fake_vfsops;
	ops.vfs_name = "fake2";
	ops.vfs_aliases = clash;
	CU_ASSERT_EQUAL(vfs_register(&ops), EEXIST);
	ops.vfs_aliases = clash2;
	CU_ASSERT_EQUAL(vfs_register(&ops), EEXIST);
	ops.vfs_name = "fakealias";
	ops.vfs_aliases = NULL;
	CU_ASSERT_EQUAL(vfs_register(&ops), EEXIST);
	ops.vfs_name = "auto";
	CU_ASSERT_EQUAL(vfs_register(&ops), EINVAL);
	ops.vfs_name = "";
	CU_ASSERT_EQUAL(vfs_register(&ops), EINVAL);
	ops.vfs_name = NULL;
	CU_ASSERT_EQUAL(vfs_register(&ops), EINVAL);
	ops.vfs_name = "fake3";
	ops.vfs_sync = NULL;
	CU_ASSERT_EQUAL(vfs_register(&ops), EINVAL);
	CU_ASSERT_PTR_NULL(vfs_lookup_fstype("fake3"));
	CU_ASSERT_EQUAL(vfs_noprobe(NULL), EINVAL);
}

/* ---- options ---- */

/* Mount fakefs at /opt with OPTIONS; the error, and the message. */
static int
opt_mount(const char *options, struct mount **mpp, char *err, size_t len)
{

	return vfs_mount("fakefs", NULL, "/opt", options, mpp, err, len);
}

static void
test_opts_generic(void)
{
	struct mount *mp;
	const char *val;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(opt_mount("ro,noatime,,sync,nodev,nosuid,"
	    "force,", &mp, err, sizeof(err)), 0);
	/* No device: nobody else writes it (the cache timeouts). */
	CU_ASSERT(vfs_mount_locked(mp));
	CU_ASSERT(!vfs_mount_nocase(mp));
	CU_ASSERT_EQUAL(mp->mnt_flags & ~MNT_LOCKED, MNT_RDONLY |
	    MNT_NOATIME | MNT_SYNCHRONOUS | MNT_NODEV | MNT_NOSUID |
	    MNT_FORCE);
	CU_ASSERT(vfs_mount_rdonly(mp));
	CU_ASSERT_EQUAL(mp->mnt_nopts, 0);
	CU_ASSERT(!vfs_getopt(mp, "ro", &val));
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);

	/* Later options win; relatime and the positive forms clear. */
	CU_ASSERT_EQUAL_FATAL(opt_mount("ro,rw,noatime,relatime,sync,async,"
	    "nodev,dev,nosuid,suid,atime", &mp, err, sizeof(err)), 0);
	/* "rw" was given */
	CU_ASSERT_EQUAL(mp->mnt_flags & ~MNT_LOCKED, MNT_RWEXPLICIT);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);

	CU_ASSERT_EQUAL_FATAL(opt_mount("", &mp, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mp->mnt_flags & ~MNT_LOCKED, 0);
	CU_ASSERT_EQUAL(mp->mnt_namemax, NAME_MAX);
	CU_ASSERT_EQUAL(mp->mnt_maxfilesize, INT64_MAX);
	CU_ASSERT_EQUAL(mp->mnt_linkmax, LINK_MAX_DEFAULT);
	CU_ASSERT_STRING_EQUAL(vfs_mount_fstype(mp), "fakefs");
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL_FATAL(opt_mount(",,,", &mp, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

static void
test_opts_driver(void)
{
	struct mount *mp;
	const char *val;
	uint64_t v;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(opt_mount("size=64M,flag1,mode=0755,ro,"
	    "size=1g", &mp, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(mp->mnt_flags & ~MNT_LOCKED, MNT_RDONLY);
	CU_ASSERT_EQUAL(mp->mnt_nopts, 3);
	CU_ASSERT(vfs_getopt(mp, "size", &val));
	CU_ASSERT_STRING_EQUAL(val, "1g");	/* the last one wins */
	CU_ASSERT(vfs_getopt(mp, "flag1", &val));
	CU_ASSERT_PTR_NULL(val);
	CU_ASSERT(vfs_getopt(mp, "flag1", NULL));
	CU_ASSERT(vfs_getopt(mp, "mode", &val));
	CU_ASSERT_STRING_EQUAL(val, "0755");
	CU_ASSERT(!vfs_getopt(mp, "nothere", &val));
	CU_ASSERT_EQUAL(vfs_getopt_uint64(mp, "size", 0, &v), 0);
	CU_ASSERT_EQUAL(v, 1ULL << 30);
	CU_ASSERT_EQUAL(vfs_getopt_uint64(mp, "flag1", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(vfs_getopt_uint64(mp, "nothere", 0, &v), ENOENT);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

static void
test_opts_errors(void)
{
	struct mount *mp = (struct mount *)&fake_mountdata;
	char err[256];

	CU_ASSERT_EQUAL(opt_mount("ro,bogus=1", &mp, err, sizeof(err)),
	    EINVAL);
	CU_ASSERT_PTR_NULL(mp);
	CU_ASSERT_PTR_NOT_NULL(strstr(err,
	    "unknown mount option 'bogus' for fakefs"));
	CU_ASSERT_EQUAL(opt_mount("flag1=3", &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "option 'flag1' takes no value"));
	CU_ASSERT_EQUAL(opt_mount("size", &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "option 'size' needs a value"));
	CU_ASSERT_EQUAL(opt_mount("size=", &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "option 'size' needs a value"));
	CU_ASSERT_EQUAL(opt_mount("ro=1", &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "option 'ro' takes no value"));
	CU_ASSERT_EQUAL(opt_mount("=x", &mp, err, sizeof(err)), EINVAL);
	/* Nothing was mounted by any of these. */
	CU_ASSERT_EQUAL(__atomic_load_n(&fake_nmounted, __ATOMIC_SEQ_CST),
	    0);
	CU_ASSERT_EQUAL(vfs_mount_lookup("/opt", &mp), ENOENT);
	CU_ASSERT_EQUAL(vfs_mount("nosuchfs", NULL, "/opt", NULL, &mp, err,
	    sizeof(err)), ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nosuchfs"));
}

/* Parse "size=VALUE" directly and read it back as a size. */
static int
size_of(const char *value, uint64_t percent_of, uint64_t *vp)
{
	struct mount m;
	char opts[128];
	uint32_t flags = 0;
	bool rwx;
	int error;

	memset(&m, 0, sizeof(m));
	m.mnt_op = &fake_vfsops;
	(void)ksnprintf(opts, sizeof(opts), "size=%s", value);
	if ((error = vfs_opts_parse(&m, opts, &flags, &rwx)) != 0)
		return error;
	error = vfs_getopt_uint64(&m, "size", percent_of, vp);
	vfs_opts_free(&m);
	return error;
}

static void
test_opts_sizes(void)
{
	uint64_t v;

	CU_ASSERT(size_of("4096", 0, &v) == 0 && v == 4096);
	CU_ASSERT(size_of("0", 0, &v) == 0 && v == 0);
	CU_ASSERT(size_of("0x10", 0, &v) == 0 && v == 16);
	CU_ASSERT(size_of("0XfF", 0, &v) == 0 && v == 255);
	CU_ASSERT(size_of("1k", 0, &v) == 0 && v == 1024);
	CU_ASSERT(size_of("3K", 0, &v) == 0 && v == 3072);
	CU_ASSERT(size_of("2m", 0, &v) == 0 && v == 2ULL << 20);
	CU_ASSERT(size_of("5M", 0, &v) == 0 && v == 5ULL << 20);
	CU_ASSERT(size_of("3g", 0, &v) == 0 && v == 3ULL << 30);
	CU_ASSERT(size_of("1T", 0, &v) == 0 && v == 1ULL << 40);
	CU_ASSERT(size_of("0x10k", 0, &v) == 0 && v == 16384);
	CU_ASSERT(size_of("50%", 1000, &v) == 0 && v == 500);
	CU_ASSERT(size_of("100%", 12345, &v) == 0 && v == 12345);
	CU_ASSERT(size_of("33%", 100, &v) == 0 && v == 33);
	CU_ASSERT(size_of("50%", UINT64_MAX, &v) == 0 &&
	    v == UINT64_MAX / 2);
	CU_ASSERT(size_of("18446744073709551615", 0, &v) == 0 &&
	    v == UINT64_MAX);
	CU_ASSERT_EQUAL(size_of("18446744073709551616", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("16777216t", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("200%", UINT64_MAX, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("50%", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("abc", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("10x", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("10kb", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("0x", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("%", 100, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("-1", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of(" 1", 0, &v), EINVAL);
	CU_ASSERT_EQUAL(size_of("5%x", 100, &v), EINVAL);
}

/* ---- mount table ---- */

static void
test_normalise(void)
{
	char buf[64];

	CU_ASSERT(vfs_target_normalise("/a//b/", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/a/b") == 0);
	CU_ASSERT(vfs_target_normalise("/", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/") == 0);
	CU_ASSERT(vfs_target_normalise("///", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/") == 0);
	CU_ASSERT(vfs_target_normalise("/mnt", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/mnt") == 0);
	CU_ASSERT(vfs_target_normalise("//x/.y/..z", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/x/.y/..z") == 0);
	CU_ASSERT_EQUAL(vfs_target_normalise("mnt", buf, sizeof(buf)), EINVAL);
	CU_ASSERT_EQUAL(vfs_target_normalise("", buf, sizeof(buf)), EINVAL);
	CU_ASSERT_EQUAL(vfs_target_normalise(NULL, buf, sizeof(buf)), EINVAL);
	CU_ASSERT_EQUAL(vfs_target_normalise("/a/./b", buf, sizeof(buf)),
	    EINVAL);
	CU_ASSERT_EQUAL(vfs_target_normalise("/a/..", buf, sizeof(buf)),
	    EINVAL);
	CU_ASSERT_EQUAL(vfs_target_normalise("/.", buf, sizeof(buf)), EINVAL);
	CU_ASSERT_EQUAL(vfs_target_normalise("/0123456789", buf, 8),
	    ENAMETOOLONG);
}

struct resolve_case {
	const char	*path;
	const char	*target;	/* NULL: ENOENT expected */
	const char	*rest;
};

static void
check_resolve(const struct resolve_case *rc)
{
	struct mount *mp;
	const char *rest;
	int error;

	error = vfs_mount_resolve(rc->path, &mp, &rest);
	if (rc->target == NULL) {
		CU_ASSERT_EQUAL(error, ENOENT);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(error, 0);
	CU_ASSERT_STRING_EQUAL(mp->mnt_target, rc->target);
	CU_ASSERT_STRING_EQUAL(rest, rc->rest);
	CU_ASSERT(rest >= rc->path && rest <= rc->path + strlen(rc->path));
	vfs_mount_rele(mp);
}

static void
test_mount_table(void)
{
	static const struct resolve_case before[] = {
		{ "/mnt/a", "/mnt", "a" },
		{ "/", NULL, NULL },
		{ "/other", NULL, NULL },
	};
	static const struct resolve_case cases[] = {
		{ "/mnt/a/b", "/mnt", "a/b" },
		{ "/mnt", "/mnt", "" },
		{ "/mnt/", "/mnt", "" },
		{ "//mnt//a", "/mnt", "a" },
		{ "/mntx/y", "/mntx", "y" },
		{ "/mntxy", "/", "mntxy" },
		{ "/mn", "/", "mn" },
		{ "/", "/", "" },
		{ "/mnt/deep/er/x", "/mnt/deep/er", "x" },
		{ "/mnt/deep/e", "/mnt", "deep/e" },
		{ "/mnt/../x", "/mnt", "../x" },
		{ "/x/y", "/", "x/y" },
	};
	struct mount *m_mnt, *m_root, *m_mntx, *m_deep, *mp;
	const char *rest;
	char err[256];
	size_t i;

	CU_ASSERT_EQUAL(vfs_mount_resolve("relative", &mp, &rest), EINVAL);
	CU_ASSERT_EQUAL_FATAL(vfs_mount("fakefs", NULL, "/mnt/", NULL,
	    &m_mnt, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(m_mnt->mnt_target, "/mnt");
	for (i = 0; i < __arraycount(before); i++)
		check_resolve(&before[i]);
	CU_ASSERT_EQUAL_FATAL(vfs_mount("fakealias", "src", "/", NULL,
	    &m_root, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(m_root->mnt_source, "src");
	CU_ASSERT_EQUAL_FATAL(vfs_mount("fakefs", NULL, "//mntx", NULL,
	    &m_mntx, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_mount("fakefs", NULL, "/mnt/deep/er", NULL,
	    &m_deep, err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(m_mnt->mnt_fsid, m_root->mnt_fsid);
	for (i = 0; i < __arraycount(cases); i++)
		check_resolve(&cases[i]);

	/* Busy targets and bad targets. */
	CU_ASSERT_EQUAL(vfs_mount("fakefs", NULL, "/mnt//", NULL, &mp, err,
	    sizeof(err)), EBUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/mnt"));
	CU_ASSERT_EQUAL(vfs_mount("fakefs", NULL, "mnt2", NULL, &mp, err,
	    sizeof(err)), EINVAL);
	CU_ASSERT_EQUAL(vfs_mount("fakefs", NULL, "/a/../b", NULL, &mp, err,
	    sizeof(err)), EINVAL);

	/* Lookup. */
	CU_ASSERT(vfs_mount_lookup("/mntx/", &mp) == 0 && mp == m_mntx);
	CU_ASSERT(vfs_mount_lookup("/", &mp) == 0 && mp == m_root);
	CU_ASSERT_EQUAL(vfs_mount_lookup("/nothere", &mp), ENOENT);

	/* A resolve reference makes unmount EBUSY until released. */
	CU_ASSERT_EQUAL_FATAL(vfs_mount_resolve("/mntx/f", &mp, &rest), 0);
	CU_ASSERT_PTR_EQUAL(mp, m_mntx);
	CU_ASSERT_EQUAL(vfs_unmount(m_mntx, 0), EBUSY);
	check_resolve(&cases[4]);	/* still mounted and usable */
	vfs_mount_rele(mp);
	CU_ASSERT_EQUAL(vfs_unmount(m_mntx, 0), 0);
	CU_ASSERT_EQUAL(vfs_unmount(m_mntx, 0), EINVAL);
	{
		static const struct resolve_case after =
		    { "/mntx/y", "/", "mntx/y" };

		check_resolve(&after);
	}

	/* Forced unmount while a resolve reference is held. */
	CU_ASSERT_EQUAL_FATAL(vfs_mount_resolve("/mnt/deep/er", &mp, &rest),
	    0);
	CU_ASSERT_EQUAL(vfs_unmount(m_deep, VFS_UMOUNT_FORCE), 0);
	CU_ASSERT_STRING_EQUAL(vfs_mount_fstype(mp), "dead");
	vfs_mount_rele(mp);	/* frees it */

	CU_ASSERT_EQUAL(vfs_unmount(m_mnt, 0), 0);
	CU_ASSERT_EQUAL(vfs_unmount(m_root, 0), 0);
	CU_ASSERT_EQUAL(vfs_mount_resolve("/x", &mp, &rest), ENOENT);
}

/* ---- devices: auto probing, read-only ---- */

static void
test_auto_probe(void)
{
	static char img[8192];
	struct mount *mp;
	void *buf;
	uint64_t size;
	char err[256];

	memset(img, 0, sizeof(img));
	memcpy(img, "PROBE", 5);
	CU_ASSERT_EQUAL_FATAL(vfs_mount_mem("auto", img, sizeof(img),
	    sizeof(img), "/p", "ro,size=1k", &mp, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vfs_mount_fstype(mp), "probefs");
	CU_ASSERT(vfs_mount_rdonly(mp));
	CU_ASSERT(vfs_getopt(mp, "size", NULL));
	CU_ASSERT_EQUAL(vfs_mount_membuf(mp, &buf, &size), 0);
	CU_ASSERT_EQUAL(size, sizeof(img));
	CU_ASSERT(memcmp(buf, "PROBE", 5) == 0);
	CU_ASSERT_EQUAL(vfs_sync(mp), 0);
	CU_ASSERT_EQUAL(vfs_sync(NULL), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);

	/* probefs2 has no options: "size" is unknown to it. */
	memcpy(img, "PRB2\0\0", 6);
	CU_ASSERT_EQUAL(vfs_mount_mem("auto", img, sizeof(img), sizeof(img),
	    "/p", "size=1k", &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err,
	    "unknown mount option 'size' for probefs2"));
	CU_ASSERT_EQUAL_FATAL(vfs_mount_mem("auto", img, sizeof(img),
	    2 * sizeof(img), "/p", NULL, &mp, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vfs_mount_fstype(mp), "probefs2");
	CU_ASSERT(!vfs_mount_rdonly(mp));
	CU_ASSERT_EQUAL(vfs_mount_membuf(mp, &buf, &size), 0);
	CU_ASSERT_EQUAL(size, 2 * sizeof(img));
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);

	/* Both match: ambiguous, refused naming both; -t picks one. */
	memcpy(img, "BOTH\0\0", 6);
	CU_ASSERT_EQUAL(vfs_mount_mem("auto", img, sizeof(img),
	    sizeof(img), "/p", NULL, &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err,
	    "ambiguous: probefs, probefs2; use -t TYPE"));
	CU_ASSERT_EQUAL_FATAL(vfs_mount_mem("probefs2", img, sizeof(img),
	    sizeof(img), "/p", NULL, &mp, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(vfs_mount_fstype(mp), "probefs2");
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);

	/* None matches. */
	memcpy(img, "NONE\0\0", 6);
	CU_ASSERT_EQUAL(vfs_mount_mem("auto", img, sizeof(img), sizeof(img),
	    "/p", NULL, &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no filesystem recognised on"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "probefs, probefs2"));

	/* The named type refuses a bad image, with its own message. */
	CU_ASSERT_EQUAL(vfs_mount_mem("probefs", img, sizeof(img),
	    sizeof(img), "/p", NULL, &mp, err, sizeof(err)), EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "probefs: bad magic"));

	/* A device-backed type without a device. */
	CU_ASSERT_EQUAL(vfs_mount("probefs", "", "/p", NULL, &mp, err,
	    sizeof(err)), EINVAL);
	CU_ASSERT_NOT_EQUAL(vfs_mount("probefs", "/nonexistent/image", "/p",
	    NULL, &mp, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/image"));
	/* A memory mount of a device-less type has no membuf. */
	CU_ASSERT_EQUAL_FATAL(vfs_mount("fakefs", NULL, "/p", NULL, &mp, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(vfs_mount_membuf(mp, &buf, &size), EINVAL);
	CU_ASSERT_STRING_EQUAL(mp->mnt_source, "none");
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

/* ---- allocation failures ---- */

static void
set_fault_mem(const char *n)
{

	if (n != NULL)
		setenv("RUMP_FAULT_MEM", n, 1);
	else
		unsetenv("RUMP_FAULT_MEM");
	hyp_fault_reload();
}

static void
test_mount_enomem(void)
{
	static char img[4096] = "PROBE";
	struct mount *mp;
	struct vnode *vp;
	char err[256], n[16];
	int i, error, ok = 0, failed = 0;

	for (i = 1; i <= 40; i++) {
		(void)ksnprintf(n, sizeof(n), "%d", i);
		set_fault_mem(n);
		error = vfs_mount("fakefs", NULL, "/nomem",
		    "size=1m,flag1,mode=1", &mp, err, sizeof(err));
		if (error == 0) {
			if (vcache_get(mp, 5, NULL, &vp) == 0)
				vrele(vp);
			set_fault_mem(NULL);
			CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
			ok++;
		} else {
			CU_ASSERT_EQUAL(error, ENOMEM);
			failed++;
		}
		set_fault_mem(n);
		error = vfs_mount_mem("auto", img, sizeof(img), sizeof(img),
		    "/nomem2", "size=1", &mp, err, sizeof(err));
		set_fault_mem(NULL);
		if (error == 0)
			CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	}
	set_fault_mem(NULL);
	CU_ASSERT(ok > 0);
	CU_ASSERT(failed > 0);
	CU_ASSERT_EQUAL(vfs_mount_lookup("/nomem", &mp), ENOENT);
	CU_ASSERT_EQUAL(vfs_mount_lookup("/nomem2", &mp), ENOENT);

	/* vcache_get: the vnode allocation fails. */
	CU_ASSERT_EQUAL_FATAL(vfs_mount("fakefs", NULL, "/nomem", NULL, &mp,
	    err, sizeof(err)), 0);
	set_fault_mem("1");
	CU_ASSERT_EQUAL(vcache_get(mp, 9, NULL, &vp), ENOMEM);
	set_fault_mem(NULL);
	CU_ASSERT_EQUAL_FATAL(vcache_get(mp, 9, NULL, &vp), 0);
	vrele(vp);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

int
main(void)
{
	CU_pSuite s;
	int rc;

	if (vfs_init(NULL) != 0)
		return 1;
	if (vfs_register(&fake_vfsops) != 0 ||
	    vfs_register(&probefs_vfsops) != 0 ||
	    vfs_register(&probefs2_vfsops) != 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("kern", NULL, NULL);
	CU_add_test(s, "ksnprintf", test_ksnprintf);
	CU_add_test(s, "kmem, random, tables", test_kmem);
	CU_add_test(s, "credentials", test_cred);
	CU_add_test(s, "locks: owners and timed waits", test_locks);
	CU_add_test(s, "uiomove over several iovecs, uiozero", test_uio);
	CU_add_test(s, "genfs_seek and names", test_genfs_seek);
	s = CU_add_suite("mount", NULL, NULL);
	CU_add_test(s, "registry", test_register);
	CU_add_test(s, "generic options", test_opts_generic);
	CU_add_test(s, "driver options", test_opts_driver);
	CU_add_test(s, "option errors", test_opts_errors);
	CU_add_test(s, "sizes with suffixes and %", test_opts_sizes);
	CU_add_test(s, "target normalisation", test_normalise);
	CU_add_test(s, "mount table and resolve", test_mount_table);
	CU_add_test(s, "auto probing and devices", test_auto_probe);
	CU_add_test(s, "allocation failures", test_mount_enomem);
	rc = cunit_tap_run();
	CU_cleanup_registry();
	vfs_shutdown();
	return rc;
}
